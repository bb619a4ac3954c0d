//! Signals as Linux gives them (signal(7)): dispositions shared by the
//! process, masks and pending sets per thread plus one shared pending set,
//! standard signals that coalesce and real-time ones that queue, default
//! actions, group stop and group exit.
//!
//! Everything here is under the process's one signal lock (`SigState`), as
//! Linux keeps it under siglock. `generate` sends, `deliver` runs at each
//! return to the program, `frame` lays out the signal frame.

pub mod deliver;
pub mod frame;
pub mod generate;
mod info;
mod pending;
#[cfg(test)]
mod tests;

pub use info::*;
use pending::Pending;

use crate::process::ExitStatus;
use crate::thread::Thread;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const NSIG: usize = 64;
pub const SIGHUP: usize = 1;
pub const SIGINT: usize = 2;
pub const SIGQUIT: usize = 3;
pub const SIGILL: usize = 4;
pub const SIGTRAP: usize = 5;
pub const SIGABRT: usize = 6;
pub const SIGBUS: usize = 7;
pub const SIGFPE: usize = 8;
pub const SIGKILL: usize = 9;
pub const SIGUSR1: usize = 10;
pub const SIGSEGV: usize = 11;
pub const SIGUSR2: usize = 12;
pub const SIGPIPE: usize = 13;
pub const SIGALRM: usize = 14;
pub const SIGTERM: usize = 15;
pub const SIGSTKFLT: usize = 16;
pub const SIGCHLD: usize = 17;
pub const SIGCONT: usize = 18;
pub const SIGSTOP: usize = 19;
pub const SIGTSTP: usize = 20;
pub const SIGTTIN: usize = 21;
pub const SIGTTOU: usize = 22;
pub const SIGURG: usize = 23;
pub const SIGXCPU: usize = 24;
pub const SIGXFSZ: usize = 25;
pub const SIGVTALRM: usize = 26;
pub const SIGPROF: usize = 27;
pub const SIGWINCH: usize = 28;
pub const SIGIO: usize = 29;
pub const SIGPWR: usize = 30;
pub const SIGSYS: usize = 31;
/// The first real-time signal (the kernel's SIGRTMIN; libcs reserve a few).
pub const SIGRTMIN: usize = 32;

/// How many real-time signal instances may wait at once (RLIMIT_SIGPENDING).
pub const MAX_QUEUED: usize = 4096;

/// The bit for signal `sig` in a sigset.
pub const fn bit(sig: usize) -> u64 {
    1 << (sig - 1)
}

/// SIGKILL and SIGSTOP can be neither blocked, caught nor ignored.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);
/// Synchronous signals (faults) go first (Linux's SYNCHRONOUS_MASK).
const SYNCHRONOUS: u64 =
    bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);
const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);

pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// sa_flags (asm-generic/signal.h, x86's SA_RESTORER).
pub const SA_NOCLDSTOP: u64 = 0x1;
pub const SA_NOCLDWAIT: u64 = 0x2;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_UNSUPPORTED: u64 = 0x400;
pub const SA_EXPOSE_TAGBITS: u64 = 0x800;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;
/// The flags Linux knows (sigaction(2)); SA_UNSUPPORTED probes for this.
pub const SA_KNOWN: u64 = SA_NOCLDSTOP
    | SA_NOCLDWAIT
    | SA_SIGINFO
    | SA_EXPOSE_TAGBITS
    | SA_RESTORER
    | SA_ONSTACK
    | SA_RESTART
    | SA_NODEFER
    | SA_RESETHAND;

/// The kernel's `struct sigaction` for x86-64 rt_sigaction.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// `stack_t`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct StackT {
    pub sp: u64,
    pub flags: i32,
    pub _pad: u32,
    pub size: u64,
}

pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;

impl StackT {
    pub fn disabled() -> Self {
        StackT {
            flags: SS_DISABLE,
            ..StackT::default()
        }
    }

    pub fn enabled(&self) -> bool {
        self.flags & SS_DISABLE == 0 && self.size != 0
    }

    /// Whether `sp` lies on this stack (Linux's on_sig_stack: the top
    /// itself counts, the bottom does not).
    pub fn contains(&self, sp: u64) -> bool {
        self.enabled() && sp > self.sp && sp - self.sp <= self.size
    }
}

/// What a signal does when its disposition is SIG_DFL (signal(7)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    Core,
    Ignore,
    Stop,
    Continue,
}

pub fn default_action(sig: usize) -> DefaultAction {
    use DefaultAction::*;
    match sig {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => Core,
        SIGCHLD | SIGURG | SIGWINCH => Ignore,
        SIGCONT => Continue,
        // The program is alone in its session, so its process group is
        // orphaned: Linux discards the terminal stop signals then
        // (kernel/signal.c, is_current_pgrp_orphaned). SIGSTOP still stops.
        SIGTSTP | SIGTTIN | SIGTTOU => Ignore,
        SIGSTOP => Stop,
        _ => Terminate,
    }
}

