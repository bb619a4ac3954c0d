//! Reading directories: getdents64(2) and the older getdents(2). Entries
//! come "." and ".." first, then by name; `d_off` is the position after an
//! entry (what lseek/seekdir take back). The cursor also remembers the last
//! name returned, so a listing continues correctly while entries are
//! removed underneath it (as `rm -r` does).

use super::FsContext;
use super::file::OpenFile;
use super::inode::{DirKind, Inode, dtype};
use super::procfs;
use crate::dispatch::Ctx;
use crate::user::UserSlice;
use crate::{Errno, Error};
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

const DT_DIR: u8 = 4;
const DT_LNK: u8 = 10;

struct Entry {
    name: Vec<u8>,
    ino: u64,
    dtype: u8,
}

fn listing(fs: &FsContext, dir: &Arc<Inode>) -> Result<Vec<Entry>, Errno> {
    if dir.meta.lock().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    let parent = fs.dotdot(dir).unwrap_or_else(|_| dir.clone());
    let mut out = vec![
        Entry {
            name: b".".to_vec(),
            ino: dir.ino(),
            dtype: DT_DIR,
        },
        Entry {
            name: b"..".to_vec(),
            ino: parent.ino(),
            dtype: DT_DIR,
        },
    ];
    super::disk::load(dir)?;
    let d = dir.dir().ok_or(Errno::ENOTDIR)?.lock();
    match d.kind {
        DirKind::Plain => out.extend(d.entries.iter().map(|(name, c)| Entry {
            name: name.clone(),
            ino: c.ino(),
            dtype: dtype(c.mode()),
        })),
        DirKind::ProcFd => {
            drop(d);
            let mut fds = procfs::fd_entries(fs);
            fds.sort();
            out.extend(fds.into_iter().map(|(name, ino)| Entry {
                name,
                ino,
                dtype: DT_LNK,
            }));
        }
    }
    Ok(out)
}

/// getdents64(2) (`old` false) or getdents(2) (`old` true): fills `buf`
/// with whole records; 0 at the end; EINVAL if not even one fits.
pub fn getdents(ctx: &Ctx<'_>, file: &OpenFile, buf: UserSlice, old: bool) -> Result<usize, Error> {
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    if !file.inode.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    let list = listing(&ctx.fs(), &file.inode)?;
    let mut cursor = file.cursor.lock();
    let start = match &cursor.dir_last {
        Some(last) => 2 + list[2..].partition_point(|e| e.name <= *last),
        None => cursor.pos.min(list.len() as u64) as usize,
    };
    let mut out: Vec<u8> = Vec::new();
    let mut next = (cursor.pos, cursor.dir_last.clone());
    for (i, e) in list.iter().enumerate().skip(start) {
        let off = (i + 1) as u64;
        let reclen = if old {
            // struct linux_dirent: ino, off, reclen, name, NUL, d_type.
            (18 + e.name.len() + 2).next_multiple_of(8)
        } else {
            // struct linux_dirent64: ino, off, reclen, type, name, NUL.
            (19 + e.name.len() + 1).next_multiple_of(8)
        };
        if out.len() + reclen > buf.len {
            if out.is_empty() {
                return Err(Errno::EINVAL.into());
            }
            break;
        }
        let at = out.len();
        out.resize(at + reclen, 0);
        let rec = &mut out[at..];
        rec[0..8].copy_from_slice(&e.ino.to_ne_bytes());
        rec[8..16].copy_from_slice(&off.to_ne_bytes());
        rec[16..18].copy_from_slice(&(reclen as u16).to_ne_bytes());
        if old {
            rec[18..18 + e.name.len()].copy_from_slice(&e.name);
            rec[reclen - 1] = e.dtype;
        } else {
            rec[18] = e.dtype;
            rec[19..19 + e.name.len()].copy_from_slice(&e.name);
        }
        next = (off, (i >= 2).then(|| e.name.clone()));
    }
    buf.write(ctx.platform, &out)?;
    (cursor.pos, cursor.dir_last) = next;
    if !out.is_empty() {
        file.inode.touch_accessed(super::now(ctx.platform));
    }
    Ok(out.len())
}
