//! Commit and mount-time marking for the object layer: writing the open
//! transaction's trees copy-on-write up to a new object set and a new
//! dataset directory (FORMAT.md, "Transactions"), freeing what the commit
//! stops reaching unless a snapshot still holds it (the birth-time rule),
//! and finding which blocks the ring's roots still reach through any
//! dataset (FORMAT.md, "Free space").

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

use super::dataset::{self, Dataset, DatasetKind, Directory};
use super::inode::Inode;
use super::{Fs, FsError, META_LEVELS, ObjSet, RECORDS_PER_BLOCK, inode, tree};
use crate::blockptr::BlockPtr;
use crate::device::BlockDevice;
use crate::format::BLOCK_SIZE;

/// A written object set: its block, its record array (levels and root),
/// and each changed object's new tree (levels and root) by number.
type NewObjSet = (BlockPtr, u8, BlockPtr, BTreeMap<u64, (u8, BlockPtr)>);

impl<D: BlockDevice> Fs<D> {
    /// Adds every block each root in the ring reaches to `in_use`. Blocks
    /// already in it are not walked again: a block reachable from two roots
    /// is the same block (no block in the ring's reach is ever rewritten).
    /// `held` gets, for each older root, the blocks no newer root reaches,
    /// as freed by the group after it.
    pub(super) fn mark_in_use(
        &mut self,
        in_use: &mut BTreeSet<u64>,
        held: &mut Vec<(u64, Vec<u64>)>,
    ) -> Result<(), FsError> {
        for (n, (txg, root)) in self.store.pool.ring_roots()?.into_iter().enumerate() {
            let before: BTreeSet<u64> = if n == 0 {
                BTreeSet::new()
            } else {
                in_use.clone()
            };
            self.mark_root(root, in_use)?;
            if n > 0 {
                let only: Vec<u64> = in_use.difference(&before).copied().collect();
                held.push((txg + 1, only));
            }
        }
        Ok(())
    }

    /// Adds every block `root` (a dataset directory) reaches to `in_use`:
    /// the directory, the dataset table and every dataset's object set.
    fn mark_root(&mut self, root: BlockPtr, in_use: &mut BTreeSet<u64>) -> Result<(), FsError> {
        if root.is_hole() || !in_use.insert(root.address) {
            return Ok(());
        }
        let block = self.store.read(&root)?;
        let dir = Directory::decode(&block)?;
        tree::walk(&mut self.store, dir.levels, dir.root, &mut |_, bp| {
            in_use.insert(bp.address)
        })?;
        for ds in dataset::read_table(&mut self.store, &dir, &block)? {
            self.mark_objset(ds.objset, in_use)?;
        }
        Ok(())
    }

    /// Adds every block an object set reaches to `in_use`.
    fn mark_objset(&mut self, root: BlockPtr, in_use: &mut BTreeSet<u64>) -> Result<(), FsError> {
        if root.is_hole() || !in_use.insert(root.address) {
            return Ok(());
        }
        let set = ObjSet::decode(&self.store.read(&root)?)?;
        let mut leaves = Vec::new();
        tree::walk(&mut self.store, set.levels, set.root, &mut |level, bp| {
            let new = in_use.insert(bp.address);
            if new && level == 0 {
                leaves.push(*bp);
            }
            new
        })?;
        for leaf in leaves {
            let block = self.store.read(&leaf)?;
            for record in block.chunks_exact(inode::RECORD_LEN) {
                let Some(i) = Inode::decode(record).map_err(FsError::Corrupt)? else {
                    continue;
                };
                tree::walk(&mut self.store, i.levels, i.root, &mut |_, bp| {
                    in_use.insert(bp.address)
                })?;
            }
        }
        Ok(())
    }

    /// The newest group whose blocks a snapshot may share with the mounted
    /// filesystem: its newest snapshot's, or its origin's if that is newer
    /// (0 when neither exists). A block born after it is the filesystem's
    /// alone (FORMAT.md, "Free space").
    pub(super) fn hold_txg(&self) -> u64 {
        let origin = self
            .datasets
            .iter()
            .find(|d| d.id == self.active)
            .map_or(0, |d| d.origin);
        self.datasets
            .iter()
            .filter(|d| d.kind == DatasetKind::Snapshot)
            .filter(|d| d.origin == self.active || d.id == origin)
            .map(|d| d.txg)
            .max()
            .unwrap_or(0)
    }

