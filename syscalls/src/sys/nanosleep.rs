//! nanosleep(2) and clock_nanosleep(2). No signal can interrupt a sleep yet
//! (signals issue), so the remaining time is always zero.

use super::clock_gettime::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, now};
use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

const TIMER_ABSTIME: i32 = 1;

pub fn sys_nanosleep(
    ctx: &mut Ctx<'_>,
    req: UserPtr<Timespec>,
    _rem: UserPtr<Timespec>,
) -> SysResult {
    let ns = req.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?;
    let deadline = ctx.platform.monotonic_ns().saturating_add(ns);
    ctx.platform.sleep_until(deadline);
    Ok(0)
}

pub fn sys_clock_nanosleep(
    ctx: &mut Ctx<'_>,
    clock: i32,
    flags: i32,
    req: UserPtr<Timespec>,
    _rem: UserPtr<Timespec>,
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
    let deadline = if flags & TIMER_ABSTIME != 0 {
        // Convert an absolute time on `clock` to the monotonic clock.
        let clock_now = now(ctx, clock)?;
        mono.saturating_add(ns.saturating_sub(clock_now))
    } else {
        mono.saturating_add(ns)
    };
    ctx.platform.sleep_until(deadline);
    Ok(0)
}
