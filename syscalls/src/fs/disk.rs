//! The root on a disk: Sole's copy-on-write filesystem (`rootfs::fs`)
//! under the VFS.
//!
//! The VFS inodes are the cache. A rootfs directory reads its entries from
//! the disk the first time it is used (`load`); a file reads its pages on
//! first use (`FileData::backed`). Every change to the namespace (create,
//! mkdir, symlink, link, unlink, rmdir, rename) is made in the rootfs at
//! once — in its memory, where changes wait for the next commit — so the
//! object numbers (which are the inode numbers) exist from the start and a
//! failure (ENOSPC, EIO) leaves the VFS as it was. File data and metadata
//! are written back by [`sync`]: the pages changed since the last commit,
//! and the attributes that differ from what the disk has. `sync` then
//! commits one transaction group, so fsync, fdatasync, sync and syncfs are
//! durable when they return (all of them commit everything, as a ZFS
//! transaction group does), and the kernel syncs once more before it
//! powers off.
//!
//! Lock order: a VFS lock (directory, file data, metadata) may be held
//! while the disk's is taken, never the other way round.

use super::filedata::FileData;
use super::inode::{Dir, DirKind, Inode, Meta, Node, S_IFMT, S_IFREG, Superblock};
use crate::Errno;
use crate::abi::Timespec;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use rootfs::device::BlockDevice;
use rootfs::fs::{Attr, Fs, FsError, Kind, ROOT_INO, SetAttr, StatFs};
use rootfs::pool::Pool;
use spin::{Mutex, MutexGuard};

/// The device the kernel hands over (virtio-blk).
pub type Device = Box<dyn BlockDevice + Send>;

/// The disk the rootfs is on.
type Disk = Device;

/// A mounted rootfs.
pub struct DiskFs {
    inner: Mutex<Inner>,
    /// Pages written in memory and not yet committed: a write that would
    /// take more than the disk has free fails with ENOSPC at once, not at
    /// the next sync.
    pending_pages: AtomicU64,
    /// Pages read from the disk and held as they are (clean), as last
    /// counted (`shrink` counts exactly, loads add to it).
    cached_pages: AtomicU64,
    /// How many clean pages may be held before some are let go
    /// (`set_memory_budget`; unlimited until set).
    cache_budget: AtomicU64,
    /// How many pages may be written and not committed before a writer
    /// commits them itself (`over_dirty_limit`; unlimited until set).
    dirty_limit: AtomicU64,
    /// The objects whose inode or file data may differ from the disk: a
    /// sync visits these only (`MetaCell`, `FileData::note_changes`).
    changes: Arc<Mutex<BTreeSet<u64>>>,
}

/// A sync commits whenever the open transaction holds this many blocks
/// (8 MiB), so writing back much never holds it all twice in memory.
const COMMIT_EVERY_BLOCKS: usize = 2048;

struct Inner {
    fs: Fs<Disk>,
    /// Every inode the VFS holds for an object, by object number, with
    /// the attributes the disk has for it.
    objects: BTreeMap<u64, Tracked>,
    /// When `objects` holds this many, a sync drops the entries of inodes
    /// that are gone (twice what was left after the last time, so the walk
    /// costs a constant share of the syncs).
    prune_at: usize,
}

/// The fewest entries `objects` is pruned at.
const PRUNE_AT_LEAST: usize = 1024;

struct Tracked {
    inode: Weak<Inode>,
    synced: Meta,
}

/// The errno a rootfs error is to a program.
pub fn errno(e: FsError) -> Errno {
    Errno::from_raw(e.errno()).unwrap_or(Errno::EIO)
}

fn ns(t: Timespec) -> i64 {
    t.sec.saturating_mul(1_000_000_000).saturating_add(t.nsec)
}

fn ts(ns: i64) -> Timespec {
    Timespec {
        sec: ns.div_euclid(1_000_000_000),
        nsec: ns.rem_euclid(1_000_000_000),
    }
}

