//! Snapshots, clones and rollback (FORMAT.md, "Datasets and snapshots").
//!
//! Every operation here is one commit of the dataset table: a snapshot
//! records the mounted filesystem's committed object-set pointer, a clone
//! records a snapshot's pointer under a new writable name, a rollback makes
//! a snapshot's pointer the filesystem's again. No object data is copied or
//! written. Destroying a dataset or rolling back is followed by a walk of
//! every root in the ring, which frees what nothing reaches any more (after
//! the ring has moved past the roots that still do).
//!
//! A snapshot is named `fs@snap`; a name without `@` means a snapshot of the
//! mounted filesystem. As `zfs rollback -r`, a rollback destroys the
//! filesystem's snapshots newer than its target, and refuses with
//! [`FsError::Busy`] if one of them has a clone.

use alloc::string::String;
use alloc::vec::Vec;

use super::dataset::{self, Dataset, DatasetInfo, DatasetKind};
use super::{Fs, FsError, ObjSet};
use crate::blockptr::BlockPtr;
use crate::device::BlockDevice;

impl<D: BlockDevice> Fs<D> {
    /// The mounted dataset's name.
    pub fn dataset(&self) -> &str {
        self.active_entry().map_or("", |d| d.name.as_str())
    }

    /// Whether the mounted dataset is a snapshot (every change fails with
    /// [`FsError::ReadOnly`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Every dataset of the pool as last committed: filesystems, clones and
    /// snapshots, in the order they were made.
    pub fn datasets(&self) -> Vec<DatasetInfo> {
        self.datasets.iter().map(|d| self.info(d)).collect()
    }

    /// The snapshots of the mounted filesystem (of the filesystem it
    /// belongs to, for a snapshot), oldest first.
    pub fn snapshots(&self) -> Vec<DatasetInfo> {
        let owner = match self.active_entry() {
            Some(d) if d.kind == DatasetKind::Snapshot => d.origin,
            _ => self.active,
        };
        let mut snaps: Vec<&Dataset> = self
            .datasets
            .iter()
            .filter(|d| d.kind == DatasetKind::Snapshot && d.origin == owner)
            .collect();
        snaps.sort_by_key(|d| d.txg);
        snaps.into_iter().map(|d| self.info(d)).collect()
    }

    /// Takes a snapshot `name` (`snap` or `fs@snap` of the mounted
    /// filesystem) of the filesystem as committed. Open changes are
    /// committed first, so the snapshot holds everything done so far.
    /// Returns the transaction group the snapshot freezes.
    pub fn snapshot(&mut self, name: &str) -> Result<u64, FsError> {
        self.writable()?;
        let full = self.snapshot_name(name)?;
        if dataset::split_snapshot(&full).map(|(fs, _)| fs) != Some(self.dataset()) {
            return Err(FsError::Invalid);
        }
        if self.find_dataset(&full).is_some() {
            return Err(FsError::Exists);
        }
        if self.has_changes() {
            self.commit()?;
        }
        let txg = self.store.pool.txg();
        let mut table = self.datasets.clone();
        table.push(Dataset {
            id: self.next_dataset,
            kind: DatasetKind::Snapshot,
            origin: self.active,
            txg,
            creation_ns: self.now_ns,
            objset: self.objset,
            name: full,
        });
        self.commit_table(table, self.next_dataset + 1)?;
        Ok(txg)
    }

    /// Destroys snapshot `name` (`snap` of the mounted filesystem, or
    /// `fs@snap`); refuses with [`FsError::Busy`] while a clone comes from
    /// it. Open changes are committed with it. The blocks only it held come
    /// back once the ring has moved past the groups that still name it.
    pub fn destroy_snapshot(&mut self, name: &str) -> Result<(), FsError> {
        self.writable()?;
        let full = self.snapshot_name(name)?;
        let snap = self.find_dataset(&full).ok_or(FsError::NotFound)?.id;
        if self.datasets.iter().any(|d| is_clone_of(d, snap)) {
            return Err(FsError::Busy);
        }
        let table = self
            .datasets
            .iter()
            .filter(|d| d.id != snap)
            .cloned()
            .collect();
        self.commit_table(table, self.next_dataset)?;
        self.reclaim();
        Ok(())
    }

