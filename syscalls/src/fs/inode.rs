//! Inodes: what every file is, whichever filesystem holds it (inode(7)).
//! An inode has its metadata (`Meta`, what stat reports) and its contents
//! (`Node`). Directories hold their children strongly and their parent
//! weakly, so `..` and getcwd work without a dentry cache.

use super::disk::DiskFs;
use super::filedata::FileData;
use super::pipe::Pipe;
use super::procfs::ProcNode;
use super::tty::Tty;
use crate::abi::Timespec;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::{Mutex, MutexGuard};

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;
/// The permission and set-id bits chmod(2) may change.
pub const MODE_BITS: u32 = 0o7777;

/// Linux's NAME_MAX: the longest path component.
pub const NAME_MAX: usize = 255;

/// Linux's MAX_LFS_FILESIZE on 64-bit.
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// Which filesystem an inode belongs to (statfs(2) `f_type` and mount
/// behaviour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsKind {
    Tmpfs,
    Devtmpfs,
    Proc,
    Pipefs,
    /// Sole's copy-on-write filesystem on a disk (`fs::disk`).
    Rootfs,
}

/// One mounted filesystem.
pub struct Superblock {
    pub kind: FsKind,
    /// st_dev (the kernel's new_encode_dev of an anonymous device 0:minor).
    pub dev: u64,
    /// Pages of file data held (statfs `f_bfree`).
    pub used_pages: AtomicU64,
    /// The disk behind a rootfs mount.
    pub disk: Option<Arc<DiskFs>>,
}

impl Superblock {
    pub fn new(kind: FsKind, minor: u64) -> Arc<Self> {
        Arc::new(Superblock {
            kind,
            dev: minor,
            used_pages: AtomicU64::new(0),
            disk: None,
        })
    }

    /// The superblock of a rootfs mount on `disk`.
    pub fn new_disk(disk: Arc<DiskFs>, minor: u64) -> Arc<Self> {
        Arc::new(Superblock {
            kind: FsKind::Rootfs,
            dev: minor,
            used_pages: AtomicU64::new(0),
            disk: Some(disk),
        })
    }

    /// statfs(2) `f_type` (include/uapi/linux/magic.h).
    pub fn magic(&self) -> u64 {
        match self.kind {
            FsKind::Tmpfs | FsKind::Devtmpfs => 0x0102_1994,
            FsKind::Proc => 0x9fa0,
            FsKind::Pipefs => 0x5049_5045,
            // "SOLE": rootfs has no number in magic.h.
            FsKind::Rootfs => 0x534f_4c45,
        }
    }

    /// procfs here is fixed: nothing is created, removed or changed in it.
    pub fn is_proc(&self) -> bool {
        self.kind == FsKind::Proc
    }
}

/// What stat reports, apart from size and blocks (which come from the node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// st_mode: the file type (S_IFMT) and the permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    /// st_rdev, for device nodes.
    pub rdev: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    pub btime: Timespec,
}

/// The character devices Sole provides (Linux's drivers/char/mem.c and tty).
#[derive(Clone)]
pub enum Device {
    Null,
    Zero,
    Full,
    Random,
    Urandom,
    /// /dev/console and /dev/tty: the console terminal.
    Tty(Arc<Tty>),
}

impl Device {
    /// makedev(major, minor) as the kernel encodes st_rdev (new_encode_dev).
    pub fn rdev(&self, console: bool) -> u64 {
        let (major, minor) = match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Full => (1, 7),
            Device::Random => (1, 8),
            Device::Urandom => (1, 9),
            Device::Tty(_) if console => (5, 1),
            Device::Tty(_) => (5, 0),
        };
        makedev(major, minor)
    }
}

pub const fn makedev(major: u64, minor: u64) -> u64 {
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}
pub const fn dev_major(dev: u64) -> u32 {
    ((dev >> 8) & 0xfff) as u32
}
pub const fn dev_minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

/// How a directory finds its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirKind {
    /// Children are the entries (tmpfs, devtmpfs, the fixed parts of procfs).
    Plain,
    /// /proc/<pid>/fd: one magic link per open file descriptor.
    ProcFd,
}

pub struct Dir {
    pub kind: DirKind,
    pub entries: BTreeMap<Vec<u8>, Arc<Inode>>,
    /// The parent (`..`); dangling for the root.
    pub parent: Weak<Inode>,
    /// A rootfs directory whose entries have not been read from the disk
    /// yet (`disk::load`); `entries` then holds only what was mounted on
    /// it.
    pub unloaded: bool,
}

pub enum Node {
    Dir(Mutex<Dir>),
    File(Mutex<FileData>),
    Symlink(Vec<u8>),
    Device(Device),
    Pipe(Pipe),
    Proc(ProcNode),
}

