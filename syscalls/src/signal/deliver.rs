//! Delivery: what happens each time a thread is about to return to the
//! program with work pending (Linux's arch_do_signal_or_restart). The next
//! deliverable signal is taken; its disposition decides: ignore it, stop
//! the process, end it, or build a frame and enter the handler. An
//! interrupted system call is then finished as signal(7) says: EINTR, or a
//! restart.

use super::frame::{self, FrameInput};
use super::{
    DefaultAction, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER, SIG_DFL, SIG_IGN,
    SIGSEGV, SS_AUTODISARM, SigAction, SigInfo, StackT, bit, default_action,
};
use crate::dispatch::Ctx;
use crate::process::ExitStatus;
use crate::{Errno, nr};

/// What the kernel does after `deliver`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing more: return to the program as the registers say.
    Nothing,
    /// The registers changed (a handler's frame, a restarted call): return
    /// restoring all of them. Call `deliver` again first if work remains.
    Changed,
    /// The process ends: a fatal signal (its siginfo, for the report) or
    /// exit_group in another thread.
    Exit(ExitStatus, Option<SigInfo>),
    /// A group stop: call `wait_while_stopped`, then `deliver` again.
    Stop,
}

/// Delivers at most one signal to the calling thread (see the module).
pub fn deliver(ctx: &mut Ctx<'_>) -> Delivery {
    let tid = ctx.thread.tid;
    let taken = loop {
        let mut s = ctx.process.signals.lock();
        if let Some(status) = s.group_exit {
            return Delivery::Exit(status, None);
        }
        if s.stopped {
            return Delivery::Stop;
        }
        let mask = s.mask(tid);
        let Some(info) = s.dequeue(tid, mask) else {
            // No handler will run: a mask sigsuspend or ppoll set is
            // restored now.
            if let Some(saved) = s.thread_mut(tid).and_then(|t| t.saved_mask.take()) {
                s.set_mask(tid, saved);
            }
            break None;
        };
        let sig = info.sig();
        let action = s.actions[sig - 1];
        match action.handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    s.stopped = true;
                    s.recalc_all();
                    for t in s.tids() {
                        if let Some(ts) = s.thread(t) {
                            ts.thread.wake();
                        }
                    }
                    log::warn!(
                        "the program stopped itself with {} (it continues on SIGCONT)",
                        super::name(sig)
                    );
                    return Delivery::Stop;
                }
                DefaultAction::Terminate | DefaultAction::Core => {
                    let status = ExitStatus::Signal {
                        sig: sig as u8,
                        core: default_action(sig) == DefaultAction::Core,
                    };
                    s.begin_group_exit(status);
                    return Delivery::Exit(status, Some(info));
                }
            },
            _ => {
                if action.flags & SA_RESETHAND != 0 {
                    s.actions[sig - 1].handler = SIG_DFL;
                }
                break Some((info, action));
            }
        }
    };
    let restarted = finish_syscall(ctx, taken.as_ref().map(|(_, a)| a));
    match taken {
        Some((info, action)) => {
            if !enter_handler(ctx, &info, &action) {
                force_segv(ctx, info.sig());
            }
            Delivery::Changed
        }
        None if restarted => Delivery::Changed,
        None => Delivery::Nothing,
    }
}

/// An interrupted system call's ending (signal(7), "Interruption of system
/// calls and library functions by signal handlers"). True if the
/// registers changed.
fn finish_syscall(ctx: &mut Ctx<'_>, handler: Option<&SigAction>) -> bool {
    let regs = &mut *ctx.regs;
    if !regs.in_syscall() {
        return false;
    }
    let ret = regs.rax as i64;
    let code = |e: Errno| -(e as i64);
    let restart = |regs: &mut crate::regs::UserRegs| {
        regs.rax = regs.orig_rax;
        regs.rip -= 2; // `syscall` is two bytes
    };
    let eintr = code(Errno::EINTR) as u64;
    let changed = match handler {
        Some(action) => {
            if ret == code(Errno::ERESTARTNOHAND) || ret == code(Errno::ERESTART_RESTARTBLOCK) {
                regs.rax = eintr;
                true
            } else if ret == code(Errno::ERESTARTSYS) {
                if action.flags & SA_RESTART != 0 {
                    restart(regs);
                } else {
                    regs.rax = eintr;
                }
                true
            } else if ret == code(Errno::ERESTARTNOINTR) {
                restart(regs);
                true
            } else {
                false
            }
        }
        None => {
            if ret == code(Errno::ERESTARTNOHAND)
                || ret == code(Errno::ERESTARTSYS)
                || ret == code(Errno::ERESTARTNOINTR)
            {
                restart(regs);
                true
            } else if ret == code(Errno::ERESTART_RESTARTBLOCK) {
                regs.rax = nr::RESTART_SYSCALL as u64;
                regs.rip -= 2;
                true
            } else {
                false
            }
        }
    };
    // The call is settled; a second pass must not settle it again.
    regs.orig_rax = u64::MAX;
    changed
}

