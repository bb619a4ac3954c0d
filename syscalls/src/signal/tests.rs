//! Host tests of signal generation, delivery and rt_sigreturn, through
//! `dispatch` and `deliver` on the test platform, checked against
//! signal(7), sigaction(2) and the x86-64 frame layout.

use super::frame::{FP_XSTATE_MAGIC1, FP_XSTATE_MAGIC2, RtSigFrame};
use super::*;
use crate::nr;
use crate::platform::Platform;
use crate::testing::{self, Harness, TEST_HANDLER, TEST_RESTORER, TEST_XSTATE_SIZE};
use zerocopy::IntoBytes;

const STACK: u64 = 64 * 1024;

fn harness() -> Harness {
    let mut h = testing::harness();
    h.stack = testing::scratch(&h.process, &h.platform, STACK) + STACK;
    h
}

fn frame(h: &Harness) -> RtSigFrame {
    let mut f = RtSigFrame::default();
    h.platform
        .read_user(h.regs.rsp, f.as_mut_bytes())
        .expect("the frame");
    f
}

fn sigaction(h: &mut Harness, sig: usize, act: SigAction) {
    let at = testing::scratch(&h.process, &h.platform, 4096);
    h.platform.write_user(at, act.as_bytes()).unwrap();
    assert_eq!(h.call(nr::RT_SIGACTION, &[sig as u64, at, 0, 8]), 0);
}

fn handler(flags: u64) -> SigAction {
    SigAction {
        handler: TEST_HANDLER,
        flags: flags | SA_RESTORER | SA_SIGINFO,
        restorer: TEST_RESTORER,
        mask: 0,
    }
}

#[test]
fn a_handled_signal_gets_linux_s_frame() {
    let mut h = harness();
    sigaction(&mut h, SIGUSR1, handler(0));
    h.platform.fpu_image_set(0x55);
    assert_eq!(h.call(nr::KILL, &[1, SIGUSR1 as u64]), 0);
    // The handler runs with (signo, &info, &uc), RSP + 8 16-aligned.
    assert_eq!(h.regs.rip, TEST_HANDLER);
    assert_eq!(h.regs.rdi, SIGUSR1 as u64);
    assert_eq!((h.regs.rsp + 8) % 16, 0);
    let f = frame(&h);
    assert_eq!(h.regs.rsi, h.regs.rsp + 8 + 304);
    assert_eq!(h.regs.rdx, h.regs.rsp + 8);
    assert_eq!(f.pretcode, TEST_RESTORER);
    assert_eq!(f.info.signo, SIGUSR1 as i32);
    assert_eq!(f.info.code, SI_USER);
    assert_eq!(f.info.fields[0] & 0xffff_ffff, 1, "si_pid");
    // The interrupted registers, the call's result among them.
    assert_eq!(f.uc.mcontext.rax, 0);
    assert_eq!(f.uc.mcontext.rip, 0x40_1002);
    assert_eq!(f.uc.mcontext.rsp, h.stack);
    assert_eq!(f.uc.sigmask, 0);
    // The FPU image above the frame, 64-aligned, with its markers.
    let fp = f.uc.mcontext.fpstate;
    assert_eq!(fp % 64, 0);
    assert!(fp > h.regs.rsp && fp + TEST_XSTATE_SIZE as u64 + 4 <= h.stack - 128);
    let mut img = alloc::vec![0u8; TEST_XSTATE_SIZE + 4];
    h.platform.read_user(fp, &mut img).unwrap();
    assert_eq!(img[100], 0x55);
    assert_eq!(
        u32::from_le_bytes(img[464..468].try_into().unwrap()),
        FP_XSTATE_MAGIC1
    );
    assert_eq!(
        u32::from_le_bytes(img[TEST_XSTATE_SIZE..].try_into().unwrap()),
        FP_XSTATE_MAGIC2
    );
    // Inside the handler the signal is blocked (no SA_NODEFER).
    assert_eq!(h.process.signals.lock().mask(1), bit(SIGUSR1));
}

