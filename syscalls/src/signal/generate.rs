//! Sending signals (Linux's send_signal and complete_signal): the side
//! effects of stop and continue signals, discarding what would be ignored,
//! queueing, and waking a thread that will take it.

use super::pending::Queued;
use super::{
    SIG_DFL, SIG_IGN, SIGCONT, SIGKILL, SIGRTMIN, STOP_SIGNALS, SigInfo, SigState, UNBLOCKABLE, bit,
};
use crate::Errno;
use crate::process::{ExitStatus, Process, RLIMIT_SIGPENDING};
use crate::timers::TimerShared;
use alloc::sync::Arc;

/// Who a signal is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The process: any thread that does not block it takes it.
    Process,
    /// One thread (tkill, tgkill, faults, SIGEV_THREAD_ID timers).
    Thread(u32),
}

/// Sends `info` to `target`. Signals that would be ignored are discarded
/// (Ok); ESRCH if the thread does not exist; EAGAIN if a real-time signal
/// cannot be queued (sigqueue(3)).
pub fn send(process: &Process, target: Target, info: SigInfo) -> Result<(), Errno> {
    send_from_timer(process, target, info, None)
}

/// As `send`, for a POSIX timer, whose overruns the delivered siginfo
/// carries.
pub fn send_from_timer(
    process: &Process,
    target: Target,
    info: SigInfo,
    timer: Option<Arc<TimerShared>>,
) -> Result<(), Errno> {
    let limit = process.limits.lock()[RLIMIT_SIGPENDING].cur;
    let mut s = process.signals.lock();
    if let Target::Thread(tid) = target
        && s.thread(tid).is_none()
    {
        return Err(Errno::ESRCH);
    }
    let sig = info.sig();
    if sig == 0 {
        return Ok(()); // kill(pid, 0): existence check only
    }
    if s.group_exit.is_some() {
        return Ok(());
    }
    if sig == SIGKILL {
        s.begin_group_exit(ExitStatus::Signal {
            sig: SIGKILL as u8,
            core: false,
        });
        return Ok(());
    }
    prepare(&mut s, sig);
    let blocked = match target {
        Target::Thread(tid) => s.mask(tid) & bit(sig) != 0,
        Target::Process => s.tids().any(|t| s.mask(t) & bit(sig) != 0),
    };
    if !blocked && s.ignored(sig, 0) {
        return Ok(());
    }
    let rt = sig >= SIGRTMIN;
    let queued = Queued { info, timer };
    let added = if rt && s.queued as u64 >= limit {
        // Linux refuses a queued real-time signal (sigqueue, timers) when
        // the limit is reached, but still delivers kill(2)'s, bare.
        if info.code != super::SI_USER && info.code != super::SI_TKILL {
            return Err(Errno::EAGAIN);
        }
        match target {
            Target::Process => s.shared.add_bare(info),
            Target::Thread(tid) => {
                if let Some(t) = s.thread_mut(tid) {
                    t.pending.add_bare(info);
                }
            }
        }
        false
    } else {
        match target {
            Target::Process => s.shared.add(queued),
            Target::Thread(tid) => s.thread_mut(tid).is_some_and(|t| t.pending.add(queued)),
        }
    };
    if added && rt {
        s.queued += 1;
    }
    s.recalc_all();
    let to_wake = match target {
        Target::Thread(tid) => Some(tid),
        // Linux's wants_signal: the main thread if it can take it, else the
        // first that does not block it.
        Target::Process => s
            .tids()
            .find(|&t| s.mask(t) & bit(sig) == 0)
            .or_else(|| s.tids().next()),
    };
    if let Some(t) = to_wake.and_then(|tid| s.thread(tid)) {
        t.thread.wake();
    }
    Ok(())
}

/// What arriving `sig` does before it is queued (Linux's prepare_signal):
/// a stop signal discards pending SIGCONT; SIGCONT discards pending stop
/// signals and ends a group stop, even if it is blocked or ignored.
fn prepare(s: &mut SigState, sig: usize) {
    if STOP_SIGNALS & bit(sig) != 0 {
        s.discard(bit(SIGCONT));
    } else if sig == SIGCONT {
        s.discard(STOP_SIGNALS);
        if s.stopped {
            s.stopped = false;
            s.recalc_all();
            s.wake_all();
        }
    }
}

/// A fault in thread `tid`'s code (Linux's force_sig_fault): the signal
/// cannot be blocked or ignored away; if it is, the thread dies of it.
pub fn force_fault(process: &Process, tid: u32, info: SigInfo, fault: super::FaultInfo) {
    let mut s = process.signals.lock();
    let sig = info.sig();
    let blocked = s.mask(tid) & bit(sig) != 0;
    let action = &mut s.actions[sig - 1];
    if blocked || action.handler == SIG_IGN {
        action.handler = SIG_DFL;
        if let Some(t) = s.thread_mut(tid) {
            t.mask &= !bit(sig);
        }
    }
    if let Some(t) = s.thread_mut(tid) {
        t.fault = fault;
        // A fault replaces a pending instance of the same signal: its
        // address is what the handler needs.
        t.pending.discard(bit(sig));
        t.pending.add(Queued { info, timer: None });
    }
    s.recalc(tid);
}

/// Whether `sig` can never be caught, blocked or ignored.
pub fn unblockable(sig: usize) -> bool {
    UNBLOCKABLE & bit(sig) != 0
}
