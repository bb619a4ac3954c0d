//! x86-64 four-level page tables (Intel SDM Vol. 3A, 4.5).
//!
//! Tables are reached through the direct map. Intermediate tables come from a
//! `FrameSource` so the same code builds the first kernel tables (from an early
//! bump allocator) and later ones (from the frame allocator).

use super::{PAGE_SIZE, phys_to_virt};
use crate::arch::cpu;

pub const PRESENT: u64 = 1 << 0;
pub const WRITABLE: u64 = 1 << 1;
pub const USER: u64 = 1 << 2;
pub const WRITE_THROUGH: u64 = 1 << 3;
pub const NO_CACHE: u64 = 1 << 4;
pub const HUGE: u64 = 1 << 7;
pub const GLOBAL: u64 = 1 << 8;
pub const NO_EXECUTE: u64 = 1 << 63;
/// The physical-address bits of a page-table entry.
pub const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    Size4K,
    Size2M,
    Size1G,
}

impl PageSize {
    pub const fn bytes(self) -> u64 {
        match self {
            PageSize::Size4K => 4096,
            PageSize::Size2M => 2 << 20,
            PageSize::Size1G => 1 << 30,
        }
    }
    /// The table level whose entries map pages of this size (1 = PT).
    const fn level(self) -> usize {
        match self {
            PageSize::Size4K => 1,
            PageSize::Size2M => 2,
            PageSize::Size1G => 3,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Something is already mapped there (possibly by a larger page).
    AlreadyMapped,
    NotMapped,
    /// A larger page covers the address; splitting is not supported.
    HugePageInTheWay,
    Misaligned,
    OutOfFrames,
}

/// Where page-table frames come from.
pub trait FrameSource {
    /// One zeroed frame.
    fn zeroed_frame(&mut self) -> Option<u64>;
}

/// The global frame allocator as a frame source.
pub struct GlobalFrames;

impl FrameSource for GlobalFrames {
    fn zeroed_frame(&mut self) -> Option<u64> {
        super::frame::alloc_zeroed()
    }
}

/// A page-table hierarchy, named by the physical address of its PML4.
#[derive(Clone, Copy, Debug)]
pub struct AddressSpace {
    pub pml4: u64,
}

fn entry_index(virt: u64, level: usize) -> usize {
    ((virt >> (12 + 9 * (level - 1))) & 0x1ff) as usize
}

fn table(phys: u64) -> *mut u64 {
    phys_to_virt(phys) as *mut u64
}

fn read_entry(table_phys: u64, index: usize) -> u64 {
    // SAFETY: `table_phys` is a page-table frame owned by this address space,
    // mapped by the direct map; index < 512.
    unsafe { table(table_phys).add(index).read_volatile() }
}

fn write_entry(table_phys: u64, index: usize, value: u64) {
    // SAFETY: as in read_entry; page-table frames are only written here.
    unsafe { table(table_phys).add(index).write_volatile(value) }
}

impl AddressSpace {
    /// A new, empty hierarchy.
    pub fn new(frames: &mut impl FrameSource) -> Option<Self> {
        Some(AddressSpace {
            pml4: frames.zeroed_frame()?,
        })
    }

    /// The hierarchy the CPU is using now.
    pub fn current() -> Self {
        AddressSpace {
            pml4: cpu::read_cr3() & ADDR_MASK,
        }
    }

    /// Maps one page. `flags` are the leaf's flags (PRESENT is implied).
    pub fn map(
        &self,
        virt: u64,
        phys: u64,
        size: PageSize,
        flags: u64,
        frames: &mut impl FrameSource,
    ) -> Result<(), MapError> {
        if !virt.is_multiple_of(size.bytes()) || !phys.is_multiple_of(size.bytes()) {
            return Err(MapError::Misaligned);
        }
        let mut table_phys = self.pml4;
        for level in (size.level() + 1..=4).rev() {
            let i = entry_index(virt, level);
            let e = read_entry(table_phys, i);
            table_phys = if e & PRESENT == 0 {
                let new = frames.zeroed_frame().ok_or(MapError::OutOfFrames)?;
                // Intermediate entries allow everything; leaves restrict.
                write_entry(table_phys, i, new | PRESENT | WRITABLE | (flags & USER));
                new
            } else if e & HUGE != 0 {
                return Err(MapError::HugePageInTheWay);
            } else {
                e & ADDR_MASK
            };
        }
        let i = entry_index(virt, size.level());
        if read_entry(table_phys, i) & PRESENT != 0 {
            return Err(MapError::AlreadyMapped);
        }
        let huge = if size == PageSize::Size4K { 0 } else { HUGE };
        write_entry(table_phys, i, phys | flags | PRESENT | huge);
        Ok(())
    }

    /// Maps `[phys, phys+len)` at `virt` with the largest pages that fit.
    pub fn map_range(
        &self,
        virt: u64,
        phys: u64,
        len: u64,
        flags: u64,
        allow_1g: bool,
        frames: &mut impl FrameSource,
    ) -> Result<(), MapError> {
        let mut off = 0;
        while off < len {
            let (v, p, left) = (virt + off, phys + off, len - off);
            let size = [PageSize::Size1G, PageSize::Size2M, PageSize::Size4K]
                .into_iter()
                .find(|s| {
                    (allow_1g || *s != PageSize::Size1G)
                        && v % s.bytes() == 0
                        && p % s.bytes() == 0
                        && left >= s.bytes()
                })
                .unwrap_or(PageSize::Size4K);
            self.map(v, p, size, flags, frames)?;
            off += size.bytes();
        }
        Ok(())
    }

    /// Finds the leaf entry for `virt`: (table, index, page size).
    fn leaf(&self, virt: u64) -> Option<(u64, usize, PageSize)> {
        let mut table_phys = self.pml4;
        for level in (1..=4).rev() {
            let i = entry_index(virt, level);
            let e = read_entry(table_phys, i);
            if e & PRESENT == 0 {
                return None;
            }
            let size = match level {
                3 if e & HUGE != 0 => Some(PageSize::Size1G),
                2 if e & HUGE != 0 => Some(PageSize::Size2M),
                1 => Some(PageSize::Size4K),
                _ => None,
            };
            if let Some(size) = size {
                return Some((table_phys, i, size));
            }
            table_phys = e & ADDR_MASK;
        }
        None
    }

    /// The physical address `virt` maps to, if any.
    pub fn translate(&self, virt: u64) -> Option<u64> {
        let (t, i, size) = self.leaf(virt)?;
        let base = read_entry(t, i) & ADDR_MASK & !(size.bytes() - 1);
        Some(base + (virt & (size.bytes() - 1)))
    }

    /// The flags of the leaf mapping `virt`.
    pub fn flags(&self, virt: u64) -> Option<u64> {
        let (t, i, _) = self.leaf(virt)?;
        Some(read_entry(t, i) & !ADDR_MASK)
    }

    /// Unmaps the page at `virt` (which must start a page) and flushes it from
    /// this CPU's TLB. Returns the physical address and size it mapped.
    /// Intermediate tables are kept.
    pub fn unmap(&self, virt: u64) -> Result<(u64, PageSize), MapError> {
        let (t, i, size) = self.leaf(virt).ok_or(MapError::NotMapped)?;
        if !virt.is_multiple_of(size.bytes()) {
            return Err(MapError::Misaligned);
        }
        let phys = read_entry(t, i) & ADDR_MASK;
        write_entry(t, i, 0);
        cpu::invlpg(virt);
        Ok((phys, size))
    }

    /// Makes this hierarchy the CPU's.
    ///
    /// # Safety
    /// It must map the kernel image, its stacks and the direct map exactly as
    /// the current one does.
    pub unsafe fn activate(&self) {
        // SAFETY: the caller upholds this function's contract.
        unsafe { cpu::write_cr3(self.pml4) };
    }
}

/// Frames handed out in order from one range, before the frame allocator
/// exists. What it handed out is reported so the allocator can exclude it.
pub struct BumpFrames {
    pub start: u64,
    pub next: u64,
    pub end: u64,
}

impl BumpFrames {
    pub fn alloc(&mut self, bytes: u64) -> Option<u64> {
        let bytes = super::align_up(bytes, PAGE_SIZE);
        if self.end - self.next < bytes {
            return None;
        }
        let p = self.next;
        self.next += bytes;
        Some(p)
    }
}

impl FrameSource for BumpFrames {
    fn zeroed_frame(&mut self) -> Option<u64> {
        let p = self.alloc(PAGE_SIZE)?;
        // SAFETY: the bump range is RAM nobody else uses yet, mapped by the
        // boot tables (it lies below 1 GiB).
        unsafe { core::ptr::write_bytes(phys_to_virt(p) as *mut u8, 0, PAGE_SIZE as usize) };
        Some(p)
    }
}

/// Software bit (ignored by the MMU) on a non-present leaf that still owns
/// its frame: a PROT_NONE page keeps its contents for a later mprotect.
pub const PARKED: u64 = 1 << 9;

/// Software bit on a leaf whose frame belongs to someone else (a file's
/// page, mapped shared): unmapping it never frees the frame.
pub const BORROWED: u64 = 1 << 10;

/// Software bit on a borrowed leaf of a private file mapping: the file's
/// page is shown read-only, whatever the protection, until a write
/// replaces it with a private copy.
pub const COPY_ON_WRITE: u64 = 1 << 11;

/// A 4 KiB leaf entry's frame, when it owns one (present or parked, not
/// borrowed).
pub fn leaf_frame(entry: u64) -> Option<u64> {
    (entry & (PRESENT | PARKED) != 0 && entry & BORROWED == 0).then_some(entry & ADDR_MASK)
}

impl AddressSpace {
    /// Calls `f(virt, entry)` for every 4 KiB leaf in `[start, end)` that is
    /// present or parked, and stores what `f` returns as the new entry.
    /// Empty tables are skipped, so sparse ranges cost little. Huge pages
    /// are not expected in program memory and are left alone.
    pub fn update_4k_leaves(&self, start: u64, end: u64, mut f: impl FnMut(u64, u64) -> u64) {
        self.walk(self.pml4, 4, 0, start, end, &mut f);
    }

    fn walk(
        &self,
        table_phys: u64,
        level: usize,
        base: u64,
        start: u64,
        end: u64,
        f: &mut impl FnMut(u64, u64) -> u64,
    ) {
        let span = 1u64 << (12 + 9 * (level - 1));
        // Only the entries that overlap [start, end): a small munmap must not
        // look at 512 entries on every level.
        let first = start.saturating_sub(base) / span;
        let last = (end.saturating_sub(base)).div_ceil(span).min(512);
        for i in first..last {
            let lo = base + i * span;
            let e = read_entry(table_phys, i as usize);
            if level == 1 {
                if e & (PRESENT | PARKED) != 0 {
                    let new = f(lo, e);
                    if new != e {
                        write_entry(table_phys, i as usize, new);
                        cpu::invlpg(lo);
                    }
                }
            } else if e & PRESENT != 0 && e & HUGE == 0 {
                self.walk(e & ADDR_MASK, level - 1, lo, start, end, f);
            }
        }
    }

    /// Installs a raw 4 KiB leaf entry at `virt` (which must hold none).
    pub fn set_4k_entry(
        &self,
        virt: u64,
        entry: u64,
        frames: &mut impl FrameSource,
    ) -> Result<(), MapError> {
        let mut table_phys = self.pml4;
        for level in (2..=4).rev() {
            let i = entry_index(virt, level);
            let e = read_entry(table_phys, i);
            table_phys = if e & PRESENT == 0 {
                let new = frames.zeroed_frame().ok_or(MapError::OutOfFrames)?;
                write_entry(table_phys, i, new | PRESENT | WRITABLE);
                new
            } else if e & HUGE != 0 {
                return Err(MapError::HugePageInTheWay);
            } else {
                e & ADDR_MASK
            };
        }
        let i = entry_index(virt, 1);
        if read_entry(table_phys, i) & (PRESENT | PARKED) != 0 {
            return Err(MapError::AlreadyMapped);
        }
        write_entry(table_phys, i, entry);
        cpu::invlpg(virt);
        Ok(())
    }
}
