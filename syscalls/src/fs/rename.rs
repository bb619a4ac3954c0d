//! rename(2) and renameat2(2)'s RENAME_NOREPLACE and RENAME_EXCHANGE, with
//! the checks in the man page's order of precedence as fs/namei.c applies
//! them: EXDEV across filesystems, EBUSY for ".", ".." and mount points,
//! EINVAL for moving a directory under itself, then the type checks.

use super::FsContext;
use super::inode::Inode;
use super::path::Last;
use super::{disk, tmpfs};
use crate::abi::Timespec;
use crate::{Errno, Error};
use alloc::sync::Arc;

pub const RENAME_NOREPLACE: u32 = 1;
pub const RENAME_EXCHANGE: u32 = 2;
pub const RENAME_WHITEOUT: u32 = 4;

impl FsContext {
    #[allow(clippy::too_many_arguments)]
    pub fn rename(
        &self,
        olddirfd: i32,
        oldpath: &[u8],
        newdirfd: i32,
        newpath: &[u8],
        flags: u32,
        now: Timespec,
    ) -> Result<(), Error> {
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
            return Err(Error::new(Errno::EINVAL, "unknown renameat2 flags"));
        }
        if flags & RENAME_WHITEOUT != 0 {
            return Err(Error::new(
                Errno::EINVAL,
                "RENAME_WHITEOUT is for overlay filesystems, which Sole has not",
            ));
        }
        let exchange = flags & RENAME_EXCHANGE != 0;
        let noreplace = flags & RENAME_NOREPLACE != 0;
        if exchange && noreplace {
            return Err(Errno::EINVAL.into());
        }
        let op = self.walk_parent(&self.base(olddirfd, oldpath)?, oldpath)?;
        let np = self.walk_parent(&self.base(newdirfd, newpath)?, newpath)?;
        if !Arc::ptr_eq(&op.dir.sb, &np.dir.sb) {
            return Err(Errno::EXDEV.into());
        }
        let Last::Name(oname) = &op.last else {
            return Err(Errno::EBUSY.into());
        };
        let Last::Name(nname) = &np.last else {
            return Err(if noreplace {
                Errno::EEXIST
            } else {
                Errno::EBUSY
            }
            .into());
        };
        let old = self.child(&op.dir, oname)?;
        let new = match self.child(&np.dir, nname) {
            Ok(n) => Some(n),
            Err(Errno::ENOENT) => None,
            Err(e) => return Err(e.into()),
        };
        if !old.is_dir() && (op.trailing_slash || (!exchange && np.trailing_slash)) {
            return Err(Errno::ENOTDIR.into());
        }
        if exchange {
            let n = new.as_ref().ok_or(Errno::ENOENT)?;
            if !n.is_dir() && np.trailing_slash {
                return Err(Errno::ENOTDIR.into());
            }
        }
        if noreplace && new.is_some() {
            return Err(Errno::EEXIST.into());
        }
        if op.dir.sb.is_proc() {
            return Err(Errno::EPERM.into());
        }
        let mounted = |dir: &Inode, child: &Inode| tmpfs::is_mount_point(dir, child);
        if mounted(&op.dir, &old) || new.as_ref().is_some_and(|n| mounted(&np.dir, n)) {
            return Err(Errno::EBUSY.into());
        }
        if old.is_dir() && tmpfs::is_ancestor(&old, &np.dir) {
            return Err(Errno::EINVAL.into());
        }
        if let Some(n) = &new {
            if Arc::ptr_eq(n, &old) {
                // rename(2): two links to one file: nothing happens.
                return Ok(());
            }
            if exchange {
                if n.is_dir() && tmpfs::is_ancestor(n, &op.dir) {
                    return Err(Errno::EINVAL.into());
                }
            } else if old.is_dir() && !n.is_dir() {
                return Err(Errno::ENOTDIR.into());
            } else if !old.is_dir() && n.is_dir() {
                return Err(Errno::EISDIR.into());
            } else if n.is_dir() && !tmpfs::is_empty(n)? {
                return Err(Errno::ENOTEMPTY.into());
            }
        }
        match new {
            Some(n) if exchange => {
                disk::rename(&op.dir, oname, &np.dir, nname, Some(&n))?;
                tmpfs::detach(&op.dir, oname, now);
                tmpfs::detach(&np.dir, nname, now);
                tmpfs::attach(&np.dir, nname, &old, now);
                tmpfs::attach(&op.dir, oname, &n, now);
                n.touch_changed(now);
            }
            Some(_) => {
                tmpfs::remove_entry(&np.dir, nname, now)?;
                disk::rename(&op.dir, oname, &np.dir, nname, None)?;
                tmpfs::detach(&op.dir, oname, now);
                tmpfs::attach(&np.dir, nname, &old, now);
            }
            None => {
                // ENOENT when the new directory has been removed.
                if np.dir.meta.lock().nlink == 0 {
                    return Err(Errno::ENOENT.into());
                }
                disk::rename(&op.dir, oname, &np.dir, nname, None)?;
                tmpfs::detach(&op.dir, oname, now);
                tmpfs::attach(&np.dir, nname, &old, now);
            }
        }
        old.touch_changed(now);
        Ok(())
    }
}
