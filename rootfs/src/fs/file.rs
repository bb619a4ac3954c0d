//! File data: reads, writes and truncation over inline data or a block
//! tree. Bytes past a file's size are always zero, in memory and on disk
//! (a shrink zeroes the tail of its last block and cuts the tree), so a file
//! that grows again reads zeros there.

use alloc::vec;
use alloc::vec::Vec;

use super::inode::{INLINE_MAX, Kind};
use super::tree::{self, capacity};
use super::{Fs, FsError, inode};
use crate::blockptr::BlockPtr;
use crate::device::BlockDevice;
use crate::format::BLOCK_SIZE;

const BS: u64 = BLOCK_SIZE as u64;

/// The largest file: every block of the deepest tree.
pub const MAX_FILE_SIZE: u64 = capacity(inode::MAX_LEVELS) * BS;

impl<D: BlockDevice> Fs<D> {
    /// Reads up to `len` bytes of a regular file from `offset` (fewer at the
    /// end of the file). A damaged block is an error, never wrong bytes.
    pub fn read(&mut self, ino: u64, offset: u64, len: usize) -> Result<Vec<u8>, FsError> {
        match self.inode(ino)?.kind() {
            Kind::File => self.read_data(ino, offset, len),
            Kind::Dir => Err(FsError::IsDir),
            Kind::Symlink => Err(FsError::Invalid),
        }
    }

    /// The target of a symbolic link.
    pub fn readlink(&mut self, ino: u64) -> Result<Vec<u8>, FsError> {
        let inode = self.inode(ino)?;
        if inode.kind() != Kind::Symlink {
            return Err(FsError::Invalid);
        }
        let size = inode.size as usize;
        self.read_data(ino, 0, size)
    }

    fn read_data(&mut self, ino: u64, offset: u64, len: usize) -> Result<Vec<u8>, FsError> {
        let inode = self.inode(ino)?;
        let end = offset.saturating_add(len as u64).min(inode.size);
        if offset >= end {
            return Ok(Vec::new());
        }
        if let Some(data) = &inode.inline {
            return Ok(data[offset as usize..end as usize].to_vec());
        }
        let (first, last) = (offset / BS, (end - 1) / BS);
        let blocks = self.leaves(ino, first, last - first + 1)?;
        let mut out = Vec::with_capacity((end - offset) as usize);
        let mut pos = offset;
        for block in &blocks {
            let from = (pos % BS) as usize;
            let to = ((end - pos) as usize + from).min(BLOCK_SIZE);
            out.extend_from_slice(&block[from..to]);
            pos += (to - from) as u64;
        }
        Ok(out)
    }

    /// Data blocks `first..first + count` of object `ino` as the open
    /// transaction sees them (`leaf` for each), those on the disk read
    /// together, so a device with a queue has them in flight at once, and
    /// not kept in the block cache.
    fn leaves(&mut self, ino: u64, first: u64, count: u64) -> Result<Vec<Vec<u8>>, FsError> {
        let inode = self.inode(ino)?;
        let (levels, root) = (inode.levels, inode.root);
        let keep = self.keep.get(&ino).copied();
        let ptrs = tree::leaf_pointers(&mut self.store, levels, root, first, count)?;
        let on_disk =
            |i: u64| !self.blocks.contains_key(&(ino, i)) && keep.is_none_or(|keep| i < keep);
        let wanted: Vec<BlockPtr> = (first..first + count)
            .zip(&ptrs)
            .filter(|&(i, _)| on_disk(i))
            .map(|(_, bp)| *bp)
            .collect();
        let mut read = self.store.read_many(&wanted, false).into_iter();
        let mut out = Vec::with_capacity(count as usize);
        for i in first..first + count {
            if let Some(block) = self.blocks.get(&(ino, i)) {
                out.push(block.clone());
            } else if keep.is_some_and(|keep| i >= keep) {
                out.push(vec![0; BLOCK_SIZE]);
            } else {
                out.push(read.next().expect("one result per block read")?);
            }
        }
        Ok(out)
    }

    /// Writes `data` into a regular file at `offset`, growing it as needed
    /// (a gap reads as zeros and costs no blocks).
    pub fn write(&mut self, ino: u64, offset: u64, data: &[u8]) -> Result<usize, FsError> {
        self.writable()?;
        match self.inode(ino)?.kind() {
            Kind::File => {}
            Kind::Dir => return Err(FsError::IsDir),
            Kind::Symlink => return Err(FsError::Invalid),
        }
        self.write_data(ino, offset, data)?;
        let now = self.now_ns;
        let inode = self.inode_mut(ino)?;
        inode.mtime_ns = now;
        inode.ctime_ns = now;
        Ok(data.len())
    }

