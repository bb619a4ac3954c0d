//! kvmclock (Linux `Documentation/virt/kvm/x86/msr.rst`): under KVM the
//! hypervisor publishes the TSC-to-nanoseconds scale and the wall clock, so
//! the kernel needs no calibration loop and no RTC. We read both once at boot
//! and then turn the per-CPU time structure off again; the TSC carries time
//! from there.

use super::cpu;
use crate::mm::kernel_virt_to_phys;

const CPUID_SIGNATURE: u32 = 0x4000_0000;
const CPUID_FEATURES: u32 = 0x4000_0001;
const FEATURE_CLOCKSOURCE2: u32 = 1 << 3;
const MSR_WALL_CLOCK_NEW: u32 = 0x4b56_4d00;
const MSR_SYSTEM_TIME_NEW: u32 = 0x4b56_4d01;

/// `struct pvclock_vcpu_time_info`.
#[repr(C, align(64))]
struct VcpuTimeInfo {
    version: u32,
    _pad0: u32,
    tsc_timestamp: u64,
    system_time: u64,
    tsc_to_system_mul: u32,
    tsc_shift: i8,
    flags: u8,
    _pad: [u8; 2],
}

/// `struct pvclock_wall_clock`.
#[repr(C, align(16))]
struct WallClock {
    version: u32,
    sec: u32,
    nsec: u32,
}

static mut TIME_INFO: VcpuTimeInfo = VcpuTimeInfo {
    version: 0,
    _pad0: 0,
    tsc_timestamp: 0,
    system_time: 0,
    tsc_to_system_mul: 0,
    tsc_shift: 0,
    flags: 0,
    _pad: [0; 2],
};
static mut WALL: WallClock = WallClock {
    version: 0,
    sec: 0,
    nsec: 0,
};

/// What kvmclock told us.
pub struct Reading {
    pub tsc_hz: u64,
    /// Unix time in ns at the moment of the reading.
    pub unix_ns: u64,
}

/// Whether we run under KVM with the stable kvmclock MSRs.
pub fn present() -> bool {
    let sig = cpu::cpuid(CPUID_SIGNATURE, 0);
    let name = [
        sig.ebx.to_le_bytes(),
        sig.ecx.to_le_bytes(),
        sig.edx.to_le_bytes(),
    ];
    name.as_flattened() == b"KVMKVMKVM\0\0\0"
        && sig.eax >= CPUID_FEATURES
        && cpu::cpuid(CPUID_FEATURES, 0).eax & FEATURE_CLOCKSOURCE2 != 0
}

/// Reads a structure the hypervisor updates under a version counter (odd
/// while it writes).
fn read_consistent<T>(version: *const u32, read: impl Fn() -> T) -> T {
    loop {
        // SAFETY: `version` points into a live static the hypervisor writes.
        let before = unsafe { version.read_volatile() };
        core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
        let value = read();
        core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
        // SAFETY: as above.
        let after = unsafe { version.read_volatile() };
        if before == after && before % 2 == 0 {
            return value;
        }
    }
}

pub fn read() -> Option<Reading> {
    if !present() {
        return None;
    }
    let info = &raw const TIME_INFO;
    let wall = &raw const WALL;
    // SAFETY: the MSRs exist (CPUID said so); the hypervisor writes the two
    // statics, which nothing else uses, until the system-time MSR is cleared
    // below (the wall-clock MSR is a one-shot write).
    unsafe {
        cpu::write_msr(MSR_SYSTEM_TIME_NEW, kernel_virt_to_phys(info as u64) | 1);
        cpu::write_msr(MSR_WALL_CLOCK_NEW, kernel_virt_to_phys(wall as u64));
    }
    // SAFETY: field projections of live statics; nothing is read here.
    let (info_version, wall_version) =
        unsafe { (&raw const (*info).version, &raw const (*wall).version) };
    let (tsc_timestamp, system_time, mul, shift) = read_consistent(info_version, || {
        // SAFETY: volatile reads of fields of the live static TIME_INFO.
        unsafe {
            (
                (&raw const (*info).tsc_timestamp).read_volatile(),
                (&raw const (*info).system_time).read_volatile(),
                (&raw const (*info).tsc_to_system_mul).read_volatile(),
                (&raw const (*info).tsc_shift).read_volatile(),
            )
        }
    });
    let (sec, nsec) = read_consistent(wall_version, || {
        // SAFETY: volatile reads of fields of the live static WALL.
        unsafe {
            (
                (&raw const (*wall).sec).read_volatile(),
                (&raw const (*wall).nsec).read_volatile(),
            )
        }
    });
    let now = cpu::rdtsc();
    // SAFETY: clearing the enable bit stops the hypervisor's updates.
    unsafe { cpu::write_msr(MSR_SYSTEM_TIME_NEW, 0) };
    if mul == 0 {
        return None;
    }
    // ns = ((tsc << shift) * mul) >> 32, with a negative shift shifting right.
    let scale = |ticks: u64| -> u64 {
        let shifted = if shift >= 0 {
            u128::from(ticks) << shift
        } else {
            u128::from(ticks) >> -shift
        };
        ((shifted * u128::from(mul)) >> 32) as u64
    };
    // Inverting that scale: Hz = 10^9 * 2^32 / (mul * 2^shift).
    let tsc_hz = if shift >= 0 {
        (1_000_000_000u128 << 32) / (u128::from(mul) << shift)
    } else {
        ((1_000_000_000u128 << 32) << -shift) / u128::from(mul)
    };
    let system_ns = system_time + scale(now.wrapping_sub(tsc_timestamp));
    let unix_ns = u64::from(sec) * 1_000_000_000 + u64::from(nsec) + system_ns;
    Some(Reading {
        tsc_hz: tsc_hz as u64,
        unix_ns,
    })
}