fn meta_of(a: &Attr) -> Meta {
    Meta {
        mode: a.mode,
        uid: a.uid,
        gid: a.gid,
        nlink: a.nlink,
        rdev: 0,
        atime: ts(a.atime_ns),
        mtime: ts(a.mtime_ns),
        ctime: ts(a.ctime_ns),
        btime: ts(a.btime_ns),
    }
}

/// Whether the disk's copy of the attributes needs writing.
fn differs(a: &Meta, b: &Meta) -> bool {
    (a.mode, a.uid, a.gid, a.atime, a.mtime, a.ctime)
        != (b.mode, b.uid, b.gid, b.atime, b.mtime, b.ctime)
}

impl DiskFs {
    /// Mounts the rootfs on `dev` and gives its root directory.
    pub fn mount(dev: Device, minor: u64) -> Result<Arc<Inode>, MountError> {
        let pool = Pool::mount(dev).map_err(MountError::Pool)?;
        let fs = Fs::mount(pool).map_err(MountError::Fs)?;
        let disk = Arc::new(DiskFs {
            inner: Mutex::new(Inner {
                fs,
                objects: BTreeMap::new(),
                prune_at: PRUNE_AT_LEAST,
            }),
            pending_pages: AtomicU64::new(0),
            cached_pages: AtomicU64::new(0),
            cache_budget: AtomicU64::new(u64::MAX),
            dirty_limit: AtomicU64::new(u64::MAX),
            changes: Arc::default(),
        });
        let sb = Superblock::new_disk(disk.clone(), minor);
        let mut inner = disk.inner.lock();
        let attr = inner.fs.getattr(ROOT_INO).map_err(MountError::Fs)?;
        if attr.kind != Kind::Dir {
            return Err(MountError::Fs(FsError::NotDir));
        }
        inner
            .make_inode(&sb, &disk, &attr, Weak::new())
            .map_err(MountError::Fs)
    }

    /// Lets at most `clean` clean pages stay in memory: past that, file
    /// pages read from the disk and not changed since are let go (and read
    /// again when next needed), so a file larger than memory can be read.
    /// Past `dirty` pages written and not committed, the writer commits
    /// (`over_dirty_limit`), so a program can write more than memory holds.
    pub fn set_memory_budget(&self, clean: u64, dirty: u64) {
        self.cache_budget.store(clean.max(1), Ordering::Relaxed);
        self.dirty_limit.store(dirty.max(1), Ordering::Relaxed);
    }

    /// `pages` clean pages were read in: whether the cache is now over
    /// budget.
    pub fn note_loaded(&self, pages: u64) -> bool {
        let held = self.cached_pages.fetch_add(pages, Ordering::Relaxed) + pages;
        held > self.cache_budget.load(Ordering::Relaxed)
    }

    /// The clean pages a file may keep when the cache is over budget
    /// (`FileData::load`): a quarter of the budget.
    pub fn own_share(&self) -> u64 {
        self.cache_budget.load(Ordering::Relaxed) / 4
    }

    /// Brings the clean pages held down to half the budget, the calling
    /// file's own (locked by the caller, which has let its own go down to
    /// `own_share`) counted as `own_clean`: the other unmapped files give
    /// up clean pages until then. A file locked elsewhere is skipped (the
    /// caller's own is locked too).
    pub fn shrink(&self, own_clean: u64) {
        let target = self.cache_budget.load(Ordering::Relaxed) / 2;
        let files: Vec<Arc<Inode>> = self
            .inner
            .lock()
            .objects
            .values()
            .filter_map(|t| t.inode.upgrade())
            .filter(|i| i.file().is_some())
            .collect();
        let mut held = own_clean;
        for inode in &files {
            let Some(file) = inode.file() else { continue };
            let Some(mut f) = file.try_lock() else {
                continue;
            };
            let keep = target.saturating_sub(held);
            held += f.evict_clean(keep, None);
        }
        drop(files);
        self.cached_pages.store(held, Ordering::Relaxed);
    }

