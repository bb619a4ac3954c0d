//! A regular file's contents in memory: page-sized chunks in a map from
//! page index, so a large file never needs one large allocation and a
//! sparse file holds only the pages written (holes read as zeroes,
//! SEEK_HOLE finds them, fallocate(PUNCH_HOLE) frees them).
//!
//! On tmpfs that is all there is. A rootfs file is *backed* by its object on
//! the disk: a page it does not hold is read from there on first use, and
//! the pages changed since the last commit are remembered, to be written
//! back by `disk::sync` (the page cache of this kernel). Clean pages (read,
//! unchanged) beyond the disk's cache budget are let go again, except in
//! a file a mapping may map (`evict_clean`, `DiskFs::shrink`).

use super::disk::DiskFs;
use super::inode::{MAX_FILE_SIZE, Superblock};
use crate::Errno;
use alloc::collections::btree_map::Entry;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

pub const PAGE: usize = 4096;
const PAGE64: u64 = PAGE as u64;

pub struct FileData {
    size: u64,
    pages: BTreeMap<u64, PageBuf>,
    sb: Arc<Superblock>,
    /// A mapping maps the pages themselves (a private one read-only, until
    /// a write copies the page): once one has, a page the file lets go of
    /// (truncate, hole punching) is kept here until the file itself goes,
    /// so the program can never reach freed memory (the mappings are cut
    /// by `Mm::file_changed` right after), and no clean page is evicted.
    mapped: bool,
    /// A shared writable mapping has mapped pages: it writes them without
    /// telling anyone, so every page held is written back.
    written_through: bool,
    retired: Vec<PageBuf>,
    backing: Option<Backing>,
}

/// Where a rootfs file's pages come from and go back to.
struct Backing {
    disk: Arc<DiskFs>,
    obj: u64,
    /// Pages below this offset that are not held are read from the disk;
    /// past it the disk holds nothing this file still has.
    limit: u64,
    /// The size the disk's object has (as of the last write-back).
    synced_size: u64,
    /// Pages changed since the last write-back; one that is not held is
    /// a hole now.
    dirty: BTreeSet<u64>,
    /// The smallest size the file had since the last write-back: the disk
    /// object is cut to it first, so what a shrink dropped stays dropped.
    cut: u64,
    /// Where the last read from the disk ended (a page index), and how
    /// many pages the next one reads if it starts there (read-ahead).
    next_read: u64,
    window: u64,
    /// On the disk's list of changed objects since the last write-back
    /// (`note_changes` lists it once, not at every write).
    listed: bool,
}

/// The most pages one read from the disk takes in (128 KiB).
const READ_AHEAD_PAGES: u64 = 32;

/// One page of file data, page-aligned so that a shared mapping can map
/// the page itself.
#[repr(C, align(4096))]
struct AlignedPage([u8; PAGE]);

pub struct PageBuf(Vec<AlignedPage>);

impl PageBuf {
    /// A zeroed page, or ENOSPC when the heap has none (tmpfs is full
    /// when memory is).
    fn new() -> Result<Self, Errno> {
        let mut v = Vec::new();
        v.try_reserve_exact(1).map_err(|_| Errno::ENOSPC)?;
        v.push(AlignedPage([0; PAGE]));
        Ok(PageBuf(v))
    }

    /// The page's kernel address.
    fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }
}

impl core::ops::Deref for PageBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0[0].0
    }
}

impl core::ops::DerefMut for PageBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0[0].0
    }
}

impl FileData {
    pub fn new(sb: Arc<Superblock>) -> Self {
        FileData {
            size: 0,
            pages: BTreeMap::new(),
            sb,
            mapped: false,
            written_through: false,
            retired: Vec::new(),
            backing: None,
        }
    }

    /// The contents of rootfs object `obj`, `size` bytes on the disk, read
    /// as they are needed.
    pub fn backed(sb: Arc<Superblock>, disk: Arc<DiskFs>, obj: u64, size: u64) -> Self {
        let mut data = FileData::new(sb);
        data.size = size;
        data.backing = Some(Backing {
            disk,
            obj,
            limit: size,
            synced_size: size,
            dirty: BTreeSet::new(),
            cut: size,
            next_read: 0,
            window: 1,
            listed: false,
        });
        data
    }

