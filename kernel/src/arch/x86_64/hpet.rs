//! The HPET (IA-PC HPET spec 1.0a), used as a fine-grained reference to
//! calibrate the TSC quickly: its main counter runs at a rate it states in
//! femtoseconds per tick.

use super::cpu;

const CAPABILITIES: u64 = 0x000;
const CONFIG: u64 = 0x010;
const MAIN_COUNTER: u64 = 0x0f0;
const ENABLE: u64 = 1;

fn read(base: u64, reg: u64) -> u64 {
    // SAFETY: `base` is the HPET's register block, mapped uncached by the caller.
    unsafe { ((base + reg) as *const u64).read_volatile() }
}

fn write(base: u64, reg: u64, v: u64) {
    // SAFETY: as in `read`.
    unsafe { ((base + reg) as *mut u64).write_volatile(v) }
}

/// TSC ticks per second, measured over `window_ns` of HPET time.
pub fn tsc_hz(phys: u64, window_ns: u64) -> Option<u64> {
    let base = crate::mm::map_mmio(phys, 1024);
    let period_fs = read(base, CAPABILITIES) >> 32;
    if period_fs == 0 || period_fs > 100_000_000 {
        return None; // the spec caps the period at 100 ns
    }
    write(base, CONFIG, read(base, CONFIG) | ENABLE);
    let ticks = window_ns * 1_000_000 / period_fs;
    let h0 = read(base, MAIN_COUNTER);
    let t0 = cpu::rdtsc();
    let (mut h1, mut t1);
    loop {
        h1 = read(base, MAIN_COUNTER);
        t1 = cpu::rdtsc();
        if h1.wrapping_sub(h0) >= ticks {
            break;
        }
        if t1 - t0 > 1 << 36 {
            return None; // the counter does not move
        }
    }
    let elapsed_fs = u128::from(h1.wrapping_sub(h0)) * u128::from(period_fs);
    Some((u128::from(t1 - t0) * 1_000_000_000_000_000 / elapsed_fs) as u64)
}