    /// The list of changed objects, for an inode's `MetaCell`.
    pub fn changes(&self) -> Arc<Mutex<BTreeSet<u64>>> {
        self.changes.clone()
    }

    /// Object `obj`'s file data has changes to write back.
    pub fn note_dirty(&self, obj: u64) {
        self.changes.lock().insert(obj);
    }

    /// Up to `len` bytes of file `obj` from `offset`.
    pub fn read(&self, obj: u64, offset: u64, len: usize) -> Result<Vec<u8>, Errno> {
        self.inner.lock().fs.read(obj, offset, len).map_err(errno)
    }

    /// What statfs reports: the rootfs's free space less what waits in
    /// memory to be written.
    pub fn statfs(&self) -> StatFs {
        let mut s = self.inner.lock().fs.statfs();
        s.available_blocks = s
            .available_blocks
            .saturating_sub(self.pending_pages.load(Ordering::Relaxed));
        s
    }

    /// Counts `pages` more pages to be written; ENOSPC when the disk would
    /// not hold them with room for the commit (the slop: 1/32 and 64
    /// blocks for indirect blocks, records and the object set).
    pub fn reserve(&self, pages: u64) -> Result<(), Errno> {
        let s = self.inner.lock().fs.statfs();
        let pending = self.pending_pages.fetch_add(pages, Ordering::Relaxed) + pages;
        let slop = 64 + s.blocks / 32;
        if pending.saturating_add(slop) > s.available_blocks {
            self.pending_pages.fetch_sub(pages, Ordering::Relaxed);
            return Err(Errno::ENOSPC);
        }
        Ok(())
    }
}

/// Why the disk could not be mounted.
#[derive(Debug)]
pub enum MountError {
    Pool(rootfs::pool::Error),
    Fs(FsError),
    /// The root directory cannot be read.
    Load(Errno),
}

impl core::fmt::Display for MountError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Pool(e) => write!(f, "no rootfs pool on the disk: {e}"),
            Self::Fs(e) => write!(f, "the rootfs cannot be mounted: {e}"),
            Self::Load(e) => write!(f, "the rootfs's root directory cannot be read: {e}"),
        }
    }
}

impl Inner {
    /// The VFS inode for an object (one per object, so hard links share
    /// it).
    fn make_inode(
        &mut self,
        sb: &Arc<Superblock>,
        disk: &Arc<DiskFs>,
        attr: &Attr,
        parent: Weak<Inode>,
    ) -> Result<Arc<Inode>, FsError> {
        if let Some(inode) = self.objects.get(&attr.ino).and_then(|t| t.inode.upgrade()) {
            return Ok(inode);
        }
        let node = match attr.kind {
            Kind::Dir => Node::Dir(Mutex::new(Dir {
                kind: DirKind::Plain,
                entries: BTreeMap::new(),
                parent,
                unloaded: true,
            })),
            Kind::File => Node::File(Mutex::new(FileData::backed(
                sb.clone(),
                disk.clone(),
                attr.ino,
                attr.size,
            ))),
            Kind::Symlink => Node::Symlink(self.fs.readlink(attr.ino)?),
        };
        let meta = meta_of(attr);
        let inode = Inode::new(sb, meta.mode, node, meta.mtime);
        inode.set_ino(attr.ino);
        inode.meta.set_synced(meta);
        self.objects.insert(
            attr.ino,
            Tracked {
                inode: Arc::downgrade(&inode),
                synced: meta,
            },
        );
        Ok(inode)
    }

