//! The memory syscalls' semantics (mmap(2), munmap(2), mprotect(2),
//! mremap(2), brk(2), madvise(2)) on the VMAs. Platform calls are made with
//! the address-space lock held, so a page fault never sees VMAs and page
//! tables disagree; the Platform's page-table calls never take this lock.

use super::{
    FileMap, MMAP_BASE, MMAP_MIN_ADDR, MapSource, Mm, PAGE_SIZE, Prot, Vma, VmaKind, page_ceil,
};
use crate::platform::Platform;
use crate::user::USER_END;
use crate::{Errno, Error};
use alloc::sync::Arc;
use bitflags::bitflags;

bitflags! {
    /// MAP_* (mman-common.h, mman.h for x86).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct MapFlags: u32 {
        const SHARED = 0x01;
        const PRIVATE = 0x02;
        const FIXED = 0x10;
        const ANONYMOUS = 0x20;
        const GROWSDOWN = 0x100;
        const DENYWRITE = 0x800;
        const EXECUTABLE = 0x1000;
        const LOCKED = 0x2000;
        const NORESERVE = 0x4000;
        const POPULATE = 0x8000;
        const NONBLOCK = 0x10000;
        const STACK = 0x20000;
        const HUGETLB = 0x40000;
        const SYNC = 0x80000;
        const FIXED_NOREPLACE = 0x100000;
        const UNINITIALIZED = 0x400_0000;
    }
}

bitflags! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct MremapFlags: u32 {
        const MAYMOVE = 1;
        const FIXED = 2;
        const DONTUNMAP = 4;
    }
}

pub const MADV_DONTNEED: i32 = 4;
pub const MADV_FREE: i32 = 8;

fn aligned(v: u64) -> bool {
    v.is_multiple_of(PAGE_SIZE)
}

/// `[addr, addr+len)` rounded out to pages, inside the program's half.
fn range(addr: u64, len: u64) -> Result<(u64, u64), Errno> {
    let len = page_ceil(len).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if end > USER_END {
        return Err(Errno::ENOMEM);
    }
    Ok((addr, end))
}

impl Mm {
    /// Anonymous mmap.
    pub fn mmap_anonymous(
        &self,
        p: &dyn Platform,
        addr: u64,
        len: u64,
        prot: Prot,
        flags: MapFlags,
    ) -> Result<u64, Error> {
        let kind = if flags.contains(MapFlags::GROWSDOWN) {
            VmaKind::Stack
        } else {
            VmaKind::Anonymous
        };
        self.map(p, addr, len, prot, flags, kind)
    }

    /// A file mapping. A private one's pages are copies of the file's,
    /// read when first touched (MAP_PRIVATE leaves it unspecified whether
    /// later changes to the file show; here they show until a page is
    /// touched); a shared one maps the file's own pages.
    pub fn mmap_file(
        &self,
        p: &dyn Platform,
        addr: u64,
        len: u64,
        prot: Prot,
        flags: MapFlags,
        file: FileMap,
    ) -> Result<u64, Error> {
        // Linux's file_mmap_ok: the range must fit below the largest
        // file offset.
        if page_ceil(len)
            .and_then(|l| file.offset.checked_add(l))
            .is_none_or(|end| end > i64::MAX as u64)
        {
            return Err(Errno::EOVERFLOW.into());
        }
        self.map(p, addr, len, prot, flags, VmaKind::File(file))
    }

