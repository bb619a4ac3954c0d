//! Moving bytes between open files and program memory: read(2), write(2),
//! their positioned and vectored forms, and lseek(2). Data moves through a
//! bounce buffer in chunks, so no lock is held while program memory is
//! touched and a huge request never needs a huge allocation. A bad buffer
//! after some bytes moved ends the call with those bytes, as on Linux.

use super::disk;
use super::file::OpenFile;
use super::filedata::PAGE;
use super::inode::{Device, MAX_FILE_SIZE, Node};
use super::iov::{Source, UserIov};
use super::now;
use super::procfs::ProcNode;
use crate::dispatch::Ctx;
use crate::signal::generate::{self, Target};
use crate::signal::{SIGPIPE, SigInfo};
use crate::wait::wait_until;
use crate::{Errno, Error};
use alloc::vec;

const CHUNK: usize = 16 * PAGE;

pub const SEEK_SET: i32 = 0;
pub const SEEK_CUR: i32 = 1;
pub const SEEK_END: i32 = 2;
pub const SEEK_DATA: i32 = 3;
pub const SEEK_HOLE: i32 = 4;

/// Ok(n) if some bytes moved before `e`, else `e`.
fn partial(done: usize, e: impl Into<Error>) -> Result<usize, Error> {
    if done > 0 { Ok(done) } else { Err(e.into()) }
}

/// Whether pread/pwrite/lseek work: not on pipes or terminals (they are
/// streams; ESPIPE).
pub fn seekable(file: &OpenFile) -> bool {
    !matches!(
        &file.inode.node,
        Node::Pipe(_) | Node::Device(Device::Tty(_))
    )
}

