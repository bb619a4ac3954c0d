//! The one entry point: decode the call, run its handler, count it, print it
//! for `--strace`, and turn errors into `-errno` (the only place that
//! happens; DESIGN.md "The path of a system call").

use crate::platform::Platform;
use crate::process::Process;
use crate::table::{self, Arg, Entry};
use crate::user::{UserCStr, UserPtr, UserSlice};
use crate::{Errno, Error, SysResult};
use alloc::string::String;
use core::fmt::Write;

/// The six argument registers (rdi, rsi, rdx, r10, r8, r9).
#[derive(Debug, Clone, Copy)]
pub struct Args(pub [u64; 6]);

impl Args {
    pub fn raw(&self, i: usize) -> u64 {
        self.0[i]
    }
    /// A C `int` argument (the low 32 bits, sign-extended as the ABI does).
    pub fn int(&self, i: usize) -> i32 {
        self.0[i] as i32
    }
    pub fn uint(&self, i: usize) -> u32 {
        self.0[i] as u32
    }
    pub fn usize(&self, i: usize) -> usize {
        self.0[i] as usize
    }
    pub fn ptr<T>(&self, i: usize) -> UserPtr<T>
    where
        T: zerocopy::FromBytes + zerocopy::IntoBytes + zerocopy::Immutable + zerocopy::KnownLayout,
    {
        UserPtr::new(self.0[i])
    }
    pub fn cstr(&self, i: usize) -> UserCStr {
        UserCStr::new(self.0[i])
    }
    /// A buffer whose address is argument `addr` and length argument `len`.
    pub fn slice(&self, addr: usize, len: usize) -> UserSlice {
        UserSlice::new(self.0[addr], self.0[len] as usize)
    }
}

/// What a handler sees.
pub struct Ctx<'a> {
    pub process: &'a mut Process,
    pub platform: &'a dyn Platform,
    /// Set by exit/exit_group: the program is done.
    pub exit: Option<i32>,
}

/// What the kernel does after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Return this value in RAX.
    Return(u64),
    /// The program exited with this status.
    Exit(i32),
}

pub fn dispatch(
    process: &mut Process,
    platform: &dyn Platform,
    nr: u64,
    args: [u64; 6],
) -> Outcome {
    let args = Args(args);
    let entry = usize::try_from(nr).ok().and_then(table::lookup);
    let mut ctx = Ctx {
        process,
        platform,
        exit: None,
    };
    let strace = ctx.process.strace;
    let mut line = String::new();
    if strace {
        describe_call(&mut line, &ctx, nr, entry.as_ref(), &args);
    }
    let result: SysResult = match &entry {
        Some(e) => (e.handler)(&mut ctx, &args),
        None => Err(Errno::ENOSYS.into()),
    };
    let nr_index = nr as usize;
    ctx.process.stats.record(nr_index, result);
    if let Err(e) = result {
        note_refusal(&mut ctx, nr, entry.as_ref(), e);
    }
    if let Some(status) = ctx.exit {
        if strace {
            let _ = writeln!(line, " = ?");
            ctx.platform.console_write(line.as_bytes());
        }
        return Outcome::Exit(status);
    }
    let value = match result {
        Ok(v) => v,
        Err(e) => (-(e.errno as i64)) as u64,
    };
    if strace {
        describe_result(&mut line, &ctx, entry.as_ref(), &args, result);
        ctx.platform.console_write(line.as_bytes());
    }
    Outcome::Return(value)
}

/// Logs, once per syscall and errno, that Sole refused a call.
fn note_refusal(ctx: &mut Ctx<'_>, nr: u64, entry: Option<&Entry>, e: Error) {
    if !crate::stats::is_refusal(e) || !ctx.process.stats.first_refusal(nr as usize, e.errno) {
        return;
    }
    match (entry, e.note) {
        (None, _) => {
            let name = crate::nr::name(nr as usize).unwrap_or("unknown");
            log::warn!("syscall {name} ({nr}) is not implemented: ENOSYS");
        }
        (Some(entry), Some(note)) => log::warn!("{}: {note}: {}", entry.name, e.errno.name()),
        // A plain EINVAL without a note is the program's mistake, not a gap.
        (Some(entry), None) if e.errno == Errno::ENOSYS => {
            log::warn!("{}: not implemented: ENOSYS", entry.name)
        }
        _ => {}
    }
}

const STRACE_STRING_MAX: usize = 32;

fn quoted(out: &mut String, bytes: &[u8], truncated: bool) {
    out.push('"');
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
    if truncated {
        out.push_str("...");
    }
}

