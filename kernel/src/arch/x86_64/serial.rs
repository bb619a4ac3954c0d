//! The 16550 UART on COM1: the console.
//!
//! Output only for now. Writes poll the line-status register; there is no
//! buffering, so whatever was written before a crash has reached the host.

use super::port::Port;

const COM1: u16 = 0x3f8;
const LSR_DATA_READY: u8 = 1 << 0;
const LSR_THR_EMPTY: u8 = 1 << 5;

struct Uart {
    data: Port<u8>,
    int_enable: Port<u8>,
    line_ctrl: Port<u8>,
    modem_ctrl: Port<u8>,
    line_status: Port<u8>,
}

// SAFETY: COM1's eight ports belong to the console driver, and a UART cannot DMA.
static COM1_UART: Uart = unsafe {
    Uart {
        data: Port::new(COM1),
        int_enable: Port::new(COM1 + 1),
        line_ctrl: Port::new(COM1 + 3),
        modem_ctrl: Port::new(COM1 + 4),
        line_status: Port::new(COM1 + 5),
    }
};

/// Programs 115200 baud, 8N1, interrupts off. The FIFO control register is
/// left as the firmware left it: changing the FIFO-enable bit flushes the
/// receive FIFO (QEMU does too), and input the host sent early would be lost.
pub fn init() {
    let u = &COM1_UART;
    u.int_enable.write(0);
    u.line_ctrl.write(0x80); // DLAB: the next two registers are the divisor
    u.data.write(1); // 115200 / 1
    u.int_enable.write(0);
    u.line_ctrl.write(0x03); // 8 bits, no parity, one stop bit
    u.modem_ctrl.write(0x03); // DTR, RTS
}

/// Reads what has arrived, without waiting; returns the number of bytes.
pub fn read_available(buf: &mut [u8]) -> usize {
    let u = &COM1_UART;
    let mut n = 0;
    while n < buf.len() && u.line_status.read() & LSR_DATA_READY != 0 {
        buf[n] = u.data.read();
        n += 1;
    }
    n
}

/// Writes bytes as they are. Line endings are the host terminal's business
/// (QEMU's stdio backend leaves the host's output processing on).
pub fn write_bytes(bytes: &[u8]) {
    for &b in bytes {
        put(b);
    }
    if let Some(&last) = bytes.last() {
        LAST_BYTE.store(last, core::sync::atomic::Ordering::Relaxed);
    }
}

/// The last byte written, so the exit marker can start on a line of its own.
static LAST_BYTE: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(b'\n');

/// Whether the console is at the start of a line.
pub fn at_line_start() -> bool {
    LAST_BYTE.load(core::sync::atomic::Ordering::Relaxed) == b'\n'
}

fn put(b: u8) {
    let u = &COM1_UART;
    let mut spins = 0u32;
    // A missing UART reads 0xff (THR "empty"); bound the wait all the same.
    while u.line_status.read() & LSR_THR_EMPTY == 0 && spins < 100_000 {
        spins += 1;
        core::hint::spin_loop();
    }
    u.data.write(b);
}

/// A `fmt::Write` sink onto the console, without locking: the fault path
/// uses it when a lock may be held by the code that faulted.
pub struct RawConsole;

impl core::fmt::Write for RawConsole {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write_bytes(s.as_bytes());
        Ok(())
    }
}
