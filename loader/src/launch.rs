//! The launch manifest: what the kernel runs once it has unpacked the
//! initrd. `sole run` writes it to [`LAUNCH_PATH`] in the archive; the kernel
//! reads it from its root filesystem, then loads `argv[0]` with this command
//! line, environment and working directory.
//!
//! Arguments and environment strings are bytes, as they are to Linux
//! (execve(2)): anything but NUL, which ends a C string. Layout, integers
//! little-endian:
//!
//! ```text
//! magic     b"sole-launch 1\n"  (the version is the digit)
//! flags     u32: bit 0 strace, bit 1 syscall summary, bit 2 trace missing
//!           paths; other bits refused (a flag added later is a new bit: an
//!           older kernel refuses what it cannot honour)
//! cwd       string: an absolute UTF-8 path
//! argc      u32, at least 1, then argc strings (argv[0]: the program's path)
//! envc      u32, then envc strings (`KEY=value`)
//! string:   u32 length, then that many bytes, none of them NUL
//! ```
//!
//! Nothing may follow the last string.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Where the manifest lives in the initrd (relative to its root).
pub const LAUNCH_PATH: &str = ".sole/launch";

/// The first bytes of every manifest: a line naming the format and version.
pub const MAGIC: &[u8] = b"sole-launch 1\n";

/// What the magic line starts with in any version of the format.
const MAGIC_STEM: &[u8] = b"sole-launch ";

/// The program to run and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The command line; `argv[0]` is the program's absolute path in the
    /// image.
    pub argv: Vec<Vec<u8>>,
    /// The environment, `KEY=value` strings.
    pub env: Vec<Vec<u8>>,
    /// The working directory, an absolute path.
    pub cwd: String,
    /// What the kernel reports while and after the program runs.
    pub flags: LaunchFlags,
}

/// Reporting switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaunchFlags {
    /// Print every system call with its decoded arguments and result.
    pub strace: bool,
    /// At exit, print the calls made and the calls refused.
    pub syscall_summary: bool,
    /// Print each path the program failed to find (ENOENT), once.
    pub trace_missing: bool,
}

const FLAG_STRACE: u32 = 1 << 0;
const FLAG_SYSCALL_SUMMARY: u32 = 1 << 1;
const FLAG_TRACE_MISSING: u32 = 1 << 2;
const KNOWN_FLAGS: u32 = FLAG_STRACE | FLAG_SYSCALL_SUMMARY | FLAG_TRACE_MISSING;

impl LaunchFlags {
    fn bits(self) -> u32 {
        [
            (self.strace, FLAG_STRACE),
            (self.syscall_summary, FLAG_SYSCALL_SUMMARY),
            (self.trace_missing, FLAG_TRACE_MISSING),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .fold(0, |bits, (_, bit)| bits | bit)
    }

    fn from_bits(bits: u32) -> Option<Self> {
        (bits & !KNOWN_FLAGS == 0).then_some(Self {
            strace: bits & FLAG_STRACE != 0,
            syscall_summary: bits & FLAG_SYSCALL_SUMMARY != 0,
            trace_missing: bits & FLAG_TRACE_MISSING != 0,
        })
    }
}

/// Why a manifest could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchError {
    /// The bytes do not start with the `sole-launch` magic line.
    BadMagic,
    /// A `sole-launch` manifest of another version.
    UnsupportedVersion,
    /// The manifest ends early.
    Truncated,
    /// Bytes follow the last string.
    TrailingBytes,
    /// Flag bits this version does not know.
    UnknownFlags(u32),
    /// `argv` is empty.
    NoProgram,
    /// The working directory is not an absolute UTF-8 path.
    BadCwd,
    /// An argument (`argv[index]`) contains a NUL byte.
    NulInArg(usize),
    /// An environment string (`env[index]`) contains a NUL byte.
    NulInEnv(usize),
    /// A string or list longer than 4 GiB.
    TooLong,
}

impl fmt::Display for LaunchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaunchError::BadMagic => f.write_str("not a launch manifest (no `sole-launch` line)"),
            LaunchError::UnsupportedVersion => {
                f.write_str("launch manifest of an unsupported version")
            }
            LaunchError::Truncated => f.write_str("launch manifest is truncated"),
            LaunchError::TrailingBytes => f.write_str("launch manifest has trailing bytes"),
            LaunchError::UnknownFlags(bits) => {
                write!(f, "launch manifest has unknown flags {bits:#x}")
            }
            LaunchError::NoProgram => f.write_str("launch manifest names no program (empty argv)"),
            LaunchError::BadCwd => {
                f.write_str("launch manifest's working directory is not an absolute path")
            }
            LaunchError::NulInArg(i) => write!(f, "argument {i} contains a NUL byte"),
            LaunchError::NulInEnv(i) => {
                write!(f, "environment string {i} contains a NUL byte")
            }
            LaunchError::TooLong => f.write_str("launch manifest string or list is too long"),
        }
    }
}

