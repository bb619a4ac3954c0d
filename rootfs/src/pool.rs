//! A pool: one device holding a label, the uberblock ring and copy-on-write
//! data blocks (FORMAT.md). It writes blocks that are never overwritten while
//! live, reads them back only if their checksum matches, and commits a
//! transaction group by flushing its blocks before the uberblock that makes
//! them reachable, so a crash at any point leaves the last committed group.
//! Written blocks wait in memory and go to the device together, contiguous
//! ones as one run ([`BlockDevice::write_runs`]), so a device with a queue
//! has many requests in flight.
//!
//! Data blocks may be stored LZ4-compressed ([`Pool::write_compressible`]).
//! With fixed 4 KiB physical blocks that alone saves no space, so a pool
//! that is building an image can *pack* ([`Pool::set_packing`]): the
//! compressed blocks of a transaction group are laid end to end in shared
//! physical blocks (FORMAT.md, "Compression").

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::allocator::Allocator;
use crate::blockptr::{BlockPtr, BlockType, Compression};
use crate::checksum::xxh3;
use crate::device::{BlockDevice, DeviceError};
use crate::format::{BLOCK_SIZE, DATA_START, FormatError, RING_SLOTS, RING_START};
use crate::label::{LABEL_LEN, Label};
use crate::uberblock::{UBERBLOCK_LEN, Uberblock};

#[cfg(test)]
mod compression_tests;
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
    /// Block `block` matches its checksum but does not decompress to
    /// exactly its logical size (the caller's `EIO`).
    Decompress { block: u64 },
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
            Self::Decompress { block } => {
                write!(f, "block {block} does not decompress to its logical size")
            }
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

/// How many written blocks the pool holds before it sends them to the
/// device (1 MiB): enough for long runs and many requests in flight, little
/// enough to keep in memory.
const QUEUE_BLOCKS: usize = 256;

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
    /// Whether compressed blocks share physical blocks.
    packing: bool,
    /// The physical block being filled with compressed blocks, not yet
    /// written: it is written when the next one does not fit, or at commit.
    pack: Option<Pack>,
    /// Blocks of the open group written and not yet sent, by address: sent
    /// together ([`BlockDevice::write_runs`], contiguous blocks as one run)
    /// when [`QUEUE_BLOCKS`] have gathered and at commit, before the flush
    /// that precedes the uberblock.
    queued: BTreeMap<u64, Vec<u8>>,
}

/// A physical block being packed: its address and the bytes so far.
struct Pack {
    address: u64,
    block: Vec<u8>,
    used: usize,
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
            .field("packing", &self.packing)
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
        let mut ring = vec![0; BLOCK_SIZE * RING_SLOTS as usize];
        ring[..UBERBLOCK_LEN].copy_from_slice(&empty.encode());
        dev.write_runs(&[(RING_START, &ring)])?;
        let mut block = vec![0; BLOCK_SIZE];
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
            packing: false,
            pack: None,
            queued: BTreeMap::new(),
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
            packing: false,
            pack: None,
            queued: BTreeMap::new(),
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
    /// root that leads to it. The block is stored as is.
    pub fn write_block(&mut self, data: &[u8]) -> Result<BlockPtr, Error> {
        if data.len() > BLOCK_SIZE {
            return Err(Error::TooLarge { len: data.len() });
        }
        let address = self.alloc.allocate().ok_or(Error::NoSpace)?;
        let mut block = vec![0; BLOCK_SIZE];
        block[..data.len()].copy_from_slice(data);
        let checksum = xxh3(&block);
        self.queue_write(address, block)?;
        Ok(BlockPtr::plain(
            address,
            data.len() as u32,
            self.open_txg,
            checksum,
        ))
    }