pub struct Inode {
    pub sb: Arc<Superblock>,
    pub meta: MetaCell,
    pub node: Node,
}

/// An inode's metadata and number, which tells a disk what changed: the
/// first change through a guard since the last `take_changed` puts the
/// number on the disk's list of objects to write back (`disk::sync`
/// visits only those, however many inodes the VFS holds).
pub struct MetaCell {
    meta: Mutex<Meta>,
    /// st_ino: a counter's number, or the object number on a rootfs (set
    /// when the object is made, see `Inode::ino`).
    ino: AtomicU64,
    changed: AtomicBool,
    /// The disk's list of changed objects, for an inode on a rootfs.
    changes: Option<Arc<Mutex<alloc::collections::BTreeSet<u64>>>>,
}

/// `MetaCell::lock`'s guard: a write through it is a change.
pub struct MetaGuard<'a> {
    guard: MutexGuard<'a, Meta>,
    cell: &'a MetaCell,
}

impl MetaCell {
    fn new(meta: Meta, ino: u64, sb: &Superblock) -> Self {
        MetaCell {
            meta: Mutex::new(meta),
            ino: AtomicU64::new(ino),
            changed: AtomicBool::new(false),
            changes: sb.disk.as_ref().map(|d| d.changes()),
        }
    }

    pub fn lock(&self) -> MetaGuard<'_> {
        MetaGuard {
            guard: self.meta.lock(),
            cell: self,
        }
    }

    /// A copy; without `wait`, none if another holds the lock (a machine
    /// powering off, whose other CPUs stopped where they were).
    pub(crate) fn copy(&self, wait: bool) -> Option<Meta> {
        if wait {
            Some(*self.meta.lock())
        } else {
            self.meta.try_lock().map(|m| *m)
        }
    }

    /// Sets what the disk has, which is no change (a rootfs object read in,
    /// or made with these attributes).
    pub(crate) fn set_synced(&self, meta: Meta) {
        *self.meta.lock() = meta;
        self.changed.store(false, Ordering::Release);
    }

    /// Whether it changed since the last call (which starts a new round: a
    /// change after this lists the object again).
    pub(crate) fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::AcqRel)
    }

    /// Marks it changed and lists the object with its disk; nothing for an
    /// inode in memory, and only a load once it is listed (every write and
    /// many reads change the times).
    pub(crate) fn note_changed(&self) {
        let Some(changes) = &self.changes else {
            return;
        };
        if !self.changed.load(Ordering::Relaxed) && !self.changed.swap(true, Ordering::AcqRel) {
            changes.lock().insert(self.ino.load(Ordering::Relaxed));
        }
    }
}

impl core::ops::Deref for MetaGuard<'_> {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.guard
    }
}

impl core::ops::DerefMut for MetaGuard<'_> {
    fn deref_mut(&mut self) -> &mut Meta {
        self.cell.note_changed();
        &mut self.guard
    }
}

static NEXT_INO: AtomicU64 = AtomicU64::new(2);

pub fn next_ino() -> u64 {
    NEXT_INO.fetch_add(1, Ordering::Relaxed)
}

impl Inode {
    /// A new inode owned by root with one link (two for directories: the
    /// entry and its own `.`).
    pub fn new(sb: &Arc<Superblock>, mode: u32, node: Node, now: Timespec) -> Arc<Inode> {
        let nlink = if mode & S_IFMT == S_IFDIR { 2 } else { 1 };
        let meta = Meta {
            mode,
            uid: 0,
            gid: 0,
            nlink,
            rdev: 0,
            atime: now,
            mtime: now,
            ctime: now,
            btime: now,
        };
        Arc::new(Inode {
            sb: sb.clone(),
            meta: MetaCell::new(meta, next_ino(), sb),
            node,
        })
    }

    pub fn new_dir(
        sb: &Arc<Superblock>,
        perm: u32,
        kind: DirKind,
        parent: Weak<Inode>,
        now: Timespec,
    ) -> Arc<Inode> {
        let dir = Dir {
            kind,
            entries: BTreeMap::new(),
            parent,
            unloaded: false,
        };
        Inode::new(sb, S_IFDIR | perm, Node::Dir(Mutex::new(dir)), now)
    }

    pub fn new_file(sb: &Arc<Superblock>, perm: u32, now: Timespec) -> Arc<Inode> {
        let data = FileData::new(sb.clone());
        Inode::new(sb, S_IFREG | perm, Node::File(Mutex::new(data)), now)
    }

    pub fn new_symlink(sb: &Arc<Superblock>, target: &[u8], now: Timespec) -> Arc<Inode> {
        Inode::new(sb, S_IFLNK | 0o777, Node::Symlink(target.to_vec()), now)
    }

