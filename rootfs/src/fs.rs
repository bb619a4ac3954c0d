//! The object layer (FORMAT.md, "Objects"): files, directories and symlinks
//! by object number on a [`Pool`], and the [`Fs`] handle that changes them
//! in memory and commits them as one transaction group.
//!
//! Between commits every change lives in memory: dirty object records and
//! dirty 4 KiB data blocks, laid over the committed trees. [`Fs::commit`]
//! writes the dirty blocks into each object's block tree (copy-on-write up
//! to a new tree root), the changed records into the record array (again
//! copy-on-write), a new object-set block naming that array and a new dataset
//! directory naming that object set (FORMAT.md, "Datasets and snapshots"),
//! and then has the pool commit the directory as its root. The handle works
//! on one dataset: a filesystem, or a snapshot mounted read-only. A commit
//! that fails (no space, a device error) gives back the blocks it wrote and
//! leaves the handle as it was, so it can be retried after freeing space.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::blockptr::{BLOCKPTR_LEN, BlockPtr};
use crate::device::BlockDevice;
use crate::format::{BLOCK_SIZE, FormatError, VERSION, get_u32, get_u64, put_u32, put_u64};
use crate::pool::{self, Pool};

pub mod dataset;
pub mod dir;
mod file;
pub mod inode;
mod namespace;
mod snapshot;
mod sync;
pub mod tree;
mod verify;

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
mod integrity_tests;
#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;

pub use dataset::{DatasetInfo, DatasetKind, MAIN};
pub use inode::{INLINE_MAX, Inode, Kind};
pub use namespace::{Attr, DirEntry, SetAttr, StatFs};
use tree::Store;
pub use verify::{DamagedObject, Problem, RingRoot, VerifyReport};

/// The root directory's object number.
pub const ROOT_INO: u64 = 1;

/// The record array's own tree may grow to 64^6 blocks (2^40 objects).
const META_LEVELS: u8 = inode::MAX_LEVELS;

/// Records in one block of the record array.
const RECORDS_PER_BLOCK: u64 = (BLOCK_SIZE / inode::RECORD_LEN) as u64;

/// The first eight bytes of the object-set block.
pub const OBJSET_MAGIC: [u8; 8] = *b"SOLEOBJS";

/// Why a filesystem operation failed. [`errno`](Self::errno) gives the
/// Linux number a system call returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsError {
    /// The pool failed: a checksum mismatch (`EIO`), a device error, or no
    /// space.
    Pool(pool::Error),
    /// A block verified but does not decode as what it should hold.
    Corrupt(FormatError),
    /// The pool's root is not an object set (it was never given one).
    NoObjectSet,
    NotFound,
    Exists,
    NotDir,
    IsDir,
    NotEmpty,
    NameTooLong,
    /// A bad argument: an invalid name, a directory moved under itself.
    Invalid,
    /// An operation a directory does not allow (`link` to a directory).
    NotPermitted,
    /// The data area cannot hold the changes.
    NoSpace,
    /// A file past the largest a block tree holds.
    TooBig,
    /// The mounted dataset is a snapshot: it cannot change.
    ReadOnly,
    /// A dataset still in use: a snapshot with clones, a filesystem with
    /// snapshots or the one mounted.
    Busy,
}

impl FsError {
    /// The Linux errno (errno(3)) for this error.
    pub fn errno(self) -> i32 {
        match self {
            Self::Pool(pool::Error::NoSpace) | Self::NoSpace => 28, // ENOSPC
            Self::Pool(_) | Self::Corrupt(_) | Self::NoObjectSet => 5, // EIO
            Self::NotFound => 2,                                    // ENOENT
            Self::Exists => 17,                                     // EEXIST
            Self::NotDir => 20,                                     // ENOTDIR
            Self::IsDir => 21,                                      // EISDIR
            Self::NotEmpty => 39,                                   // ENOTEMPTY
            Self::NameTooLong => 36,                                // ENAMETOOLONG
            Self::Invalid => 22,                                    // EINVAL
            Self::NotPermitted => 1,                                // EPERM
            Self::TooBig => 27,                                     // EFBIG
            Self::ReadOnly => 30,                                   // EROFS
            Self::Busy => 16,                                       // EBUSY
        }
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pool(e) => write!(f, "{e}"),
            Self::Corrupt(e) => write!(f, "corrupt object data: {e}"),
            other => write!(f, "{other:?} (errno {})", other.errno()),
        }
    }
}

impl core::error::Error for FsError {}