    /// Makes the mounted filesystem what snapshot `name` (`snap` or
    /// `fs@snap` of this filesystem) holds, at once: only the dataset
    /// directory is written. Open changes are discarded (also when the
    /// commit that records the rollback fails), and the filesystem's newer
    /// snapshots are destroyed (`zfs rollback -r`); if one of them has a
    /// clone nothing happens and the error is [`FsError::Busy`].
    pub fn rollback(&mut self, name: &str) -> Result<(), FsError> {
        self.writable()?;
        let full = self.snapshot_name(name)?;
        let snap = self
            .find_dataset(&full)
            .filter(|d| d.origin == self.active)
            .ok_or(FsError::NotFound)?
            .clone();
        let newer: Vec<u64> = self
            .datasets
            .iter()
            .filter(|d| d.kind == DatasetKind::Snapshot && d.origin == self.active)
            .filter(|d| d.txg > snap.txg)
            .map(|d| d.id)
            .collect();
        if self
            .datasets
            .iter()
            .any(|d| newer.iter().any(|&s| is_clone_of(d, s)))
        {
            return Err(FsError::Busy);
        }
        let set = ObjSet::decode(&self.store.read(&snap.objset)?)?;
        let committed = (
            self.objset,
            ObjSet::decode(&self.store.read(&self.objset)?)?,
        );
        self.discard_changes();
        self.set_objset(snap.objset, set);
        let table = self
            .datasets
            .iter()
            .filter(|d| !newer.contains(&d.id))
            .cloned()
            .collect();
        if let Err(e) = self.commit_table(table, self.next_dataset) {
            self.set_objset(committed.0, committed.1);
            return Err(e);
        }
        self.reclaim();
        Ok(())
    }

    /// Makes a new writable filesystem `name` from snapshot `snapshot`
    /// (`snap` of the mounted filesystem, or `fs@snap`); it shares the
    /// snapshot's blocks until either changes them. Open changes are
    /// committed with it. Mount it with [`Fs::mount_dataset`].
    pub fn clone_snapshot(&mut self, snapshot: &str, name: &str) -> Result<(), FsError> {
        self.writable()?;
        dataset::check_component(name)?;
        let full = self.snapshot_name(snapshot)?;
        let snap = self.find_dataset(&full).ok_or(FsError::NotFound)?.clone();
        if self.find_dataset(name).is_some() {
            return Err(FsError::Exists);
        }
        let mut table = self.datasets.clone();
        table.push(Dataset {
            id: self.next_dataset,
            kind: DatasetKind::Filesystem,
            origin: snap.id,
            txg: self.store.pool.open_txg(),
            creation_ns: self.now_ns,
            objset: snap.objset,
            name: String::from(name),
        });
        self.commit_table(table, self.next_dataset + 1)?;
        Ok(())
    }

    /// Destroys filesystem `name` (a clone, say); refuses with
    /// [`FsError::Busy`] if it is the mounted one or has snapshots. Open
    /// changes are committed with it.
    pub fn destroy_filesystem(&mut self, name: &str) -> Result<(), FsError> {
        self.writable()?;
        dataset::check_component(name)?;
        let fs = self.find_dataset(name).ok_or(FsError::NotFound)?.id;
        let has_snapshots = self
            .datasets
            .iter()
            .any(|d| d.kind == DatasetKind::Snapshot && d.origin == fs);
        if fs == self.active || has_snapshots {
            return Err(FsError::Busy);
        }
        let table = self
            .datasets
            .iter()
            .filter(|d| d.id != fs)
            .cloned()
            .collect();
        self.commit_table(table, self.next_dataset)?;
        self.reclaim();
        Ok(())
    }

    fn active_entry(&self) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.id == self.active)
    }

    fn find_dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.name == name)
    }

    /// `name` as a full snapshot name: `fs@snap` as it is, `snap` under the
    /// mounted filesystem.
    fn snapshot_name(&self, name: &str) -> Result<String, FsError> {
        if name.contains('@') {
            dataset::split_snapshot(name).ok_or(FsError::Invalid)?;
            return Ok(String::from(name));
        }
        dataset::check_component(name)?;
        let mut full = String::from(self.dataset());
        full.push('@');
        full.push_str(name);
        Ok(full)
    }

    fn info(&self, d: &Dataset) -> DatasetInfo {
        let origin = match d.kind {
            DatasetKind::Filesystem => self
                .datasets
                .iter()
                .find(|s| s.id == d.origin)
                .map(|s| s.name.clone()),
            DatasetKind::Snapshot => None,
        };
        DatasetInfo {
            name: d.name.clone(),
            kind: d.kind,
            txg: d.txg,
            creation_ns: d.creation_ns,
            origin,
        }
    }

    /// Whether a commit would write a new object set.
    pub(super) fn has_changes(&self) -> bool {
        self.is_dirty() || !self.keep.is_empty() || !self.dead_trees.is_empty()
    }

    /// Makes `objset` (whose block decodes as `set`) the committed object
    /// set the handle works on; nothing may be open.
    fn set_objset(&mut self, objset: BlockPtr, set: ObjSet) {
        self.objset = objset;
        self.next_ino = set.next_ino;
        self.objects = set.objects;
        self.meta_levels = set.levels;
        self.meta_root = set.root;
        self.inodes.clear();
    }

    /// Forgets every open change.
    fn discard_changes(&mut self) {
        self.inodes.clear();
        self.dirty.clear();
        self.freed.clear();
        self.blocks.clear();
        self.keep.clear();
        self.dead_trees.clear();
    }
}

/// Whether `d` is a clone of snapshot `snap`.
fn is_clone_of(d: &Dataset, snap: u64) -> bool {
    d.kind == DatasetKind::Filesystem && d.origin == snap
}
