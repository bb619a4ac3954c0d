//! Clocks and timers.
//!
//! The monotonic clock counts nanoseconds since kernel entry from the TSC
//! (calibrated at boot, see `arch::tsc`). The wall clock is the RTC's reading
//! at boot carried forward by the monotonic clock. Timers are tickless: the
//! local APIC is armed for the next deadline only.

use crate::arch::{apic, cpu};
use core::sync::atomic::{AtomicU64, Ordering};

static ENTRY_TSC: AtomicU64 = AtomicU64::new(0);
static TSC_HZ: AtomicU64 = AtomicU64::new(0);
/// ns per TSC tick in 32.32 fixed point.
static NS_PER_TICK_FP: AtomicU64 = AtomicU64::new(0);
/// Unix time (ns) at monotonic zero; 0 when there is no RTC.
static EPOCH_AT_ENTRY_NS: AtomicU64 = AtomicU64::new(0);

/// Records the TSC at kernel entry: monotonic time zero.
pub fn set_entry_tsc(tsc: u64) {
    ENTRY_TSC.store(tsc, Ordering::Relaxed);
}

/// Starts the clocks: `tsc_hz` from calibration, `unix_ns_now` the wall time
/// read just before the call (kvmclock: exact; RTC: whole seconds).
pub fn init(tsc_hz: u64, unix_ns_now: Option<u64>) {
    TSC_HZ.store(tsc_hz, Ordering::Relaxed);
    NS_PER_TICK_FP.store(
        ((1_000_000_000u128 << 32) / u128::from(tsc_hz)) as u64,
        Ordering::Relaxed,
    );
    if let Some(now) = unix_ns_now {
        EPOCH_AT_ENTRY_NS.store(now.saturating_sub(monotonic_ns()), Ordering::Relaxed);
    }
}

pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

fn tsc_to_ns(ticks: u64) -> u64 {
    ((u128::from(ticks) * u128::from(NS_PER_TICK_FP.load(Ordering::Relaxed))) >> 32) as u64
}

fn ns_to_tsc(ns: u64) -> u64 {
    let ticks = u128::from(ns) * u128::from(tsc_hz()) / 1_000_000_000;
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// Nanoseconds since kernel entry (0 until the TSC is calibrated).
pub fn monotonic_ns() -> u64 {
    tsc_to_ns(cpu::rdtsc().saturating_sub(ENTRY_TSC.load(Ordering::Relaxed)))
}

/// Nanoseconds since the Unix epoch, or None when the machine has no RTC.
pub fn realtime_ns() -> Option<u64> {
    match EPOCH_AT_ENTRY_NS.load(Ordering::Relaxed) {
        0 => None,
        epoch => Some(epoch + monotonic_ns()),
    }
}

/// Arms the timer interrupt for `deadline_ns` (monotonic).
pub fn arm_timer(deadline_ns: u64) {
    let now = cpu::rdtsc();
    let delta = deadline_ns.saturating_sub(monotonic_ns());
    apic::arm(now, ns_to_tsc(delta), tsc_hz());
}

/// Waits `ns` on the TSC without halting (start-up sequences, before the
/// scheduler runs).
pub fn spin_ns(ns: u64) {
    let deadline = monotonic_ns().saturating_add(ns);
    while monotonic_ns() < deadline {
        cpu::pause();
    }
}

/// Sleeps for at least `ns`, halting the CPU between timer interrupts. For
/// the boot CPU before threads run (the self-tests); threads sleep through
/// the scheduler.
pub fn sleep_ns(ns: u64) {
    let deadline = monotonic_ns().saturating_add(ns);
    let were_enabled = cpu::interrupts_enabled();
    loop {
        cpu::interrupts_disable();
        if monotonic_ns() >= deadline {
            break;
        }
        arm_timer(deadline);
        cpu::enable_and_halt();
    }
    if were_enabled {
        cpu::interrupts_enable();
    }
}
