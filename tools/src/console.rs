//! The guest console as the host sees it: bytes from COM1, passed on to the
//! user as they arrive, while watching for the two lines of the host
//! protocol, the banner (`Sole <version>: <mem> MiB RAM, <n> CPUs, ready in
//! <us> us`) and the exit marker (`[sole-exit N]`).
//!
//! When the guest's output did not end a line, the kernel starts the marker
//! on a new line and says so (`[sole-exit N +nl]`); that newline is the
//! kernel's, so it is left out of the transcript.
//!
//! The exit marker is protocol, not output, so the user never sees it. To
//! withhold it without delaying everything else, only a line that so far
//! reads like the start of a marker is held back; it is released the moment
//! it stops looking like one.

use std::sync::LazyLock;

use regex::Regex;

/// What every exit marker line starts with.
const EXIT_MARKER_PREFIX: &[u8] = b"[sole-exit ";

static BANNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Sole (\S+): (\d+) MiB RAM, (\d+) CPUs?, ready in (\d+) us$").expect("valid regex")
});
static EXIT_MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[sole-exit (\d{1,3})( \+nl)?\]$").expect("valid regex"));

/// The kernel's ready line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// The kernel's version.
    pub version: String,
    /// Memory the kernel found, in MiB.
    pub mem_mib: u64,
    /// CPUs the kernel brought up.
    pub cpus: u32,
    /// Guest time from kernel entry to ready, in microseconds.
    pub ready_us: u64,
}

impl Banner {
    /// The banner in `line` (without its line ending), if it is one.
    pub fn parse(line: &str) -> Option<Self> {
        let caps = BANNER.captures(line)?;
        Some(Self {
            version: caps[1].to_owned(),
            mem_mib: caps[2].parse().ok()?,
            cpus: caps[3].parse().ok()?,
            ready_us: caps[4].parse().ok()?,
        })
    }
}

/// The exit status in `line` (without its line ending), if it is an exit
/// marker.
pub fn parse_exit_marker(line: &str) -> Option<u8> {
    parse_marker(line).map(|(status, _)| status)
}

/// The status, and whether the kernel added the newline before the marker.
fn parse_marker(line: &str) -> Option<(u8, bool)> {
    let caps = EXIT_MARKER.captures(line)?;
    Some((caps[1].parse().ok()?, caps.get(2).is_some()))
}

/// Watches the console byte stream; see the module documentation.
#[derive(Debug, Default)]
pub struct Console {
    /// The current, unfinished line.
    line: Vec<u8>,
    /// How many bytes at the start of `line` are held back from the user.
    held: usize,
    /// Whether the current line's bytes are being held back.
    holding: bool,
    /// Everything the user was shown.
    transcript: Vec<u8>,
    banner: Option<Banner>,
    exit_status: Option<u8>,
}

/// What the console showed and said, once the guest is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// Everything the guest wrote, less the exit marker line.
    pub text: String,
    /// The first banner line, if any.
    pub banner: Option<Banner>,
    /// The status in the exit marker line, if there was one.
    pub exit_status: Option<u8>,
}

impl Console {
    /// A console at the start of a line.
    pub fn new() -> Self {
        Self {
            holding: true,
            ..Self::default()
        }
    }

    /// Takes `bytes` from the guest; appends to `show` what the user should
    /// see now.
    pub fn feed(&mut self, bytes: &[u8], show: &mut Vec<u8>) {
        for &byte in bytes {
            self.line.push(byte);
            if self.holding {
                self.held += 1;
                if byte != b'\n' && !could_be_marker(&self.line) {
                    self.release(show);
                }
            } else {
                show.push(byte);
                self.transcript.push(byte);
            }
            if byte == b'\n' {
                self.end_line(show);
            }
        }
    }

    /// The status in the exit marker, once it has been seen.
    pub fn exit_status(&self) -> Option<u8> {
        self.exit_status
    }

    /// Ends the stream: releases any held partial line (or takes it as the
    /// exit marker if it is one) and returns what was seen.
    pub fn finish(mut self, show: &mut Vec<u8>) -> Transcript {
        if !self.line.is_empty() {
            self.end_line(show);
        }
        Transcript {
            text: String::from_utf8_lossy(&self.transcript).into_owned(),
            banner: self.banner,
            exit_status: self.exit_status,
        }
    }

    /// Shows the held bytes and stops holding the current line.
    fn release(&mut self, show: &mut Vec<u8>) {
        let held = &self.line[self.line.len() - self.held..];
        show.extend_from_slice(held);
        self.transcript.extend_from_slice(held);
        self.held = 0;
        self.holding = false;
    }

    fn end_line(&mut self, show: &mut Vec<u8>) {
        let text = String::from_utf8_lossy(&self.line);
        let text = text.trim_end_matches(['\n', '\r']);
        match parse_marker(text) {
            Some((status, added_newline)) if self.holding => {
                // Only the first marker counts: the kernel prints one, last.
                if self.exit_status.is_none()
                    && added_newline
                    && self.transcript.last() == Some(&b'\n')
                {
                    self.transcript.pop();
                }
                self.exit_status.get_or_insert(status);
            }
            _ => {
                if self.banner.is_none() {
                    self.banner = Banner::parse(text);
                }
                if self.holding {
                    self.release(show);
                }
            }
        }
        self.line.clear();
        self.held = 0;
        self.holding = true;
    }
}

