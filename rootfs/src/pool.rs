//! A pool: one device holding a label, the uberblock ring and copy-on-write
//! data blocks (FORMAT.md). It writes blocks that are never overwritten while
//! live, reads them back only if their checksum matches, and commits a
//! transaction group by flushing its blocks before the uberblock that makes
//! them reachable, so a crash at any point leaves the last committed group.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::allocator::Allocator;
use crate::blockptr::{BlockPtr, BlockType};
use crate::checksum::fletcher4;
use crate::device::{BlockDevice, DeviceError};
use crate::format::{BLOCK_SIZE, DATA_START, FormatError, RING_SLOTS, RING_START};
use crate::label::{LABEL_LEN, Label};
use crate::uberblock::{UBERBLOCK_LEN, Uberblock};

#[cfg(test)]
mod crash_tests;
#[cfg(test)]
mod tests;

/// Why a pool operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The device refused a request.
    Device(DeviceError),
    /// Block `block` does not match the checksum its pointer carries: the
    /// data is damaged and is not returned (the caller's `EIO`).
    Checksum { block: u64 },
    /// A block pointer names a block this pool cannot hold (outside the data
    /// area, born in a future transaction group, or too long).
    BadBlockPtr,
    /// Neither copy of the label is valid; the first copy's fault.
    NoLabel(FormatError),
    /// The device's block size is not [`BLOCK_SIZE`], or its block count is
    /// not the label's (or too small to format).
    Geometry,
    /// No uberblock slot holds a valid uberblock whose root verifies.
    NoValidUberblock,
    /// More than one block of data for one block.
    TooLarge { len: usize },
    /// The data area is full (the caller's `ENOSPC`).
    NoSpace,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Device(e) => write!(f, "{e}"),
            Self::Checksum { block } => write!(f, "checksum mismatch in block {block}"),
            Self::BadBlockPtr => write!(f, "block pointer outside the pool"),
            Self::NoLabel(e) => write!(f, "no valid label: {e}"),
            Self::Geometry => write!(f, "device geometry does not fit the pool"),
            Self::NoValidUberblock => write!(f, "no valid uberblock"),
            Self::TooLarge { len } => {
                write!(f, "{len} bytes do not fit in a {BLOCK_SIZE}-byte block")
            }
            Self::NoSpace => write!(f, "no free blocks"),
        }
    }
}

impl core::error::Error for Error {}

impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Self {
        Self::Device(e)
    }
}

/// A mounted (or freshly formatted) pool over a device.
pub struct Pool<D: BlockDevice> {
    dev: D,
    label: Label,
    /// The newest committed transaction group.
    committed: Uberblock,
    /// The ring slot that holds `committed`.
    slot: u64,
    /// The transaction group blocks written now belong to.
    open_txg: u64,
    alloc: Allocator,
    checksum_errors: u64,
}

impl<D: BlockDevice> fmt::Debug for Pool<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("label", &self.label)
            .field("committed", &self.committed)
            .field("slot", &self.slot)
            .field("open_txg", &self.open_txg)
            .field("alloc", &self.alloc)
            .field("checksum_errors", &self.checksum_errors)
            .finish_non_exhaustive()
    }
}

impl<D: BlockDevice> Pool<D> {
    /// Writes an empty pool over `dev`: both labels, a zeroed ring and
    /// transaction group 0 (a hole root) in slot 0, then flushes. The same
    /// device size and `pool_guid` give the same bytes.
    pub fn format(mut dev: D, pool_guid: u64) -> Result<Self, Error> {
        if dev.block_size() != BLOCK_SIZE {
            return Err(Error::Geometry);
        }
        let label = Label::new(dev.block_count(), pool_guid).ok_or(Error::Geometry)?;
        let empty = Uberblock {
            pool_guid,
            txg: 0,
            timestamp_ns: 0,
            next_free: DATA_START,
            root: BlockPtr::HOLE,
        };
        let mut block = vec![0; BLOCK_SIZE];
        for slot in 1..RING_SLOTS {
            dev.write_block(RING_START + slot, &block)?;
        }
        block[..UBERBLOCK_LEN].copy_from_slice(&empty.encode());
        dev.write_block(RING_START, &block)?;
        block.fill(0);
        block[..LABEL_LEN].copy_from_slice(&label.encode());
        dev.write_block(0, &block)?;
        dev.write_block(label.data_end(), &block)?;
        dev.flush()?;
        Ok(Self {
            dev,
            label,
            committed: empty,
            slot: 0,
            open_txg: 1,
            alloc: Allocator::new(DATA_START, label.data_end()),
            checksum_errors: 0,
        })
    }

