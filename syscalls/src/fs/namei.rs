//! Creating and removing names: mkdir(2), rmdir(2), unlink(2), symlink(2),
//! link(2). The errors follow the man pages and, where they are silent,
//! fs/namei.c (a trailing slash on a name that would be created is ENOENT
//! unless a directory is being made; "." and ".." as the last component
//! are refused per call).

use super::FsContext;
use super::inode::{Inode, MODE_BITS};
use super::path::{AT_EMPTY_PATH, AT_SYMLINK_FOLLOW, Last};
use super::tmpfs;
use crate::abi::Timespec;
use crate::{Errno, Error};
use alloc::sync::Arc;

/// What creating in `dir` gives where nothing may be created: procfs has
/// no create operations (vfs_mkdir and friends return EPERM).
fn creatable(dir: &Inode) -> Result<(), Errno> {
    if dir.sb.is_proc() {
        Err(Errno::EPERM)
    } else {
        Ok(())
    }
}

impl FsContext {
    pub fn mkdir(&self, dirfd: i32, path: &[u8], mode: u32, now: Timespec) -> Result<(), Error> {
        let base = self.base(dirfd, path)?;
        let p = self.walk_parent(&base, path)?;
        let name = p.name(Errno::EEXIST)?;
        if self.child(&p.dir, name).is_ok() {
            return Err(Errno::EEXIST.into());
        }
        creatable(&p.dir)?;
        // mkdir(2): the mode is (mode & ~umask & 0777), and Linux keeps
        // the sticky bit.
        let perm = mode & 0o1777 & !self.umask;
        let dir = Inode::new_dir(
            &p.dir.sb,
            perm,
            super::inode::DirKind::Plain,
            Arc::downgrade(&p.dir),
            now,
        );
        tmpfs::add_entry(&p.dir, name, &dir, now)?;
        Ok(())
    }

    pub fn rmdir(&self, dirfd: i32, path: &[u8], now: Timespec) -> Result<(), Error> {
        let base = self.base(dirfd, path)?;
        let p = self.walk_parent(&base, path)?;
        let name = match &p.last {
            Last::Name(n) => n,
            Last::Dot => return Err(Errno::EINVAL.into()),
            Last::DotDot => return Err(Errno::ENOTEMPTY.into()),
            Last::Root => return Err(Errno::EBUSY.into()),
        };
        let child = self.child(&p.dir, name)?;
        if !child.is_dir() {
            return Err(Errno::ENOTDIR.into());
        }
        creatable(&p.dir)?;
        if tmpfs::is_mount_point(&p.dir, &child) {
            return Err(Errno::EBUSY.into());
        }
        if !tmpfs::is_empty(&child)? {
            return Err(Errno::ENOTEMPTY.into());
        }
        tmpfs::remove_entry(&p.dir, name, now)?;
        Ok(())
    }

    pub fn unlink(&self, dirfd: i32, path: &[u8], now: Timespec) -> Result<(), Error> {
        let base = self.base(dirfd, path)?;
        let p = self.walk_parent(&base, path)?;
        let name = p.name(Errno::EISDIR)?;
        let child = self.child(&p.dir, name)?;
        if child.is_dir() {
            // Linux says EISDIR where POSIX allows EPERM (unlink(2)).
            return Err(Errno::EISDIR.into());
        }
        if p.trailing_slash {
            return Err(Errno::ENOTDIR.into());
        }
        creatable(&p.dir)?;
        tmpfs::remove_entry(&p.dir, name, now)?;
        Ok(())
    }

    pub fn symlink(
        &self,
        target: &[u8],
        dirfd: i32,
        path: &[u8],
        now: Timespec,
    ) -> Result<(), Error> {
        if target.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        let base = self.base(dirfd, path)?;
        let p = self.walk_parent(&base, path)?;
        let name = p.name(Errno::EEXIST)?;
        if self.child(&p.dir, name).is_ok() {
            return Err(Errno::EEXIST.into());
        }
        if p.trailing_slash {
            return Err(Errno::ENOENT.into());
        }
        creatable(&p.dir)?;
        let link = Inode::new_symlink(&p.dir.sb, target, now);
        tmpfs::add_entry(&p.dir, name, &link, now)?;
        Ok(())
    }

