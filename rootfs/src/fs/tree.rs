//! Block trees: how an object's data blocks are reached (FORMAT.md, "Block
//! tree"). A tree of `levels` indirect levels holds up to 64^levels data
//! blocks; each indirect block is 64 block pointers. Holes point at nothing,
//! so a sparse file costs only the blocks it has written.
//!
//! Trees change only at commit: [`rewrite`] writes the dirty leaves and
//! copies every indirect block on their paths to new blocks, bottom up, and
//! returns the new root; the old tree is never touched.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use super::FsError;
use crate::blockptr::{BLOCKPTR_LEN, BlockPtr};
use crate::checksum::Checksum;
use crate::device::BlockDevice;
use crate::format::BLOCK_SIZE;
use crate::pool::Pool;

/// Pointers in one indirect block.
pub const FANOUT: u64 = (BLOCK_SIZE / BLOCKPTR_LEN) as u64;

/// Verified blocks kept in memory (16 MiB); the cache is emptied when full.
const CACHE_BLOCKS: usize = 4096;

/// Data blocks a tree of `levels` indirect levels can hold.
pub const fn capacity(levels: u8) -> u64 {
    FANOUT.saturating_pow(levels as u32)
}

/// The pool with a cache of blocks that have passed their checksum, keyed
/// by address and offset in it (packed blocks share an address) and
/// checked against the pointer's checksum (a block is never rewritten while
/// reachable).
pub struct Store<D: BlockDevice> {
    pub pool: Pool<D>,
    cache: BTreeMap<(u64, u16), (Checksum, Vec<u8>)>,
}

/// What the leaves (level 0) of a tree hold, which decides how they are
/// stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaves {
    /// An object's data (file bytes, directory buckets, a symlink target):
    /// compressed when it pays, and packed when the pool packs. Nothing is
    /// found through these blocks, so sharing a physical block is safe.
    Data,
    /// The record array: stored as is, one per physical block, because the
    /// reachability walk reads them and tells blocks apart by address.
    Records,
}

impl<D: BlockDevice> Store<D> {
    pub fn new(pool: Pool<D>) -> Self {
        Self {
            pool,
            cache: BTreeMap::new(),
        }
    }

    /// The whole block `bp` points at (4096 bytes, zero past its logical
    /// size); a hole reads as zeros.
    pub fn read(&mut self, bp: &BlockPtr) -> Result<Vec<u8>, FsError> {
        if bp.is_hole() {
            return Ok(vec![0; BLOCK_SIZE]);
        }
        let key = (bp.address, bp.physical_offset);
        if let Some((sum, data)) = self.cache.get(&key)
            && *sum == bp.checksum
        {
            return Ok(data.clone());
        }
        let mut data = self.pool.read_block(bp)?;
        data.resize(BLOCK_SIZE, 0);
        if self.cache.len() >= CACHE_BLOCKS {
            self.cache.clear();
        }
        self.cache.insert(key, (bp.checksum, data.clone()));
        Ok(data)
    }

    /// [`read`](Self::read) for each of `bps`, those not cached read from
    /// the device together (`Pool::read_blocks`). What is read is cached
    /// only if `keep` (a file's data is not: the kernel keeps its own
    /// pages, and a second copy here would only crowd out the indirect
    /// blocks and records).
    pub fn read_many(&mut self, bps: &[BlockPtr], keep: bool) -> Vec<Result<Vec<u8>, FsError>> {
        let cached = |cache: &BTreeMap<(u64, u16), (Checksum, Vec<u8>)>, bp: &BlockPtr| {
            if bp.is_hole() {
                return Some(vec![0; BLOCK_SIZE]);
            }
            cache
                .get(&(bp.address, bp.physical_offset))
                .filter(|(sum, _)| *sum == bp.checksum)
                .map(|(_, data)| data.clone())
        };
        let mut out: Vec<Option<Result<Vec<u8>, FsError>>> = bps
            .iter()
            .map(|bp| cached(&self.cache, bp).map(Ok))
            .collect();
        let missing: Vec<BlockPtr> = bps
            .iter()
            .zip(&out)
            .filter(|(_, got)| got.is_none())
            .map(|(bp, _)| *bp)
            .collect();
        let mut read = self.pool.read_blocks(&missing).into_iter();
        for (bp, slot) in bps.iter().zip(out.iter_mut()) {
            if slot.is_some() {
                continue;
            }
            let result = read.next().expect("one result per missing block");
            *slot = Some(result.map_err(FsError::from).map(|mut data| {
                data.resize(BLOCK_SIZE, 0);
                if !keep {
                    return data;
                }
                if self.cache.len() >= CACHE_BLOCKS {
                    self.cache.clear();
                }
                self.cache.insert(
                    (bp.address, bp.physical_offset),
                    (bp.checksum, data.clone()),
                );
                data
            }));
        }
        out.into_iter()
            .map(|r| r.expect("every block has a result"))
            .collect()
    }