    /// A file made in memory (O_TMPFILE) gets its object on the disk: all
    /// it holds is to be written back.
    pub fn attach_backing(&mut self, disk: Arc<DiskFs>, obj: u64) {
        disk.note_dirty(obj);
        let dirty = self.pages.keys().copied().collect();
        self.backing = Some(Backing {
            disk,
            obj,
            limit: 0,
            synced_size: 0,
            dirty,
            cut: 0,
            next_read: 0,
            window: 1,
            listed: false,
        });
    }

    /// The object is gone from the disk (its last name was removed while
    /// the file is open): everything is read into memory, and the file
    /// lives on there until it is closed.
    pub fn detach_backing(&mut self) -> Result<(), Errno> {
        let Some(limit) = self.backing.as_ref().map(|b| b.limit) else {
            return Ok(());
        };
        for index in 0..limit.div_ceil(PAGE64) {
            // Every page stays: the disk will not have them to read again.
            self.load_keeping(index, false)?;
        }
        self.backing = None;
        Ok(())
    }

    /// The object is gone and nothing holds the file open: what the disk
    /// had is gone with it.
    pub fn forget_backing(&mut self) {
        self.backing = None;
    }

    /// Lists the file with its disk if it has changes to write back
    /// (`disk::sync` visits only the objects listed).
    fn note_changes(&mut self) {
        let dirty = self.needs_write_back();
        if let Some(b) = &mut self.backing
            && dirty
            && !b.listed
        {
            b.listed = true;
            b.disk.note_dirty(b.obj);
        }
    }

    /// A sync took the file off the disk's list: the next change lists it
    /// again.
    pub fn unlisted(&mut self) {
        if let Some(b) = &mut self.backing {
            b.listed = false;
        }
    }

    /// Whether there are changes for `disk::sync` to write back.
    pub fn needs_write_back(&self) -> bool {
        self.backing.as_ref().is_some_and(|b| {
            self.written_through || !b.dirty.is_empty() || b.synced_size != self.size
        })
    }

    /// Writes the changes since the last write-back into the object,
    /// through `write` (offset, bytes) and `truncate` (size); on success
    /// the disk holds the whole file. Returns how many pages held in memory
    /// it wrote, which are clean now.
    pub fn write_back(
        &mut self,
        mut write: impl FnMut(u64, u64, &[u8]) -> Result<(), Errno>,
        mut truncate: impl FnMut(u64, u64) -> Result<(), Errno>,
    ) -> Result<u64, Errno> {
        let size = self.size;
        let written_through = self.written_through;
        let Some(b) = self.backing.as_mut() else {
            return Ok(0);
        };
        if written_through {
            // A shared mapping writes the pages without telling anyone.
            b.dirty.extend(self.pages.keys().copied());
        }
        if b.cut < b.synced_size {
            truncate(b.obj, b.cut)?;
        }
        const ZEROES: [u8; PAGE] = [0; PAGE];
        let mut held = 0;
        for &index in b.dirty.range(..size.div_ceil(PAGE64)) {
            let len = (size - index * PAGE64).min(PAGE64) as usize;
            let bytes = match self.pages.get(&index) {
                Some(page) => {
                    held += 1;
                    &page[..len]
                }
                None => &ZEROES[..len],
            };
            write(b.obj, index * PAGE64, bytes)?;
        }
        truncate(b.obj, size)?;
        b.dirty.clear();
        b.limit = size;
        b.synced_size = size;
        b.cut = size;
        Ok(held)
    }

    /// Makes sure page `index` is held if the disk has it.
    fn load(&mut self, index: u64) -> Result<(), Errno> {
        self.load_keeping(index, true)
    }

