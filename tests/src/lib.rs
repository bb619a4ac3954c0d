//! Helpers shared by the integration tests: booting the kernel under TCG with
//! a time limit and the console on the test's output, and reading the
//! kernel's self-test summary and fault reports.

#![deny(unsafe_code)]

use std::io::{self, Write};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use sole::accel::AccelChoice;
use sole::run::{Boot, BootOptions};

pub mod programs;

/// How long a test boot may take before it counts as hung. TCG boots take
/// well under a second; this leaves room for a loaded machine.
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// Copies guest output into the test's captured output (`eprint!` is
/// captured by the test harness, even from other threads), so a failing
/// test shows the console and a passing one stays quiet.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestOutput;

impl Write for TestOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        eprint!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Boots the kernel with `options` under TCG (deterministic and available
/// everywhere) and [`BOOT_TIMEOUT`], unless `options` sets its own limit.
/// Panics with the reason if the boot fails.
pub fn boot_tcg(options: BootOptions) -> Boot {
    let options = BootOptions {
        accel: AccelChoice::Tcg,
        timeout: options.timeout.or(Some(BOOT_TIMEOUT)),
        ..options
    };
    sole::run::boot(&options, Box::new(TestOutput))
        .unwrap_or_else(|e| panic!("booting with {options:?} failed: {e:#}"))
}

/// Kernel command-line words, as owned strings.
pub fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// The self-test summary line's figures: `(passed, failed)`.
pub fn selftest_summary(console: &str) -> Option<(u32, u32)> {
    static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^selftest: (\d+) passed, (\d+) failed\r?$").expect("valid regex")
    });
    let caps = SUMMARY.captures(console)?;
    Some((caps[1].parse().ok()?, caps[2].parse().ok()?))
}

/// The outcome of each `selftest <name> ... ok|FAILED: <why>` line: the
/// name, and `None` for ok or `Some(why)` for a failure.
pub fn selftest_results(console: &str) -> Vec<(String, Option<String>)> {
    static RESULT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^selftest (\S+) \.\.\. (?:(ok)|FAILED: (.*?))\r?$").expect("valid regex")
    });
    RESULT
        .captures_iter(console)
        .map(|c| (c[1].to_owned(), c.get(3).map(|why| why.as_str().to_owned())))
        .collect()
}

/// One line of a fault report's backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The frame number.
    pub index: u32,
    /// The return (or faulting) address.
    pub address: u64,
    /// The function's name, `None` when the kernel printed `?`.
    pub symbol: Option<String>,
}

/// The frames of the `backtrace:` section of a fault report.
pub fn backtrace(console: &str) -> Vec<Frame> {
    static FRAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^  #(\d+) 0x([0-9a-f]{16}) (\S+?)(?:\+0x[0-9a-f]+)?$").expect("valid regex")
    });
    console
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .skip_while(|line| *line != "backtrace:")
        .skip(1)
        .map_while(|line| FRAME.captures(line))
        .filter_map(|c| {
            Some(Frame {
                index: c[1].parse().ok()?,
                address: u64::from_str_radix(&c[2], 16).ok()?,
                symbol: (&c[3] != "?").then(|| c[3].to_owned()),
            })
        })
        .collect()
}

/// The value of register `name` (`RIP`, `CR2`, ...) in a fault report
/// (`NAME=0x<16 hex digits>`).
pub fn register(console: &str, name: &str) -> Option<u64> {
    let pattern = Regex::new(&format!(
        r"\b{} ?=0x([0-9a-f]{{16}})\b",
        regex::escape(name)
    ))
    .expect("valid regex");
    let caps = pattern.captures(console)?;
    u64::from_str_radix(&caps[1], 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "\
Sole 0.1.0: 127 MiB RAM, 1 CPU, ready in 5196 us

KERNEL FAULT: #PF page fault (vector 14), error code 0x2 [write, page not present]
RIP=0xffffffff8010ba5c CR2=0x00000000dead0000 RFLAGS=0x0000000000000082
R8 =0x0000000000000000 R9 =0x0000000000000004
backtrace:
  #0 0xffffffff8010ba5c sole_kernel::crash::trigger+0xbc
  #1 0xffffffff8010f1ec ?
  #2 0x00000000001000cd pvh_start64+0x38
after the report
";

    #[test]
    fn reads_backtrace_frames() {
        let frames = backtrace(REPORT);
        assert_eq!(frames.len(), 3);
        assert_eq!(
            frames[0],
            Frame {
                index: 0,
                address: 0xffff_ffff_8010_ba5c,
                symbol: Some("sole_kernel::crash::trigger".into()),
            }
        );
        assert_eq!(frames[1].symbol, None);
        assert_eq!(frames[2].symbol.as_deref(), Some("pvh_start64"));
        assert!(backtrace("no report here\n").is_empty());
    }

    #[test]
    fn reads_registers() {
        assert_eq!(register(REPORT, "CR2"), Some(0xdead_0000));
        assert_eq!(register(REPORT, "RIP"), Some(0xffff_ffff_8010_ba5c));
        assert_eq!(register(REPORT, "R8"), Some(0));
        assert_eq!(register(REPORT, "R9"), Some(4));
        assert_eq!(register(REPORT, "CR3"), None);
    }

    #[test]
    fn reads_selftest_lines() {
        let console =
            "selftest a ... ok\r\nselftest b ... FAILED: 1 != 2\nselftest: 1 passed, 1 failed\n";
        assert_eq!(selftest_summary(console), Some((1, 1)));
        assert_eq!(
            selftest_results(console),
            [
                ("a".to_owned(), None),
                ("b".to_owned(), Some("1 != 2".to_owned()))
            ]
        );
        assert_eq!(selftest_summary("selftest: lots passed"), None);
    }
}
