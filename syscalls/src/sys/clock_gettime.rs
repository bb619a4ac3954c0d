//! clock_gettime(2), clock_getres(2), gettimeofday(2), time(2).

use crate::abi::{Timespec, Timeval};
use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
const CLOCK_MONOTONIC_RAW: i32 = 4;
const CLOCK_REALTIME_COARSE: i32 = 5;
const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;
const CLOCK_TAI: i32 = 11;

/// What a clock that is not a CPU-time clock reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemClock {
    /// The wall clock (`Platform::realtime_ns`).
    Realtime,
    /// The monotonic clock (`Platform::monotonic_ns`).
    Monotonic,
}

/// The system clock `clock` reads, or None for CPU-time and unknown clocks.
/// The wall clock is never stepped or slewed and the machine never
/// suspends, so the coarse, raw, TAI and boot-time clocks read the same as
/// the two plain ones. The vDSO serves exactly these clocks.
pub fn system_clock(clock: i32) -> Option<SystemClock> {
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI => Some(SystemClock::Realtime),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            Some(SystemClock::Monotonic)
        }
        _ => None,
    }
}

/// The time on `clock` in ns, or EINVAL for clocks that do not exist.
pub fn now(ctx: &Ctx<'_>, clock: i32) -> Result<u64, Error> {
    let p = ctx.platform;
    match system_clock(clock) {
        Some(SystemClock::Realtime) => p
            .realtime_ns()
            .ok_or(Error::new(Errno::EINVAL, "this machine has no wall clock")),
        Some(SystemClock::Monotonic) => Ok(p.monotonic_ns()),
        None => match cpu_clock(ctx, clock)? {
            CpuClock::Process => Ok(crate::timers::process_cpu_ns(ctx.process, p)),
            CpuClock::Thread(tid) => p.thread_cpu_ns(tid).ok_or(Errno::EINVAL.into()),
        },
    }
}

/// Whose CPU time a clock id counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuClock {
    Process,
    Thread(u32),
}

/// Decodes the CPU-time clocks: the two named ones and the ids
/// clock_getcpuclockid(3) and pthread_getcpuclockid(3) make (a negative
/// id: !pid << 3 | per-thread << 2 | kind, include/linux/posix-timers.h).
pub fn cpu_clock(ctx: &Ctx<'_>, clock: i32) -> Result<CpuClock, Error> {
    match clock {
        CLOCK_PROCESS_CPUTIME_ID => return Ok(CpuClock::Process),
        CLOCK_THREAD_CPUTIME_ID => return Ok(CpuClock::Thread(ctx.thread.tid)),
        c if c >= 0 => return Err(Errno::EINVAL.into()),
        _ => {}
    }
    if clock & 3 == 3 {
        return Err(Errno::EINVAL.into());
    }
    let id = !(clock >> 3) as u32;
    if clock & 4 != 0 {
        let tid = if id == 0 { ctx.thread.tid } else { id };
        ctx.process.thread(tid).ok_or(Errno::EINVAL)?;
        Ok(CpuClock::Thread(tid))
    } else if id == 0 || id == ctx.process.pid {
        Ok(CpuClock::Process)
    } else {
        Err(Errno::EINVAL.into())
    }
}

/// An absolute CLOCK_REALTIME time as a monotonic deadline (the wall clock
/// cannot be set in Sole, so the two move together).
pub fn realtime_to_monotonic(p: &dyn crate::platform::Platform, realtime_ns: u64) -> u64 {
    let mono = p.monotonic_ns();
    match p.realtime_ns() {
        Some(real) => mono.saturating_add(realtime_ns.saturating_sub(real)),
        None => realtime_ns,
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