fn describe_call(out: &mut String, ctx: &Ctx<'_>, nr: u64, entry: Option<&Entry>, args: &Args) {
    let Some(entry) = entry else {
        let [a, b, c, ..] = args.0;
        let _ = match crate::nr::name(nr as usize) {
            Some(name) => write!(out, "{name}({a:#x}, {b:#x}, {c:#x})"),
            None => write!(out, "syscall_{nr}({a:#x}, {b:#x}, {c:#x})"),
        };
        return;
    };
    let _ = write!(out, "{}(", entry.name);
    for (i, kind) in entry.args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let v = args.0[i];
        match kind {
            Arg::Int => {
                let _ = write!(out, "{}", v as i64);
            }
            Arg::Fd => {
                let _ = write!(out, "{}", v as i32);
            }
            Arg::Uint => {
                let _ = write!(out, "{v}");
            }
            Arg::Hex | Arg::Ptr | Arg::OutBuf(_) => {
                if v == 0 {
                    out.push_str("NULL");
                } else {
                    let _ = write!(out, "{v:#x}");
                }
            }
            Arg::Oct => {
                let _ = write!(out, "{v:#o}");
            }
            Arg::Str => match UserCStr::new(v).read(ctx.platform, 4096) {
                Ok(s) => quoted(
                    out,
                    &s[..s.len().min(STRACE_STRING_MAX)],
                    s.len() > STRACE_STRING_MAX,
                ),
                Err(_) => {
                    let _ = write!(out, "{v:#x}");
                }
            },
            Arg::InBuf(len_arg) => {
                let len = args.0[*len_arg] as usize;
                let mut buf = [0u8; STRACE_STRING_MAX];
                let n = len.min(STRACE_STRING_MAX);
                match UserSlice::new(v, n).read_into(ctx.platform, &mut buf[..n]) {
                    Ok(()) => quoted(out, &buf[..n], len > n),
                    Err(_) => {
                        let _ = write!(out, "{v:#x}");
                    }
                }
            }
        }
    }
    out.push(')');
}

fn describe_result(
    out: &mut String,
    _ctx: &Ctx<'_>,
    entry: Option<&Entry>,
    _args: &Args,
    r: SysResult,
) {
    let _ = match r {
        Ok(v) if entry.is_some_and(|e| e.hex_result) => writeln!(out, " = {v:#x}"),
        Ok(v) => writeln!(out, " = {}", v as i64),
        Err(e) => writeln!(out, " = -1 {} ({})", e.errno.name(), e.errno.description()),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nr;
    use crate::testing;

    #[test]
    fn refusals_are_counted_apart_from_the_programs_own_errors() {
        let (mut process, platform) = testing::process();
        // A syscall Sole does not have: ENOSYS, refused.
        assert_eq!(
            dispatch(&mut process, &platform, 1000, [0; 6]),
            Outcome::Return(-38i64 as u64)
        );
        // A misaligned munmap: the program's mistake (plain EINVAL).
        let r = dispatch(
            &mut process,
            &platform,
            nr::MUNMAP as u64,
            [0x1001, 4096, 0, 0, 0, 0],
        );
        assert_eq!(r, Outcome::Return(-22i64 as u64));
        // MAP_HUGETLB: a feature Sole declines (EINVAL with a note).
        let args = [0, 4096, 3, 0x22 | 0x40000, u64::MAX, 0];
        assert_eq!(
            dispatch(&mut process, &platform, nr::MMAP as u64, args),
            Outcome::Return(-22i64 as u64)
        );
        let count = |n: usize| process.stats.get(n);
        assert_eq!((count(1000).errors, count(1000).refused), (1, 1));
        assert_eq!(
            (count(nr::MUNMAP).errors, count(nr::MUNMAP).refused),
            (1, 0)
        );
        assert_eq!((count(nr::MMAP).errors, count(nr::MMAP).refused), (1, 1));
    }

    #[test]
    fn strace_lines_read_like_strace() {
        let (mut process, platform) = testing::process();
        process.strace = true;
        let buf = testing::scratch(&process, &platform, 4096);
        platform.write_user(buf, b"hi\n").unwrap();
        dispatch(
            &mut process,
            &platform,
            nr::WRITE as u64,
            [1, buf, 3, 0, 0, 0],
        );
        dispatch(
            &mut process,
            &platform,
            nr::CLOSE as u64,
            [99, 0, 0, 0, 0, 0],
        );
        let text = platform.console_text();
        assert!(text.contains("write(1, \"hi\\n\", 3) = 3\n"), "{text}");
        assert!(
            text.contains("close(99) = -1 EBADF (Bad file descriptor)\n"),
            "{text}"
        );
    }
}
