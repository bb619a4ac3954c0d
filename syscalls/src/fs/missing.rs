//! `sole run --trace-missing`: every path a call looked up and did not find
//! (ENOENT) is printed once on the console, made absolute, so a user learns
//! which files the image lacks. The dispatcher calls [`report`] for any
//! call that fails with ENOENT while the process asks for it; the path is
//! the call's first [`Arg::Path`] argument, resolved against the directory
//! descriptor before it (for the `*at` calls) or the working directory.

use crate::dispatch::{Args, Ctx};
use crate::fs::path::AT_FDCWD;
use crate::table::{Arg, Entry};
use crate::user::{PATH_MAX, UserCStr};
use alloc::vec::Vec;

/// Paths reported at most; a program that keeps probing new names is told
/// once that the rest go unreported, and the kernel's memory stays bounded.
pub const MAX_REPORTED: usize = 4096;

/// The line that starts each report.
pub const PREFIX: &[u8] = b"sole: missing: ";

/// Prints the path `entry`'s call (made with `args`) failed to find, if it
/// takes one and it was not printed before.
#[cold]
pub(crate) fn report(ctx: &Ctx<'_>, entry: &Entry, args: &Args) {
    let Some(at) = entry.args.iter().position(|a| *a == Arg::Path) else {
        return;
    };
    let Ok(path) = UserCStr::new(args.raw(at)).read(ctx.platform, PATH_MAX) else {
        return;
    };
    if path.is_empty() {
        // AT_EMPTY_PATH names the descriptor, not a path.
        return;
    }
    let dirfd = match at.checked_sub(1).map(|i| entry.args[i]) {
        Some(Arg::Fd) => args.int(at - 1),
        _ => AT_FDCWD,
    };
    let Some(absolute) = absolute(ctx, dirfd, path) else {
        return;
    };
    let mut seen = ctx.process.missing_paths.lock();
    if seen.len() > MAX_REPORTED || seen.contains(&absolute) {
        return;
    }
    let mut line = Vec::from(PREFIX);
    if seen.len() == MAX_REPORTED {
        line.extend_from_slice(b"(more paths are not reported)");
        seen.insert(Vec::new());
    } else {
        line.extend_from_slice(&absolute);
        seen.insert(absolute);
    }
    line.push(b'\n');
    drop(seen);
    ctx.platform.console_write(&line);
}

/// `path` from the directory `dirfd` names, as an absolute path (its text
/// joined to the directory's path; `.` and `..` are left as given).
fn absolute(ctx: &Ctx<'_>, dirfd: i32, path: Vec<u8>) -> Option<Vec<u8>> {
    if path.first() == Some(&b'/') {
        return Some(path);
    }
    let fs = ctx.fs();
    let dir = fs.dirfd_inode(dirfd).ok()?;
    let mut out = fs.dir_path(&dir).ok()?;
    if out != b"/" {
        out.push(b'/');
    }
    out.extend_from_slice(&path);
    Some(out)
}
