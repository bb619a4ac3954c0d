//! POSIX timers (timer_create(2), timer_settime(2), timer_gettime(2),
//! timer_getoverrun(2), timer_delete(2)) on the wall clocks and the CPU
//! clocks. SIGEV_THREAD is the libc's (it makes a thread and asks for
//! SIGEV_THREAD_ID); given to the kernel it means SIGEV_SIGNAL, as on
//! Linux.

use super::clock_gettime::{CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CpuClock, cpu_clock};
use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::signal::generate::Target;
use crate::signal::{NSIG, SIGALRM};
use crate::timers::{
    Expiry, MAX_POSIX_TIMERS, Notify, PosixTimer, TimerClock, TimerShared, check_target, clock_now,
};
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};
use alloc::sync::Arc;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

const SIGEV_SIGNAL: i32 = 0;
const SIGEV_NONE: i32 = 1;
const SIGEV_THREAD: i32 = 2;
const SIGEV_THREAD_ID: i32 = 4;
const TIMER_ABSTIME: i32 = 1;

/// `struct sigevent` (64 bytes on x86-64).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SigEvent {
    pub value: u64,
    pub signo: i32,
    pub notify: i32,
    /// For SIGEV_THREAD_ID, the first word is the thread id.
    pub rest: [i32; 12],
}

/// `struct itimerspec`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Itimerspec {
    pub interval: Timespec,
    pub value: Timespec,
}

fn timer_clock(ctx: &Ctx<'_>, clock: i32) -> Result<TimerClock, Error> {
    match clock {
        CLOCK_REALTIME => Ok(TimerClock::Wall { realtime: true }),
        CLOCK_MONOTONIC | CLOCK_BOOTTIME => Ok(TimerClock::Wall { realtime: false }),
        // CLOCK_MONOTONIC_RAW and the coarse clocks have no timers; the
        // alarm clocks need CAP_WAKE_ALARM's hardware.
        4..=6 | 11 => Err(Errno::EINVAL.into()),
        8 | 9 => Err(Error::new(Errno::ENOTSUP, "alarm clocks are not supported")),
        _ => Ok(match cpu_clock(ctx, clock)? {
            CpuClock::Process => TimerClock::ProcessCpu,
            CpuClock::Thread(tid) => TimerClock::ThreadCpu(tid),
        }),
    }
}

pub fn sys_timer_create(
    ctx: &mut Ctx<'_>,
    clock: i32,
    sevp: UserPtr<SigEvent>,
    timerid: UserPtr<i32>,
) -> SysResult {
    let tclock = timer_clock(ctx, clock)?;
    let mut timers = ctx.process.timers.lock();
    let id = timers.free_id().ok_or(Errno::EAGAIN)?;
    let notify = if sevp.is_null() {
        Notify::Signal {
            sig: SIGALRM,
            value: id as u64,
            target: Target::Process,
        }
    } else {
        let ev = sevp.read(ctx.platform)?;
        let sig_ok = (1..=NSIG as i32).contains(&ev.signo);
        match ev.notify {
            SIGEV_NONE => Notify::None,
            // The kernel treats SIGEV_THREAD (the C library's business)
            // as SIGEV_SIGNAL, as Linux's good_sigevent does.
            SIGEV_SIGNAL | SIGEV_THREAD if sig_ok => Notify::Signal {
                sig: ev.signo as usize,
                value: ev.value,
                target: Target::Process,
            },
            SIGEV_THREAD_ID if sig_ok => {
                let tid = ev.rest[0] as u32;
                check_target(ctx.process, tid)?;
                Notify::Signal {
                    sig: ev.signo as usize,
                    value: ev.value,
                    target: Target::Thread(tid),
                }
            }
            _ => return Err(Errno::EINVAL.into()),
        }
    };
    timerid.write(ctx.platform, &id)?;
    timers.posix.insert(
        id,
        PosixTimer {
            clock: tclock,
            notify,
            armed: None,
            shared: Arc::new(TimerShared::default()),
        },
    );
    debug_assert!(timers.posix.len() <= MAX_POSIX_TIMERS);
    Ok(0)
}

