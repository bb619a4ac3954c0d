//! Files: the VFS (inodes and path resolution), its filesystems (tmpfs at
//! the root, devtmpfs at /dev, procfs at /proc, pipes), the fd table and
//! open file descriptions, umask and cwd. `FsContext` is the process's view
//! of all of it, and what the kernel uses to load the initrd.
//!
//! Single user: the program is root, so permission bits are recorded and
//! reported but only execute permission is ever checked (as root on Linux:
//! access(X_OK) needs some x bit on a non-directory).

pub mod devfs;
pub mod dirent;
pub mod disk;
pub mod fdtable;
pub mod file;
pub mod filedata;
mod initrd;
pub mod inode;
pub mod io;
pub mod iov;
pub mod missing;
pub mod namei;
pub mod open;
pub mod path;
pub mod pipe;
pub mod poll;
pub mod procfs;
pub mod rename;
pub mod stat;
pub mod tmpfs;
pub mod tty;
pub mod writeback;

#[cfg(test)]
mod tests;

use crate::abi::Timespec;
use crate::platform::Platform;
use crate::{Errno, Error};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use fdtable::FdTable;
use file::{Name, O_RDWR, OpenFile};
use inode::{DirKind, FsKind, Inode, Superblock};

/// st_dev minors: the root tmpfs, pipefs (devtmpfs and procfs have theirs).
const ROOT_MINOR: u64 = 1;
const PIPEFS_MINOR: u64 = 12;
/// The tmpfs at /tmp when the root is a disk's.
const TMP_MINOR: u64 = 13;

/// One archive entry of the initrd (a cpio "newc" member).
#[derive(Debug, Clone, Copy)]
pub struct InitrdEntry<'a> {
    /// Relative, as cpio stores it ("bin/sh", "./etc", ".").
    pub path: &'a str,
    /// st_mode, including the file type (S_IFMT).
    pub mode: u32,
    /// The contents, or the symlink target.
    pub data: &'a [u8],
    /// Seconds since the epoch.
    pub mtime: u64,
}

pub struct FsContext {
    pub(crate) root: Arc<Inode>,
    pub(crate) cwd: Arc<Inode>,
    pub(crate) umask: u32,
    pub(crate) fds: FdTable,
    /// The program's path, for /proc/self/exe.
    pub(crate) exe: Vec<u8>,
    /// /proc/self/cmdline and /proc/self/environ: NUL-terminated strings.
    pub(crate) cmdline: Vec<u8>,
    pub(crate) environ: Vec<u8>,
    pub(crate) pipefs: Arc<Superblock>,
    /// The newest mtime in the initrd: the time of files made after it.
    initrd_mtime: i64,
}

/// The time file timestamps take: the wall clock, or time since boot on a
/// machine without one.
pub fn now(p: &dyn Platform) -> Timespec {
    Timespec::from_ns(p.realtime_ns().unwrap_or_else(|| p.monotonic_ns()))
}

impl FsContext {
    /// A root with /dev, /proc, /tmp and the console on fds 0-2 (tests use
    /// this too). As for Linux's init, the three descriptors share one open
    /// file description of /dev/console.
    pub fn with_console() -> Self {
        let now = Timespec::default();
        let sb = Superblock::new(FsKind::Tmpfs, ROOT_MINOR);
        let root = Inode::new_dir(&sb, 0o755, DirKind::Plain, Weak::new(), now);
        let tmp = Inode::new_dir(&sb, 0o1777, DirKind::Plain, Weak::new(), now);
        Self::around(root, tmp)
    }

    /// A root on the rootfs of a disk, with /dev, /proc, /tmp and the
    /// console on fds 0-2, as `with_console`. /tmp is a tmpfs unless the
    /// image has its own /tmp with something in it (a program built from a
    /// host's /tmp has its files there).
    pub fn with_disk(dev: disk::Device) -> Result<Self, disk::MountError> {
        Self::with_disk_and(dev, None)
    }

    /// `with_disk`, with /tmp a tmpfs or (`tmpfs_at_tmp` false) the disk's
    /// own /tmp, made if missing; None chooses as `with_disk` says.
    pub fn with_disk_and(
        dev: disk::Device,
        tmpfs_at_tmp: Option<bool>,
    ) -> Result<Self, disk::MountError> {
        let root = disk::DiskFs::mount(dev, ROOT_MINOR)?;
        disk::load(&root).map_err(disk::MountError::Load)?;
        // Mounting changes nothing on the disk: not the root's times.
        let meta = *root.meta.lock();
        let own_tmp = root
            .dir()
            .and_then(|d| d.lock().entries.get(&b"tmp"[..]).cloned())
            .filter(|t| t.is_dir());
        let tmpfs_at_tmp = match (tmpfs_at_tmp, &own_tmp) {
            (Some(choice), _) => choice,
            (None, None) => true,
            (None, Some(t)) => tmpfs::is_empty(t).map_err(disk::MountError::Load)?,
        };
        let tmp = if tmpfs_at_tmp {
            let tmp_sb = Superblock::new(FsKind::Tmpfs, TMP_MINOR);
            Inode::new_dir(&tmp_sb, 0o1777, DirKind::Plain, Weak::new(), meta.mtime)
        } else {
            let existing = root
                .dir()
                .and_then(|d| d.lock().entries.get(&b"tmp"[..]).cloned());
            match existing {
                Some(tmp) => tmp,
                None => {
                    let tmp = Inode::new_dir(
                        &root.sb,
                        0o1777,
                        DirKind::Plain,
                        Arc::downgrade(&root),
                        meta.mtime,
                    );
                    tmpfs::add_entry(&root, b"tmp", &tmp, meta.mtime)
                        .map_err(disk::MountError::Load)?;
                    tmp
                }
            }
        };
        let fs = Self::around(root, tmp);
        let mut m = fs.root.meta.lock();
        (m.mtime, m.ctime) = (meta.mtime, meta.ctime);
        drop(m);
        Ok(fs)
    }

