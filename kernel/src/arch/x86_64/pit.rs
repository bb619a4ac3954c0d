//! The 8254 PIT, used only as a known-frequency reference to calibrate the
//! TSC when nothing better is available. Channel 0 counts down at
//! 1.193182 MHz; we latch and read its count rather than rely on channel 2's
//! gate and OUT bit (port 0x61), which belong to the PC speaker and are absent
//! on machines without one (QEMU's microvm).

use super::cpu;
use super::port::Port;

pub const HZ: u64 = 1_193_182;

struct Pit {
    channel0: Port<u8>,
    command: Port<u8>,
}

impl Pit {
    fn get() -> Pit {
        // SAFETY: 0x40 and 0x43 are the PIT's channel-0 data and command
        // ports; channel 0's interrupt (IRQ 0) is masked and unused.
        unsafe {
            Pit {
                channel0: Port::new(0x40),
                command: Port::new(0x43),
            }
        }
    }

    fn count(&self) -> u16 {
        self.command.write(0b0000_0000); // latch channel 0
        let lo = self.channel0.read();
        let hi = self.channel0.read();
        u16::from_le_bytes([lo, hi])
    }
}

/// Counts TSC ticks over `pit_ticks` PIT ticks (well under 65535). Returns
/// None when the PIT does not count.
pub fn measure_tsc(pit_ticks: u16) -> Option<u64> {
    let pit = Pit::get();
    // Channel 0, lobyte/hibyte, mode 2 (rate generator), binary, from 0xffff.
    pit.command.write(0b0011_0100);
    pit.channel0.write(0xff);
    pit.channel0.write(0xff);
    // Wait for the first decrement so we start on a tick edge.
    let first = pit.count();
    let t_limit = cpu::rdtsc() + (1 << 34);
    let mut start = pit.count();
    while start == first {
        if cpu::rdtsc() > t_limit {
            return None;
        }
        start = pit.count();
    }
    let t0 = cpu::rdtsc();
    loop {
        let now = pit.count();
        if start.wrapping_sub(now) >= pit_ticks {
            return Some(cpu::rdtsc() - t0);
        }
        if cpu::rdtsc() > t_limit {
            return None;
        }
    }
}