/// Builds the handler's frame and points the registers at the handler.
/// False if the frame cannot be written (no restorer, a bad or
/// overflowing stack).
fn enter_handler(ctx: &mut Ctx<'_>, info: &SigInfo, action: &SigAction) -> bool {
    let tid = ctx.thread.tid;
    let sig = info.sig();
    if action.flags & SA_RESTORER == 0 {
        // x86-64 has no default restorer: the libc always provides one.
        return false;
    }
    let (mask, altstack, fault) = {
        let s = ctx.process.signals.lock();
        let Some(t) = s.thread(tid) else { return false };
        (t.saved_mask.unwrap_or(t.mask), t.altstack, t.fault)
    };
    let onstack = action.flags & SA_ONSTACK != 0;
    let sp = frame::frame_top(ctx.regs, &altstack, onstack);
    let mut fpu = alloc::vec![0u8; ctx.platform.xstate_size()];
    ctx.platform.save_fpu(&mut fpu);
    let placement = frame::build(&FrameInput {
        regs: ctx.regs,
        info,
        mask,
        altstack: shown_altstack(&altstack, ctx.regs.rsp),
        sp,
        restorer: action.restorer,
        fault: if is_fault(info) {
            fault
        } else {
            super::FaultInfo::default()
        },
        fpu: &fpu,
        xfeatures: ctx.platform.xfeatures(),
    });
    // On the alternate stack, the frame must fit on it (Linux's
    // get_sigframe checks the same): else the stack overflowed.
    let on_alt = altstack.contains(sp);
    if on_alt && !altstack.contains(placement.frame) {
        return false;
    }
    if ctx
        .platform
        .write_user(placement.frame, &placement.bytes)
        .is_err()
    {
        return false;
    }
    frame::enter_handler(ctx.regs, placement.frame, sig, action.handler);
    // The handler starts with a clean FPU (Linux's fpu__clear_user_states);
    // the program's state waits in the frame.
    ctx.platform
        .restore_fpu(&frame::initial_fpu_image(ctx.platform.xstate_size()));
    let mut s = ctx.process.signals.lock();
    let mut new_mask = s.mask(tid) | action.mask;
    if action.flags & SA_NODEFER == 0 {
        new_mask |= bit(sig);
    }
    if let Some(t) = s.thread_mut(tid) {
        t.saved_mask = None;
        // SS_AUTODISARM: the handler may switch away from the stack
        // (swapcontext); rt_sigreturn puts it back from uc_stack.
        if t.altstack.flags & SS_AUTODISARM != 0 {
            t.altstack = StackT::disabled();
        }
    }
    s.set_mask(tid, new_mask);
    true
}

/// What uc_stack shows: the stack as set, with SS_ONSTACK while running on
/// it.
fn shown_altstack(alt: &StackT, rsp: u64) -> StackT {
    let mut shown = *alt;
    if alt.contains(rsp) {
        shown.flags |= super::SS_ONSTACK;
    }
    shown
}

/// Whether a signal came from a CPU exception (its sigcontext then shows
/// the trap number, error code and CR2).
fn is_fault(info: &SigInfo) -> bool {
    use super::{SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    matches!(info.sig(), SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP)
        && (info.code > 0 || info.code == super::SI_KERNEL)
}

/// A handler's frame could not be written (Linux's force_sigsegv): the
/// thread gets SIGSEGV, which kills it if the failed signal was SIGSEGV
/// itself.
fn force_segv(ctx: &Ctx<'_>, failed: usize) {
    if failed == SIGSEGV {
        ctx.process.signals.lock().actions[SIGSEGV - 1].handler = SIG_DFL;
    }
    super::generate::force_fault(
        ctx.process,
        ctx.thread.tid,
        SigInfo::kernel(SIGSEGV),
        super::FaultInfo::default(),
    );
}

/// Sleeps while the process is stopped (until SIGCONT, or its end).
pub fn wait_while_stopped(ctx: &Ctx<'_>) {
    loop {
        ctx.platform.prepare_sleep();
        let s = ctx.process.signals.lock();
        if !s.stopped || s.group_exit.is_some() {
            drop(s);
            ctx.platform.cancel_sleep();
            return;
        }
        drop(s);
        ctx.platform.sleep(None);
    }
}