    fn around(root: Arc<Inode>, tmp: Arc<Inode>) -> Self {
        let now = Timespec::default();
        let tty = Arc::new(tty::Tty::default());
        let console = devfs::build(&root, &tty, now);
        procfs::build(&root, now);
        tmpfs::attach(&root, b"tmp", &tmp, now);
        let mut fs = FsContext {
            cwd: root.clone(),
            root,
            umask: 0o022,
            fds: FdTable::default(),
            exe: Vec::new(),
            cmdline: Vec::new(),
            environ: Vec::new(),
            pipefs: Superblock::new(FsKind::Pipefs, PIPEFS_MINOR),
            initrd_mtime: 0,
        };
        let dev = fs.child(&fs.root, b"dev").ok();
        let name = match dev {
            Some(parent) => Name::Entry {
                parent,
                name: b"console".to_vec(),
            },
            None => Name::Fixed(b"/dev/console".to_vec()),
        };
        let file = OpenFile::new(console, O_RDWR, name);
        for fd in 0..3 {
            fs.fds.install(fd, file.clone(), false);
        }
        fs
    }

    /// Writes back and commits everything a disk root holds in memory
    /// (sync(2); the kernel calls it before powering off).
    pub fn sync(&self) -> Result<(), Errno> {
        disk::sync(&self.root.sb)
    }

    /// Fits a disk root's page cache to `ram_pages` of memory: clean pages
    /// may take a quarter (past that some are let go, and read again when
    /// needed), pages written and not committed an eighth (past that the
    /// writer commits). Nothing takes pages back when the program runs
    /// short of memory, so they keep to that. A root in memory has no
    /// cache to fit.
    pub fn set_memory_budget(&self, ram_pages: u64) {
        if let Some(disk) = &self.root.sb.disk {
            disk.set_memory_budget(ram_pages / 4, ram_pages / 8);
        }
    }

    /// `sync` when the other CPUs have stopped: no lock is waited for.
    pub fn sync_at_exit(&self) -> Result<(), Errno> {
        disk::sync_at_exit(&self.root.sb)
    }

    /// Adds one archive entry (parents are created as needed; later entries
    /// replace earlier ones).
    pub fn add_initrd_entry(&mut self, e: &InitrdEntry<'_>) -> Result<(), Error> {
        initrd::add(self, e)
    }

    /// Generates /etc files the image lacks; call after the last entry.
    pub fn finish_initrd(&mut self) -> Result<(), Error> {
        initrd::finish(self)
    }

    /// The contents of a regular file (symlinks followed).
    pub fn read_file(&self, path: &[u8]) -> Result<Vec<u8>, Error> {
        let inode = self.walk(&self.cwd, path, true)?;
        if inode.is_dir() {
            return Err(Errno::EISDIR.into());
        }
        let mut data = inode
            .file()
            .ok_or(Error::new(Errno::EINVAL, "not a regular file"))?
            .lock();
        let mut out = Vec::new();
        out.try_reserve_exact(data.size() as usize)
            .map_err(|_| Errno::ENOMEM)?;
        out.resize(data.size() as usize, 0);
        data.read_at(0, &mut out)?;
        Ok(out)
    }

    /// Removes a file or a directory and everything under it (the kernel
    /// removes /.sole after reading its manifest). A final symlink is
    /// removed, not followed.
    pub fn remove_tree(&mut self, path: &[u8]) -> Result<(), Error> {
        let p = self.walk_parent(&self.cwd, path)?;
        let name = p.name(Errno::EBUSY)?;
        let child = self.child(&p.dir, name)?;
        if child.sb.is_proc() || tmpfs::is_mount_point(&p.dir, &child) {
            return Err(Errno::EBUSY.into());
        }
        let now = p.dir.meta.lock().mtime;
        empty_tree(&child, now);
        tmpfs::remove_entry(&p.dir, name, now)?;
        Ok(())
    }

    /// Sets the working directory the program starts in.
    pub fn set_cwd(&mut self, path: &[u8]) -> Result<(), Error> {
        let dir = self.walk(&self.cwd, path, true)?;
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR.into());
        }
        self.cwd = dir;
        Ok(())
    }

    /// The program's path, for /proc/self/exe.
    pub fn set_exe(&mut self, path: &[u8]) {
        self.exe = path.to_vec();
    }

    /// The program's arguments, for /proc/self/cmdline.
    pub fn set_cmdline(&mut self, argv: &[&[u8]]) {
        self.cmdline = nul_joined(argv);
    }

    /// The program's environment, for /proc/self/environ.
    pub fn set_environ(&mut self, envp: &[&[u8]]) {
        self.environ = nul_joined(envp);
    }

    /// The open file `fd` names, or EBADF.
    pub(crate) fn file(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        self.fds.get(fd)
    }
}

fn nul_joined(items: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(item);
        out.push(0);
    }
    out
}

/// Removes everything under a directory (children first).
fn empty_tree(dir: &Arc<Inode>, now: Timespec) {
    let Some(d) = dir.dir() else { return };
    if disk::load(dir).is_err() {
        return;
    }
    let names: Vec<Vec<u8>> = d.lock().entries.keys().cloned().collect();
    for name in names {
        let child = d.lock().entries.get(&name).cloned();
        if let Some(child) = child {
            empty_tree(&child, now);
        }
        let _ = tmpfs::remove_entry(dir, &name, now);
    }
}