    /// As [`write_block`](Self::write_block), but stores `data`
    /// LZ4-compressed when that saves at least an eighth of it, and, when
    /// [packing](Self::set_packing), puts the compressed bytes right after
    /// those of the group's previous compressed block, in a shared physical
    /// block (running on into the next physical block when that is the next
    /// one allocated).
    /// The layer above uses it for blocks it never reads to find other
    /// blocks (file data, directory buckets): packed blocks share an
    /// address, and a walk that marks blocks by address sees them once.
    pub fn write_compressible(&mut self, data: &[u8]) -> Result<BlockPtr, Error> {
        let Some(compressed) = compress(data) else {
            return self.write_block(data);
        };
        let len = compressed.len();
        let mut bp = BlockPtr {
            address: 0,
            logical_size: data.len() as u32,
            kind: BlockType::Data,
            compression: Compression::Lz4,
            packed: self.packing,
            birth_txg: self.open_txg,
            checksum: xxh3(&compressed),
            physical_offset: 0,
            physical_size: len as u16,
        };
        if !self.packing {
            let address = self.alloc.allocate().ok_or(Error::NoSpace)?;
            let mut block = vec![0; BLOCK_SIZE];
            block[..len].copy_from_slice(&compressed);
            self.queue_write(address, block)?;
            bp.address = address;
            return Ok(bp);
        }
        if let Some(pack) = self.pack.as_mut() {
            let room = BLOCK_SIZE - pack.used;
            if len <= room {
                pack.block[pack.used..pack.used + len].copy_from_slice(&compressed);
                bp.address = pack.address;
                bp.physical_offset = pack.used as u16;
                pack.used += len;
                return Ok(bp);
            }
            // Run on into the next physical block if it is the next one
            // allocated (it is while the frontier hands out blocks).
            let next = self.alloc.allocate().ok_or(Error::NoSpace)?;
            if room > 0 && next == pack.address + 1 {
                pack.block[pack.used..].copy_from_slice(&compressed[..room]);
                let full = core::mem::replace(&mut pack.block, vec![0; BLOCK_SIZE]);
                bp.address = pack.address;
                bp.physical_offset = pack.used as u16;
                pack.address = next;
                pack.used = len - room;
                pack.block[..len - room].copy_from_slice(&compressed[room..]);
                self.queue_write(bp.address, full)?;
                return Ok(bp);
            }
            self.write_pack()?;
            self.pack = Some(Pack {
                address: next,
                block: vec![0; BLOCK_SIZE],
                used: 0,
            });
        } else {
            let address = self.alloc.allocate().ok_or(Error::NoSpace)?;
            self.pack = Some(Pack {
                address,
                block: vec![0; BLOCK_SIZE],
                used: 0,
            });
        }
        let Some(pack) = self.pack.as_mut() else {
            return Err(Error::NoSpace);
        };
        pack.block[..len].copy_from_slice(&compressed);
        pack.used = len;
        bp.address = pack.address;
        Ok(bp)
    }

    /// Whether compressed blocks written from now on share physical blocks
    /// (off after `format` and `mount`). Packing is for building an image:
    /// a packed block is never freed while mounted (only mount's walk finds
    /// that none of its blocks is reached), so a pool that rewrites data
    /// with packing on holds the old blocks until it is mounted again.
    pub fn set_packing(&mut self, on: bool) {
        self.packing = on;
    }

    /// Writes the physical block being packed, if any.
    fn write_pack(&mut self) -> Result<(), Error> {
        if let Some(pack) = self.pack.take() {
            self.queue_write(pack.address, pack.block)?;
        }
        Ok(())
    }

    /// Queues `block` for block `address`, sending the queue once it holds
    /// [`QUEUE_BLOCKS`].
    fn queue_write(&mut self, address: u64, block: Vec<u8>) -> Result<(), Error> {
        self.queued.insert(address, block);
        if self.queued.len() >= QUEUE_BLOCKS {
            self.send_queued()?;
        }
        Ok(())
    }

    /// Sends every queued block, contiguous ones as one run. On an error
    /// they stay queued, for a retried commit to send again.
    fn send_queued(&mut self) -> Result<(), Error> {
        let mut runs: Vec<(u64, Vec<u8>)> = Vec::new();
        for (&address, block) in &self.queued {
            match runs.last_mut() {
                Some((first, data)) if *first + (data.len() / BLOCK_SIZE) as u64 == address => {
                    data.extend_from_slice(block);
                }
                _ => runs.push((address, block.clone())),
            }
        }
        let runs: Vec<(u64, &[u8])> = runs.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        if !runs.is_empty() {
            self.dev.write_runs(&runs)?;
        }
        self.queued.clear();
        Ok(())
    }