    /// Places a new VMA of `kind` as mmap(2) says: at `addr` exactly with
    /// MAP_FIXED (replacing what was there) or MAP_FIXED_NOREPLACE, at the
    /// hint if it is free, else top-down below the mmap base.
    fn map(
        &self,
        p: &dyn Platform,
        addr: u64,
        len: u64,
        prot: Prot,
        flags: MapFlags,
        kind: VmaKind,
    ) -> Result<u64, Error> {
        if len == 0 {
            return Err(Errno::EINVAL.into());
        }
        if flags.contains(MapFlags::HUGETLB) {
            return Err(Error::new(Errno::EINVAL, "no huge pages are reserved"));
        }
        if flags.contains(MapFlags::SYNC) {
            return Err(Error::new(Errno::EOPNOTSUPP, "MAP_SYNC needs a DAX file"));
        }
        if len > USER_END {
            return Err(Errno::ENOMEM.into());
        }
        let len = page_ceil(len).ok_or(Errno::ENOMEM)?;
        let mut s = self.state.lock();
        let fixed = flags.intersects(MapFlags::FIXED | MapFlags::FIXED_NOREPLACE);
        let start = if fixed {
            if !aligned(addr) {
                return Err(Errno::EINVAL.into());
            }
            let (start, end) = range(addr, len)?;
            if start < MMAP_MIN_ADDR {
                return Err(Error::new(Errno::EPERM, "below vm.mmap_min_addr"));
            }
            if s.overlaps(start, end) {
                if flags.contains(MapFlags::FIXED_NOREPLACE) {
                    return Err(Errno::EEXIST.into());
                }
                s.carve(start, end);
                p.unmap(start, end);
            }
            start
        } else {
            // A hint is used when the range there is free, as Linux does.
            let hint = super::page_floor(addr);
            match range(hint, len) {
                Ok((h, e)) if h >= MMAP_MIN_ADDR && !s.overlaps(h, e) => h,
                _ => s.gap_top_down(len, MMAP_BASE).ok_or(Errno::ENOMEM)?,
            }
        };
        s.insert_merged(Vma {
            start,
            end: start + len,
            prot,
            kind,
        });
        Ok(start)
    }

    /// The file behind `source` changed size or dropped pages in
    /// `[start, end)` (file offsets): the mappings of those pages are cut,
    /// so the next access maps what the file holds now (or raises SIGBUS
    /// past its end). Private copies go too when `even_private` (as
    /// Linux's truncation unmaps even COW pages).
    pub fn file_changed(
        &self,
        p: &dyn Platform,
        source: &Arc<dyn MapSource>,
        start: u64,
        end: u64,
        even_private: bool,
    ) {
        let s = self.state.lock();
        for v in s.vmas.values() {
            let VmaKind::File(f) = &v.kind else { continue };
            if !Arc::ptr_eq(&f.source, source) {
                continue;
            }
            let vma_file_end = f.offset + (v.end - v.start);
            let lo = start.max(f.offset);
            let hi = end.min(vma_file_end);
            if lo < hi {
                let from = v.start + (super::page_floor(lo) - f.offset);
                let to = v.start + (page_ceil(hi).unwrap_or(hi) - f.offset).min(v.end - v.start);
                if f.shared || even_private {
                    p.unmap(from, to);
                } else {
                    // Private copies stay; the file's own pages go.
                    p.unmap_borrowed(from, to);
                }
            }
        }
    }

    /// msync(2). The file systems here keep file data in memory, so the
    /// pages of a shared mapping are the file already: there is nothing to
    /// write back, only the arguments to check.
    pub fn msync(&self, addr: u64, len: u64, flags: u32) -> Result<(), Error> {
        const MS_ASYNC: u32 = 1;
        const MS_INVALIDATE: u32 = 2;
        const MS_SYNC: u32 = 4;
        if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
            || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
            || !aligned(addr)
        {
            return Err(Errno::EINVAL.into());
        }
        let (start, end) = range(addr, len).map_err(|_| Errno::ENOMEM)?;
        if self.state.lock().fully_mapped(start, end) {
            Ok(())
        } else {
            Err(Errno::ENOMEM.into())
        }
    }

