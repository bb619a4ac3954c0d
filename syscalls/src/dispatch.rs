//! The one entry point: decode the call, run its handler, count it, print it
//! for `--strace`, and turn errors into `-errno` (the only place that
//! happens; DESIGN.md "The path of a system call").

use crate::platform::Platform;
use crate::process::{ExitStatus, Process};
use crate::regs::UserRegs;
use crate::table::{self, Arg, Entry};
use crate::thread::Thread;
use crate::user::{UserCStr, UserPtr, UserSlice};
use crate::{Errno, Error, SysResult};
use alloc::string::String;
use alloc::sync::Arc;
use core::fmt::Write;
use core::sync::atomic::Ordering;

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

/// What a handler sees: the process, the calling thread, the machine, and
/// the calling thread's saved registers (clone copies them, rt_sigreturn
/// replaces them).
pub struct Ctx<'a> {
    pub process: &'a Process,
    pub thread: &'a Arc<Thread>,
    pub platform: &'a dyn Platform,
    pub regs: &'a mut UserRegs,
    /// Set by exit(2) and exit_group(2).
    pub exit: Option<Exit>,
}

/// How exit(2) and exit_group(2) end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// This thread only (exit(2)), with its status.
    Thread(u8),
    /// The whole process.
    Group(ExitStatus),
}

impl<'a> Ctx<'a> {
    pub fn new(
        process: &'a Process,
        thread: &'a Arc<Thread>,
        platform: &'a dyn Platform,
        regs: &'a mut UserRegs,
    ) -> Self {
        Ctx {
            process,
            thread,
            platform,
            regs,
            exit: None,
        }
    }

    /// The open file `fd` names, or EBADF.
    pub fn file(&self, fd: i32) -> Result<Arc<crate::fs::file::OpenFile>, Errno> {
        self.process.fs.lock().file(fd)
    }

    /// The process's files (lock held while the guard lives: never across
    /// a sleep).
    pub fn fs(&self) -> spin::MutexGuard<'_, crate::fs::FsContext> {
        self.process.fs.lock()
    }
}

/// What the kernel does after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Return to the program: the result is in the saved RAX (and the
    /// other saved registers may have changed).
    Continue,
    /// The calling thread has exited; others go on.
    ThreadExit,
    /// The process has exited.
    Exit(ExitStatus),
}

/// Runs the system call the saved registers describe (number in
/// `orig_rax`, arguments in the argument registers) and puts its result in
/// the saved RAX.
pub fn dispatch(
    process: &Process,
    thread: &Arc<Thread>,
    platform: &dyn Platform,
    regs: &mut UserRegs,
) -> Outcome {
    if process.strace.load(Ordering::Relaxed) {
        return dispatch_traced(process, thread, platform, regs);
    }
    let nr = regs.orig_rax;
    let args = Args(regs.syscall_args());
    let entry = usize::try_from(nr).ok().and_then(table::lookup);
    let mut ctx = Ctx::new(process, thread, platform, regs);
    let result: SysResult = match entry {
        Some(e) => (e.handler)(&mut ctx, &args),
        None => Err(Errno::ENOSYS.into()),
    };
    finish(&mut ctx, nr, entry, &args, result)
}

/// Records the call, turns its result into RAX (the one place `-errno` is
/// made) or ends the thread or process.
#[inline(always)]
fn finish(
    ctx: &mut Ctx<'_>,
    nr: u64,
    entry: Option<&Entry>,
    args: &Args,
    result: SysResult,
) -> Outcome {
    ctx.process.stats.record(nr as usize, result);
    if let Err(e) = result {
        note_refusal(ctx, nr, entry, e);
        if e.errno == Errno::ENOENT
            && let Some(entry) = entry
            && ctx.process.trace_missing.load(Ordering::Relaxed)
        {
            crate::fs::missing::report(ctx, entry, args);
        }
    }
    if let Some(exit) = ctx.exit {
        return match exit {
            Exit::Thread(status) => crate::sys::exit::thread_exit(ctx, status),
            Exit::Group(status) => Outcome::Exit(status),
        };
    }
    ctx.regs.rax = match result {
        Ok(v) => v,
        Err(e) => (-(e.errno as i64)) as u64,
    };
    Outcome::Continue
}