/// The name a shell prints for a signal.
pub fn name(sig: usize) -> &'static str {
    const NAMES: [&str; 32] = [
        "0",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    NAMES.get(sig).copied().unwrap_or("a real-time signal")
}

/// Where a thread's interrupted system call continues when it is
/// restarted through restart_syscall(2) (ERESTART_RESTARTBLOCK): the
/// sleeps keep their absolute deadline, so a restart sleeps only what is
/// left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartBlock {
    /// nanosleep/clock_nanosleep: sleep until `deadline` (monotonic), and
    /// write what is left to `rem` if interrupted again.
    Sleep { deadline: u64, rem: u64 },
    /// FUTEX_WAIT with a timeout.
    FutexWait {
        uaddr: u64,
        val: u32,
        bitset: u32,
        deadline: u64,
    },
}

/// The last CPU exception that raised a signal in a thread, for the
/// signal frame's sigcontext (trapno, err, cr2) and the fault report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultInfo {
    pub trapno: u64,
    pub error_code: u64,
    pub cr2: u64,
}

/// One thread's part of the signal state.
pub struct ThreadSig {
    pub thread: Arc<Thread>,
    pub mask: u64,
    pending: Pending,
    pub altstack: StackT,
    /// sigsuspend(2), ppoll(2), pselect(2): the mask to restore once a
    /// handler has run (or at once if none runs).
    pub saved_mask: Option<u64>,
    pub restart: Option<RestartBlock>,
    pub fault: FaultInfo,
}

/// The process's signal state (Linux's sighand and signal structs).
pub struct SigState {
    pub actions: [SigAction; NSIG],
    shared: Pending,
    threads: BTreeMap<u32, ThreadSig>,
    /// Set when the process must end (exit_group, a fatal signal): every
    /// thread stops at its next chance.
    pub group_exit: Option<ExitStatus>,
    /// A group stop (SIGSTOP) is in effect until SIGCONT.
    pub stopped: bool,
    /// Real-time instances queued, against RLIMIT_SIGPENDING.
    queued: usize,
}

impl Default for SigState {
    fn default() -> Self {
        SigState {
            actions: [SigAction::default(); NSIG],
            shared: Pending::default(),
            threads: BTreeMap::new(),
            group_exit: None,
            stopped: false,
            queued: 0,
        }
    }
}

impl SigState {
    /// Registers a thread with its initial mask (the creator's, as clone
    /// copies it) and no alternate signal stack (clone(2): a thread
    /// created with CLONE_VM starts without one).
    pub fn attach(&mut self, thread: Arc<Thread>, mask: u64) {
        let tid = thread.tid;
        self.threads.insert(
            tid,
            ThreadSig {
                thread,
                mask,
                pending: Pending::default(),
                altstack: StackT::disabled(),
                saved_mask: None,
                restart: None,
                fault: FaultInfo::default(),
            },
        );
        self.recalc(tid);
    }

    pub(crate) fn remove_thread(&mut self, tid: u32) {
        if let Some(t) = self.threads.remove(&tid) {
            self.queued -= t.pending.queued_rt();
        }
    }

    pub fn thread(&self, tid: u32) -> Option<&ThreadSig> {
        self.threads.get(&tid)
    }

    pub fn thread_mut(&mut self, tid: u32) -> Option<&mut ThreadSig> {
        self.threads.get_mut(&tid)
    }

