//! Directory entries in memory (tmpfs, devtmpfs, and the VFS's copy of a
//! rootfs directory): adding and removing names, with the link counts and
//! timestamps Linux keeps (a directory's nlink is 2 plus its
//! subdirectories; adding or removing an entry updates the directory's
//! mtime and ctime, and the inode's ctime). On a rootfs the change is made
//! on the disk's filesystem first (`disk::add`, `disk::remove`).

use super::disk;
use super::inode::Inode;
use crate::Errno;
use crate::abi::Timespec;
use alloc::sync::Arc;

/// Whether `child` is the root of another filesystem mounted in `dir`.
pub fn is_mount_point(dir: &Inode, child: &Inode) -> bool {
    !Arc::ptr_eq(&dir.sb, &child.sb)
}

/// Adds `inode` to `dir` as `name`. A directory gets `dir` as its parent
/// and adds to `dir`'s link count; other inodes' link counts are the
/// caller's to set. ENOENT if `dir` has been removed.
pub fn add_entry(
    dir: &Arc<Inode>,
    name: &[u8],
    inode: &Arc<Inode>,
    now: Timespec,
) -> Result<(), Errno> {
    let d = dir.dir().ok_or(Errno::ENOTDIR)?;
    if dir.meta.lock().nlink == 0 {
        return Err(Errno::ENOENT);
    }
    disk::load(dir)?;
    if d.lock().entries.contains_key(name) {
        return Err(Errno::EEXIST);
    }
    disk::add(dir, name, inode)?;
    attach(dir, name, inode, now);
    Ok(())
}

/// Removes `name` from `dir` and takes a link from the inode (a removed
/// directory has none left).
pub fn remove_entry(dir: &Arc<Inode>, name: &[u8], now: Timespec) -> Result<Arc<Inode>, Errno> {
    disk::load(dir)?;
    let child = dir
        .dir()
        .and_then(|d| d.lock().entries.get(name).cloned())
        .ok_or(Errno::ENOENT)?;
    if !is_mount_point(dir, &child) {
        disk::remove(dir, name, &child)?;
    }
    drop(child);
    let child = detach(dir, name, now).ok_or(Errno::ENOENT)?;
    {
        let mut m = child.meta.lock();
        m.nlink = if child.is_dir() {
            0
        } else {
            m.nlink.saturating_sub(1)
        };
    }
    child.touch_changed(now);
    Ok(child)
}

/// Puts `inode` at `name` in `dir` (replacing what was there without
/// touching its link count), making `dir` a directory's parent.
pub fn attach(dir: &Arc<Inode>, name: &[u8], inode: &Arc<Inode>, now: Timespec) {
    let Some(d) = dir.dir() else { return };
    if let Some(child) = inode.dir() {
        child.lock().parent = Arc::downgrade(dir);
        dir.meta.lock().nlink += 1;
    }
    let old = d.lock().entries.insert(name.to_vec(), inode.clone());
    if old.is_some_and(|o| o.is_dir()) {
        let mut m = dir.meta.lock();
        m.nlink = m.nlink.saturating_sub(1);
    }
    dir.touch_modified(now);
}

/// Takes `name` out of `dir` without touching the inode's link count; a
/// directory no longer counts towards `dir`'s.
pub fn detach(dir: &Arc<Inode>, name: &[u8], now: Timespec) -> Option<Arc<Inode>> {
    let child = dir.dir()?.lock().entries.remove(name)?;
    if child.is_dir() {
        let mut m = dir.meta.lock();
        m.nlink = m.nlink.saturating_sub(1);
    }
    dir.touch_modified(now);
    Some(child)
}

/// Whether a directory has no entries (EIO if a rootfs cannot tell).
pub fn is_empty(dir: &Arc<Inode>) -> Result<bool, Errno> {
    disk::load(dir)?;
    Ok(dir.dir().is_some_and(|d| d.lock().entries.is_empty()))
}

/// Whether `ancestor` is `dir` or one of its ancestors (rename(2) refuses
/// to move a directory into itself).
pub fn is_ancestor(ancestor: &Arc<Inode>, dir: &Arc<Inode>) -> bool {
    let mut cur = Some(dir.clone());
    while let Some(d) = cur {
        if Arc::ptr_eq(&d, ancestor) {
            return true;
        }
        cur = d.parent();
    }
    false
}