fn platform_id(id: i32) -> u64 {
    id as u64 + 1
}

fn remaining(t: &PosixTimer, now: u64) -> Itimerspec {
    match t.armed {
        None => Itimerspec::default(),
        Some(e) => Itimerspec {
            interval: Timespec::from_ns(e.interval),
            value: Timespec::from_ns(e.next.saturating_sub(now).max(1)),
        },
    }
}

pub fn sys_timer_settime(
    ctx: &mut Ctx<'_>,
    id: i32,
    flags: i32,
    new: UserPtr<Itimerspec>,
    old: UserPtr<Itimerspec>,
) -> SysResult {
    let spec = new.read(ctx.platform)?;
    let (value, interval) = match (spec.value.to_ns(), spec.interval.to_ns()) {
        (Some(v), Some(i)) => (v, i),
        _ => return Err(Errno::EINVAL.into()),
    };
    if flags & !TIMER_ABSTIME != 0 {
        return Err(Errno::EINVAL.into());
    }
    let (clock, now) = clock_of(ctx, id)?;
    let next = if value == 0 {
        None
    } else if flags & TIMER_ABSTIME == 0 {
        Some(now.saturating_add(value))
    } else {
        Some(match clock {
            TimerClock::Wall { realtime: true } => {
                super::clock_gettime::realtime_to_monotonic(ctx.platform, value)
            }
            _ => value,
        })
    };
    let mut timers = ctx.process.timers.lock();
    let t = timers.posix.get_mut(&id).ok_or(Errno::EINVAL)?;
    let previous = remaining(t, now);
    t.armed = next.map(|next| Expiry { next, interval });
    if matches!(clock, TimerClock::Wall { .. }) {
        ctx.platform.arm_timer(platform_id(id), next);
    }
    crate::timers::watch(&timers, ctx.platform);
    drop(timers);
    old.write_if_some(ctx.platform, &previous)?;
    Ok(0)
}

/// Timer `id`'s clock and its reading now (EINVAL: no such timer). The
/// reading is taken without the timers' lock (a CPU clock sums threads).
fn clock_of(ctx: &Ctx<'_>, id: i32) -> Result<(TimerClock, u64), Errno> {
    let clock = ctx
        .process
        .timers
        .lock()
        .posix
        .get(&id)
        .map(|t| t.clock)
        .ok_or(Errno::EINVAL)?;
    Ok((clock, clock_now(clock, ctx.process, ctx.platform)))
}

pub fn sys_timer_gettime(ctx: &mut Ctx<'_>, id: i32, cur: UserPtr<Itimerspec>) -> SysResult {
    let (_, now) = clock_of(ctx, id)?;
    let value = {
        let timers = ctx.process.timers.lock();
        remaining(timers.posix.get(&id).ok_or(Errno::EINVAL)?, now)
    };
    cur.write(ctx.platform, &value)?;
    Ok(0)
}

pub fn sys_timer_getoverrun(ctx: &mut Ctx<'_>, id: i32) -> SysResult {
    let timers = ctx.process.timers.lock();
    let t = timers.posix.get(&id).ok_or(Errno::EINVAL)?;
    Ok(t.shared.last_overrun().max(0) as u64)
}

pub fn sys_timer_delete(ctx: &mut Ctx<'_>, id: i32) -> SysResult {
    let t = {
        let mut timers = ctx.process.timers.lock();
        let t = timers.posix.remove(&id).ok_or(Errno::EINVAL)?;
        crate::timers::watch(&timers, ctx.platform);
        t
    };
    if matches!(t.clock, TimerClock::Wall { .. }) {
        ctx.platform.arm_timer(platform_id(id), None);
    }
    Ok(0)
}