impl From<pool::Error> for FsError {
    fn from(e: pool::Error) -> Self {
        match e {
            pool::Error::NoSpace => Self::NoSpace,
            other => Self::Pool(other),
        }
    }
}

/// The object-set block of a dataset (FORMAT.md, "Object set").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ObjSet {
    next_ino: u64,
    objects: u64,
    levels: u8,
    root: BlockPtr,
}

impl ObjSet {
    fn encode(&self) -> Vec<u8> {
        let mut b = vec![0; 104];
        b[0..8].copy_from_slice(&OBJSET_MAGIC);
        put_u32(&mut b, 8, VERSION);
        put_u64(&mut b, 16, self.next_ino);
        put_u64(&mut b, 24, self.objects);
        b[32] = self.levels;
        b[40..40 + BLOCKPTR_LEN].copy_from_slice(&self.root.encode());
        b
    }

    fn decode(b: &[u8]) -> Result<Self, FsError> {
        if b.len() < 104 || b[0..8] != OBJSET_MAGIC {
            return Err(FsError::NoObjectSet);
        }
        let bad = |what| FsError::Corrupt(FormatError::BadField(what));
        let version = get_u32(b, 8);
        if version != VERSION {
            return Err(FsError::Corrupt(FormatError::UnsupportedVersion(version)));
        }
        if b[12..16] != [0; 4] || b[33..40] != [0; 7] || b[104..].iter().any(|&x| x != 0) {
            return Err(bad("reserved bytes"));
        }
        let levels = b[32];
        if levels > META_LEVELS {
            return Err(bad("tree levels"));
        }
        let mut bp = [0; BLOCKPTR_LEN];
        bp.copy_from_slice(&b[40..40 + BLOCKPTR_LEN]);
        let next_ino = get_u64(b, 16);
        if next_ino <= ROOT_INO {
            return Err(bad("next object number"));
        }
        Ok(Self {
            next_ino,
            objects: get_u64(b, 24),
            levels,
            root: BlockPtr::decode(&bp).map_err(FsError::Corrupt)?,
        })
    }
}

/// A mounted filesystem: the pool, the committed object set, and the
/// changes of the open transaction.
pub struct Fs<D: BlockDevice> {
    store: Store<D>,
    /// The committed dataset table, and the id of the mounted dataset in it.
    datasets: Vec<dataset::Dataset>,
    next_dataset: u64,
    active: u64,
    /// A snapshot is mounted: nothing may change.
    read_only: bool,
    /// The committed object set of the mounted dataset.
    objset: BlockPtr,
    /// The committed record array.
    meta_levels: u8,
    meta_root: BlockPtr,
    next_ino: u64,
    objects: u64,
    /// Records read or changed since mount (changed ones are in `dirty`).
    inodes: BTreeMap<u64, Inode>,
    dirty: BTreeSet<u64>,
    /// Objects removed in the open transaction: their records become free.
    freed: BTreeSet<u64>,
    /// Dirty data blocks, by object and block index.
    blocks: BTreeMap<(u64, u64), Vec<u8>>,
    /// Per object: committed blocks at this index or beyond are gone
    /// (truncated) and become holes at commit.
    keep: BTreeMap<u64, u64>,
    /// Committed trees of objects removed in the open transaction, freed at
    /// commit.
    dead_trees: Vec<(u8, BlockPtr)>,
    now_ns: i64,
}

impl<D: BlockDevice> fmt::Debug for Fs<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fs")
            .field("txg", &self.store.pool.txg())
            .field("next_ino", &self.next_ino)
            .field("objects", &self.objects)
            .field("dirty_records", &self.dirty.len())
            .field("dirty_blocks", &self.blocks.len())
            .finish_non_exhaustive()
    }
}

impl<D: BlockDevice> Fs<D> {
    /// Makes an empty filesystem on `pool`: the dataset directory with one
    /// filesystem, [`MAIN`], whose root directory is object 1 (mode
    /// `0o755`, owned by 0:0, times `now_ns`), committed.
    pub fn format(pool: Pool<D>, now_ns: i64) -> Result<Self, FsError> {
        let txg = pool.open_txg();
        let set = ObjSet {
            next_ino: ROOT_INO + 1,
            objects: 0,
            levels: 0,
            root: BlockPtr::HOLE,
        };
        let mut fs = Self::empty(Store::new(pool), set, BlockPtr::HOLE);
        fs.datasets.push(dataset::Dataset {
            id: 1,
            kind: DatasetKind::Filesystem,
            origin: 0,
            txg,
            creation_ns: now_ns,
            objset: BlockPtr::HOLE,
            name: alloc::string::String::from(MAIN),
        });
        fs.next_dataset = 2;
        fs.active = 1;
        fs.now_ns = now_ns;
        let mut root = Inode::new(inode::S_IFDIR | 0o755, 0, 0, now_ns);
        root.parent = ROOT_INO;
        root.size = BLOCK_SIZE as u64;
        fs.inodes.insert(ROOT_INO, root);
        fs.dirty.insert(ROOT_INO);
        fs.objects = 1;
        fs.commit()?;
        Ok(fs)
    }