#[test]
fn rt_sigreturn_restores_registers_mask_and_fpu() {
    let mut h = harness();
    sigaction(&mut h, SIGUSR2, handler(0));
    h.platform.fpu_image_set(0x11);
    h.call(nr::KILL, &[1, SIGUSR2 as u64]);
    let frame_at = h.regs.rsp;
    // The handler changes a register and the FPU state in the frame.
    let mut f = frame(&h);
    f.uc.mcontext.rbx = 0xabcd;
    h.platform.write_user(frame_at, f.as_bytes()).unwrap();
    let fp = f.uc.mcontext.fpstate;
    h.platform.write_user(fp + 100, &[0x77]).unwrap();
    h.platform.fpu_image_set(0x99);
    // The restorer: its `ret` popped pretcode, then rt_sigreturn.
    let (_, rax) = h.call_from(nr::RT_SIGRETURN, &[], frame_at + 8);
    assert_eq!(rax, 0, "the interrupted call's result comes back");
    assert_eq!(h.regs.rbx, 0xabcd);
    assert_eq!(h.regs.rip, 0x40_1002);
    assert_eq!(h.regs.rsp, h.stack);
    assert_eq!(h.platform.fpu_image()[100], 0x77);
    assert_eq!(h.process.signals.lock().mask(1), 0, "the old mask is back");
}

#[test]
fn a_malformed_fpu_image_in_the_frame_is_fatal() {
    let mut h = harness();
    sigaction(&mut h, SIGUSR1, handler(0));
    h.call(nr::KILL, &[1, SIGUSR1 as u64]);
    let frame_at = h.regs.rsp;
    let fp = frame(&h).uc.mcontext.fpstate;
    // XSTATE_BV names a feature the machine does not have.
    h.platform.write_user(fp + 512, &[0xff]).unwrap();
    h.call_from(nr::RT_SIGRETURN, &[], frame_at + 8);
    let s = h.process.signals.lock();
    assert_eq!(s.pending(1) & bit(SIGSEGV), 0, "delivered");
    assert!(matches!(
        s.group_exit,
        Some(crate::process::ExitStatus::Signal {
            sig: 11,
            core: true
        })
    ));
}

#[test]
fn without_a_restorer_delivery_kills_with_sigsegv() {
    let mut h = harness();
    let mut act = handler(0);
    act.flags &= !SA_RESTORER;
    sigaction(&mut h, SIGUSR1, act);
    h.call(nr::KILL, &[1, SIGUSR1 as u64]);
    assert!(matches!(
        h.process.signals.lock().group_exit,
        Some(crate::process::ExitStatus::Signal { sig: 11, .. })
    ));
}

#[test]
fn default_actions_terminate_ignore_and_stop() {
    let mut h = harness();
    // SIGCHLD and SIGWINCH are ignored by default: discarded at once.
    h.call(nr::KILL, &[1, SIGCHLD as u64]);
    h.call(nr::KILL, &[1, SIGWINCH as u64]);
    assert_eq!(h.process.signals.lock().pending(1), 0);
    assert!(!h.thread.has_work());
    // SIGTERM terminates (no core), SIGQUIT dumps core.
    h.call(nr::KILL, &[1, SIGTERM as u64]);
    assert_eq!(
        h.process.signals.lock().group_exit,
        Some(crate::process::ExitStatus::Signal {
            sig: 15,
            core: false
        })
    );
    let mut h = harness();
    h.call(nr::KILL, &[1, SIGQUIT as u64]);
    assert_eq!(
        h.process.signals.lock().group_exit,
        Some(crate::process::ExitStatus::Signal { sig: 3, core: true })
    );
    // SIGSTOP stops the process; SIGCONT (from anyone: a timer here)
    // continues it.
    let mut h = harness();
    h.call(nr::KILL, &[1, SIGSTOP as u64]);
    assert!(h.process.signals.lock().stopped);
    generate::send(
        &h.process,
        generate::Target::Process,
        SigInfo::kernel(SIGCONT),
    )
    .unwrap();
    assert!(!h.process.signals.lock().stopped);
}

#[test]
fn blocked_signals_wait_and_standard_ones_coalesce() {
    let mut h = harness();
    sigaction(&mut h, SIGUSR1, handler(0));
    let set = testing::scratch(&h.process, &h.platform, 4096);
    h.platform
        .write_user(set, &bit(SIGUSR1).to_le_bytes())
        .unwrap();
    h.call(nr::RT_SIGPROCMASK, &[0, set, 0, 8]);
    h.call(nr::KILL, &[1, SIGUSR1 as u64]);
    h.call(nr::KILL, &[1, SIGUSR1 as u64]);
    assert_eq!(h.regs.rip, 0x40_1002, "no handler while blocked");
    assert!(!h.thread.has_work());
    let out = set + 64;
    h.call(nr::RT_SIGPENDING, &[out, 8]);
    let mut p = [0u8; 8];
    h.platform.read_user(out, &mut p).unwrap();
    assert_eq!(u64::from_le_bytes(p), bit(SIGUSR1));
    // Unblocked: delivered once.
    h.call(nr::RT_SIGPROCMASK, &[1, set, 0, 8]);
    assert_eq!(h.regs.rip, TEST_HANDLER);
    assert_eq!(h.process.signals.lock().pending(1), 0, "the two coalesced");
}

