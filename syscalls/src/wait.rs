//! Blocking: wait queues and the one loop every blocking call sleeps in.
//!
//! A waiter puts itself on the queues of what it waits for, tells the
//! platform it is about to sleep, then checks its condition, its signals
//! and its deadline, and only then sleeps. Whoever makes the condition true
//! does so first and wakes the queue after, so a wakeup between the check
//! and the sleep is never lost: the platform's sleep returns at once for a
//! thread woken since it said it would sleep (Linux's
//! `set_current_state` / `schedule` pattern).

use crate::dispatch::Ctx;
use crate::{Errno, Error};
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

/// How a sleeping thread is woken: the kernel's thread (or a test double).
pub trait Wake: Send + Sync {
    /// Makes the thread runnable if it sleeps; if it runs on another CPU,
    /// makes it notice its pending work soon.
    fn wake(&self);
}

fn same(a: &Arc<dyn Wake>, b: &Arc<dyn Wake>) -> bool {
    core::ptr::eq(Arc::as_ptr(a) as *const (), Arc::as_ptr(b) as *const ())
}

/// Threads waiting for something (data in a pipe, a futex word, a child of
/// the process to stop being stopped).
#[derive(Default)]
pub struct WaitQueue {
    waiters: Mutex<Vec<Arc<dyn Wake>>>,
}

impl WaitQueue {
    pub fn add(&self, w: &Arc<dyn Wake>) {
        let mut waiters = self.waiters.lock();
        if !waiters.iter().any(|x| same(x, w)) {
            waiters.push(w.clone());
        }
    }

    pub fn remove(&self, w: &Arc<dyn Wake>) {
        self.waiters.lock().retain(|x| !same(x, w));
    }

    /// Wakes every waiter (they recheck their conditions).
    pub fn wake_all(&self) {
        let waiters = core::mem::take(&mut *self.waiters.lock());
        for w in waiters {
            w.wake();
        }
    }

    pub fn is_empty(&self) -> bool {
        self.waiters.lock().is_empty()
    }
}

/// Why a wait ended without its condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitError {
    /// A signal (or the process's exit or stop) needs the thread.
    Interrupted,
    /// The deadline passed.
    TimedOut,
}

impl WaitError {
    /// The error a call that Linux restarts under SA_RESTART returns: the
    /// signal code turns ERESTARTSYS into EINTR or a restart (signal(7)).
    pub fn restartable(self) -> Error {
        match self {
            WaitError::Interrupted => Errno::ERESTARTSYS.into(),
            WaitError::TimedOut => Errno::ETIMEDOUT.into(),
        }
    }

    /// The error for calls that are never restarted after a handler
    /// (poll, select, nanosleep, sigtimedwait, ...): EINTR if a handler
    /// runs, a restart if the signal turns out to need none.
    pub fn not_restarted(self) -> Error {
        match self {
            WaitError::Interrupted => Errno::ERESTARTNOHAND.into(),
            WaitError::TimedOut => Errno::ETIMEDOUT.into(),
        }
    }
}

/// Sleeps until `ready` returns a value, a signal needs the thread, or the
/// monotonic clock reaches `deadline`. `ready` runs after the thread is on
/// `queues`, so what it sees cannot change unnoticed.
pub fn wait_until<T>(
    ctx: &Ctx<'_>,
    queues: &[&WaitQueue],
    deadline: Option<u64>,
    mut ready: impl FnMut() -> Option<T>,
) -> Result<T, WaitError> {
    let me = ctx.thread.waker().clone();
    let leave = |queues: &[&WaitQueue]| {
        for q in queues {
            q.remove(&me);
        }
    };
    loop {
        for q in queues {
            q.add(&me);
        }
        ctx.platform.prepare_sleep();
        let end = if let Some(v) = ready() {
            Some(Ok(v))
        } else if ctx.thread.has_work() {
            Some(Err(WaitError::Interrupted))
        } else if deadline.is_some_and(|d| ctx.platform.monotonic_ns() >= d) {
            Some(Err(WaitError::TimedOut))
        } else {
            None
        };
        if let Some(end) = end {
            ctx.platform.cancel_sleep();
            leave(queues);
            return end;
        }
        ctx.platform.sleep(deadline);
        leave(queues);
    }
}

/// Sleeps until `deadline` (monotonic) or a signal.
pub fn sleep_until(ctx: &Ctx<'_>, deadline: u64) -> Result<(), WaitError> {
    match wait_until(ctx, &[], Some(deadline), || None::<()>) {
        Err(WaitError::TimedOut) => Ok(()),
        Err(e) => Err(e),
        Ok(()) => Ok(()),
    }
}
