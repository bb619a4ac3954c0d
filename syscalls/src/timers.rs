//! The process's timers: the three interval timers (setitimer(2), alarm(2))
//! and POSIX timers (timer_create(2)).
//!
//! Wall-clock timers (ITIMER_REAL; POSIX timers on CLOCK_REALTIME,
//! CLOCK_MONOTONIC, CLOCK_BOOTTIME) keep a monotonic deadline; the kernel
//! fires them through `Platform::arm_timer` and `expire`. The realtime
//! clock cannot be set in Sole, so an absolute realtime deadline converts
//! to a monotonic one exactly. CPU-time timers (ITIMER_VIRTUAL,
//! ITIMER_PROF, CPU-clock POSIX timers) are checked by `cpu_tick`, which
//! the kernel calls every scheduler tick while the program runs. Sole does
//! not split a thread's time into user and system (its system calls are
//! function calls on the same CPU), so ITIMER_VIRTUAL counts what
//! ITIMER_PROF counts: all of the process's CPU time.

use crate::Errno;
use crate::platform::Platform;
use crate::process::Process;
use crate::signal::generate::{self, Target};
use crate::signal::{SIGALRM, SIGPROF, SIGVTALRM, SigInfo};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// setitimer(2)'s `which`.
pub const ITIMER_REAL: i32 = 0;
pub const ITIMER_VIRTUAL: i32 = 1;
pub const ITIMER_PROF: i32 = 2;

/// The platform timer id of ITIMER_REAL; POSIX timer N is N + 1 (the
/// disk root's writeback has its own, `fs::writeback::WRITEBACK_TIMER_ID`).
pub const REAL_TIMER_ID: u64 = 0;

/// Clocks (clock_gettime(2)).
pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
pub const CLOCK_BOOTTIME: i32 = 7;

/// How many POSIX timers a process may have.
pub const MAX_POSIX_TIMERS: usize = 4096;

/// What a POSIX timer's queued signal and its expiries share: whether its
/// signal is queued, and the expiries that found it still queued
/// (timer_getoverrun(2)).
#[derive(Debug, Default)]
pub struct TimerShared {
    queued: AtomicBool,
    overrun: AtomicI32,
    last: AtomicI32,
}

impl TimerShared {
    /// The timer's signal was delivered (or discarded): the overruns it
    /// reports, counted afresh from now.
    pub fn delivered(&self) -> i32 {
        let n = self.overrun.swap(0, Ordering::AcqRel);
        self.last.store(n, Ordering::Release);
        self.queued.store(false, Ordering::Release);
        n
    }

    /// timer_getoverrun(2): the overruns of the last delivered expiry.
    pub fn last_overrun(&self) -> i32 {
        self.last.load(Ordering::Acquire)
    }
}

/// When a timer next expires and how often after that (0: once). Wall
/// clocks count monotonic nanoseconds; CPU clocks, CPU nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub next: u64,
    pub interval: u64,
}

impl Expiry {
    /// Moves past `now`; the periods skipped.
    fn advance(&mut self, now: u64) -> u64 {
        if self.interval == 0 {
            return 0;
        }
        let behind = now.saturating_sub(self.next);
        let skipped = behind / self.interval;
        self.next += (skipped + 1) * self.interval;
        skipped
    }
}

/// Which clock a POSIX timer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerClock {
    /// CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME (kept monotonic).
    Wall { realtime: bool },
    /// The process's CPU time.
    ProcessCpu,
    /// One thread's CPU time.
    ThreadCpu(u32),
}

/// How a POSIX timer tells of an expiry (sigevent(7)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    None,
    Signal {
        sig: usize,
        value: u64,
        target: Target,
    },
}

pub struct PosixTimer {
    pub clock: TimerClock,
    pub notify: Notify,
    pub armed: Option<Expiry>,
    pub shared: Arc<TimerShared>,
}

#[derive(Default)]
pub struct Timers {
    pub real: Option<Expiry>,
    pub virt: Option<Expiry>,
    pub prof: Option<Expiry>,
    pub posix: BTreeMap<i32, PosixTimer>,
}

impl Timers {
    /// Whether any CPU-time timer is armed (the kernel's tick asks).
    pub fn cpu_armed(&self) -> bool {
        self.virt.is_some()
            || self.prof.is_some()
            || self
                .posix
                .values()
                .any(|t| t.armed.is_some() && !matches!(t.clock, TimerClock::Wall { .. }))
    }

    /// The lowest free POSIX timer id.
    pub fn free_id(&self) -> Option<i32> {
        (0..MAX_POSIX_TIMERS as i32).find(|id| !self.posix.contains_key(id))
    }
}

/// Tells the platform whether CPU-time timers are armed (call after any
/// change to them).
pub fn watch(timers: &Timers, platform: &dyn Platform) {
    platform.watch_cpu_time(timers.cpu_armed());
}