    /// `load`; when the cache is over budget, the file's other clean pages
    /// may go (`may_evict`) and other files' do.
    fn load_keeping(&mut self, index: u64, may_evict: bool) -> Result<(), Errno> {
        let Some(b) = &mut self.backing else {
            return Ok(());
        };
        if index * PAGE64 >= b.limit || b.dirty.contains(&index) || self.pages.contains_key(&index)
        {
            return Ok(());
        }
        // Read-ahead: a read where the last one ended (or at the start)
        // doubles the window, anything else starts it again at one page.
        b.window = if index == b.next_read || index == 0 {
            (b.window * 2).clamp(4, READ_AHEAD_PAGES)
        } else {
            1
        };
        let window = b.window.min(b.disk.own_share().max(1));
        let pages = &self.pages;
        let count = (index..index + window)
            .take_while(|&i| {
                i * PAGE64 < b.limit && !b.dirty.contains(&i) && !pages.contains_key(&i)
            })
            .count() as u64;
        let end = ((index + count) * PAGE64).min(b.limit);
        let bytes = b
            .disk
            .read(b.obj, index * PAGE64, (end - index * PAGE64) as usize)?;
        b.next_read = index + count;
        let disk = b.disk.clone();
        for (i, chunk) in (index..).zip(bytes.chunks(PAGE)) {
            let mut page = PageBuf::new()?;
            page[..chunk.len()].copy_from_slice(chunk);
            self.sb.used_pages.fetch_add(1, Ordering::Relaxed);
            self.pages.insert(i, page);
        }
        if disk.note_loaded(count) {
            let keep = if may_evict {
                disk.own_share()
            } else {
                u64::MAX
            };
            let own = self.evict_clean(keep, Some(index));
            disk.shrink(own);
        }
        Ok(())
    }

    /// The clean pages held in `pages` (page indexes): read from the disk
    /// and unchanged since, so the disk has them as they are. None in a
    /// file a mapping may map (`mapped`): the mapping reaches its pages
    /// directly.
    fn clean_pages(&self, pages: core::ops::Range<u64>) -> Vec<u64> {
        let Some(b) = &self.backing else {
            return Vec::new();
        };
        if self.mapped {
            return Vec::new();
        }
        let end = pages.end.min(b.limit.div_ceil(PAGE64));
        if pages.start >= end {
            return Vec::new();
        }
        self.pages
            .range(pages.start..end)
            .map(|(&i, _)| i)
            .filter(|i| !b.dirty.contains(i))
            .collect()
    }

    /// POSIX_FADV_DONTNEED: lets go of the clean pages of the bytes
    /// `range` covers whole (a page changed and not written back stays).
    pub fn drop_clean(&mut self, range: core::ops::Range<u64>) {
        let first = range.start.div_ceil(PAGE64);
        let end = if range.end == u64::MAX {
            u64::MAX
        } else {
            range.end / PAGE64
        };
        if first >= end {
            return;
        }
        let doomed = self.clean_pages(first..end);
        for i in &doomed {
            self.pages.remove(i);
        }
        self.sb
            .used_pages
            .fetch_sub(doomed.len() as u64, Ordering::Relaxed);
    }

    /// POSIX_FADV_WILLNEED: reads the pages of `range` the disk has and
    /// memory does not, as many as the cache budget lets stay; what cannot
    /// be read now is read when it is needed.
    pub fn read_in(&mut self, range: core::ops::Range<u64>) {
        let Some(b) = &self.backing else { return };
        let end = range.end.min(b.limit).div_ceil(PAGE64);
        let most = b.disk.own_share();
        let first = range.start / PAGE64;
        for index in (first..end).take(usize::try_from(most).unwrap_or(usize::MAX)) {
            if self.load(index).is_err() {
                break;
            }
        }
    }

    /// Lets go of clean pages (read from the disk, unchanged since) until
    /// at most `keep` are held, lowest first, never page `spare`; returns
    /// how many clean pages it still holds. A file a mapping may map
    /// (`mapped`) keeps everything: the mapping reaches its pages directly.
    pub fn evict_clean(&mut self, keep: u64, spare: Option<u64>) -> u64 {
        let clean = self.clean_pages(0..u64::MAX);
        let excess = (clean.len() as u64).saturating_sub(keep);
        let mut dropped = 0;
        for &i in clean.iter().filter(|&&i| Some(i) != spare) {
            if dropped == excess {
                break;
            }
            self.pages.remove(&i);
            dropped += 1;
        }
        self.sb.used_pages.fetch_sub(dropped, Ordering::Relaxed);
        clean.len() as u64 - dropped
    }

    /// Notes that page `index` changed.
    fn mark(&mut self, index: u64) {
        if let Some(b) = &mut self.backing {
            b.dirty.insert(index);
        }
    }

