//! clock_gettime(2), clock_getres(2), gettimeofday(2), time(2).

use crate::abi::{Timespec, Timeval};
use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
const CLOCK_MONOTONIC_RAW: i32 = 4;
const CLOCK_REALTIME_COARSE: i32 = 5;
const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;
const CLOCK_TAI: i32 = 11;

/// The time on `clock` in ns, or EINVAL for clocks that do not exist.
pub fn now(ctx: &Ctx<'_>, clock: i32) -> Result<u64, Error> {
    let p = ctx.platform;
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => p
            .realtime_ns()
            .ok_or(Error::new(Errno::EINVAL, "this machine has no wall clock")),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            Ok(p.monotonic_ns())
        }
        // The program is the only thing running: its CPU time is the time
        // since it started.
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => {
            Ok(p.monotonic_ns().saturating_sub(ctx.process.start_ns))
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

pub fn sys_clock_gettime(ctx: &mut Ctx<'_>, clock: i32, tp: UserPtr<Timespec>) -> SysResult {
    let ns = now(ctx, clock)?;
    tp.write(ctx.platform, &Timespec::from_ns(ns))?;
    Ok(0)
}

pub fn sys_clock_getres(ctx: &mut Ctx<'_>, clock: i32, res: UserPtr<Timespec>) -> SysResult {
    now(ctx, clock)?;
    let coarse = matches!(clock, CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE);
    // The TSC resolves nanoseconds; Linux reports its tick for coarse clocks.
    let res_ns = if coarse { 4_000_000 } else { 1 };
    res.write_if_some(ctx.platform, &Timespec::from_ns(res_ns))?;
    Ok(0)
}

pub fn sys_gettimeofday(
    ctx: &mut Ctx<'_>,
    tv: UserPtr<Timeval>,
    tz: UserPtr<[i32; 2]>,
) -> SysResult {
    if !tv.is_null() {
        let ns = now(ctx, CLOCK_REALTIME)?;
        tv.write(ctx.platform, &Timeval::from_ns(ns))?;
    }
    // The kernel's timezone is UTC.
    tz.write_if_some(ctx.platform, &[0, 0])?;
    Ok(0)
}

pub fn sys_time(ctx: &mut Ctx<'_>, tloc: UserPtr<i64>) -> SysResult {
    let secs = (now(ctx, CLOCK_REALTIME)? / 1_000_000_000) as i64;
    tloc.write_if_some(ctx.platform, &secs)?;
    Ok(secs as u64)
}