    /// Reads the block `bp` points at and returns its `logical_size` bytes,
    /// only if the bytes it occupies on disk match `bp`'s checksum (and, if
    /// compressed, decompress to exactly `logical_size` bytes); a mismatch
    /// is [`Error::Checksum`] (or [`Error::Decompress`]) and is counted in
    /// [`checksum_errors`](Self::checksum_errors). A hole reads as nothing.
    pub fn read_block(&mut self, bp: &BlockPtr) -> Result<Vec<u8>, Error> {
        self.read_blocks(core::slice::from_ref(bp))
            .pop()
            .expect("one result per pointer")
    }

    /// [`read_block`](Self::read_block) for each of `bps`, their physical
    /// blocks read together: contiguous ones as one run, all the runs in
    /// one [`BlockDevice::read_runs`], so a device with a queue has them
    /// in flight at once. Each result is checked on its own: a damaged
    /// block fails alone. A device error fails every pointer that needed
    /// the device.
    pub fn read_blocks(&mut self, bps: &[BlockPtr]) -> Vec<Result<Vec<u8>, Error>> {
        // The physical blocks the device must give, checked pointers only.
        let mut wanted: BTreeSet<u64> = BTreeSet::new();
        let checked: Vec<Result<(), Error>> = bps
            .iter()
            .map(|bp| {
                if bp.is_hole() {
                    return Ok(());
                }
                self.check_ptr(bp)?;
                for n in bp.address..bp.address + bp.physical_blocks() {
                    let pending = self.pack.as_ref().is_some_and(|p| p.address == n)
                        || self.queued.contains_key(&n);
                    if !pending {
                        wanted.insert(n);
                    }
                }
                Ok(())
            })
            .collect();
        // Contiguous block numbers become one run, read in place.
        let mut runs: Vec<(u64, Vec<u8>)> = Vec::new();
        for &n in &wanted {
            match runs.last_mut() {
                Some((first, data)) if *first + (data.len() / BLOCK_SIZE) as u64 == n => {
                    data.resize(data.len() + BLOCK_SIZE, 0);
                }
                _ => runs.push((n, vec![0; BLOCK_SIZE])),
            }
        }
        let mut device_error = None;
        if !runs.is_empty() {
            let mut bufs: Vec<(u64, &mut [u8])> = runs
                .iter_mut()
                .map(|(n, data)| (*n, data.as_mut_slice()))
                .collect();
            if let Err(e) = self.dev.read_runs(&mut bufs) {
                device_error = Some(e);
                runs.clear();
            }
        }
        // Block `n` as read: in the run that starts at or before it.
        let from_device = |n: u64| -> Option<&[u8]> {
            let (first, data) = &runs[runs.partition_point(|(f, _)| *f <= n).checked_sub(1)?];
            let at = usize::try_from(n - first).ok()? * BLOCK_SIZE;
            data.get(at..at + BLOCK_SIZE)
        };
        bps.iter()
            .zip(checked)
            .map(|(bp, checked)| {
                checked?;
                if bp.is_hole() {
                    return Ok(Vec::new());
                }
                let mut block = vec![0; BLOCK_SIZE * bp.physical_blocks() as usize];
                for (i, part) in block.chunks_exact_mut(BLOCK_SIZE).enumerate() {
                    let n = bp.address + i as u64;
                    match (&self.pack, self.queued.get(&n), from_device(n)) {
                        (Some(pack), _, _) if pack.address == n => {
                            part.copy_from_slice(&pack.block)
                        }
                        (_, Some(queued), _) => part.copy_from_slice(queued),
                        (_, _, Some(from_device)) => part.copy_from_slice(from_device),
                        _ => return Err(device_error.unwrap_or(DeviceError::Io).into()),
                    }
                }
                self.decode(bp, block)
            })
            .collect()
    }

