//! The TSC's frequency, from the best source the machine offers:
//! 1. kvmclock's scale, under KVM (exact, free);
//! 2. CPUID leaf 0x15 (crystal ratio) or 0x16 (base frequency);
//! 3. the HPET, over a short window;
//! 4. the PIT, over a longer one.

use super::{cpu, hpet, pit};

#[derive(Clone, Copy, Debug)]
pub enum Source {
    Kvmclock,
    Cpuid,
    Hpet,
    Pit,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Kvmclock => "kvmclock",
            Source::Cpuid => "CPUID",
            Source::Hpet => "HPET",
            Source::Pit => "PIT",
        }
    }
}

/// HPET window: long enough for 0.01% at 100 MHz, short enough for a fast boot.
const HPET_WINDOW_NS: u64 = 100_000;
/// PIT window: 597 ticks (500 us), about 0.2%.
const PIT_TICKS: u16 = (pit::HZ / 2000) as u16;

pub fn calibrate(kvmclock_hz: Option<u64>, hpet_phys: Option<u64>) -> Option<(u64, Source)> {
    if let Some(hz) = kvmclock_hz {
        return Some((hz, Source::Kvmclock));
    }
    if let Some(hz) = from_cpuid() {
        return Some((hz, Source::Cpuid));
    }
    if let Some(hz) = hpet_phys.and_then(|p| hpet::tsc_hz(p, HPET_WINDOW_NS)) {
        return Some((hz, Source::Hpet));
    }
    let ticks = pit::measure_tsc(PIT_TICKS)?;
    Some((ticks * pit::HZ / u64::from(PIT_TICKS), Source::Pit))
}

/// Intel SDM Vol. 3B, 18.7.3: TSC = crystal * EBX / EAX, or the base
/// frequency of leaf 0x16 when the crystal is not enumerated. Hypervisors
/// that emulate these leaves give exact figures.
fn from_cpuid() -> Option<u64> {
    if cpu::max_leaf() >= 0x15 {
        let l = cpu::cpuid(0x15, 0);
        if l.eax != 0 && l.ebx != 0 && l.ecx != 0 {
            return Some(u64::from(l.ecx) * u64::from(l.ebx) / u64::from(l.eax));
        }
    }
    if cpu::max_leaf() >= 0x16 {
        let mhz = cpu::cpuid(0x16, 0).eax & 0xffff;
        if mhz != 0 {
            return Some(u64::from(mhz) * 1_000_000);
        }
    }
    None
}