    /// st_ino.
    pub fn ino(&self) -> u64 {
        self.meta.ino.load(Ordering::Relaxed)
    }

    /// A rootfs object's number becomes its inode number.
    pub(crate) fn set_ino(&self, ino: u64) {
        self.meta.ino.store(ino, Ordering::Relaxed);
    }

    pub fn mode(&self) -> u32 {
        self.meta.lock().mode
    }

    pub fn file_type(&self) -> u32 {
        self.mode() & S_IFMT
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.node, Node::Dir(_))
    }

    pub fn is_symlink(&self) -> bool {
        self.file_type() == S_IFLNK
    }

    pub fn is_regular(&self) -> bool {
        matches!(self.node, Node::File(_))
    }

    pub fn dir(&self) -> Option<&Mutex<Dir>> {
        match &self.node {
            Node::Dir(d) => Some(d),
            _ => None,
        }
    }

    pub fn file(&self) -> Option<&Mutex<FileData>> {
        match &self.node {
            Node::File(f) => Some(f),
            _ => None,
        }
    }

    /// The parent directory, for `..` (None for the root).
    pub fn parent(&self) -> Option<Arc<Inode>> {
        self.dir().and_then(|d| d.lock().parent.upgrade())
    }

    /// Contents changed: mtime and ctime are now.
    pub fn touch_modified(&self, now: Timespec) {
        let mut m = self.meta.lock();
        m.mtime = now;
        m.ctime = now;
    }

    /// Metadata changed: ctime is now.
    pub fn touch_changed(&self, now: Timespec) {
        self.meta.lock().ctime = now;
    }

    /// Read: atime follows the relatime rule (mount(8)): it moves only when
    /// older than mtime or ctime, or more than a day old.
    pub fn touch_accessed(&self, now: Timespec) {
        let mut m = self.meta.lock();
        let stale = m.atime.sec.saturating_add(24 * 3600) <= now.sec;
        if ts_le(m.atime, m.mtime) || ts_le(m.atime, m.ctime) || stale {
            m.atime = now;
        }
    }

    /// The size stat reports.
    pub fn size(&self) -> u64 {
        match &self.node {
            Node::File(f) => f.lock().size(),
            Node::Symlink(t) => t.len() as u64,
            // On a disk, what the directory takes there (as ext4 reports
            // its blocks); tmpfs counts BOGO_DIRENT_SIZE (20) per entry,
            // `.` and `..` too.
            Node::Dir(d) => super::disk::dir_size(self)
                .unwrap_or_else(|| (d.lock().entries.len() as u64 + 2) * 20),
            // A pipe's size is 0 on Linux (FIONREAD tells what is queued).
            Node::Pipe(_) | Node::Device(_) | Node::Proc(_) => 0,
        }
    }

    /// st_size and st_blocks (512-byte units held), asked of the disk once
    /// for a directory on one.
    pub fn size_and_blocks(&self) -> (u64, u64) {
        match &self.node {
            Node::File(f) => {
                let f = f.lock();
                (f.size(), f.pages() * 8)
            }
            Node::Dir(_) => match super::disk::dir_size(self) {
                Some(size) => (size, size / 512),
                None => (self.size(), 0),
            },
            _ => (self.size(), 0),
        }
    }
}

fn ts_le(a: Timespec, b: Timespec) -> bool {
    (a.sec, a.nsec) <= (b.sec, b.nsec)
}

/// getdents64(2) `d_type` for a mode.
pub fn dtype(mode: u32) -> u8 {
    match mode & S_IFMT {
        S_IFIFO => 1,
        S_IFCHR => 2,
        S_IFDIR => 4,
        S_IFBLK => 6,
        S_IFREG => 8,
        S_IFLNK => 10,
        S_IFSOCK => 12,
        _ => 0,
    }
}

/// A regular file read by a private file mapping, page by page.
impl crate::mm::MapSource for Inode {
    fn size(&self) -> u64 {
        Inode::size(self)
    }

    fn read_page(&self, offset: u64, page: &mut [u8]) -> Result<(), crate::Errno> {
        let n = match self.file() {
            Some(f) => f.lock().read_at(offset, page)?,
            None => 0,
        };
        page[n..].fill(0);
        Ok(())
    }

    fn dev_ino(&self) -> (u64, u64) {
        (self.sb.dev, self.ino())
    }

    fn share_page(&self, offset: u64, writable: bool) -> Result<u64, crate::Errno> {
        self.file()
            .ok_or(crate::Errno::ENODEV)?
            .lock()
            .share_page(offset / crate::mm::PAGE_SIZE, writable)
    }
}