    /// Writes a block stored as is; an all-zero block is a hole and is not
    /// written.
    pub fn write(&mut self, data: &[u8]) -> Result<BlockPtr, FsError> {
        if data.iter().all(|&b| b == 0) {
            return Ok(BlockPtr::HOLE);
        }
        Ok(self.pool.write_block(data)?)
    }

    /// Writes a leaf holding `leaves`: see [`Leaves`].
    fn write_leaf(&mut self, data: &[u8], leaves: Leaves) -> Result<BlockPtr, FsError> {
        if data.iter().all(|&b| b == 0) {
            return Ok(BlockPtr::HOLE);
        }
        Ok(match leaves {
            Leaves::Data => self.pool.write_compressible(data)?,
            Leaves::Records => self.pool.write_block(data)?,
        })
    }

    /// Forgets every cached block (a test damages the device under it).
    pub fn clear_cache(&mut self) {
        self.cache.clear();
    }
}

/// The `slot`th pointer of an indirect block.
pub(super) fn pointer(block: &[u8], slot: usize) -> Result<BlockPtr, FsError> {
    let mut b = [0; BLOCKPTR_LEN];
    b.copy_from_slice(&block[slot * BLOCKPTR_LEN..(slot + 1) * BLOCKPTR_LEN]);
    BlockPtr::decode(&b).map_err(FsError::Corrupt)
}

/// Data block `index` of a tree, or `None` for a hole.
pub fn read_leaf<D: BlockDevice>(
    store: &mut Store<D>,
    levels: u8,
    root: BlockPtr,
    index: u64,
) -> Result<Option<Vec<u8>>, FsError> {
    if index >= capacity(levels) {
        return Ok(None);
    }
    let mut bp = root;
    for level in (1..=levels).rev() {
        if bp.is_hole() {
            return Ok(None);
        }
        let block = store.read(&bp)?;
        let slot = (index / capacity(level - 1)) % FANOUT;
        bp = pointer(&block, slot as usize)?;
    }
    if bp.is_hole() {
        return Ok(None);
    }
    store.read(&bp).map(Some)
}

/// The pointers to data blocks `first..first + count` of a tree (holes
/// where it has none), found walking down once per leaf through cached
/// indirect blocks.
pub fn leaf_pointers<D: BlockDevice>(
    store: &mut Store<D>,
    levels: u8,
    root: BlockPtr,
    first: u64,
    count: u64,
) -> Result<Vec<BlockPtr>, FsError> {
    let mut out = Vec::with_capacity(count as usize);
    // The indirect block above the leaves, by its first leaf's index:
    // consecutive leaves mostly share it.
    let mut parent: Option<(u64, Vec<u8>)> = None;
    for index in first..first + count {
        if index >= capacity(levels) {
            out.push(BlockPtr::HOLE);
            continue;
        }
        if levels == 0 {
            out.push(if index == 0 { root } else { BlockPtr::HOLE });
            continue;
        }
        let base = index - index % FANOUT;
        if parent.as_ref().is_none_or(|(b, _)| *b != base) {
            let mut bp = root;
            for level in (2..=levels).rev() {
                if bp.is_hole() {
                    break;
                }
                let block = store.read(&bp)?;
                let slot = (index / capacity(level - 1)) % FANOUT;
                bp = pointer(&block, slot as usize)?;
            }
            parent = Some((base, store.read(&bp)?));
        }
        let (_, block) = parent.as_ref().expect("just read");
        out.push(pointer(block, (index % FANOUT) as usize)?);
    }
    Ok(out)
}

/// A node of the tree being rewritten: one on disk, or an indirect block
/// added above the old root when the tree grows (the old root is its first
/// child).
enum Node {
    Ptr(BlockPtr),
    Grown(Box<Node>),
}