    pub fn tids(&self) -> impl Iterator<Item = u32> + '_ {
        self.threads.keys().copied()
    }

    pub fn mask(&self, tid: u32) -> u64 {
        self.threads.get(&tid).map_or(0, |t| t.mask)
    }

    /// What is pending for thread `tid` alone, and for the whole process
    /// (as /proc/PID/status shows them).
    pub fn pending_sets(&self, tid: u32) -> (u64, u64) {
        let own = self.threads.get(&tid).map_or(0, |t| t.pending.set());
        (own, self.shared.set())
    }

    /// The signals ignored and those with a handler, as bit sets.
    pub fn disposition_sets(&self) -> (u64, u64) {
        let (mut ignored, mut caught) = (0, 0);
        for (i, a) in self.actions.iter().enumerate() {
            match a.handler {
                SIG_DFL => {}
                SIG_IGN => ignored |= bit(i + 1),
                _ => caught |= bit(i + 1),
            }
        }
        (ignored, caught)
    }

    /// Sets a thread's mask (SIGKILL and SIGSTOP stay unblocked).
    pub fn set_mask(&mut self, tid: u32, mask: u64) {
        if let Some(t) = self.threads.get_mut(&tid) {
            t.mask = mask & !UNBLOCKABLE;
        }
        // Unblocking may make a shared signal deliverable here; blocking may
        // make it some other thread's to take.
        self.recalc_all();
    }

    /// Sets `tid`'s mask for the length of a wait (sigsuspend, ppoll),
    /// keeping the old one to come back once a handler has run.
    pub fn set_temporary_mask(&mut self, tid: u32, mask: u64) {
        let old = self.mask(tid);
        if let Some(t) = self.thread_mut(tid) {
            t.saved_mask = Some(old);
        }
        self.set_mask(tid, mask);
    }

    /// The signals pending for `tid`: its own and the process's.
    pub fn pending(&self, tid: u32) -> u64 {
        self.shared.set() | self.threads.get(&tid).map_or(0, |t| t.pending.set())
    }

    /// Recomputes whether thread `tid` has work before returning to the
    /// program (Linux's recalc_sigpending).
    pub fn recalc(&self, tid: u32) {
        if let Some(t) = self.threads.get(&tid) {
            let deliverable = (t.pending.set() | self.shared.set()) & !t.mask;
            let work = deliverable != 0 || self.group_exit.is_some() || self.stopped;
            t.thread.set_work(work);
        }
    }

    pub fn recalc_all(&self) {
        for &tid in self.threads.keys() {
            self.recalc(tid);
        }
    }

    fn wake_all(&self) {
        for t in self.threads.values() {
            t.thread.wake();
        }
    }

    /// The process is ending: every thread is told.
    pub fn begin_group_exit(&mut self, status: ExitStatus) {
        if self.group_exit.is_none() {
            self.group_exit = Some(status);
        }
        self.stopped = false;
        self.recalc_all();
        self.wake_all();
    }

    /// Whether `sig` would be discarded if it arrived now for a thread with
    /// `mask` (Linux's sig_ignored: blocked signals stay pending, since the
    /// disposition may change before they are unblocked).
    fn ignored(&self, sig: usize, mask: u64) -> bool {
        if mask & bit(sig) != 0 {
            return false;
        }
        match self.actions[sig - 1].handler {
            SIG_IGN => true,
            SIG_DFL => default_action(sig) == DefaultAction::Ignore,
            _ => false,
        }
    }

    /// Takes the next deliverable signal for `tid` (its own first, then
    /// the process's; synchronous signals before others, then the lowest
    /// number), or None.
    pub fn dequeue(&mut self, tid: u32, mask: u64) -> Option<SigInfo> {
        let own = self.threads.get(&tid).map_or(0, |t| t.pending.set()) & !mask;
        let info = if own != 0 {
            let t = self.threads.get_mut(&tid)?;
            t.pending.take(pick(own))
        } else {
            let shared = self.shared.set() & !mask;
            if shared == 0 {
                return None;
            }
            self.shared.take(pick(shared))
        };
        if let Some((_, rt)) = info {
            self.queued -= usize::from(rt);
        }
        self.recalc_all();
        info.map(|(i, _)| i)
    }

    /// Drops pending instances of the signals in `set` (they became
    /// ignored).
    pub fn discard_pending(&mut self, set: u64) {
        self.discard(set);
        self.recalc_all();
    }

    /// Removes every pending instance of the signals in `set` (a stop
    /// discards pending SIGCONT and the reverse).
    fn discard(&mut self, set: u64) {
        let mut freed = self.shared.discard(set);
        for t in self.threads.values_mut() {
            freed += t.pending.discard(set);
        }
        self.queued -= freed;
    }
}

/// Runs `f` with the calling thread's mask set to `mask` (ppoll(2),
/// pselect6(2)). If a signal interrupts `f`, the old mask comes back once
/// its handler has run (the signal frame carries it); otherwise at once.
pub fn with_mask<T>(
    ctx: &mut crate::dispatch::Ctx<'_>,
    mask: Option<u64>,
    f: impl FnOnce(&mut crate::dispatch::Ctx<'_>) -> Result<T, crate::Error>,
) -> Result<T, crate::Error> {
    let Some(mask) = mask else { return f(ctx) };
    let tid = ctx.thread.tid;
    ctx.process.signals.lock().set_temporary_mask(tid, mask);
    let r = f(ctx);
    let interrupted = matches!(&r, Err(e) if matches!(e.errno,
        crate::Errno::ERESTARTNOHAND | crate::Errno::EINTR | crate::Errno::ERESTARTSYS));
    if !interrupted {
        let mut s = ctx.process.signals.lock();
        if let Some(old) = s.thread_mut(tid).and_then(|t| t.saved_mask.take()) {
            s.set_mask(tid, old);
        }
    }
    r
}

/// The signal to deliver first from a non-empty set.
fn pick(set: u64) -> usize {
    let sync = set & SYNCHRONOUS;
    let from = if sync != 0 { sync } else { set };
    from.trailing_zeros() as usize + 1
}