    /// Notes that the disk's object `obj` now has the VFS inode's
    /// attributes as they were when it was made.
    fn track(&mut self, inode: &Arc<Inode>, obj: u64) -> Result<(), Errno> {
        let attr = self.fs.getattr(obj).map_err(errno)?;
        inode.set_ino(obj);
        // Listed under its object number from now on (a change before this
        // was listed under the counter's, which names nothing): once now,
        // for a sync to compare.
        inode.meta.take_changed();
        inode.meta.note_changed();
        self.objects.insert(
            obj,
            Tracked {
                inode: Arc::downgrade(inode),
                synced: meta_of(&attr),
            },
        );
        Ok(())
    }

    /// An object the VFS inode stands for, if the disk has it.
    fn object_of(&self, inode: &Arc<Inode>) -> Option<u64> {
        let t = self.objects.get(&inode.ino())?;
        let same = t.inode.upgrade().is_some_and(|i| Arc::ptr_eq(&i, inode));
        same.then_some(inode.ino())
    }
}

fn disk_of(inode: &Inode) -> Option<&Arc<DiskFs>> {
    inode.sb.disk.as_ref()
}

/// The size stat reports for rootfs directory `dir`, as the disk holds it
/// (4096 bytes per hash bucket, as ext4 counts its blocks): the same
/// whether or not its entries have been read. `None` for a directory the
/// disk does not have (a tmpfs one, or one removed).
pub fn dir_size(dir: &Inode) -> Option<u64> {
    let disk = disk_of(dir)?;
    let mut inner = disk.inner.lock();
    let obj = dir.ino();
    let tracked = inner.objects.get(&obj)?.inode.upgrade()?;
    if !core::ptr::eq(Arc::as_ptr(&tracked), dir) {
        return None;
    }
    inner.fs.getattr(obj).ok().map(|attr| attr.size)
}

/// Reads a rootfs directory's entries from the disk if they have not been
/// (see `Dir::unloaded`). Names something is mounted on keep the mount.
pub fn load(dir: &Arc<Inode>) -> Result<(), Errno> {
    let Some(disk) = disk_of(dir) else {
        return Ok(());
    };
    let Some(d) = dir.dir() else {
        return Ok(());
    };
    let mut d = d.lock();
    if !d.unloaded {
        return Ok(());
    }
    let mut inner = disk.inner.lock();
    let obj = dir.ino();
    let entries = inner.fs.readdir(obj).map_err(errno)?;
    let mut children = Vec::with_capacity(entries.len());
    for e in entries {
        let attr = inner.fs.getattr(e.ino).map_err(errno)?;
        let child = inner
            .make_inode(&dir.sb, disk, &attr, Arc::downgrade(dir))
            .map_err(errno)?;
        children.push((e.name, child));
    }
    drop(inner);
    for (name, child) in children {
        d.entries.entry(name).or_insert(child);
    }
    d.unloaded = false;
    Ok(())
}

/// `inode`, new in memory, is added to rootfs directory `dir` as `name`,
/// or an inode the disk has gets one more name there (link(2)). Called
/// before the VFS changes; an error leaves both as they were.
pub fn add(dir: &Arc<Inode>, name: &[u8], inode: &Arc<Inode>) -> Result<(), Errno> {
    let Some(disk) = disk_of(dir) else {
        return Ok(());
    };
    let m = *inode.meta.lock();
    let mut inner = disk.inner.lock();
    let parent = dir.ino();
    if let Some(obj) = inner.object_of(inode) {
        return inner.fs.link(obj, parent, name).map_err(errno);
    }
    inner.fs.set_time(ns(m.ctime));
    let made = match &inode.node {
        Node::Dir(_) => inner.fs.mkdir(parent, name, m.mode, m.uid, m.gid),
        Node::Symlink(target) => inner.fs.symlink(parent, name, target, m.uid, m.gid),
        Node::File(_) if m.mode & S_IFMT == S_IFREG => {
            inner.fs.create(parent, name, m.mode, m.uid, m.gid)
        }
        // Devices, FIFOs and sockets have no rootfs record (FORMAT.md).
        _ => return Err(Errno::EPERM),
    };
    let obj = made.map_err(errno)?;
    inner.track(inode, obj)?;
    drop(inner);
    if let Some(f) = inode.file() {
        f.lock().attach_backing(disk.clone(), obj);
    }
    Ok(())
}