    pub(super) fn write_data(&mut self, ino: u64, offset: u64, data: &[u8]) -> Result<(), FsError> {
        let end = offset
            .checked_add(data.len() as u64)
            .filter(|&end| end <= MAX_FILE_SIZE)
            .ok_or(FsError::TooBig)?;
        if data.is_empty() {
            return Ok(());
        }
        let inode = self.inode(ino)?;
        let size = inode.size;
        if inode.inline.is_some() && end <= INLINE_MAX as u64 {
            self.reserve(0)?;
            let inode = self.inode_mut(ino)?;
            if let Some(inline) = &mut inode.inline {
                if inline.len() < end as usize {
                    inline.resize(end as usize, 0);
                }
                inline[offset as usize..end as usize].copy_from_slice(data);
            }
            inode.size = inode.size.max(end);
            return Ok(());
        }
        let first = offset / BS;
        let last = (end - 1) / BS;
        let new = (first..=last)
            .filter(|&i| !self.blocks.contains_key(&(ino, i)))
            .count() as u64;
        self.reserve(new + 1)?;
        self.uninline(ino)?;
        let mut pos = offset;
        for index in first..=last {
            let from = (pos % BS) as usize;
            let to = ((end - pos) as usize + from).min(BLOCK_SIZE);
            // A block written whole needs nothing of the old one.
            let mut block = if to - from == BLOCK_SIZE {
                vec![0; BLOCK_SIZE]
            } else {
                self.leaf(ino, index)?
            };
            let src = (pos - offset) as usize;
            block[from..to].copy_from_slice(&data[src..src + (to - from)]);
            self.blocks.insert((ino, index), block);
            pos += (to - from) as u64;
        }
        let inode = self.inode_mut(ino)?;
        inode.size = size.max(end);
        Ok(())
    }

    /// Moves inline data to block 0, so the file is kept in its tree.
    fn uninline(&mut self, ino: u64) -> Result<(), FsError> {
        let inode = self.inode_mut(ino)?;
        if let Some(data) = inode.inline.take()
            && !data.is_empty()
        {
            let mut block = vec![0; BLOCK_SIZE];
            block[..data.len()].copy_from_slice(&data);
            self.blocks.insert((ino, 0), block);
        }
        Ok(())
    }

    /// Sets a regular file's size: a shrink drops the bytes past it, a grow
    /// adds zeros (no blocks).
    pub fn truncate(&mut self, ino: u64, size: u64) -> Result<(), FsError> {
        self.writable()?;
        match self.inode(ino)?.kind() {
            Kind::File => {}
            Kind::Dir => return Err(FsError::IsDir),
            Kind::Symlink => return Err(FsError::Invalid),
        }
        if size > MAX_FILE_SIZE {
            return Err(FsError::TooBig);
        }
        let now = self.now_ns;
        let old = self.inode(ino)?.size;
        if size > old {
            self.reserve(1)?;
        }
        if self.inode(ino)?.inline.is_some() {
            if size <= INLINE_MAX as u64 {
                let inode = self.inode_mut(ino)?;
                if let Some(inline) = &mut inode.inline {
                    inline.resize(size as usize, 0);
                }
                inode.size = size;
                inode.mtime_ns = now;
                inode.ctime_ns = now;
                return Ok(());
            }
            self.uninline(ino)?;
        }
        if size < old {
            let keep = size.div_ceil(BS);
            let doomed: Vec<(u64, u64)> = self
                .blocks
                .range((ino, keep)..=(ino, u64::MAX))
                .map(|(&k, _)| k)
                .collect();
            for k in doomed {
                self.blocks.remove(&k);
            }
            let cut = self.keep.entry(ino).or_insert(keep);
            *cut = (*cut).min(keep);
            if !size.is_multiple_of(BS) {
                let index = size / BS;
                let mut block = self.leaf(ino, index)?;
                block[(size % BS) as usize..].fill(0);
                self.blocks.insert((ino, index), block);
            }
        }
        let inode = self.inode_mut(ino)?;
        inode.size = size;
        inode.mtime_ns = now;
        inode.ctime_ns = now;
        Ok(())
    }
}