    /// Notes that page `index` is written: ENOSPC if the disk could not
    /// take one more page.
    fn mark_written(&mut self, index: u64) -> Result<(), Errno> {
        if let Some(b) = &mut self.backing
            && !b.dirty.contains(&index)
        {
            b.disk.reserve(1)?;
            b.dirty.insert(index);
        }
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Pages held, or for a rootfs file the pages it has on the disk if
    /// more (st_blocks is this times 8).
    pub fn pages(&self) -> u64 {
        let on_disk = self
            .backing
            .as_ref()
            .map_or(0, |b| b.limit.div_ceil(PAGE64));
        (self.pages.len() as u64).max(on_disk)
    }

    /// Copies from `off` into `buf`; returns how many bytes there were
    /// (EIO when the disk cannot give a page, ENOMEM when memory cannot
    /// hold it).
    pub fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if off >= self.size {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(self.size - off) as usize;
        let mut done = 0;
        while done < n {
            let at = off + done as u64;
            let in_page = (at % PAGE64) as usize;
            let len = (PAGE - in_page).min(n - done);
            if let Err(e) = self.load(at / PAGE64) {
                return if done == 0 { Err(e) } else { Ok(done) };
            }
            let dst = &mut buf[done..done + len];
            match self.pages.get(&(at / PAGE64)) {
                Some(page) => dst.copy_from_slice(&page[in_page..in_page + len]),
                None => dst.fill(0),
            }
            done += len;
        }
        Ok(n)
    }

    /// The kernel address of the page at `index` (allocated if a hole),
    /// for a mapping to map; the page stays at that address for as long as
    /// this file lives. `writable`: a shared mapping that may write it,
    /// which makes the page (and, at write-back, every page) changed; a
    /// read-only or private view changes nothing.
    pub fn share_page(&mut self, index: u64, writable: bool) -> Result<u64, Errno> {
        let result = self.share_page_unnoted(index, writable);
        self.note_changes();
        result
    }

    fn share_page_unnoted(&mut self, index: u64, writable: bool) -> Result<u64, Errno> {
        self.mapped = true;
        if writable {
            self.written_through = true;
            return Ok(self.page_mut(index)?.addr());
        }
        self.load(index)?;
        if let Entry::Vacant(e) = self.pages.entry(index) {
            // A hole, or past what the disk has: zeroes either way.
            e.insert(PageBuf::new()?);
            self.sb.used_pages.fetch_add(1, Ordering::Relaxed);
        }
        Ok(self.pages[&index].addr())
    }

    /// Lets go of the page at `index` (see `retired`).
    fn discard(&mut self, index: u64) {
        if let Some(page) = self.pages.remove(&index)
            && self.mapped
        {
            self.retired.push(page);
        }
    }

    fn page_mut(&mut self, index: u64) -> Result<&mut PageBuf, Errno> {
        self.load(index)?;
        self.page_overwritten(index)
    }

    /// `page_mut` for a page about to be written whole: what the disk has
    /// there is not read.
    fn page_overwritten(&mut self, index: u64) -> Result<&mut PageBuf, Errno> {
        self.mark_written(index)?;
        match self.pages.entry(index) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                let page = PageBuf::new()?;
                self.sb.used_pages.fetch_add(1, Ordering::Relaxed);
                Ok(e.insert(page))
            }
        }
    }

    /// Writes `data` at `off`, growing the file. Returns the bytes written:
    /// fewer than asked when memory ran out part-way, ENOSPC if none.
    pub fn write_at(&mut self, off: u64, data: &[u8]) -> Result<usize, Errno> {
        let result = self.write_at_unnoted(off, data);
        self.note_changes();
        result
    }

    fn write_at_unnoted(&mut self, off: u64, data: &[u8]) -> Result<usize, Errno> {
        let end = off
            .checked_add(data.len() as u64)
            .filter(|&e| e <= MAX_FILE_SIZE)
            .ok_or(Errno::EFBIG)?;
        let mut done = 0;
        while done < data.len() {
            let at = off + done as u64;
            let in_page = (at % PAGE64) as usize;
            let len = (PAGE - in_page).min(data.len() - done);
            // A whole page written needs nothing of what the disk has.
            let page = if len == PAGE {
                self.page_overwritten(at / PAGE64)
            } else {
                self.page_mut(at / PAGE64)
            };
            match page {
                Ok(page) => page[in_page..in_page + len].copy_from_slice(&data[done..done + len]),
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
            done += len;
        }
        self.size = self.size.max(if done == data.len() {
            end
        } else {
            off + done as u64
        });
        Ok(done)
    }

    /// truncate(2): drops what lies past `len`; growing reads as zeroes.
    pub fn set_size(&mut self, len: u64) -> Result<(), Errno> {
        let result = self.set_size_unnoted(len);
        self.note_changes();
        result
    }

    fn set_size_unnoted(&mut self, len: u64) -> Result<(), Errno> {
        if len < self.size {
            // The page the new end falls in keeps its head: hold it first.
            if !len.is_multiple_of(PAGE64) {
                self.load(len / PAGE64)?;
                self.mark(len / PAGE64);
            }
            if let Some(b) = &mut self.backing {
                b.limit = b.limit.min(len);
                b.cut = b.cut.min(len);
                let cut_from = len.div_ceil(PAGE64);
                b.dirty.retain(|&i| i < cut_from);
            }
            let doomed: Vec<u64> = self
                .pages
                .range(len.div_ceil(PAGE64)..)
                .map(|(k, _)| *k)
                .collect();
            for &k in &doomed {
                self.discard(k);
            }
            self.sb
                .used_pages
                .fetch_sub(doomed.len() as u64, Ordering::Relaxed);
            if let Some(page) = self.pages.get_mut(&(len / PAGE64)) {
                page[(len % PAGE64) as usize..].fill(0);
            }
        }
        self.size = len;
        Ok(())
    }

    /// Zeroes `[off, off+len)` within the file, freeing whole pages.
    fn zero_range(&mut self, off: u64, len: u64) -> Result<(), Errno> {
        let end = off.saturating_add(len);
        let first_whole = off.div_ceil(PAGE64);
        let last_whole = end / PAGE64; // exclusive
        for index in [off / PAGE64, end.saturating_sub(1) / PAGE64] {
            if index < first_whole || index >= last_whole {
                self.load(index)?;
                self.mark(index);
            }
        }
        if let Some(b) = &mut self.backing {
            // Whole pages on the disk become holes there at write-back.
            let on_disk = b.limit.div_ceil(PAGE64);
            b.dirty.extend(first_whole..last_whole.min(on_disk));
        }
        let doomed: Vec<u64> = if first_whole < last_whole {
            self.pages
                .range(first_whole..last_whole)
                .map(|(k, _)| *k)
                .collect()
        } else {
            Vec::new()
        };
        for &k in &doomed {
            self.discard(k);
        }
        self.sb
            .used_pages
            .fetch_sub(doomed.len() as u64, Ordering::Relaxed);
        // The partial pages at either end.
        for index in [off / PAGE64, end.saturating_sub(1) / PAGE64] {
            if let Some(page) = self.pages.get_mut(&index) {
                let start = off.max(index * PAGE64) - index * PAGE64;
                let stop = end.min((index + 1) * PAGE64) - index * PAGE64;
                if start < stop {
                    page[start as usize..stop as usize].fill(0);
                }
            }
        }
        Ok(())
    }

    /// fallocate(2) mode 0 or FALLOC_FL_KEEP_SIZE: reserves the pages of
    /// `[off, off+len)` so later writes there cannot fail for want of
    /// memory. On ENOSPC the pages it added are given back, as
    /// shmem_fallocate does.
    pub fn allocate(&mut self, off: u64, len: u64, keep_size: bool) -> Result<(), Errno> {
        let result = self.allocate_unnoted(off, len, keep_size);
        self.note_changes();
        result
    }

    fn allocate_unnoted(&mut self, off: u64, len: u64, keep_size: bool) -> Result<(), Errno> {
        let end = off
            .checked_add(len)
            .filter(|&e| e <= MAX_FILE_SIZE)
            .ok_or(Errno::EFBIG)?;
        let mut added = Vec::new();
        for index in off / PAGE64..end.div_ceil(PAGE64) {
            if self.pages.contains_key(&index) {
                continue;
            }
            if let Err(e) = self.page_mut(index) {
                for &i in &added {
                    self.discard(i);
                }
                self.sb
                    .used_pages
                    .fetch_sub(added.len() as u64, Ordering::Relaxed);
                return Err(e);
            }
            added.push(index);
        }
        if !keep_size {
            self.size = self.size.max(end);
        }
        Ok(())
    }

    /// fallocate(FALLOC_FL_PUNCH_HOLE): zeroes the range and frees its whole
    /// pages (also those reserved past the end); the size does not change.
    pub fn punch_hole(&mut self, off: u64, len: u64) -> Result<(), Errno> {
        let result = self.punch_hole_unnoted(off, len);
        self.note_changes();
        result
    }

    fn punch_hole_unnoted(&mut self, off: u64, len: u64) -> Result<(), Errno> {
        self.zero_range(off, len)
    }

    /// lseek(SEEK_DATA): the first offset at or after `off` in a page that
    /// holds data.
    pub fn seek_data(&self, off: u64) -> Result<u64, Errno> {
        if off >= self.size {
            return Err(Errno::ENXIO);
        }
        // A rootfs file's pages on the disk count as data (a filesystem
        // may report holes as data, lseek(2)).
        if self.backing.as_ref().is_some_and(|b| off < b.limit) {
            return Ok(off);
        }
        match self.pages.range(off / PAGE64..).next() {
            Some((&index, _)) if index * PAGE64 < self.size => Ok(off.max(index * PAGE64)),
            _ => Err(Errno::ENXIO),
        }
    }

    /// lseek(SEEK_HOLE): the first offset at or after `off` in a hole; the
    /// end of the file counts as one.
    pub fn seek_hole(&self, off: u64) -> Result<u64, Errno> {
        if off >= self.size {
            return Err(Errno::ENXIO);
        }
        let on_disk = self
            .backing
            .as_ref()
            .map_or(0, |b| b.limit.div_ceil(PAGE64));
        let mut index = off / PAGE64;
        while index < on_disk || self.pages.contains_key(&index) {
            index += 1;
        }
        Ok(off.max(index * PAGE64).min(self.size))
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        self.sb
            .used_pages
            .fetch_sub(self.pages.len() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::inode::FsKind;

    fn data() -> FileData {
        FileData::new(Superblock::new(FsKind::Tmpfs, 1))
    }

    #[test]
    fn writes_across_pages_and_reads_holes_as_zeroes() {
        let mut f = data();
        assert_eq!(f.write_at(4090, b"0123456789").unwrap(), 10);
        assert_eq!(f.size(), 4100);
        assert_eq!(f.pages(), 2);
        let mut buf = [9u8; 20];
        assert_eq!(f.read_at(4085, &mut buf).unwrap(), 15);
        assert_eq!(&buf[..15], b"\0\0\0\0\x000123456789");
        f.write_at(5 * 4096, b"x").unwrap();
        assert_eq!(f.pages(), 3, "the gap is a hole");
        assert_eq!(f.seek_hole(0).unwrap(), 2 * 4096);
        assert_eq!(f.seek_data(2 * 4096).unwrap(), 5 * 4096);
        assert_eq!(f.seek_data(5 * 4096 + 1), Err(Errno::ENXIO));
    }

    #[test]
    fn shrinking_then_growing_reads_zeroes() {
        let mut f = data();
        f.write_at(0, &[7u8; 9000]).unwrap();
        f.set_size(10).unwrap();
        assert_eq!(f.pages(), 1);
        f.set_size(9000).unwrap();
        let mut buf = [1u8; 9000];
        assert_eq!(f.read_at(0, &mut buf).unwrap(), 9000);
        assert!(buf[..10].iter().all(|&b| b == 7));
        assert!(buf[10..].iter().all(|&b| b == 0));
    }

    #[test]
    fn punching_frees_whole_pages_and_zeroes_the_ends() {
        let mut f = data();
        f.write_at(0, &[1u8; 3 * 4096]).unwrap();
        let sb = f.sb.clone();
        assert_eq!(sb.used_pages.load(Ordering::Relaxed), 3);
        f.punch_hole(100, 2 * 4096).unwrap();
        assert_eq!(f.pages(), 2);
        assert_eq!(f.size(), 3 * 4096);
        let mut buf = [0u8; 3 * 4096];
        f.read_at(0, &mut buf).unwrap();
        assert!(buf[..100].iter().all(|&b| b == 1));
        assert!(buf[100..100 + 2 * 4096].iter().all(|&b| b == 0));
        assert!(buf[100 + 2 * 4096..].iter().all(|&b| b == 1));
        drop(f);
        assert_eq!(sb.used_pages.load(Ordering::Relaxed), 0);
    }
}
