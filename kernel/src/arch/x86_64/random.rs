//! Entropy from the CPU: RDSEED when present (true random), else RDRAND.
//! Without either, the machine has no entropy source we can trust yet
//! (virtio-rng arrives with the device drivers): we fall back to TSC jitter
//! mixing and say so once.

use super::cpu;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

fn has_rdrand() -> bool {
    cpu::cpuid(1, 0).ecx & (1 << 30) != 0
}

fn has_rdseed() -> bool {
    cpu::max_leaf() >= 7 && cpu::cpuid(7, 0).ebx & (1 << 18) != 0
}

fn rdrand() -> Option<u64> {
    for _ in 0..32 {
        let (v, ok): (u64, u8);
        // SAFETY: CPUID said RDRAND exists; it only writes the registers.
        unsafe {
            core::arch::asm!("rdrand {}", "setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack))
        };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

fn rdseed() -> Option<u64> {
    for _ in 0..32 {
        let (v, ok): (u64, u8);
        // SAFETY: CPUID said RDSEED exists; it only writes the registers.
        unsafe {
            core::arch::asm!("rdseed {}", "setc {}", out(reg) v, out(reg_byte) ok, options(nomem, nostack))
        };
        if ok != 0 {
            return Some(v);
        }
    }
    None
}

static WARNED: AtomicBool = AtomicBool::new(false);
static STATE: AtomicU64 = AtomicU64::new(0x853c_49e6_748f_ea9b);

fn fallback() -> u64 {
    if !WARNED.swap(true, Ordering::Relaxed) {
        log::warn!("no RDRAND/RDSEED: random numbers come from TSC mixing and are not secure");
    }
    // splitmix64 over the TSC.
    let mut z = STATE
        .fetch_add(cpu::rdtsc() | 1, Ordering::Relaxed)
        .wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn fill(buf: &mut [u8]) {
    let seed = has_rdseed();
    let rand = has_rdrand();
    for chunk in buf.chunks_mut(8) {
        let v = if seed { rdseed() } else { None }
            .or_else(|| if rand { rdrand() } else { None })
            .unwrap_or_else(fallback);
        chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
    }
}