/// Name `name` of `child` in rootfs directory `dir` is going away
/// (unlink(2), rmdir(2), or a rename replacing it). A file whose last name
/// this is but which is still open is read into memory first: it lives on
/// there, as an open unlinked file does on Linux, until it is closed.
pub fn remove(dir: &Arc<Inode>, name: &[u8], child: &Arc<Inode>) -> Result<(), Errno> {
    let Some(disk) = disk_of(dir) else {
        return Ok(());
    };
    let last = child.is_dir() || child.meta.lock().nlink <= 1;
    if last && let Some(f) = child.file() {
        // The directory entry and the caller hold it; anyone else has it
        // open (or mapped). Read it in while the disk still has it.
        if Arc::strong_count(child) > 2 {
            f.lock().detach_backing()?;
        }
    }
    let mut inner = disk.inner.lock();
    let parent = dir.ino();
    let result = if child.is_dir() {
        inner.fs.rmdir(parent, name)
    } else {
        inner.fs.unlink(parent, name)
    };
    result.map_err(errno)?;
    if last {
        inner.objects.remove(&child.ino());
        drop(inner);
        if let Some(f) = child.file() {
            // Its data no longer goes anywhere.
            f.lock().forget_backing();
        }
    }
    Ok(())
}

/// rename(2) within a rootfs: `old` moves from `odir`/`oname` to
/// `ndir`/`nname`, replacing `new` if there is one (which `remove` has been
/// told about); with `exchange` the two swap.
pub fn rename(
    odir: &Arc<Inode>,
    oname: &[u8],
    ndir: &Arc<Inode>,
    nname: &[u8],
    exchange: Option<&Arc<Inode>>,
) -> Result<(), Errno> {
    let Some(disk) = disk_of(odir) else {
        return Ok(());
    };
    let mut inner = disk.inner.lock();
    let (from, to) = (odir.ino(), ndir.ino());
    match exchange {
        None => inner.fs.rename(from, oname, to, nname).map_err(errno),
        Some(other) => {
            // The rootfs has no exchange: three renames in one
            // transaction group are as atomic on the disk.
            let mut tmp = alloc::format!(".sole-exchange-{}", other.ino()).into_bytes();
            while inner.fs.lookup(from, &tmp).is_ok() {
                tmp.push(b'~');
            }
            inner.fs.rename(from, oname, from, &tmp).map_err(errno)?;
            if let Err(e) = inner.fs.rename(to, nname, from, oname) {
                let _ = inner.fs.rename(from, &tmp, from, oname);
                return Err(errno(e));
            }
            inner.fs.rename(from, &tmp, to, nname).map_err(errno)
        }
    }
}

/// Whether the rootfs under `sb` holds more pages written and not
/// committed than its dirty limit: the writer then syncs (`io::write`),
/// as Linux's writers are made to write back (balance_dirty_pages).
pub fn over_dirty_limit(sb: &Superblock) -> bool {
    sb.disk.as_ref().is_some_and(|d| {
        d.pending_pages.load(Ordering::Relaxed) > d.dirty_limit.load(Ordering::Relaxed)
    })
}

/// Writes every change the VFS holds for the rootfs under `sb` (file pages,
/// sizes, attributes) and commits them (in transaction groups of at most
/// [`COMMIT_EVERY_BLOCKS`] data blocks, the last one holding the metadata
/// too): what is written is durable when this returns.
pub fn sync(sb: &Superblock) -> Result<(), Errno> {
    sync_with(sb, true)
}

/// `sync` for a machine about to power off, whose other CPUs are stopped:
/// a lock one of them held stays held, so none is waited for (EBUSY, and
/// the disk keeps its last commit).
pub fn sync_at_exit(sb: &Superblock) -> Result<(), Errno> {
    sync_with(sb, false)
}

