//! Host tests of the thread, futex, timer and scheduling calls through
//! `dispatch` on the test platform (one thread runs; others are records
//! the platform keeps, as clone left them).

mod clone;
mod futex;
mod sched;
mod timers;

use crate::platform::Platform;
use crate::testing::{self, Harness};

/// A harness with scratch memory at the returned address.
fn setup() -> (Harness, u64) {
    let mut h = testing::harness();
    h.stack = testing::scratch(&h.process, &h.platform, 65536) + 65536;
    let mem = testing::scratch(&h.process, &h.platform, 65536);
    (h, mem)
}

fn put_u32(h: &Harness, addr: u64, v: u32) {
    h.platform.write_user(addr, &v.to_le_bytes()).unwrap();
}

fn get_u32(h: &Harness, addr: u64) -> u32 {
    let mut b = [0u8; 4];
    h.platform.read_user(addr, &mut b).unwrap();
    u32::from_le_bytes(b)
}