    /// Refuses a pointer no valid block can have: outside the data area,
    /// born after the open group, or longer than a block.
    fn check_ptr(&self, bp: &BlockPtr) -> Result<(), Error> {
        bp.physical_range().ok_or(Error::BadBlockPtr)?;
        let blocks = bp.physical_blocks();
        let last = bp.address.checked_add(blocks - 1);
        let in_data_area =
            bp.address >= DATA_START && last.is_some_and(|l| l < self.label.data_end());
        let logical = bp.logical_size as usize;
        if !in_data_area || bp.birth_txg > self.open_txg || logical > BLOCK_SIZE {
            return Err(Error::BadBlockPtr);
        }
        Ok(())
    }

    /// The data of `bp` from the physical blocks it occupies, `block`:
    /// checked against its checksum and decompressed.
    fn decode(&mut self, bp: &BlockPtr, mut block: Vec<u8>) -> Result<Vec<u8>, Error> {
        let logical = bp.logical_size as usize;
        let range = bp.physical_range().ok_or(Error::BadBlockPtr)?;
        let stored = &block[range];
        if xxh3(stored) != bp.checksum {
            self.checksum_errors += 1;
            return Err(Error::Checksum { block: bp.address });
        }
        match bp.compression {
            Compression::Off => {
                block.truncate(logical);
                Ok(block)
            }
            Compression::Lz4 => {
                let mut data = vec![0; logical];
                match lz4_flex::block::decompress_into(stored, &mut data) {
                    Ok(n) if n == logical => Ok(data),
                    _ => {
                        self.checksum_errors += 1;
                        Err(Error::Decompress { block: bp.address })
                    }
                }
            }
        }
    }

    /// Commits the open transaction group with `root` as the pool's root:
    /// sends the blocks still queued, flushes every block written so far, writes the group's uberblock into
    /// the ring slot after the current one, and flushes again. Only then is
    /// the group durable; returns its number. On an error nothing committed
    /// changes; the group's blocks may not all have reached the device (a
    /// device that writes behind reports a failed write at the flush), so
    /// the caller discards the group ([`discard_open`](Self::discard_open))
    /// and writes it again, as `Fs` does.
    pub fn commit(&mut self, root: BlockPtr, timestamp_ns: u64) -> Result<u64, Error> {
        let reachable = root.is_hole() || root.address < self.alloc.next_free();
        if !reachable || root.birth_txg > self.open_txg {
            return Err(Error::BadBlockPtr);
        }
        // The blocks must be durable before anything points at them.
        self.write_pack()?;
        self.send_queued()?;
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
        self.pack = None;
        self.queued.clear();
        self.alloc.discard_open();
    }

    /// Notes that the open group no longer reaches the block `bp` points
    /// at: it is reused once the group and the ring's worth of later groups
    /// have committed (FORMAT.md, "Free space"). A packed block is not
    /// freed: other live blocks may share its physical block, and only
    /// mount's walk of every root finds when none does.
    pub fn free_block(&mut self, bp: &BlockPtr) {
        if !bp.is_hole() && !bp.packed {
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

    /// Checksum mismatches (and verified blocks that did not decompress)
    /// seen since the pool was opened, counting roots that failed while
    /// mount chose an uberblock.
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

    /// Data blocks the open group can still take: the free ones and, when
    /// those run out, blocks freed by committed groups that are still
    /// waiting out the ring (FORMAT.md, "Free space").
    pub fn available_blocks(&self) -> u64 {
        self.alloc.available_blocks()
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

/// `data` LZ4-compressed (the block format), if that saves at least an
/// eighth of its length (FORMAT.md, "Compression"); otherwise `None`.
fn compress(data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || data.len() > BLOCK_SIZE {
        return None;
    }
    let limit = data.len() - data.len() / 8;
    let mut out = vec![0; lz4_flex::block::get_maximum_output_size(data.len())];
    let len = lz4_flex::block::compress_into(data, &mut out).ok()?;
    if len == 0 || len > limit {
        return None;
    }
    out.truncate(len);
    Some(out)
}