    /// Opens the filesystem [`MAIN`] of `pool`'s committed root.
    pub fn mount(pool: Pool<D>) -> Result<Self, FsError> {
        Self::mount_dataset(pool, MAIN)
    }

    /// Opens the dataset `name` of `pool`'s committed root: a filesystem
    /// (`main`, a clone) to read and write, or a snapshot (`main@monday`)
    /// read-only, where every change fails with [`FsError::ReadOnly`].
    pub fn mount_dataset(pool: Pool<D>, name: &str) -> Result<Self, FsError> {
        let root = pool.root();
        if root.is_hole() {
            return Err(FsError::NoObjectSet);
        }
        let mut store = Store::new(pool);
        let block = store.read(&root)?;
        let dir = dataset::Directory::decode(&block)?;
        let datasets = dataset::read_table(&mut store, &dir, &block)?;
        let ds = datasets
            .iter()
            .find(|d| d.name == name)
            .ok_or(FsError::NotFound)?
            .clone();
        let set = ObjSet::decode(&store.read(&ds.objset)?)?;
        let mut fs = Self::empty(store, set, ds.objset);
        fs.datasets = datasets;
        fs.next_dataset = dir.next_id;
        fs.active = ds.id;
        fs.read_only = ds.kind == DatasetKind::Snapshot;
        // Space: whatever no root in the ring reaches is free.
        fs.reclaim();
        Ok(fs)
    }

    fn empty(store: Store<D>, set: ObjSet, objset: BlockPtr) -> Self {
        Self {
            store,
            datasets: Vec::new(),
            next_dataset: 1,
            active: 0,
            read_only: false,
            objset,
            meta_levels: set.levels,
            meta_root: set.root,
            next_ino: set.next_ino,
            objects: set.objects,
            inodes: BTreeMap::new(),
            dirty: BTreeSet::new(),
            freed: BTreeSet::new(),
            blocks: BTreeMap::new(),
            keep: BTreeMap::new(),
            dead_trees: Vec::new(),
            now_ns: 0,
        }
    }

    /// Frees every block below the frontier that no root in the ring
    /// reaches (through any dataset), holding those only older roots reach
    /// until the ring moves past them. If any block of the walk cannot be
    /// read, nothing is reclaimed (a block whose reachability is unknown is
    /// never reused). Only between transactions: nothing may be allocated
    /// in the open group.
    fn reclaim(&mut self) {
        let mut in_use = BTreeSet::new();
        let mut held = Vec::new();
        if self.mark_in_use(&mut in_use, &mut held).is_ok() {
            self.store.pool.reclaim_unreachable(&in_use, held);
        }
    }

    /// Fails with [`FsError::ReadOnly`] when a snapshot is mounted.
    fn writable(&self) -> Result<(), FsError> {
        if self.read_only {
            return Err(FsError::ReadOnly);
        }
        Ok(())
    }

    /// Sets the clock that stamps times from now on (deterministic images
    /// keep it at 0).
    pub fn set_time(&mut self, now_ns: i64) {
        self.now_ns = now_ns;
    }

    /// The pool underneath.
    pub fn pool(&self) -> &Pool<D> {
        &self.store.pool
    }

    /// Gives the pool back; what is not committed is lost.
    pub fn into_pool(self) -> Pool<D> {
        self.store.pool
    }

    /// Forgets cached blocks, so the next reads go to the device.
    pub fn drop_caches(&mut self) {
        self.store.clear_cache();
        self.inodes.retain(|ino, _| self.dirty.contains(ino));
    }

    /// Data blocks the open transaction holds in memory, to be written at
    /// commit: a caller writing much commits along the way to bound them.
    pub fn open_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Whether the open transaction changes anything.
    pub fn is_dirty(&self) -> bool {
        !(self.dirty.is_empty() && self.freed.is_empty() && self.blocks.is_empty())
    }