/// The process's CPU time: its live threads' and its exited threads'.
pub fn process_cpu_ns(process: &Process, platform: &dyn Platform) -> u64 {
    let live: u64 = process
        .threads()
        .iter()
        .filter_map(|t| platform.thread_cpu_ns(t.tid))
        .sum();
    live + process.exited_cpu_ns()
}

/// The current reading of a POSIX timer's clock, in its own terms.
pub fn clock_now(clock: TimerClock, process: &Process, platform: &dyn Platform) -> u64 {
    match clock {
        TimerClock::Wall { .. } => platform.monotonic_ns(),
        TimerClock::ProcessCpu => process_cpu_ns(process, platform),
        TimerClock::ThreadCpu(tid) => platform.thread_cpu_ns(tid).unwrap_or(0),
    }
}

/// A POSIX timer expired: queue its signal, or count an overrun if the last
/// one is still queued (timer_getoverrun(2)).
fn fire(process: &Process, id: i32, t: &PosixTimer, extra_overruns: u64) {
    let Notify::Signal { sig, value, target } = t.notify else {
        return;
    };
    let extra = i32::try_from(extra_overruns).unwrap_or(i32::MAX);
    if t.shared.queued.swap(true, Ordering::AcqRel) {
        let _ = t
            .shared
            .overrun
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |o| {
                Some(o.saturating_add(1).saturating_add(extra))
            });
        return;
    }
    t.shared.overrun.store(extra, Ordering::Release);
    let info = SigInfo::timer(sig, id, 0, value);
    if generate::send_from_timer(process, target, info, Some(t.shared.clone())).is_err() {
        // Not queued after all (the target thread is gone, or the queue is
        // full): the next expiry tries again.
        t.shared.queued.store(false, Ordering::Release);
    }
}

/// Platform timer `id` expired (the kernel calls this with no lock held).
pub fn expire(process: &Process, platform: &dyn Platform, id: u64) {
    if id == crate::fs::writeback::WRITEBACK_TIMER_ID {
        crate::fs::writeback::expire();
        return;
    }
    let now = platform.monotonic_ns();
    let mut timers = process.timers.lock();
    if id == REAL_TIMER_ID {
        let Some(mut e) = timers.real else { return };
        if now < e.next {
            platform.arm_timer(id, Some(e.next));
            return;
        }
        // An itimer's SIGALRM comes from the kernel (SEND_SIG_PRIV);
        // missed periods are dropped.
        let _ = generate::send(process, Target::Process, SigInfo::kernel(SIGALRM));
        e.advance(now);
        timers.real = (e.interval != 0).then_some(e);
        platform.arm_timer(id, timers.real.map(|e| e.next));
        return;
    }
    let Ok(tid) = i32::try_from(id - 1) else {
        return;
    };
    let Some(t) = timers.posix.get_mut(&tid) else {
        return;
    };
    let Some(mut e) = t.armed else { return };
    if now < e.next {
        platform.arm_timer(id, Some(e.next));
        return;
    }
    let skipped = e.advance(now);
    t.armed = (e.interval != 0).then_some(e);
    let t = &timers.posix[&tid];
    fire(process, tid, t, skipped);
    platform.arm_timer(id, t.armed.map(|e| e.next));
}

/// The kernel's tick while the program runs: CPU-time timers that have
/// expired fire.
pub fn cpu_tick(process: &Process, platform: &dyn Platform) {
    let mut timers = process.timers.lock();
    if !timers.cpu_armed() {
        return;
    }
    let cpu = process_cpu_ns(process, platform);
    for (which, sig) in [(ITIMER_VIRTUAL, SIGVTALRM), (ITIMER_PROF, SIGPROF)] {
        let slot = if which == ITIMER_VIRTUAL {
            &mut timers.virt
        } else {
            &mut timers.prof
        };
        if let Some(mut e) = *slot
            && cpu >= e.next
        {
            let _ = generate::send(process, Target::Process, SigInfo::kernel(sig));
            e.advance(cpu);
            *slot = (e.interval != 0).then_some(e);
        }
    }
    let ids: alloc::vec::Vec<i32> = timers.posix.keys().copied().collect();
    for id in ids {
        let Some(t) = timers.posix.get_mut(&id) else {
            continue;
        };
        let now = match t.clock {
            TimerClock::Wall { .. } => continue,
            TimerClock::ProcessCpu => cpu,
            TimerClock::ThreadCpu(tid) => platform.thread_cpu_ns(tid).unwrap_or(0),
        };
        let Some(mut e) = t.armed else { continue };
        if now < e.next {
            continue;
        }
        let skipped = e.advance(now);
        t.armed = (e.interval != 0).then_some(e);
        fire(process, id, &timers.posix[&id], skipped);
    }
    watch(&timers, platform);
}

/// Checks a thread id for SIGEV_THREAD_ID: it must be the process's.
pub fn check_target(process: &Process, tid: u32) -> Result<(), Errno> {
    process.thread(tid).map(|_| ()).ok_or(Errno::EINVAL)
}
