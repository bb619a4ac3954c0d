//! nanosleep(2), clock_nanosleep(2) and restart_syscall(2). A signal
//! handler ends a sleep early with EINTR (and the time left in `rem` for
//! relative sleeps), whatever SA_RESTART says (signal(7)); a signal that
//! needs no handler (a stop and continue) resumes it for what is left.

use super::clock_gettime::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, now};
use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::signal::RestartBlock;
use crate::user::UserPtr;
use crate::wait::{WaitError, sleep_until};
use crate::{Errno, Error, SysResult};

const TIMER_ABSTIME: i32 = 1;

pub fn sys_nanosleep(
    ctx: &mut Ctx<'_>,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SysResult {
    let ns = req.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?;
    let deadline = ctx.platform.monotonic_ns().saturating_add(ns);
    sleep_relative(ctx, deadline, rem.addr())
}

/// Sleeps until `deadline`; if interrupted, writes the time left to `rem`
/// (unless 0) and leaves a restart block.
fn sleep_relative(ctx: &Ctx<'_>, deadline: u64, rem: u64) -> SysResult {
    match sleep_until(ctx, deadline) {
        Ok(()) => Ok(0),
        Err(WaitError::TimedOut) => Ok(0),
        Err(WaitError::Interrupted) => {
            let left = deadline.saturating_sub(ctx.platform.monotonic_ns());
            if rem != 0 {
                UserPtr::<Timespec>::new(rem).write(ctx.platform, &Timespec::from_ns(left))?;
            }
            if let Some(t) = ctx.process.signals.lock().thread_mut(ctx.thread.tid) {
                t.restart = Some(RestartBlock::Sleep { deadline, rem });
            }
            Err(Errno::ERESTART_RESTARTBLOCK.into())
        }
    }
}

pub fn sys_clock_nanosleep(
    ctx: &mut Ctx<'_>,
    clock: i32,
    flags: i32,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SysResult {
    if !matches!(clock, CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME) {
        // The CPU-time clocks cannot be slept on (EINVAL for the thread's,
        // ENOTSUP for the process's in Linux); unknown clocks are EINVAL.
        return Err(if clock == 2 {
            Errno::ENOTSUP
        } else {
            Errno::EINVAL
        }
        .into());
    }
    if flags & !TIMER_ABSTIME != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown clock_nanosleep flags"));
    }
    let ns = req.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?;
    let mono = ctx.platform.monotonic_ns();
    if flags & TIMER_ABSTIME == 0 {
        return sleep_relative(ctx, mono.saturating_add(ns), rem.addr());
    }
    // An absolute time on `clock`, as a monotonic deadline. Interrupted,
    // it is simply started again (the deadline does not move).
    let clock_now = now(ctx, clock)?;
    let deadline = mono.saturating_add(ns.saturating_sub(clock_now));
    match sleep_until(ctx, deadline) {
        Ok(()) | Err(WaitError::TimedOut) => Ok(0),
        Err(e) => Err(e.not_restarted()),
    }
}

/// restart_syscall(2): continues what the interrupted call left in the
/// thread's restart block; EINTR if there is none.
pub fn sys_restart_syscall(ctx: &mut Ctx<'_>) -> SysResult {
    let block = ctx
        .process
        .signals
        .lock()
        .thread_mut(ctx.thread.tid)
        .and_then(|t| t.restart.take());
    match block {
        Some(RestartBlock::Sleep { deadline, rem }) => sleep_relative(ctx, deadline, rem),
        Some(RestartBlock::FutexWait {
            uaddr,
            val,
            bitset,
            deadline,
        }) => super::futex::wait(ctx, uaddr, val, bitset, Some(deadline)),
        None => Err(Errno::EINTR.into()),
    }
}