    /// mincore(2): one byte per page of `[addr, addr+len)`, 1 if resident.
    /// A file mapping's pages are resident when the file holds them (the
    /// file systems here keep file data in memory), mapped here or not.
    pub fn mincore(
        &self,
        p: &dyn Platform,
        addr: u64,
        len: u64,
    ) -> Result<alloc::vec::Vec<u8>, Error> {
        if !aligned(addr) {
            return Err(Errno::EINVAL.into());
        }
        let (start, end) = range(addr, len).map_err(|_| Errno::ENOMEM)?;
        let s = self.state.lock();
        if !s.fully_mapped(start, end) {
            return Err(Errno::ENOMEM.into());
        }
        let mut out = alloc::vec::Vec::new();
        let mut page = start;
        while page < end {
            let resident = match s.find(page).map(|v| &v.kind) {
                Some(VmaKind::File(f)) => {
                    let v = s.find(page).expect("found above");
                    p.resident(page) || f.offset + (page - v.start) < f.source.size()
                }
                _ => p.resident(page),
            };
            out.push(u8::from(resident));
            page += PAGE_SIZE;
        }
        Ok(out)
    }

    pub fn munmap(&self, p: &dyn Platform, addr: u64, len: u64) -> Result<(), Error> {
        if !aligned(addr) || len == 0 {
            return Err(Errno::EINVAL.into());
        }
        let (start, end) = range(addr, len).map_err(|_| Errno::EINVAL)?;
        let mut s = self.state.lock();
        s.carve(start, end);
        p.unmap(start, end);
        Ok(())
    }

    pub fn mprotect(&self, p: &dyn Platform, addr: u64, len: u64, prot: Prot) -> Result<(), Error> {
        if !aligned(addr) {
            return Err(Errno::EINVAL.into());
        }
        let (start, end) = range(addr, len)?;
        if start == end {
            return Ok(());
        }
        let mut s = self.state.lock();
        if !s.fully_mapped(start, end) {
            return Err(Errno::ENOMEM.into());
        }
        // A shared mapping of a file not open for writing stays read-only.
        let read_only_file = s.vmas.range(..end).any(|(_, v)| {
            v.end > start && matches!(&v.kind, VmaKind::File(f) if f.shared && !f.writable)
        });
        if read_only_file && prot.contains(Prot::WRITE) {
            return Err(Errno::EACCES.into());
        }
        let pieces: alloc::vec::Vec<Vma> = s
            .vmas
            .range(..end)
            .map(|(_, v)| v.clone())
            .filter(|v| v.end > start)
            .collect();
        s.carve(start, end);
        for v in pieces {
            s.insert_merged(Vma {
                prot,
                ..v.slice(v.start.max(start), v.end.min(end))
            });
        }
        p.protect(start, end, prot);
        Ok(())
    }