    /// Commits every change since the last commit as one transaction group
    /// and returns its number. On an error nothing committed changes, the
    /// blocks the attempt wrote are given back, and the changes stay open.
    /// A snapshot mounted read-only has nothing to commit: its group is the
    /// pool's committed one.
    pub fn commit(&mut self) -> Result<u64, FsError> {
        if self.read_only {
            return Ok(self.store.pool.txg());
        }
        let (table, next) = (self.datasets.clone(), self.next_dataset);
        self.commit_table(table, next)
    }

    /// Commits the open transaction with `table` as the new dataset table
    /// (the mounted dataset's object-set pointer is filled in).
    fn commit_table(
        &mut self,
        table: Vec<dataset::Dataset>,
        next_dataset: u64,
    ) -> Result<u64, FsError> {
        let result = self.try_commit(table, next_dataset);
        if result.is_err() {
            self.store.pool.discard_open();
        }
        result
    }

    /// The record of object `ino`, read on first use.
    fn inode(&mut self, ino: u64) -> Result<&Inode, FsError> {
        self.load(ino)?;
        self.inodes.get(&ino).ok_or(FsError::NotFound)
    }

    /// The record of object `ino`, marked changed.
    fn inode_mut(&mut self, ino: u64) -> Result<&mut Inode, FsError> {
        self.load(ino)?;
        self.dirty.insert(ino);
        self.inodes.get_mut(&ino).ok_or(FsError::NotFound)
    }

    fn load(&mut self, ino: u64) -> Result<(), FsError> {
        if self.inodes.contains_key(&ino) {
            return Ok(());
        }
        if ino == 0 || ino >= self.next_ino || self.freed.contains(&ino) {
            return Err(FsError::NotFound);
        }
        let index = ino / RECORDS_PER_BLOCK;
        let Some(block) =
            tree::read_leaf(&mut self.store, self.meta_levels, self.meta_root, index)?
        else {
            return Err(FsError::NotFound);
        };
        let off = (ino % RECORDS_PER_BLOCK) as usize * inode::RECORD_LEN;
        let inode = Inode::decode(&block[off..off + inode::RECORD_LEN])
            .map_err(FsError::Corrupt)?
            .ok_or(FsError::NotFound)?;
        self.inodes.insert(ino, inode);
        Ok(())
    }

    /// Data block `index` of object `ino` as the open transaction sees it.
    fn leaf(&mut self, ino: u64, index: u64) -> Result<Vec<u8>, FsError> {
        if let Some(block) = self.blocks.get(&(ino, index)) {
            return Ok(block.clone());
        }
        if self.keep.get(&ino).is_some_and(|&keep| index >= keep) {
            return Ok(vec![0; BLOCK_SIZE]);
        }
        let inode = self.inode(ino)?;
        let (levels, root) = (inode.levels, inode.root);
        Ok(tree::read_leaf(&mut self.store, levels, root, index)?
            .unwrap_or_else(|| vec![0; BLOCK_SIZE]))
    }

    /// Fails with [`FsError::NoSpace`] unless `new` more dirty blocks, with
    /// the indirect and record blocks a commit adds, fit in the pool and
    /// leave the slop free. Only changes that add data call it: removing
    /// (unlink, rmdir, a shrinking truncate) may use the slop, so a full
    /// filesystem can always delete and commit (as ZFS's slop space).
    fn reserve(&self, new: u64) -> Result<(), FsError> {
        let data = self.blocks.len() as u64 + new;
        let records = (self.dirty.len() + self.freed.len()) as u64;
        let label = self.store.pool.label();
        let slop = 16 + (label.data_end() - crate::format::DATA_START) / 32;
        let need =
            data + data / 16 + records / RECORDS_PER_BLOCK + 2 * u64::from(META_LEVELS) + 6 + slop;
        if need > self.store.pool.available_blocks() {
            return Err(FsError::NoSpace);
        }
        Ok(())
    }

    /// Drops every trace of object `ino` from the open transaction; its
    /// record is freed at commit.
    fn free(&mut self, ino: u64) {
        if let Some(inode) = self.inodes.remove(&ino)
            && !inode.root.is_hole()
        {
            self.dead_trees.push((inode.levels, inode.root));
        }
        self.dirty.remove(&ino);
        self.keep.remove(&ino);
        let doomed: Vec<(u64, u64)> = self
            .blocks
            .range((ino, 0)..=(ino, u64::MAX))
            .map(|(&k, _)| k)
            .collect();
        for k in doomed {
            self.blocks.remove(&k);
        }
        self.freed.insert(ino);
        self.objects = self.objects.saturating_sub(1);
    }
}