impl core::error::Error for LaunchError {}

impl Launch {
    /// Checks what [`encode`] and [`decode`] require: a program, an
    /// absolute working directory, no NUL in any string.
    pub fn validate(&self) -> Result<(), LaunchError> {
        if self.argv.is_empty() {
            return Err(LaunchError::NoProgram);
        }
        if !self.cwd.starts_with('/') || self.cwd.contains('\0') {
            return Err(LaunchError::BadCwd);
        }
        if let Some(i) = self.argv.iter().position(|a| a.contains(&0)) {
            return Err(LaunchError::NulInArg(i));
        }
        if let Some(i) = self.env.iter().position(|e| e.contains(&0)) {
            return Err(LaunchError::NulInEnv(i));
        }
        Ok(())
    }

    /// The program's path in the image (`argv[0]`).
    pub fn program(&self) -> &[u8] {
        self.argv.first().map_or(&[], Vec::as_slice)
    }
}

/// The manifest's bytes; fails if `launch` is not [valid](Launch::validate).
pub fn encode(launch: &Launch) -> Result<Vec<u8>, LaunchError> {
    launch.validate()?;
    let mut out = Vec::from(MAGIC);
    out.extend_from_slice(&launch.flags.bits().to_le_bytes());
    put_string(&mut out, launch.cwd.as_bytes())?;
    for list in [&launch.argv, &launch.env] {
        put_u32(&mut out, list.len())?;
        for string in list {
            put_string(&mut out, string)?;
        }
    }
    Ok(out)
}

fn put_u32(out: &mut Vec<u8>, value: usize) -> Result<(), LaunchError> {
    let value = u32::try_from(value).map_err(|_| LaunchError::TooLong)?;
    out.extend_from_slice(&value.to_le_bytes());
    Ok(())
}

fn put_string(out: &mut Vec<u8>, string: &[u8]) -> Result<(), LaunchError> {
    put_u32(out, string.len())?;
    out.extend_from_slice(string);
    Ok(())
}

/// Reads a manifest, checking everything [`encode`] guarantees.
pub fn decode(bytes: &[u8]) -> Result<Launch, LaunchError> {
    if !bytes.starts_with(MAGIC) {
        return Err(if bytes.starts_with(MAGIC_STEM) {
            LaunchError::UnsupportedVersion
        } else {
            LaunchError::BadMagic
        });
    }
    let mut r = Reader {
        rest: &bytes[MAGIC.len()..],
    };
    let bits = r.u32()?;
    let flags = LaunchFlags::from_bits(bits).ok_or(LaunchError::UnknownFlags(bits))?;
    let cwd = core::str::from_utf8(r.string()?).map_err(|_| LaunchError::BadCwd)?;
    let argv = r.strings()?;
    let env = r.strings()?;
    if !r.rest.is_empty() {
        return Err(LaunchError::TrailingBytes);
    }
    let launch = Launch {
        argv,
        env,
        cwd: String::from(cwd),
        flags,
    };
    launch.validate()?;
    Ok(launch)
}

/// A cursor over the manifest's bytes.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], LaunchError> {
        if n > self.rest.len() {
            return Err(LaunchError::Truncated);
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(taken)
    }

    fn u32(&mut self) -> Result<u32, LaunchError> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn len(&mut self) -> Result<usize, LaunchError> {
        usize::try_from(self.u32()?).map_err(|_| LaunchError::TooLong)
    }

    fn string(&mut self) -> Result<&'a [u8], LaunchError> {
        let len = self.len()?;
        self.take(len)
    }

    fn strings(&mut self) -> Result<Vec<Vec<u8>>, LaunchError> {
        let count = self.len()?;
        // Each string takes at least its 4-byte length, so a count the
        // remaining bytes cannot hold is refused before allocating for it.
        if count > self.rest.len() / 4 {
            return Err(LaunchError::Truncated);
        }
        let mut strings = Vec::with_capacity(count);
        for _ in 0..count {
            strings.push(Vec::from(self.string()?));
        }
        Ok(strings)
    }
}

#[cfg(test)]
mod tests;