    pub fn mremap(
        &self,
        p: &dyn Platform,
        old: u64,
        old_len: u64,
        new_len: u64,
        flags: MremapFlags,
        new_addr: u64,
    ) -> Result<u64, Error> {
        if !aligned(old) || new_len == 0 {
            return Err(Errno::EINVAL.into());
        }
        if flags.contains(MremapFlags::FIXED) && !flags.contains(MremapFlags::MAYMOVE) {
            return Err(Errno::EINVAL.into());
        }
        if flags.contains(MremapFlags::DONTUNMAP) {
            return Err(Error::new(
                Errno::EINVAL,
                "MREMAP_DONTUNMAP is not supported",
            ));
        }
        let old_len = page_ceil(old_len).ok_or(Errno::EINVAL)?;
        let new_len = page_ceil(new_len).ok_or(Errno::ENOMEM)?;
        if old_len == 0 {
            return Err(Error::new(
                Errno::EINVAL,
                "old_size 0 duplicates shared mappings only",
            ));
        }
        let (_, old_end) = range(old, old_len).map_err(|_| Errno::EFAULT)?;
        let mut s = self.state.lock();
        let vma = s.find(old).ok_or(Errno::EFAULT)?.clone();
        if old_end > vma.end {
            return Err(Errno::EFAULT.into());
        }
        if flags.contains(MremapFlags::FIXED) {
            if !aligned(new_addr) {
                return Err(Errno::EINVAL.into());
            }
            let (to, to_end) = range(new_addr, new_len)?;
            if to < old_end && old < to_end {
                return Err(Errno::EINVAL.into());
            }
            s.carve(to, to_end);
            p.unmap(to, to_end);
            return Ok(move_range(&mut s, p, vma, old, old_len, new_len, to));
        }
        if new_len <= old_len {
            s.carve(old + new_len, old_end);
            p.unmap(old + new_len, old_end);
            return Ok(old);
        }
        let grow_end = old.checked_add(new_len).ok_or(Errno::ENOMEM)?;
        if old_end == vma.end && grow_end <= USER_END && !s.overlaps(old_end, grow_end) {
            // The new tail continues the VMA (and its file, if any).
            let tail = Vma {
                end: grow_end,
                ..vma.slice(old_end, vma.end)
            };
            s.insert_merged(tail);
            return Ok(old);
        }
        if !flags.contains(MremapFlags::MAYMOVE) {
            return Err(Errno::ENOMEM.into());
        }
        let to = s.gap_top_down(new_len, MMAP_BASE).ok_or(Errno::ENOMEM)?;
        Ok(move_range(&mut s, p, vma, old, old_len, new_len, to))
    }

    /// brk(2): returns the new break, or the old one when the request cannot
    /// be met (that is how the syscall reports failure).
    pub fn brk(&self, p: &dyn Platform, addr: u64) -> u64 {
        let mut s = self.state.lock();
        let (base, cur) = (s.brk_start, s.brk);
        if addr < base {
            return cur;
        }
        let Some(new_end) = page_ceil(addr) else {
            return cur;
        };
        let cur_end = page_ceil(cur).unwrap_or(cur);
        if new_end > cur_end {
            if new_end > MMAP_BASE || s.overlaps(cur_end, new_end) {
                return cur;
            }
            s.insert_merged(Vma {
                start: cur_end,
                end: new_end,
                prot: Prot::READ | Prot::WRITE,
                kind: VmaKind::Heap,
            });
        } else if new_end < cur_end {
            s.carve(new_end, cur_end);
            p.unmap(new_end, cur_end);
        }
        s.brk = addr;
        addr
    }

    pub fn madvise(&self, p: &dyn Platform, addr: u64, len: u64, advice: i32) -> Result<(), Error> {
        if !aligned(addr) {
            return Err(Errno::EINVAL.into());
        }
        let (start, end) = range(addr, len).map_err(|_| Errno::EINVAL)?;
        match advice {
            MADV_DONTNEED | MADV_FREE => {
                let s = self.state.lock();
                if !s.fully_mapped(start, end) {
                    return Err(Errno::ENOMEM.into());
                }
                // Anonymous pages read back as zeroes afterwards: drop them.
                p.unmap(start, end);
                Ok(())
            }
            // Hints that change no result a program can observe here (no
            // swap, no fork, no huge pages, no core dumps): honoured by doing
            // nothing, as Linux itself may.
            0..=3 | 10..=21 => {
                if self.state.lock().fully_mapped(start, end) {
                    Ok(())
                } else {
                    Err(Errno::ENOMEM.into())
                }
            }
            _ => Err(Error::new(Errno::EINVAL, "unknown madvise advice")),
        }
    }
}

fn move_range(
    s: &mut super::State,
    p: &dyn Platform,
    vma: Vma,
    old: u64,
    old_len: u64,
    new_len: u64,
    to: u64,
) -> u64 {
    let keep = old_len.min(new_len);
    s.carve(old, old + old_len);
    p.move_pages(old, to, keep);
    p.unmap(old, old + old_len);
    let moved = vma.slice(old, old + old_len).moved(to);
    s.insert_merged(Vma {
        end: to + new_len,
        ..moved
    });
    to
}
