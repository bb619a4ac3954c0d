//! The kernel command line: space-separated `key=value` words and flags.
//!
//! | word | meaning |
//! |---|---|
//! | `log=error\|warn\|info\|debug\|trace` | console log level (default `warn`) |
//! | `selftest` | run the in-kernel tests and exit with their verdict |
//! | `crash=page-fault\|divide-error\|invalid-opcode\|stack-overflow\|panic` | fault on purpose after boot (tests the fault report) |
//! | `noxsave` | save FPU state with FXSAVE (x87 and SSE only) even where XSAVE exists, as Linux's `noxsave` |
//!
//! Unknown words are reported, not ignored silently.

use log::LevelFilter;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crash {
    PageFault,
    DivideError,
    InvalidOpcode,
    StackOverflow,
    Panic,
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub log_level: LevelFilter,
    pub selftest: bool,
    pub crash: Option<Crash>,
    pub noxsave: bool,
}

/// A word the kernel did not understand, for the log.
#[derive(Clone, Copy, Debug)]
pub struct Unknown<'a>(pub &'a str);

impl Options {
    pub fn parse(cmdline: &str, mut unknown: impl FnMut(Unknown<'_>)) -> Options {
        let mut o = Options {
            log_level: LevelFilter::Warn,
            selftest: false,
            crash: None,
            noxsave: false,
        };
        for word in cmdline.split_ascii_whitespace() {
            let (key, value) = word
                .split_once('=')
                .map_or((word, None), |(k, v)| (k, Some(v)));
            match (key, value) {
                ("log", Some(v)) => match parse_level(v) {
                    Some(l) => o.log_level = l,
                    None => unknown(Unknown(word)),
                },
                ("selftest", None) => o.selftest = true,
                ("noxsave", None) => o.noxsave = true,
                ("crash", Some(v)) => {
                    o.crash = match v {
                        "page-fault" => Some(Crash::PageFault),
                        "divide-error" => Some(Crash::DivideError),
                        "invalid-opcode" => Some(Crash::InvalidOpcode),
                        "stack-overflow" => Some(Crash::StackOverflow),
                        "panic" => Some(Crash::Panic),
                        _ => {
                            unknown(Unknown(word));
                            None
                        }
                    }
                }
                _ => unknown(Unknown(word)),
            }
        }
        o
    }
}

fn parse_level(v: &str) -> Option<LevelFilter> {
    Some(match v {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}