    /// Opens the pool on `dev`: reads the label (the second copy if the
    /// first is bad), decodes every ring slot, and takes the highest
    /// transaction group whose uberblock is valid and whose root block
    /// verifies. Slots that fail are skipped: they are torn or damaged
    /// commits, and an older one is still whole.
    pub fn mount(mut dev: D) -> Result<Self, Error> {
        if dev.block_size() != BLOCK_SIZE {
            return Err(Error::Geometry);
        }
        let label = read_label(&mut dev)?;
        if label.block_count != dev.block_count() {
            return Err(Error::Geometry);
        }
        let mut candidates = Vec::new();
        let mut block = vec![0; BLOCK_SIZE];
        for slot in 0..RING_SLOTS {
            dev.read_block(RING_START + slot, &mut block)?;
            let mut bytes = [0; UBERBLOCK_LEN];
            bytes.copy_from_slice(&block[..UBERBLOCK_LEN]);
            let Ok(ub) = Uberblock::decode(&bytes) else {
                continue;
            };
            let frontier_ok = (DATA_START..=label.data_end()).contains(&ub.next_free);
            let root_ok = ub.root.is_hole() || ub.root.address < ub.next_free;
            if ub.pool_guid == label.pool_guid && frontier_ok && root_ok {
                candidates.push((slot, ub));
            }
        }
        // Every new group must outrank every slot that decodes, even one
        // whose root failed, so that slot can never win a later mount.
        let newest = candidates.iter().map(|(_, ub)| ub.txg).max();
        let open_txg = newest
            .and_then(|t| t.checked_add(1))
            .ok_or(Error::NoValidUberblock)?;
        candidates.sort_by_key(|(_, ub)| core::cmp::Reverse(ub.txg));
        let mut pool = Self {
            dev,
            label,
            committed: candidates[0].1,
            slot: candidates[0].0,
            open_txg,
            alloc: Allocator::new(DATA_START, label.data_end()),
            checksum_errors: 0,
        };
        for (slot, ub) in candidates {
            match pool.read_block(&ub.root) {
                Ok(_) => {
                    pool.committed = ub;
                    pool.slot = slot;
                    pool.alloc = Allocator::new(ub.next_free, label.data_end());
                    return Ok(pool);
                }
                Err(Error::Checksum { .. } | Error::BadBlockPtr) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::NoValidUberblock)
    }

    /// Writes `data` (at most one block) to a newly allocated block, never
    /// one a committed group can reach, and returns its pointer. It becomes
    /// durable and reachable only when a [`commit`](Self::commit) names a
    /// root that leads to it.
    pub fn write_block(&mut self, data: &[u8]) -> Result<BlockPtr, Error> {
        if data.len() > BLOCK_SIZE {
            return Err(Error::TooLarge { len: data.len() });
        }
        let address = self.alloc.allocate().ok_or(Error::NoSpace)?;
        let mut block = vec![0; BLOCK_SIZE];
        block[..data.len()].copy_from_slice(data);
        self.dev.write_block(address, &block)?;
        Ok(BlockPtr {
            address,
            logical_size: data.len() as u32,
            kind: BlockType::Data,
            birth_txg: self.open_txg,
            checksum: block_checksum(&block),
        })
    }

    /// Reads the block `bp` points at and returns its `logical_size` bytes,
    /// only if the whole block matches `bp`'s checksum; a mismatch is
    /// [`Error::Checksum`] and is counted in
    /// [`checksum_errors`](Self::checksum_errors). A hole reads as nothing.
    pub fn read_block(&mut self, bp: &BlockPtr) -> Result<Vec<u8>, Error> {
        if bp.is_hole() {
            return Ok(Vec::new());
        }
        let in_data_area = (DATA_START..self.label.data_end()).contains(&bp.address);
        if !in_data_area || bp.birth_txg > self.open_txg || bp.logical_size as usize > BLOCK_SIZE {
            return Err(Error::BadBlockPtr);
        }
        let mut block = vec![0; BLOCK_SIZE];
        self.dev.read_block(bp.address, &mut block)?;
        if block_checksum(&block) != bp.checksum {
            self.checksum_errors += 1;
            return Err(Error::Checksum { block: bp.address });
        }
        block.truncate(bp.logical_size as usize);
        Ok(block)
    }

    /// Commits the open transaction group with `root` as the pool's root:
    /// flushes every block written so far, writes the group's uberblock into
    /// the ring slot after the current one, and flushes again. Only then is
    /// the group durable; returns its number. On an error nothing committed
    /// changes and the commit may be retried.
    pub fn commit(&mut self, root: BlockPtr, timestamp_ns: u64) -> Result<u64, Error> {
        let reachable = root.is_hole() || root.address < self.alloc.next_free();
        if !reachable || root.birth_txg > self.open_txg {
            return Err(Error::BadBlockPtr);
        }
        // The blocks must be durable before anything points at them.
        self.dev.flush()?;
        let ub = Uberblock {
            pool_guid: self.label.pool_guid,
            txg: self.open_txg,
            timestamp_ns,
            next_free: self.alloc.next_free(),
            root,
        };
        // Never the current slot: if this write tears, the current uberblock
        // is still whole.
        let slot = (self.slot + 1) % RING_SLOTS;
        let mut block = vec![0; BLOCK_SIZE];
        block[..UBERBLOCK_LEN].copy_from_slice(&ub.encode());
        self.dev.write_block(RING_START + slot, &block)?;
        self.dev.flush()?;
        self.committed = ub;
        self.slot = slot;
        self.alloc.committed(ub.txg);
        self.open_txg += 1;
        Ok(ub.txg)
    }

    /// The allocator's frontier: the first block not yet handed out.
    pub fn frontier(&self) -> u64 {
        self.alloc.next_free()
    }

    /// Gives back every block the open group allocated and forgets its
    /// frees (a commit that failed part-way: nothing committed reaches them).
    pub fn discard_open(&mut self) {
        self.alloc.discard_open();
    }

    /// Notes that the open group no longer reaches the block `bp` points
    /// at: it is reused once the group and the ring's worth of later groups
    /// have committed (FORMAT.md, "Free space").
    pub fn free_block(&mut self, bp: &BlockPtr) {
        if !bp.is_hole() {
            self.alloc.free(bp.address);
        }
    }

    /// The transaction group and root of every valid uberblock in the ring
    /// up to the committed one, newest first (what must stay intact).
    pub fn ring_roots(&mut self) -> Result<Vec<(u64, BlockPtr)>, Error> {
        let mut roots = Vec::new();
        let mut block = vec![0; BLOCK_SIZE];
        for slot in 0..RING_SLOTS {
            self.dev.read_block(RING_START + slot, &mut block)?;
            let mut bytes = [0; UBERBLOCK_LEN];
            bytes.copy_from_slice(&block[..UBERBLOCK_LEN]);
            if let Ok(ub) = Uberblock::decode(&bytes)
                && ub.pool_guid == self.label.pool_guid
                && ub.txg <= self.committed.txg
            {
                roots.push((ub.txg, ub.root));
            }
        }
        roots.sort_by_key(|&(txg, _)| core::cmp::Reverse(txg));
        Ok(roots)
    }

    /// Frees every block below the frontier that is not in `in_use` (the
    /// layer above found them unreachable from every root in the ring), and
    /// each group's list in `held` (blocks no newer root reaches) once the
    /// ring has moved past that group.
    pub fn reclaim_unreachable(
        &mut self,
        in_use: &alloc::collections::BTreeSet<u64>,
        held: Vec<(u64, Vec<u64>)>,
    ) {
        self.alloc.reclaim_unreachable(DATA_START, in_use, held);
    }

    /// The newest committed uberblock.
    pub fn uberblock(&self) -> &Uberblock {
        &self.committed
    }

    /// The root of the newest committed group.
    pub fn root(&self) -> BlockPtr {
        self.committed.root
    }

    /// The transaction group blocks written now are born in.
    pub fn open_txg(&self) -> u64 {
        self.open_txg
    }

    /// The newest committed transaction group.
    pub fn txg(&self) -> u64 {
        self.committed.txg
    }

    /// The ring slot holding the newest committed uberblock.
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// The pool's label.
    pub fn label(&self) -> &Label {
        &self.label
    }

    /// Checksum mismatches seen since the pool was opened, counting roots
    /// that failed while mount chose an uberblock.
    pub fn checksum_errors(&self) -> u64 {
        self.checksum_errors
    }

    /// The allocator's free blocks and those waiting out the ring.
    #[cfg(test)]
    pub(crate) fn free_and_waiting(&self) -> (Vec<u64>, Vec<u64>) {
        self.alloc.free_and_waiting()
    }

    /// Data blocks free for the open group.
    pub fn free_blocks(&self) -> u64 {
        self.alloc.free_blocks()
    }

    /// The device, for inspection.
    pub fn device(&self) -> &D {
        &self.dev
    }

    /// Gives the device back (what is not committed is lost).
    pub fn into_device(self) -> D {
        self.dev
    }
}

/// Reads the label at block 0, or the copy at the last block if that one is
/// bad.
fn read_label<D: BlockDevice>(dev: &mut D) -> Result<Label, Error> {
    let count = dev.block_count();
    if count == 0 {
        return Err(Error::Geometry);
    }
    let mut first_fault = None;
    let mut block = vec![0; BLOCK_SIZE];
    for n in [0, count - 1] {
        dev.read_block(n, &mut block)?;
        let mut bytes = [0; LABEL_LEN];
        bytes.copy_from_slice(&block[..LABEL_LEN]);
        match Label::decode(&bytes) {
            Ok(label) => return Ok(label),
            Err(e) => {
                first_fault.get_or_insert(e);
            }
        }
    }
    Err(Error::NoLabel(first_fault.unwrap_or(FormatError::BadMagic)))
}

/// Fletcher-4 of a whole block, which is always a whole number of words.
fn block_checksum(block: &[u8]) -> [u64; 4] {
    fletcher4(block).unwrap_or([0; 4])
}