    /// Frees what the subtree under `bp` (`level` levels) holds that no
    /// snapshot shares: blocks born after `hold`. A block born at or before
    /// it is kept with everything below it (born no later, so shared too).
    fn release(&mut self, level: u8, bp: BlockPtr, hold: u64) {
        let mut unreached = Vec::new();
        let walked = tree::walk(&mut self.store, level, bp, &mut |_, bp| {
            if bp.birth_txg <= hold {
                return false;
            }
            unreached.push(*bp);
            true
        });
        if walked.is_ok() {
            for bp in &unreached {
                self.store.pool.free_block(bp);
            }
        } else if bp.birth_txg > hold {
            // A subtree that cannot be read is left allocated rather than
            // failing the commit.
            self.store.pool.free_block(&bp);
        }
    }

    /// Commits the open transaction with `table` as the dataset table.
    pub(super) fn try_commit(
        &mut self,
        mut table: Vec<Dataset>,
        next_dataset: u64,
    ) -> Result<u64, FsError> {
        // A commit that changes no object keeps the object set it has.
        let clean = !self.has_changes() && !self.objset.is_hole();
        let (objset, meta_levels, meta_root, roots) = if clean {
            (
                self.objset,
                self.meta_levels,
                self.meta_root,
                BTreeMap::new(),
            )
        } else {
            self.write_objset()?
        };
        // 4. The dataset directory, with the table's first entries, and the
        // overflow table if its entries changed. Only the ring's roots reach
        // them, so what they replace is freed outright.
        for d in table.iter_mut().filter(|d| d.id == self.active) {
            d.objset = objset;
        }
        let old_root = self.store.pool.root();
        let (mut levels, mut overflow) = (0, BlockPtr::HOLE);
        if !old_root.is_hole() {
            let old = Directory::decode(&self.store.read(&old_root)?)?;
            (levels, overflow) = (old.levels, old.root);
        }
        let inline = dataset::INLINE_ENTRIES;
        if old_root.is_hole() || table.get(inline..) != self.datasets.get(inline..) {
            let leaves = dataset::encode_overflow(&table);
            let leaves: Vec<(u64, &[u8])> = leaves
                .iter()
                .enumerate()
                .map(|(i, b)| (i as u64, b.as_slice()))
                .collect();
            let mut dead = Vec::new();
            (levels, overflow) = tree::rewrite(
                &mut self.store,
                levels,
                overflow,
                &leaves,
                leaves.len() as u64,
                inode::MAX_LEVELS,
                // Read by mount's walk, as the records are: not compressed.
                tree::Leaves::Records,
                &mut dead,
            )?;
            for (level, bp) in dead {
                self.release(level, bp, 0);
            }
        }
        self.store.pool.free_block(&old_root);
        let dir = Directory {
            next_id: next_dataset,
            count: table.len() as u64,
            levels,
            root: overflow,
        };
        let root = self.store.pool.write_block(&dir.encode(&table))?;
        let txg = self
            .store
            .pool
            .commit(root, u64::try_from(self.now_ns).unwrap_or(0))?;
        // Committed: the new trees are the committed ones.
        for (ino, (levels, root)) in roots {
            if let Some(inode) = self.inodes.get_mut(&ino) {
                inode.levels = levels;
                inode.root = root;
            }
        }
        self.objset = objset;
        self.datasets = table;
        self.next_dataset = next_dataset;
        self.meta_levels = meta_levels;
        self.meta_root = meta_root;
        self.dirty.clear();
        self.freed.clear();
        self.blocks.clear();
        self.keep.clear();
        self.dead_trees.clear();
        Ok(txg)
    }

