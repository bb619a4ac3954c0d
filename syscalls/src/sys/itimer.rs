//! getitimer(2), setitimer(2), alarm(2): the process's three interval
//! timers (see `timers` for how each counts).

use crate::abi::Timeval;
use crate::dispatch::Ctx;
use crate::timers::{
    Expiry, ITIMER_PROF, ITIMER_REAL, ITIMER_VIRTUAL, REAL_TIMER_ID, Timers, process_cpu_ns,
};
use crate::user::UserPtr;
use crate::{Errno, SysResult};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct itimerval`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Itimerval {
    pub interval: Timeval,
    pub value: Timeval,
}

fn to_ns(t: Timeval) -> Option<u64> {
    if t.sec < 0 || !(0..1_000_000).contains(&t.usec) {
        return None;
    }
    Some((t.sec as u64).saturating_mul(1_000_000_000) + t.usec as u64 * 1000)
}

/// A timeval, rounding up to whole microseconds (so a timer about to fire
/// does not read as disarmed).
fn timeval_up(ns: u64) -> Timeval {
    Timeval::from_ns(ns.div_ceil(1000) * 1000)
}

fn slot(timers: &mut Timers, which: i32) -> &mut Option<Expiry> {
    match which {
        ITIMER_REAL => &mut timers.real,
        ITIMER_VIRTUAL => &mut timers.virt,
        _ => &mut timers.prof,
    }
}

/// The clock a timer counts on, now.
fn clock(ctx: &Ctx<'_>, which: i32) -> u64 {
    if which == ITIMER_REAL {
        ctx.platform.monotonic_ns()
    } else {
        process_cpu_ns(ctx.process, ctx.platform)
    }
}

fn current(e: Option<Expiry>, now: u64) -> Itimerval {
    match e {
        None => Itimerval::default(),
        Some(e) => Itimerval {
            interval: timeval_up(e.interval),
            value: timeval_up(e.next.saturating_sub(now).max(1)),
        },
    }
}

pub fn sys_getitimer(ctx: &mut Ctx<'_>, which: i32, value: UserPtr<Itimerval>) -> SysResult {
    if !matches!(which, ITIMER_REAL | ITIMER_VIRTUAL | ITIMER_PROF) {
        return Err(Errno::EINVAL.into());
    }
    let now = clock(ctx, which);
    let e = *slot(&mut ctx.process.timers.lock(), which);
    value.write(ctx.platform, &current(e, now))?;
    Ok(0)
}

/// Arms (or with a zero value disarms) timer `which`; what it held before.
fn set(ctx: &Ctx<'_>, which: i32, value: u64, interval: u64) -> Itimerval {
    let now = clock(ctx, which);
    let mut timers = ctx.process.timers.lock();
    let s = slot(&mut timers, which);
    let old = current(*s, now);
    *s = (value != 0).then_some(Expiry {
        next: now.saturating_add(value),
        interval,
    });
    if which == ITIMER_REAL {
        ctx.platform.arm_timer(REAL_TIMER_ID, s.map(|e| e.next));
    }
    crate::timers::watch(&timers, ctx.platform);
    old
}

pub fn sys_setitimer(
    ctx: &mut Ctx<'_>,
    which: i32,
    new: UserPtr<Itimerval>,
    old: UserPtr<Itimerval>,
) -> SysResult {
    if !matches!(which, ITIMER_REAL | ITIMER_VIRTUAL | ITIMER_PROF) {
        return Err(Errno::EINVAL.into());
    }
    // A NULL new value disarms (Linux accepts it, with a warning).
    let v = if new.is_null() {
        Itimerval::default()
    } else {
        new.read(ctx.platform)?
    };
    let (value, interval) = match (to_ns(v.value), to_ns(v.interval)) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(Errno::EINVAL.into()),
    };
    let previous = set(ctx, which, value, interval);
    old.write_if_some(ctx.platform, &previous)?;
    Ok(0)
}

/// alarm(2): ITIMER_REAL once, in whole seconds; the seconds that were
/// left of the previous alarm (rounded to nearest, at least 1).
pub fn sys_alarm(ctx: &mut Ctx<'_>, seconds: u32) -> SysResult {
    let old = set(ctx, ITIMER_REAL, u64::from(seconds) * 1_000_000_000, 0);
    let mut secs = old.value.sec as u64;
    if old.value.usec >= 500_000 {
        secs += 1;
    }
    if secs == 0 && old.value.usec != 0 {
        secs = 1;
    }
    Ok(secs)
}
