//! The kernel log: `log` records on the serial console, prefixed with the
//! monotonic time and level, one line at a time.

use crate::arch::serial;
use crate::sync::IrqMutex;
use core::fmt::Write;
use log::{Level, LevelFilter, Log, Metadata, Record};

struct ConsoleLog;

static LOG: ConsoleLog = ConsoleLog;
static LINE: IrqMutex<()> = IrqMutex::new(());

struct Line;

impl Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        serial::write_bytes(s.as_bytes());
        Ok(())
    }
}

impl Log for ConsoleLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let us = crate::time::monotonic_ns() / 1000;
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let _guard = LINE.lock();
        let _ = writeln!(
            Line,
            "[{:>5}.{:06}] {level} {}",
            us / 1_000_000,
            us % 1_000_000,
            record.args()
        );
    }

    fn flush(&self) {}
}

pub fn init(level: LevelFilter) {
    // set_logger fails only if called twice; the first logger stays.
    let _ = log::set_logger(&LOG);
    log::set_max_level(level);
}

/// Writes the program's output: whole writes stay together, whichever
/// CPUs write at once.
pub fn console_write(bytes: &[u8]) {
    let _guard = LINE.lock();
    serial::write_bytes(bytes);
}

/// Prints a line on the console regardless of the log level (banner,
/// selftest results).
pub fn println(args: core::fmt::Arguments<'_>) {
    let _guard = LINE.lock();
    let _ = Line.write_fmt(args);
    let _ = Line.write_str("\n");
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => { $crate::klog::println(format_args!($($arg)*)) };
}