/// Writes `leaves` (data block index to its 4096 bytes, in order) into the
/// tree `levels`/`root`, turning every block at index `keep` or beyond into a
/// hole, and returns the new tree. Untouched subtrees are shared with the
/// old tree; every block on a changed path is new. `kind` says what the
/// leaves hold (see [`Leaves`]); indirect blocks are always stored as is.
#[allow(clippy::too_many_arguments)]
pub fn rewrite<D: BlockDevice>(
    store: &mut Store<D>,
    levels: u8,
    root: BlockPtr,
    leaves: &[(u64, &[u8])],
    keep: u64,
    max_levels: u8,
    kind: Leaves,
    dead: &mut Vec<(u8, BlockPtr)>,
) -> Result<(u8, BlockPtr), FsError> {
    let mut levels = levels;
    let mut node = Node::Ptr(root);
    if let Some(&(last, _)) = leaves.last() {
        while last >= capacity(levels) {
            if levels >= max_levels {
                return Err(FsError::TooBig);
            }
            node = match node {
                Node::Ptr(bp) if bp.is_hole() => Node::Ptr(bp),
                other => Node::Grown(Box::new(other)),
            };
            levels += 1;
        }
    }
    let root = rewrite_node(store, levels, node, 0, leaves, keep, kind, dead)?;
    Ok((if root.is_hole() { 0 } else { levels }, root))
}

/// Notes that the subtree under `node` (at `level`) is no longer reached.
fn bury(level: u8, node: Node, dead: &mut Vec<(u8, BlockPtr)>) {
    match node {
        Node::Ptr(bp) if !bp.is_hole() => dead.push((level, bp)),
        Node::Ptr(_) => {}
        Node::Grown(inner) => bury(level - 1, *inner, dead),
    }
}

/// Rewrites one node; every block it stops reaching goes into `dead` as
/// `(levels below it, pointer)`: a replaced block alone as level 0, a cut
/// subtree with its height.
#[allow(clippy::too_many_arguments)]
fn rewrite_node<D: BlockDevice>(
    store: &mut Store<D>,
    level: u8,
    node: Node,
    base: u64,
    leaves: &[(u64, &[u8])],
    keep: u64,
    kind: Leaves,
    dead: &mut Vec<(u8, BlockPtr)>,
) -> Result<BlockPtr, FsError> {
    let span = capacity(level);
    if leaves.is_empty() {
        if base >= keep {
            bury(level, node, dead);
            return Ok(BlockPtr::HOLE);
        }
        if let Node::Ptr(bp) = node
            && (bp.is_hole() || keep >= base.saturating_add(span))
        {
            return Ok(bp);
        }
    }
    if level == 0 {
        bury(0, node, dead);
        return match leaves.first() {
            Some((_, data)) => store.write_leaf(data, kind),
            None => Ok(BlockPtr::HOLE),
        };
    }
    let children: Vec<Node> = match node {
        Node::Ptr(bp) if bp.is_hole() => (0..FANOUT).map(|_| Node::Ptr(bp)).collect(),
        Node::Ptr(bp) => {
            let block = store.read(&bp)?;
            dead.push((0, bp));
            (0..FANOUT as usize)
                .map(|slot| pointer(&block, slot).map(Node::Ptr))
                .collect::<Result<_, _>>()?
        }
        Node::Grown(inner) => {
            let mut v = vec![*inner];
            v.extend((1..FANOUT).map(|_| Node::Ptr(BlockPtr::HOLE)));
            v
        }
    };
    let child_span = capacity(level - 1);
    let mut block = vec![0; BLOCK_SIZE];
    let mut rest = leaves;
    for (slot, child) in children.into_iter().enumerate() {
        let child_base = base + slot as u64 * child_span;
        let end = child_base.saturating_add(child_span);
        let n = rest.partition_point(|&(index, _)| index < end);
        let (mine, tail) = rest.split_at(n);
        rest = tail;
        let bp = rewrite_node(store, level - 1, child, child_base, mine, keep, kind, dead)?;
        block[slot * BLOCKPTR_LEN..(slot + 1) * BLOCKPTR_LEN].copy_from_slice(&bp.encode());
    }
    store.write(&block)
}

/// Visits every block of the subtree under `bp` (`level` levels of indirect
/// blocks above its data), top down. `visit` gets each block's level and
/// pointer and returns whether to go below it (not for a block already
/// seen). Only indirect blocks are read. A packed data block that runs on
/// into the next physical block is visited twice: as itself, then as the
/// same pointer with the next address, so a walk that marks or frees
/// blocks by address sees both physical blocks.
pub fn walk<D: BlockDevice>(
    store: &mut Store<D>,
    level: u8,
    bp: BlockPtr,
    visit: &mut dyn FnMut(u8, &BlockPtr) -> bool,
) -> Result<(), FsError> {
    if bp.is_hole() {
        return Ok(());
    }
    let descend = visit(level, &bp);
    if bp.physical_blocks() > 1 {
        let next = BlockPtr {
            address: bp.address.saturating_add(1),
            ..bp
        };
        visit(level, &next);
    }
    if !descend || level == 0 {
        return Ok(());
    }
    let block = store.read(&bp)?;
    for slot in 0..FANOUT as usize {
        walk(store, level - 1, pointer(&block, slot)?, visit)?;
    }
    Ok(())
}