    pub fn link(
        &self,
        olddirfd: i32,
        oldpath: &[u8],
        newdirfd: i32,
        newpath: &[u8],
        flags: u32,
        now: Timespec,
    ) -> Result<(), Error> {
        if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
            return Err(Error::new(Errno::EINVAL, "unknown linkat flags"));
        }
        let old = if oldpath.is_empty() && flags & AT_EMPTY_PATH != 0 {
            let file = self.fds.get(olddirfd)?;
            // Only an O_TMPFILE file may get its first name this way.
            if file.inode.meta.lock().nlink == 0 && !file.is_tmpfile() {
                return Err(Errno::ENOENT.into());
            }
            file.inode.clone()
        } else {
            let follow = flags & AT_SYMLINK_FOLLOW != 0;
            let old = self.lookup_at(olddirfd, oldpath, follow, false)?;
            if old.meta.lock().nlink == 0 {
                return Err(Errno::ENOENT.into());
            }
            old
        };
        if old.is_dir() {
            return Err(Errno::EPERM.into());
        }
        let base = self.base(newdirfd, newpath)?;
        let p = self.walk_parent(&base, newpath)?;
        let name = p.name(Errno::EEXIST)?;
        if self.child(&p.dir, name).is_ok() {
            return Err(Errno::EEXIST.into());
        }
        if p.trailing_slash {
            return Err(Errno::ENOENT.into());
        }
        if !Arc::ptr_eq(&old.sb, &p.dir.sb) {
            return Err(Errno::EXDEV.into());
        }
        creatable(&p.dir)?;
        tmpfs::add_entry(&p.dir, name, &old, now)?;
        old.meta.lock().nlink += 1;
        old.touch_changed(now);
        Ok(())
    }

    /// chmod(2): the permission bits change; the file type does not.
    pub fn chmod(&self, inode: &Inode, mode: u32, now: Timespec) -> Result<(), Error> {
        if inode.sb.is_proc() {
            return Err(Errno::EPERM.into());
        }
        let mut m = inode.meta.lock();
        m.mode = (m.mode & !MODE_BITS) | (mode & MODE_BITS);
        m.ctime = now;
        Ok(())
    }

    /// chown(2): -1 leaves an id as it is. As on Linux since 2.2.13, even
    /// root's chown clears set-user-ID, and set-group-ID when group execute
    /// is set, on anything but a directory.
    pub fn chown(&self, inode: &Inode, uid: u32, gid: u32, now: Timespec) -> Result<(), Error> {
        if inode.sb.is_proc() {
            return Err(Errno::EPERM.into());
        }
        let is_dir = inode.is_dir();
        let mut m = inode.meta.lock();
        if uid != u32::MAX {
            m.uid = uid;
        }
        if gid != u32::MAX {
            m.gid = gid;
        }
        if !is_dir {
            m.mode &= !super::inode::S_ISUID;
            if m.mode & 0o010 != 0 {
                m.mode &= !super::inode::S_ISGID;
            }
        }
        m.ctime = now;
        Ok(())
    }

    /// truncate(2) on an inode.
    pub fn truncate(&self, inode: &Inode, len: i64, now: Timespec) -> Result<(), Error> {
        if len < 0 {
            return Err(Errno::EINVAL.into());
        }
        if inode.is_dir() {
            return Err(Errno::EISDIR.into());
        }
        let data = inode.file().ok_or(Errno::EINVAL)?;
        data.lock().set_size(len as u64)?;
        inode.touch_modified(now);
        Ok(())
    }

    /// utimensat(2): None leaves a time as it is; ctime becomes now.
    pub fn set_times(
        &self,
        inode: &Inode,
        atime: Option<Timespec>,
        mtime: Option<Timespec>,
        now: Timespec,
    ) -> Result<(), Error> {
        if inode.sb.is_proc() {
            return Err(Errno::EPERM.into());
        }
        let mut m = inode.meta.lock();
        if let Some(t) = atime {
            m.atime = t;
        }
        if let Some(t) = mtime {
            m.mtime = t;
        }
        m.ctime = now;
        Ok(())
    }
}