fn grab<T>(m: &Mutex<T>, wait: bool) -> Result<MutexGuard<'_, T>, Errno> {
    if wait {
        Ok(m.lock())
    } else {
        m.try_lock().ok_or(Errno::EBUSY)
    }
}

fn sync_with(sb: &Superblock, wait: bool) -> Result<(), Errno> {
    let Some(disk) = &sb.disk else {
        return Ok(());
    };
    // The objects listed as changed, with the attributes the disk has.
    let listed: Vec<u64> = core::mem::take(&mut *grab(&disk.changes, wait)?)
        .into_iter()
        .collect();
    let live: Vec<(Arc<Inode>, Meta)> = {
        let mut inner = grab(&disk.inner, wait)?;
        if inner.objects.len() >= inner.prune_at {
            inner.objects.retain(|_, t| t.inode.strong_count() > 0);
            inner.prune_at = (2 * inner.objects.len()).max(PRUNE_AT_LEAST);
        }
        listed
            .iter()
            .filter_map(|obj| {
                let t = inner.objects.get(obj)?;
                Some((t.inode.upgrade()?, t.synced))
            })
            .collect()
    };
    let written = write_back_listed(disk, &live, wait);
    if written.is_err() {
        // Listed again, for the next sync to try.
        grab(&disk.changes, wait)?.extend(listed);
    }
    written?;
    let mut inner = grab(&disk.inner, wait)?;
    if inner.fs.is_dirty() {
        inner.fs.commit().map_err(errno)?;
    }
    disk.pending_pages.store(0, Ordering::Relaxed);
    Ok(())
}

/// Writes the file data and attributes of `live` into the rootfs.
fn write_back_listed(
    disk: &Arc<DiskFs>,
    live: &[(Arc<Inode>, Meta)],
    wait: bool,
) -> Result<(), Errno> {
    for (inode, synced) in live {
        // A change from here on lists it again.
        inode.meta.take_changed();
        if let Some(f) = inode.file() {
            let mut f = grab(f, wait)?;
            f.unlisted();
            if f.needs_write_back() {
                let inner = core::cell::RefCell::new(grab(&disk.inner, wait)?);
                let clean = f.write_back(
                    |obj, off, bytes| {
                        let mut inner = inner.borrow_mut();
                        inner.fs.write(obj, off, bytes).map_err(errno)?;
                        if inner.fs.open_blocks() >= COMMIT_EVERY_BLOCKS {
                            inner.fs.commit().map_err(errno)?;
                        }
                        Ok(())
                    },
                    |obj, size| inner.borrow_mut().fs.truncate(obj, size).map_err(errno),
                )?;
                drop(inner);
                if f.needs_write_back() {
                    // A shared writable mapping writes without telling:
                    // every sync writes its pages back.
                    disk.note_dirty(inode.ino());
                }
                // What was written back is clean now, and counts against
                // the cache budget like pages read in.
                if wait && disk.note_loaded(clean) {
                    let own = f.evict_clean(disk.own_share(), None);
                    drop(f);
                    disk.shrink(own);
                }
            }
        }
        let meta = inode.meta.copy(wait).ok_or(Errno::EBUSY)?;
        if !differs(synced, &meta) {
            continue;
        }
        let obj = inode.ino();
        let mut inner = grab(&disk.inner, wait)?;
        inner.fs.set_time(ns(meta.ctime));
        let set = SetAttr {
            mode: Some(meta.mode),
            uid: Some(meta.uid),
            gid: Some(meta.gid),
            size: None,
            atime_ns: Some(ns(meta.atime)),
            mtime_ns: Some(ns(meta.mtime)),
        };
        inner.fs.setattr(obj, set).map_err(errno)?;
        if let Some(t) = inner.objects.get_mut(&obj) {
            t.synced = meta;
        }
    }
    Ok(())
}