/// Fills the list chunk by chunk from `source(offset, chunk) -> bytes`,
/// stopping at a short chunk.
fn fill(
    ctx: &Ctx<'_>,
    iov: &UserIov,
    mut source: impl FnMut(usize, &mut [u8]) -> Result<usize, Errno>,
) -> Result<usize, Error> {
    let mut bounce = vec![0u8; iov.len().min(CHUNK)];
    let mut done = 0;
    while done < iov.len() {
        let want = (iov.len() - done).min(CHUNK);
        let n = match source(done, &mut bounce[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e.into()),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        if let Err(e) = iov.scatter(ctx.platform, done, &bounce[..n]) {
            return partial(done + e.done, e.errno);
        }
        done += n;
        if n < want {
            break;
        }
    }
    Ok(done)
}

/// read(2) and readv(2) (`at` None) or pread(2) and preadv(2) (`at` Some).
pub fn read(
    ctx: &Ctx<'_>,
    file: &OpenFile,
    iov: &UserIov,
    at: Option<u64>,
) -> Result<usize, Error> {
    if !file.readable() {
        return Err(Errno::EBADF.into());
    }
    if at.is_some() && !seekable(file) {
        return Err(Errno::ESPIPE.into());
    }
    let inode = &file.inode;
    match &inode.node {
        Node::Dir(_) => Err(Errno::EISDIR.into()),
        Node::File(data) => {
            let mut cursor = file.cursor.lock();
            let start = at.unwrap_or(cursor.pos);
            let done = fill(ctx, iov, |off, buf| {
                data.lock().read_at(start + off as u64, buf)
            })?;
            if at.is_none() {
                cursor.pos = start + done as u64;
            }
            if done > 0 {
                inode.touch_accessed(now(ctx.platform));
            }
            Ok(done)
        }
        Node::Device(Device::Null) => Ok(0),
        Node::Device(Device::Zero | Device::Full) => fill(ctx, iov, |_, buf| {
            buf.fill(0);
            Ok(buf.len())
        }),
        Node::Device(Device::Random | Device::Urandom) => fill(ctx, iov, |_, buf| {
            ctx.platform.fill_random(buf);
            Ok(buf.len())
        }),
        Node::Device(Device::Tty(tty)) => {
            let mut bounce = vec![0u8; iov.len().min(CHUNK)];
            let n = tty.read(ctx, &mut bounce, file.nonblocking())?;
            match iov.scatter(ctx.platform, 0, &bounce[..n]) {
                Ok(()) => Ok(n),
                Err(e) => partial(e.done, e.errno),
            }
        }
        Node::Pipe(p) => {
            let mut bounce = vec![0u8; iov.len().min(p.capacity())];
            let got = if file.nonblocking() {
                p.read(&mut bounce)
            } else {
                wait_until(ctx, &[p.waiters()], None, || match p.read(&mut bounce) {
                    Err(Errno::EAGAIN) => None,
                    r => Some(r),
                })
                .map_err(|e| e.restartable())?
            };
            match got {
                Ok(n) => match iov.scatter(ctx.platform, 0, &bounce[..n]) {
                    Ok(()) => Ok(n),
                    Err(e) => partial(e.done, e.errno),
                },
                Err(e) => Err(e.into()),
            }
        }
        Node::Proc(ProcNode::File(kind)) => {
            let mut cursor = file.cursor.lock();
            let start = at.unwrap_or(cursor.pos);
            if start == 0 || cursor.snapshot.is_none() {
                cursor.snapshot = Some(super::procfs::generate(ctx, *kind));
            }
            let text = cursor.snapshot.as_deref().unwrap_or_default();
            let from = start.min(text.len() as u64) as usize;
            let mut n = (text.len() - from).min(iov.len());
            if let Err(e) = iov.scatter(ctx.platform, 0, &text[from..from + n]) {
                if e.done == 0 {
                    return Err(e.into());
                }
                n = e.done;
            }
            if at.is_none() {
                cursor.pos = start + n as u64;
            }
            Ok(n)
        }
        Node::Symlink(_) | Node::Proc(ProcNode::Link(_)) => Err(Errno::EINVAL.into()),
    }
}

/// write(2) and writev(2) (`at` None) or pwrite(2) and pwritev(2).
pub fn write(
    ctx: &Ctx<'_>,
    file: &OpenFile,
    src: &Source<'_>,
    at: Option<u64>,
) -> Result<usize, Error> {
    if !file.writable() {
        return Err(Errno::EBADF.into());
    }
    if at.is_some() && !seekable(file) {
        return Err(Errno::ESPIPE.into());
    }
    match &file.inode.node {
        Node::File(_) => write_file(ctx, file, src, at),
        // Random data written is mixed into the pool on Linux; the
        // Platform's source needs none.
        Node::Device(Device::Null | Device::Zero | Device::Random | Device::Urandom) => {
            Ok(src.len())
        }
        Node::Device(Device::Full) => Err(Errno::ENOSPC.into()),
        Node::Device(Device::Tty(tty)) => {
            let mut bounce = vec![0u8; src.len().min(CHUNK)];
            let mut done = 0;
            while done < src.len() {
                let n = (src.len() - done).min(CHUNK);
                if let Err(e) = src.gather(ctx.platform, done, &mut bounce[..n]) {
                    tty.write(ctx.platform, &bounce[..e.done]);
                    return partial(done + e.done, e.errno);
                }
                tty.write(ctx.platform, &bounce[..n]);
                done += n;
            }
            Ok(done)
        }
        Node::Pipe(p) => write_pipe(ctx, file, p, src),
        Node::Dir(_) => Err(Errno::EISDIR.into()),
        Node::Symlink(_) | Node::Proc(_) => Err(Errno::EINVAL.into()),
    }
}

/// A pipe write: all of it unless O_NONBLOCK (where what fits goes), in
/// pieces of what fits if it is larger than PIPE_BUF; EPIPE and SIGPIPE
/// when no reader is left; interrupted after some bytes, their count.
fn write_pipe(
    ctx: &Ctx<'_>,
    file: &OpenFile,
    p: &super::pipe::Pipe,
    src: &Source<'_>,
) -> Result<usize, Error> {
    let mut bounce = vec![0u8; src.len().min(CHUNK)];
    let mut done = 0;
    while done < src.len() {
        let want = (src.len() - done).min(CHUNK);
        let mut n = want;
        let mut fault = None;
        if let Err(e) = src.gather(ctx.platform, done, &mut bounce[..want]) {
            n = e.done;
            fault = Some(e.errno);
        }
        if n == 0 {
            return partial(done, fault.unwrap_or(Errno::EFAULT));
        }
        // Keep the whole request's atomicity when it fits in PIPE_BUF.
        let mut off = 0;
        while off < n {
            let chunk = &bounce[off..n];
            let r = if file.nonblocking() {
                p.write(chunk)
            } else {
                match wait_until(ctx, &[p.waiters()], None, || match p.write(chunk) {
                    Err(Errno::EAGAIN) => None,
                    r => Some(r),
                }) {
                    Ok(r) => r,
                    Err(e) => return partial(done + off, e.restartable()),
                }
            };
            match r {
                Ok(w) => off += w,
                Err(Errno::EPIPE) => {
                    let _ = generate::send(
                        ctx.process,
                        Target::Thread(ctx.thread.tid),
                        SigInfo::user(SIGPIPE, crate::signal::SI_USER, ctx.process.pid, 0),
                    );
                    return partial(done + off, Errno::EPIPE);
                }
                Err(e) => return partial(done + off, e),
            }
        }
        done += n;
        if let Some(e) = fault {
            return partial(done, e);
        }
    }
    Ok(done)
}

fn write_file(
    ctx: &Ctx<'_>,
    file: &OpenFile,
    src: &Source<'_>,
    at: Option<u64>,
) -> Result<usize, Error> {
    let Some(data) = file.inode.file() else {
        return Err(Errno::EINVAL.into());
    };
    let mut cursor = file.cursor.lock();
    let append = file.appending();
    // pwrite(2) BUGS: with O_APPEND, Linux appends whatever the offset.
    let mut pos = match at {
        _ if append => data.lock().size(),
        Some(off) => off,
        None => cursor.pos,
    };
    if !src.is_empty() && pos >= MAX_FILE_SIZE {
        return Err(Errno::EFBIG.into());
    }
    let mut bounce = vec![0u8; src.len().min(CHUNK)];
    let mut done = 0;
    while done < src.len() {
        let mut n = (src.len() - done).min(CHUNK);
        let mut fault = None;
        if let Err(e) = src.gather(ctx.platform, done, &mut bounce[..n]) {
            n = e.done;
            fault = Some(e.errno);
        }
        if n == 0 {
            if done == 0 {
                return Err(fault.unwrap_or(Errno::EFAULT).into());
            }
            break;
        }
        let mut d = data.lock();
        if append {
            pos = d.size();
        }
        let room = (MAX_FILE_SIZE - pos).min(n as u64) as usize;
        let written = match d.write_at(pos, &bounce[..room]) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e.into()),
            Err(_) => break,
        };
        pos += written as u64;
        done += written;
        drop(d);
        if disk::over_dirty_limit(&file.inode.sb) {
            // Too much written and not committed: this writer commits it
            // (an error shows at the next fsync, as on Linux).
            if let Err(e) = disk::sync(&file.inode.sb) {
                log::warn!("write: cannot write back to the disk: {e}");
            }
        }
        if written < n || fault.is_some() {
            break;
        }
    }
    if at.is_none() {
        cursor.pos = pos;
    }
    if done > 0 {
        file.inode.touch_modified(now(ctx.platform));
    }
    Ok(done)
}