/// `dispatch` under `--strace`: the call and its result printed as strace
/// prints them.
#[inline(never)]
fn dispatch_traced(
    process: &Process,
    thread: &Arc<Thread>,
    platform: &dyn Platform,
    regs: &mut UserRegs,
) -> Outcome {
    let nr = regs.orig_rax;
    let args = Args(regs.syscall_args());
    let entry = usize::try_from(nr).ok().and_then(table::lookup);
    let mut ctx = Ctx::new(process, thread, platform, regs);
    let mut line = String::new();
    if ctx.process.thread_count() > 1 {
        let _ = write!(line, "[pid {:>5}] ", ctx.thread.tid);
    }
    describe_call(&mut line, &ctx, nr, entry, &args);
    let result: SysResult = match entry {
        Some(e) => (e.handler)(&mut ctx, &args),
        None => Err(Errno::ENOSYS.into()),
    };
    if ctx.exit.is_some() {
        let _ = writeln!(line, " = ?");
        ctx.platform.console_write(line.as_bytes());
    }
    let outcome = finish(&mut ctx, nr, entry, &args, result);
    if outcome == Outcome::Continue {
        describe_result(&mut line, &ctx, entry, &args, result);
        ctx.platform.console_write(line.as_bytes());
    }
    outcome
}

/// Logs, once per syscall and errno, that Sole refused a call.
fn note_refusal(ctx: &Ctx<'_>, nr: u64, entry: Option<&Entry>, e: Error) {
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
            Arg::Ptr | Arg::OutBuf(_) if v == 0 => out.push_str("NULL"),
            Arg::Hex | Arg::Ptr | Arg::OutBuf(_) => {
                let _ = write!(out, "{v:#x}");
            }
            Arg::Oct => {
                let _ = write!(out, "{v:#o}");
            }
            Arg::Str | Arg::Path => match UserCStr::new(v).read(ctx.platform, 4096) {
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
    use crate::nr;
    use crate::platform::Platform;
    use crate::testing;
    use core::sync::atomic::Ordering;

    #[test]
    fn refusals_are_counted_apart_from_the_programs_own_errors() {
        let mut h = testing::harness();
        // A syscall Sole does not have: ENOSYS, refused.
        assert_eq!(h.call(1000, &[]), -38);
        // A misaligned munmap: the program's mistake (plain EINVAL).
        assert_eq!(h.call(nr::MUNMAP, &[0x1001, 4096]), -22);
        // MAP_HUGETLB: a feature Sole declines (EINVAL with a note).
        assert_eq!(
            h.call(nr::MMAP, &[0, 4096, 3, 0x22 | 0x40000, u64::MAX, 0]),
            -22
        );
        let count = |n: usize| h.process.stats.get(n);
        assert_eq!((count(1000).errors, count(1000).refused), (1, 1));
        assert_eq!(
            (count(nr::MUNMAP).errors, count(nr::MUNMAP).refused),
            (1, 0)
        );
        assert_eq!((count(nr::MMAP).errors, count(nr::MMAP).refused), (1, 1));
    }

    #[test]
    fn strace_lines_read_like_strace() {
        let mut h = testing::harness();
        h.process.strace.store(true, Ordering::Relaxed);
        let buf = testing::scratch(&h.process, &h.platform, 4096);
        h.platform.write_user(buf, b"hi\n").unwrap();
        h.call(nr::WRITE, &[1, buf, 3]);
        h.call(nr::CLOSE, &[99]);
        let text = h.platform.console_text();
        assert!(text.contains("write(1, \"hi\\n\", 3) = 3\n"), "{text}");
        assert!(
            text.contains("close(99) = -1 EBADF (Bad file descriptor)\n"),
            "{text}"
        );
    }

    #[test]
    fn a_second_thread_prefixes_strace_lines_with_its_id() {
        let mut h = testing::harness();
        h.process.strace.store(true, Ordering::Relaxed);
        let flags = 0x3d0f00; // glibc's pthread_create flags
        let tid = h.call(nr::CLONE, &[flags, 0x7000_0000, 0, 0, 0]);
        assert_eq!(tid, 2);
        h.call(nr::GETPID, &[]);
        let text = h.platform.console_text();
        assert!(text.contains("[pid     1] getpid() = 1\n"), "{text}");
    }
}