#[test]
fn real_time_signals_queue_in_order_with_their_values() {
    let mut h = harness();
    let rt = SIGRTMIN + 2;
    let set = testing::scratch(&h.process, &h.platform, 4096);
    h.platform.write_user(set, &bit(rt).to_le_bytes()).unwrap();
    h.call(nr::RT_SIGPROCMASK, &[0, set, 0, 8]);
    for value in [7u64, 8, 9] {
        let info = SigInfo::queued(rt, SI_QUEUE, 1, 0, value);
        h.platform.write_user(set + 64, info.as_bytes()).unwrap();
        assert_eq!(h.call(nr::RT_SIGQUEUEINFO, &[1, rt as u64, set + 64]), 0);
    }
    for value in [7u64, 8, 9] {
        let got = h.call(nr::RT_SIGTIMEDWAIT, &[set, set + 256, 0, 8]);
        assert_eq!(got, rt as i64);
        let mut info = SigInfo::default();
        h.platform
            .read_user(set + 256, info.as_mut_bytes())
            .unwrap();
        assert_eq!((info.code, info.fields[1]), (SI_QUEUE, value));
    }
    // Nothing left: a zero timeout is EAGAIN.
    let ts = set + 512;
    h.platform.write_user(ts, &[0u8; 16]).unwrap();
    assert_eq!(h.call(nr::RT_SIGTIMEDWAIT, &[set, 0, ts, 8]), -11);
}

#[test]
fn sa_restart_decides_between_eintr_and_a_restart() {
    // A read of an empty pipe: restarted under SA_RESTART, else EINTR.
    for (flags, restarted) in [(0, false), (SA_RESTART, true)] {
        let mut h = harness();
        let fds = testing::scratch(&h.process, &h.platform, 4096);
        h.call(nr::PIPE, &[fds]);
        h.interrupt_with(SIGALRM, flags);
        let r = h.call(nr::READ, &[3, fds + 64, 1]);
        let f = frame(&h);
        if restarted {
            assert_eq!(f.uc.mcontext.rax, nr::READ as u64);
            assert_eq!(f.uc.mcontext.rip, 0x40_1000);
        } else {
            assert_eq!(r, -4);
            assert_eq!(f.uc.mcontext.rip, 0x40_1002);
        }
    }
}

#[test]
fn nanosleep_ends_with_eintr_and_the_time_left() {
    let mut h = harness();
    let ts = testing::scratch(&h.process, &h.platform, 4096);
    h.platform
        .write_user(ts, crate::abi::Timespec { sec: 5, nsec: 0 }.as_bytes())
        .unwrap();
    h.interrupt_with(SIGALRM, SA_RESTART);
    assert_eq!(h.call(nr::NANOSLEEP, &[ts, ts + 16]), -4, "never restarted");
    let mut rem = crate::abi::Timespec::default();
    h.platform.read_user(ts + 16, rem.as_mut_bytes()).unwrap();
    assert_eq!(rem.sec, 5, "no time passed on the test clock");
}

#[test]
fn sigsuspend_waits_with_its_mask_and_the_frame_restores_the_old_one() {
    let mut h = harness();
    sigaction(&mut h, SIGUSR1, handler(0));
    let set = testing::scratch(&h.process, &h.platform, 4096);
    h.platform
        .write_user(set, &bit(SIGUSR1).to_le_bytes())
        .unwrap();
    h.call(nr::RT_SIGPROCMASK, &[0, set, 0, 8]);
    h.call(nr::KILL, &[1, SIGUSR1 as u64]);
    // sigsuspend with an empty mask: the pending signal is delivered.
    h.platform.write_user(set + 8, &0u64.to_le_bytes()).unwrap();
    assert_eq!(h.call(nr::RT_SIGSUSPEND, &[set + 8, 8]), -4);
    assert_eq!(
        frame(&h).uc.sigmask,
        bit(SIGUSR1),
        "the old mask, for later"
    );
}

