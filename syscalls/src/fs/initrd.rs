//! Loading the initrd into the root tmpfs, one archive entry at a time, as
//! Linux's init/initramfs.c unpacks a cpio archive: missing parents are
//! made, symlinks among the parents are followed, a later entry replaces an
//! earlier one. What lands under /dev or /proc is hidden by those mounts
//! (as an initramfs's own /dev is by devtmpfs) and so is skipped.

use super::inode::{FsKind, Inode, MODE_BITS, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};
use super::{FsContext, InitrdEntry, empty_tree, tmpfs};
use crate::abi::Timespec;
use crate::sys::uname::NODENAME;
use crate::{Errno, Error};
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

fn components(path: &str) -> Result<Vec<&[u8]>, Error> {
    let mut out = Vec::new();
    for c in path.as_bytes().split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(Error::new(Errno::EINVAL, "'..' in an initrd path")),
            c if c.len() > super::inode::NAME_MAX => return Err(Errno::ENAMETOOLONG.into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// The directory `name` in `dir`, made (0755) if missing; a symlink there
/// is followed.
fn ensure_dir(
    fs: &FsContext,
    dir: &Arc<Inode>,
    name: &[u8],
    perm: u32,
    now: Timespec,
) -> Result<Arc<Inode>, Error> {
    match fs.child(dir, name) {
        Ok(c) if c.is_dir() => Ok(c),
        Ok(c) if c.is_symlink() => {
            let target = fs.walk(dir, name, true)?;
            if target.is_dir() {
                Ok(target)
            } else {
                Err(Errno::ENOTDIR.into())
            }
        }
        Ok(_) => Err(Errno::ENOTDIR.into()),
        Err(Errno::ENOENT) => {
            let new = Inode::new_dir(
                &dir.sb,
                perm,
                super::inode::DirKind::Plain,
                Arc::downgrade(dir),
                now,
            );
            tmpfs::add_entry(dir, name, &new, now)?;
            Ok(new)
        }
        Err(e) => Err(e.into()),
    }
}

fn on_root_fs(dir: &Inode) -> bool {
    dir.sb.kind == FsKind::Tmpfs && !dir.sb.is_proc()
}

pub(super) fn add(fs: &mut FsContext, e: &InitrdEntry<'_>) -> Result<(), Error> {
    let now = Timespec {
        sec: e.mtime.min(i64::MAX as u64) as i64,
        nsec: 0,
    };
    fs.initrd_mtime = fs.initrd_mtime.max(now.sec);
    let kind = e.mode & S_IFMT;
    let perm = e.mode & MODE_BITS;
    let comps = components(e.path)?;
    let Some((last, parents)) = comps.split_last() else {
        // "." is the root itself.
        if kind != S_IFDIR {
            return Err(Error::new(
                Errno::EINVAL,
                "the initrd root is not a directory",
            ));
        }
        let mut m = fs.root.meta.lock();
        m.mode = S_IFDIR | perm;
        m.mtime = now;
        return Ok(());
    };
    let mut dir = fs.root.clone();
    for name in parents {
        dir = ensure_dir(fs, &dir, name, 0o755, now)?;
        if !Arc::ptr_eq(&dir.sb, &fs.root.sb) || !on_root_fs(&dir) {
            return Ok(());
        }
    }
    if let Ok(existing) = fs.child(&dir, last) {
        if tmpfs::is_mount_point(&dir, &existing) {
            return Ok(());
        }
        if existing.is_dir() && kind == S_IFDIR {
            let mut m = existing.meta.lock();
            m.mode = S_IFDIR | perm;
            m.mtime = now;
            return Ok(());
        }
        empty_tree(&existing, now);
        tmpfs::remove_entry(&dir, last, now)?;
    }
    let inode = match kind {
        S_IFDIR => Inode::new_dir(
            &dir.sb,
            perm,
            super::inode::DirKind::Plain,
            Arc::downgrade(&dir),
            now,
        ),
        S_IFREG => {
            let inode = Inode::new_file(&dir.sb, perm, now);
            if let Some(data) = inode.file() {
                data.lock().write_at(0, e.data)?;
            }
            inode
        }
        S_IFLNK if e.data.is_empty() => {
            return Err(Error::new(Errno::EINVAL, "empty symlink in the initrd"));
        }
        S_IFLNK => Inode::new_symlink(&dir.sb, e.data, now),
        _ => {
            log::warn!(
                "initrd: skipping {} (mode {:o}): only files, directories and symlinks are loaded",
                e.path,
                e.mode
            );
            return Ok(());
        }
    };
    if kind != S_IFLNK {
        inode.meta.lock().mode = kind | perm;
    }
    // The directory keeps the time its own entry gave it, as initramfs
    // unpacking restores directory times once their contents are in.
    let dir_times = {
        let m = dir.meta.lock();
        (m.mtime, m.ctime)
    };
    tmpfs::add_entry(&dir, last, &inode, now)?;
    let mut m = dir.meta.lock();
    (m.mtime, m.ctime) = dir_times;
    Ok(())
}

pub(super) fn finish(fs: &mut FsContext) -> Result<(), Error> {
    let now = Timespec {
        sec: fs.initrd_mtime,
        nsec: 0,
    };
    let root = fs.root.clone();
    let etc = ensure_dir(fs, &root, b"etc", 0o755, now)?;
    let hosts = format!("127.0.0.1\tlocalhost {NODENAME}\n::1\tlocalhost {NODENAME}\n");
    let hostname = format!("{NODENAME}\n");
    let files: [(&[u8], &[u8]); 4] = [
        (b"passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
        (b"group", b"root:x:0:\n"),
        (b"hosts", hosts.as_bytes()),
        (b"hostname", hostname.as_bytes()),
    ];
    for (name, contents) in files {
        if fs.child(&etc, name).is_ok() {
            continue;
        }
        let file = Inode::new_file(&etc.sb, 0o644, now);
        if let Some(data) = file.file() {
            data.lock().write_at(0, contents)?;
        }
        tmpfs::add_entry(&etc, name, &file, now)?;
    }
    ensure_dir(fs, &root, b"tmp", 0o1777, now)?;
    ensure_dir(fs, &root, b"root", 0o700, now)?;
    Ok(())
}
