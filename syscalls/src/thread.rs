//! A thread of the process as the Linux personality sees it: its id, how
//! to wake it, what it asked to be told at exit (set_tid_address(2),
//! set_robust_list(2)), its name and scheduling parameters. Its signal mask
//! and pending signals live under the process's signal lock
//! (`signal::SigState`), as Linux keeps them under siglock; `work` mirrors
//! "something to do before returning to the program" without the lock.

use crate::sys::prctl::COMM_LEN;
use crate::wait::Wake;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

/// sched_setscheduler(2) policies.
pub const SCHED_OTHER: i32 = 0;
pub const SCHED_FIFO: i32 = 1;
pub const SCHED_RR: i32 = 2;
pub const SCHED_BATCH: i32 = 3;
pub const SCHED_IDLE: i32 = 5;

/// What sched_setscheduler(2), sched_setparam(2) and setpriority(2)
/// recorded. Sole's scheduler treats every thread alike (round robin), so
/// these are advisory: reported back as set, not acted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedParams {
    pub policy: i32,
    pub priority: i32,
    pub nice: i32,
    pub reset_on_fork: bool,
}

pub struct Thread {
    pub tid: u32,
    waker: Arc<dyn Wake>,
    /// A signal, a stop or the process's exit wants this thread's
    /// attention (set and cleared under the signal lock).
    work: AtomicBool,
    /// set_tid_address(2) / CLONE_CHILD_CLEARTID: zeroed and futex-woken
    /// when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// set_robust_list(2): (head, len).
    pub robust_list: Mutex<(u64, u64)>,
    /// The thread's name (comm), NUL-padded: prctl(PR_SET_NAME).
    pub comm: Mutex<[u8; COMM_LEN]>,
    pub sched: Mutex<SchedParams>,
}

impl Thread {
    pub fn new(tid: u32, waker: Arc<dyn Wake>, comm: [u8; COMM_LEN]) -> Self {
        Thread {
            tid,
            waker,
            work: AtomicBool::new(false),
            clear_child_tid: AtomicU64::new(0),
            robust_list: Mutex::new((0, 0)),
            comm: Mutex::new(comm),
            sched: Mutex::new(SchedParams::default()),
        }
    }

    /// Whether something (a deliverable signal, a stop, the process's
    /// exit) must happen before this thread returns to the program, and
    /// so interrupts its sleeps.
    #[inline]
    pub fn has_work(&self) -> bool {
        self.work.load(Ordering::Acquire)
    }

    /// Set under the signal lock by whoever changes what is pending or
    /// blocked.
    #[inline]
    pub(crate) fn set_work(&self, on: bool) {
        self.work.store(on, Ordering::Release);
    }

    /// Wakes the thread if it sleeps, or makes it notice `has_work` soon if
    /// it runs (on another CPU).
    pub fn wake(&self) {
        self.waker.wake();
    }

    pub fn waker(&self) -> &Arc<dyn Wake> {
        &self.waker
    }
}