#[test]
fn sigaltstack_takes_the_frame_and_reports_onstack() {
    let mut h = harness();
    let alt = testing::scratch(&h.process, &h.platform, 16384);
    let ss = StackT {
        sp: alt,
        flags: 0,
        _pad: 0,
        size: 16384,
    };
    let at = testing::scratch(&h.process, &h.platform, 4096);
    h.platform.write_user(at, ss.as_bytes()).unwrap();
    assert_eq!(h.call(nr::SIGALTSTACK, &[at, 0]), 0);
    sigaction(&mut h, SIGUSR1, handler(SA_ONSTACK));
    h.call(nr::KILL, &[1, SIGUSR1 as u64]);
    assert!(h.regs.rsp > alt && h.regs.rsp < alt + 16384);
    let f = frame(&h);
    assert_eq!(f.uc.stack.sp, alt, "uc_stack: the stack as set");
    // On the stack, sigaltstack reports SS_ONSTACK and refuses changes.
    let sp = h.regs.rsp;
    let (_, r) = h.call_from(nr::SIGALTSTACK, &[0, at + 64], sp);
    assert_eq!(r, 0);
    let mut old = StackT::default();
    h.platform.read_user(at + 64, old.as_mut_bytes()).unwrap();
    assert_eq!(old.flags, SS_ONSTACK);
    let (_, r) = h.call_from(nr::SIGALTSTACK, &[at, 0], sp);
    assert_eq!(r, -1, "EPERM");
}

#[test]
fn a_frame_that_overflows_the_alternate_stack_kills() {
    let mut h = harness();
    let alt = testing::scratch(&h.process, &h.platform, 4096);
    // Already deep in the alternate stack: the next frame does not fit.
    let ss = StackT {
        sp: alt,
        flags: 0,
        _pad: 0,
        size: 4096,
    };
    let at = testing::scratch(&h.process, &h.platform, 4096);
    h.platform.write_user(at, ss.as_bytes()).unwrap();
    h.call(nr::SIGALTSTACK, &[at, 0]);
    sigaction(&mut h, SIGSEGV, handler(SA_ONSTACK | SA_NODEFER));
    generate::force_fault(
        &h.process,
        1,
        SigInfo::fault(SIGSEGV, SEGV_MAPERR, 8),
        FaultInfo::default(),
    );
    h.call_from(nr::GETPID, &[], alt + 600);
    assert!(matches!(
        h.process.signals.lock().group_exit,
        Some(crate::process::ExitStatus::Signal { sig: 11, .. })
    ));
}

#[test]
fn faults_cannot_be_blocked_or_ignored_away() {
    let mut h = harness();
    sigaction(
        &mut h,
        SIGSEGV,
        SigAction {
            handler: SIG_IGN,
            ..SigAction::default()
        },
    );
    generate::force_fault(
        &h.process,
        1,
        SigInfo::fault(SIGSEGV, SEGV_ACCERR, 0x10),
        FaultInfo::default(),
    );
    h.call(nr::GETPID, &[]);
    assert!(matches!(
        h.process.signals.lock().group_exit,
        Some(crate::process::ExitStatus::Signal {
            sig: 11,
            core: true
        })
    ));
}

#[test]
fn kill_tgkill_and_sigqueueinfo_check_their_arguments() {
    let mut h = harness();
    assert_eq!(h.call(nr::KILL, &[1, 0]), 0, "signal 0 checks existence");
    assert_eq!(h.call(nr::KILL, &[2, 0]), -3, "ESRCH");
    assert_eq!(h.call(nr::KILL, &[1, 65]), -22);
    assert_eq!(h.call(nr::TGKILL, &[1, 9, SIGUSR1 as u64]), -3);
    assert_eq!(h.call(nr::TGKILL, &[2, 1, SIGUSR1 as u64]), -3);
    assert_eq!(h.call(nr::TGKILL, &[0, 1, SIGUSR1 as u64]), -22);
    assert_eq!(h.call(nr::TKILL, &[0, SIGUSR1 as u64]), -22);
    let act = testing::scratch(&h.process, &h.platform, 4096);
    assert_eq!(h.call(nr::RT_SIGACTION, &[SIGKILL as u64, act, 0, 8]), -22);
    assert_eq!(
        h.call(nr::RT_SIGACTION, &[SIGKILL as u64, 0, act, 8]),
        0,
        "reading is fine"
    );
    assert_eq!(h.call(nr::RT_SIGACTION, &[SIGUSR1 as u64, 0x10, 0, 8]), -14);
}
