//! rt_sigtimedwait(2) (sigwaitinfo, sigtimedwait, sigwait): takes a
//! pending signal from `set` without running its handler, waiting for one
//! if none is pending. While it waits, the signals of `set` count as
//! unblocked for this thread (Linux's real_blocked), so a signal sent to
//! the process comes to this thread.

use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::signal::{SigInfo, UNBLOCKABLE};
use crate::user::UserPtr;
use crate::wait::{WaitError, wait_until};
use crate::{Errno, SysResult};

pub fn sys_rt_sigtimedwait(
    ctx: &mut Ctx<'_>,
    set: UserPtr<u64>,
    info: UserPtr<SigInfo>,
    timeout: UserPtr<Timespec>,
    sigsetsize: usize,
) -> SysResult {
    if sigsetsize != 8 {
        return Err(Errno::EINVAL.into());
    }
    let want = set.read(ctx.platform)? & !UNBLOCKABLE;
    let deadline = if timeout.is_null() {
        None
    } else {
        let ns = timeout.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?;
        Some(ctx.platform.monotonic_ns().saturating_add(ns))
    };
    let tid = ctx.thread.tid;
    let take = || ctx.process.signals.lock().dequeue(tid, !want);
    let got = match take() {
        Some(i) => Ok(i),
        None if deadline.is_some_and(|d| d <= ctx.platform.monotonic_ns()) => {
            Err(WaitError::TimedOut)
        }
        None => {
            let real_blocked = {
                let mut s = ctx.process.signals.lock();
                let m = s.mask(tid);
                s.set_mask(tid, m & !want);
                m
            };
            let r = wait_until(ctx, &[], deadline, || {
                let s = ctx.process.signals.lock();
                (s.pending(tid) & want != 0).then_some(())
            });
            let mut s = ctx.process.signals.lock();
            s.set_mask(tid, real_blocked);
            let got = s.dequeue(tid, !want);
            drop(s);
            match (got, r) {
                (Some(i), _) => Ok(i),
                (None, Ok(())) => Err(WaitError::Interrupted),
                (None, Err(e)) => Err(e),
            }
        }
    };
    match got {
        Ok(i) => {
            info.write_if_some(ctx.platform, &i)?;
            Ok(i.signo as u64)
        }
        Err(WaitError::TimedOut) => Err(Errno::EAGAIN.into()),
        // Never restarted, handler or not (signal(7)).
        Err(WaitError::Interrupted) => Err(Errno::EINTR.into()),
    }
}