    /// Writes the open transaction's trees, records and a new object set
    /// (steps 1 to 3 of a commit); returns the object set, the record array
    /// and each changed object's new tree. What the new object set no longer
    /// reaches is freed unless a snapshot holds it.
    fn write_objset(&mut self) -> Result<NewObjSet, FsError> {
        // 1. Each changed object's tree, copy-on-write to a new root.
        let changed: BTreeSet<u64> = self
            .blocks
            .keys()
            .map(|&(ino, _)| ino)
            .chain(self.keep.keys().copied())
            .collect();
        let mut roots = BTreeMap::new();
        let mut dead = self.dead_trees.clone();
        for ino in changed {
            let inode = self.inodes.get(&ino).ok_or(FsError::NotFound)?;
            let leaves: Vec<(u64, &[u8])> = self
                .blocks
                .range((ino, 0)..=(ino, u64::MAX))
                .map(|(&(_, index), data)| (index, data.as_slice()))
                .collect();
            let keep = self.keep.get(&ino).copied().unwrap_or(u64::MAX);
            let (levels, root) = tree::rewrite(
                &mut self.store,
                inode.levels,
                inode.root,
                &leaves,
                keep,
                inode::MAX_LEVELS,
                tree::Leaves::Data,
                &mut dead,
            )?;
            roots.insert(ino, (levels, root));
        }
        // 2. The changed records, into the record array.
        let touched: BTreeSet<u64> = self
            .dirty
            .iter()
            .chain(self.freed.iter())
            .chain(roots.keys())
            .copied()
            .collect();
        let mut meta: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        for ino in touched {
            let index = ino / RECORDS_PER_BLOCK;
            if let alloc::collections::btree_map::Entry::Vacant(slot) = meta.entry(index) {
                let block =
                    tree::read_leaf(&mut self.store, self.meta_levels, self.meta_root, index)?
                        .unwrap_or_else(|| vec![0; BLOCK_SIZE]);
                slot.insert(block);
            }
            let record = match self.inodes.get(&ino) {
                Some(inode) if !self.freed.contains(&ino) => {
                    let mut inode = inode.clone();
                    if let Some(&(levels, root)) = roots.get(&ino) {
                        inode.levels = levels;
                        inode.root = root;
                    }
                    inode.encode()
                }
                _ => [0; inode::RECORD_LEN],
            };
            let off = (ino % RECORDS_PER_BLOCK) as usize * inode::RECORD_LEN;
            if let Some(block) = meta.get_mut(&index) {
                block[off..off + inode::RECORD_LEN].copy_from_slice(&record);
            }
        }
        let leaves: Vec<(u64, &[u8])> = meta.iter().map(|(&i, b)| (i, b.as_slice())).collect();
        let (meta_levels, meta_root) = tree::rewrite(
            &mut self.store,
            self.meta_levels,
            self.meta_root,
            &leaves,
            u64::MAX,
            META_LEVELS,
            tree::Leaves::Records,
            &mut dead,
        )?;
        // What the new object set no longer reaches: the old object set,
        // replaced blocks, cut subtrees and removed objects' trees, each
        // unless a snapshot shares it.
        let hold = self.hold_txg();
        let old_objset = self.objset;
        self.release(0, old_objset, hold);
        for (level, bp) in dead {
            self.release(level, bp, hold);
        }
        // 3. The object set.
        let set = ObjSet {
            next_ino: self.next_ino,
            objects: self.objects,
            levels: meta_levels,
            root: meta_root,
        };
        let objset = self.store.pool.write_block(&set.encode())?;
        Ok((objset, meta_levels, meta_root, roots))
    }

    /// Checks, between transactions, that every block below the frontier
    /// is exactly one of: reached by the committed root (through any
    /// dataset), free, or waiting out the ring. A block a snapshot reaches
    /// that is free would be reused under it; one in none of them is lost.
    #[cfg(test)]
    pub(super) fn assert_space_accounted(&mut self) {
        let mut reached = BTreeSet::new();
        let root = self.store.pool.root();
        self.mark_root(root, &mut reached).unwrap();
        let (free, waiting) = self.store.pool.free_and_waiting();
        let mut seen = reached.clone();
        for b in free.iter().chain(&waiting) {
            assert!(seen.insert(*b), "block {b} is reached or free twice");
        }
        let all: BTreeSet<u64> = (crate::format::DATA_START..self.store.pool.frontier()).collect();
        assert_eq!(seen, all, "blocks lost");
    }
}