/// Whether `line` (so far) could still become an exit marker line.
fn could_be_marker(line: &[u8]) -> bool {
    let common = line.len().min(EXIT_MARKER_PREFIX.len());
    line[..common] == EXIT_MARKER_PREFIX[..common]
        && line[common..]
            .iter()
            .all(|&b| b.is_ascii_digit() || matches!(b, b']' | b'\r' | b' ' | b'+' | b'n' | b'l'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one after another; returns what was shown after each,
    /// and the transcript.
    fn run(chunks: &[&str]) -> (Vec<String>, Transcript) {
        let mut console = Console::new();
        let mut shown = Vec::new();
        for chunk in chunks {
            let mut show = Vec::new();
            console.feed(chunk.as_bytes(), &mut show);
            shown.push(String::from_utf8(show).unwrap());
        }
        let mut show = Vec::new();
        let transcript = console.finish(&mut show);
        shown.push(String::from_utf8(show).unwrap());
        (shown, transcript)
    }

    #[test]
    fn ordinary_output_is_shown_at_once_even_mid_line() {
        let (shown, t) = run(&["hel", "lo\nwor", "ld"]);
        assert_eq!(shown, ["hel", "lo\nwor", "ld", ""]);
        assert_eq!(t.text, "hello\nworld");
        assert_eq!(t.exit_status, None);
    }

    #[test]
    fn the_exit_marker_is_swallowed_and_read() {
        let (shown, t) = run(&["bye\n[sole-", "exit 42]\r", "\n"]);
        assert_eq!(shown.concat(), "bye\n");
        assert_eq!(t.text, "bye\n");
        assert_eq!(t.exit_status, Some(42));
    }

    #[test]
    fn a_newline_the_kernel_added_is_not_output() {
        let (shown, t) = run(&["no newline at the end", "\n[sole-exit 3 +nl]\n"]);
        assert_eq!(t.text, "no newline at the end");
        assert_eq!(t.exit_status, Some(3));
        assert_eq!(
            shown.concat(),
            "no newline at the end\n",
            "the terminal still ends the line"
        );
    }

    #[test]
    fn a_marker_without_a_final_newline_still_counts() {
        let (shown, t) = run(&["[sole-exit 125]"]);
        assert_eq!(shown.concat(), "");
        assert_eq!(t.exit_status, Some(125));
    }

    #[test]
    fn lookalikes_are_released_as_soon_as_they_differ() {
        let (shown, t) = run(&["[sole", "-exi", "t 1x", "]\n", "[sole-exit 7] and more\n"]);
        assert_eq!(shown[0], "", "a marker prefix is held");
        assert_eq!(shown[1], "");
        assert_eq!(shown[2], "[sole-exit 1x", "released on the first odd byte");
        assert_eq!(shown[3], "]\n");
        assert_eq!(shown[4], "[sole-exit 7] and more\n");
        assert_eq!(t.exit_status, None);
        assert_eq!(t.text, "[sole-exit 1x]\n[sole-exit 7] and more\n");
    }

    #[test]
    fn marker_must_stand_alone_and_fit_a_byte() {
        let (_, t) = run(&["  [sole-exit 3]\n", "[sole-exit 300]\n", "[sole-exit ]\n"]);
        assert_eq!(t.exit_status, None);
        assert_eq!(t.text, "  [sole-exit 3]\n[sole-exit 300]\n[sole-exit ]\n");
    }

    #[test]
    fn a_held_partial_line_is_released_at_the_end() {
        let (shown, t) = run(&["ok\n[sole-ex"]);
        assert_eq!(shown, ["ok\n", "[sole-ex"]);
        assert_eq!(t.text, "ok\n[sole-ex");
    }

    #[test]
    fn the_banner_is_found_with_either_line_ending() {
        let (_, t) = run(&["boot\r\nSole 0.1.0: 126 MiB RAM, 2 CPUs, ready in 734 us\r\n"]);
        assert_eq!(
            t.banner,
            Some(Banner {
                version: "0.1.0".into(),
                mem_mib: 126,
                cpus: 2,
                ready_us: 734,
            })
        );
        let (_, t) = run(&["Sole 0.1.0-dev: 62 MiB RAM, 1 CPU, ready in 90 us\n"]);
        assert_eq!(
            t.banner.map(|b| (b.cpus, b.version)),
            Some((1, "0.1.0-dev".into()))
        );
    }

    #[test]
    fn banner_lookalikes_are_not_banners() {
        for line in [
            "Sole 0.1.0: 126 MiB RAM, 2 CPUs, ready in 734 ms",
            "Sole hello",
            " Sole 0.1.0: 126 MiB RAM, 2 CPUs, ready in 734 us",
        ] {
            assert_eq!(Banner::parse(line), None, "{line}");
        }
    }
}
