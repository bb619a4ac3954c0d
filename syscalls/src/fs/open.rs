//! open(2): resolving, creating (O_CREAT, O_EXCL, O_TMPFILE), the checks on
//! what was found (O_DIRECTORY, O_NOFOLLOW, directories are not opened for
//! writing), O_TRUNC, and pipes reopened through /proc/self/fd.
//!
//! Unknown flag bits are ignored, as open(2) says Linux does ("unknown
//! flags are ignored"); programs built against newer headers rely on it.

use super::FsContext;
use super::file::*;
use super::inode::{Inode, MODE_BITS, Node};
use super::path::{Found, Last, MAX_SYMLINKS, Target};
use super::tmpfs;
use crate::abi::Timespec;
use crate::{Errno, Error};
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

impl FsContext {
    /// open(2) at `dirfd`: a new descriptor, the lowest free one.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        &mut self,
        dirfd: i32,
        path: &[u8],
        flags: u32,
        mode: u32,
        now: Timespec,
        limit: u64,
    ) -> Result<i32, Error> {
        let file = self.open_file(dirfd, path, flags, mode, now)?;
        Ok(self.fds.insert(file, flags & O_CLOEXEC != 0, 0, limit)?)
    }

    /// An open file description for `path`.
    pub fn open_file(
        &self,
        dirfd: i32,
        path: &[u8],
        flags: u32,
        mode: u32,
        now: Timespec,
    ) -> Result<Arc<OpenFile>, Error> {
        if path.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        // 64-bit Linux forces O_LARGEFILE on open (force_o_largefile).
        let flags = flags | O_LARGEFILE;
        let base = self.base(dirfd, path)?;
        if flags & O_TMPFILE == O_TMPFILE && flags & O_PATH == 0 {
            return self.open_tmpfile(&base, path, flags, mode, now);
        }
        if flags & (O_CREAT | O_DIRECTORY | O_PATH) == O_CREAT | O_DIRECTORY {
            // What Linux says since 6.4 (before, it made a regular file and
            // then failed with ENOTDIR).
            return Err(Errno::EINVAL.into());
        }
        let follow = flags & O_NOFOLLOW == 0;
        let found = if flags & O_CREAT != 0 && flags & O_PATH == 0 {
            self.open_creating(&base, path, flags, mode, now)?
        } else {
            let mut links = 0;
            self.walk_counted(&base, path, follow, &mut links)?
        };
        let inode = &found.inode;
        if flags & O_PATH != 0 {
            if flags & O_DIRECTORY != 0 && !inode.is_dir() {
                return Err(Errno::ENOTDIR.into());
            }
            return Ok(OpenFile::new(inode.clone(), flags, found.name));
        }
        if inode.is_symlink() {
            // Only O_NOFOLLOW leaves a symlink last.
            return Err(Errno::ELOOP.into());
        }
        if flags & O_DIRECTORY != 0 && !inode.is_dir() {
            return Err(Errno::ENOTDIR.into());
        }
        let acc = flags & O_ACCMODE;
        let wants_write = matches!(acc, O_WRONLY | O_RDWR);
        if inode.is_dir() && (wants_write || flags & (O_CREAT | O_TRUNC) != 0) {
            return Err(Errno::EISDIR.into());
        }
        if inode.sb.is_proc() && wants_write {
            return Err(Errno::EACCES.into());
        }
        if flags & O_TRUNC != 0
            && let Some(data) = inode.file()
        {
            // Linux truncates whenever O_TRUNC meets a regular file, even
            // opened read-only (the man page leaves that unspecified).
            data.lock().set_size(0)?;
            inode.touch_modified(now);
        }
        let name = match (&inode.node, found.name) {
            (Node::Pipe(_), _) => Name::Fixed(format!("pipe:[{}]", inode.ino()).into_bytes()),
            (_, name) => name,
        };
        Ok(OpenFile::new(inode.clone(), flags, name))
    }

    /// O_CREAT: finds or makes the last component, following a final
    /// symlink (even a dangling one: its target is created) unless O_EXCL
    /// or O_NOFOLLOW.
    fn open_creating(
        &self,
        base: &Arc<Inode>,
        path: &[u8],
        flags: u32,
        mode: u32,
        now: Timespec,
    ) -> Result<Found, Error> {
        let mut links = 0;
        let mut base = base.clone();
        let mut path: Vec<u8> = path.to_vec();
        loop {
            let p = self.walk_parent(&base, &path)?;
            let Last::Name(name) = &p.last else {
                return Err(Errno::EISDIR.into());
            };
            match self.child(&p.dir, name) {
                Ok(existing) => {
                    if flags & O_EXCL != 0 {
                        return Err(Errno::EEXIST.into());
                    }
                    if existing.is_symlink() && flags & O_NOFOLLOW == 0 {
                        links += 1;
                        if links > MAX_SYMLINKS {
                            return Err(Errno::ELOOP.into());
                        }
                        match self.link_target(&existing)? {
                            Target::Inode(inode, name) => return Ok(Found { inode, name }),
                            Target::Path(mut target) => {
                                if p.trailing_slash {
                                    target.push(b'/');
                                }
                                base = p.dir.clone();
                                path = target;
                                continue;
                            }
                        }
                    }
                    if p.trailing_slash && !existing.is_dir() {
                        return Err(Errno::ENOTDIR.into());
                    }
                    let name = if existing.is_dir() {
                        Name::Dir
                    } else {
                        Name::Entry {
                            parent: p.dir.clone(),
                            name: name.clone(),
                        }
                    };
                    return Ok(Found {
                        inode: existing,
                        name,
                    });
                }
                Err(Errno::ENOENT) => {
                    if p.trailing_slash {
                        return Err(Errno::EISDIR.into());
                    }
                    if p.dir.sb.is_proc() {
                        return Err(Errno::EACCES.into());
                    }
                    let perm = mode & MODE_BITS & !self.umask;
                    let inode = Inode::new_file(&p.dir.sb, perm, now);
                    tmpfs::add_entry(&p.dir, name, &inode, now)?;
                    return Ok(Found {
                        inode,
                        name: Name::Entry {
                            parent: p.dir.clone(),
                            name: name.clone(),
                        },
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// O_TMPFILE: an unnamed regular file in the directory `path` names,
    /// which linkat(AT_EMPTY_PATH) can later name.
    fn open_tmpfile(
        &self,
        base: &Arc<Inode>,
        path: &[u8],
        flags: u32,
        mode: u32,
        now: Timespec,
    ) -> Result<Arc<OpenFile>, Error> {
        if !matches!(flags & O_ACCMODE, O_WRONLY | O_RDWR) {
            return Err(Errno::EINVAL.into());
        }
        let dir = self.walk(base, path, true)?;
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR.into());
        }
        if dir.sb.is_proc() {
            return Err(Error::new(Errno::EOPNOTSUPP, "O_TMPFILE in /proc"));
        }
        let inode = Inode::new_file(&dir.sb, mode & MODE_BITS & !self.umask, now);
        inode.meta.lock().nlink = 0;
        let name = Name::Entry {
            parent: dir,
            name: format!("#{}", inode.ino()).into_bytes(),
        };
        Ok(OpenFile::new(inode, flags & !O_DIRECTORY, name))
    }
}