/// lseek(2).
pub fn lseek(file: &OpenFile, offset: i64, whence: i32) -> Result<u64, Error> {
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    let mut cursor = file.cursor.lock();
    let size = match &file.inode.node {
        Node::Pipe(_) | Node::Device(Device::Tty(_)) => return Err(Errno::ESPIPE.into()),
        // null_lseek in drivers/char/mem.c: always at 0.
        Node::Device(_) => {
            cursor.pos = 0;
            return Ok(0);
        }
        Node::File(data) => {
            let d = data.lock();
            match whence {
                SEEK_DATA | SEEK_HOLE if offset < 0 => return Err(Errno::ENXIO.into()),
                SEEK_DATA => {
                    cursor.pos = d.seek_data(offset as u64)?;
                    return Ok(cursor.pos);
                }
                SEEK_HOLE => {
                    cursor.pos = d.seek_hole(offset as u64)?;
                    return Ok(cursor.pos);
                }
                _ => d.size(),
            }
        }
        // Directories and /proc files (dcache_dir_lseek, seq_lseek): no
        // SEEK_END, SEEK_DATA or SEEK_HOLE.
        Node::Dir(_) | Node::Proc(_) | Node::Symlink(_) => {
            if !matches!(whence, SEEK_SET | SEEK_CUR) {
                return Err(Errno::EINVAL.into());
            }
            0
        }
    };
    let origin = match whence {
        SEEK_SET => 0,
        SEEK_CUR => cursor.pos as i64,
        SEEK_END => size as i64,
        _ => return Err(Error::new(Errno::EINVAL, "unknown lseek whence")),
    };
    let pos = origin
        .checked_add(offset)
        .filter(|&p| p >= 0)
        .ok_or(Errno::EINVAL)?;
    if file.inode.is_dir() && pos as u64 != cursor.pos {
        cursor.dir_last = None;
    }
    cursor.pos = pos as u64;
    Ok(pos as u64)
}
