//! Kernel stacks for threads and for each CPU's interrupt stacks: every
//! stack has its own slot in a virtual area, mapped 4 KiB at a time, with
//! an unmapped guard page below it, so an overflow faults instead of
//! corrupting a neighbour. Stacks that are freed are kept for reuse
//! (mapped as they are), so a slot never maps different frames over time
//! and no other CPU can hold a stale translation for it.

use super::paging::{self, AddressSpace, GlobalFrames, PageSize};
use super::{PAGE_SIZE, frame};
use crate::sync::IrqMutex;
use alloc::vec::Vec;

/// Where the slots are: 0xffffc900_00000000 as on Linux (vmalloc space).
const AREA: u64 = 0xffff_c900_0000_0000;
const AREA_SIZE: u64 = 1 << 40;

/// The page-table lock: every change to the shared page tables (program
/// pages, kernel stacks, device mappings) happens under it.
pub static PAGE_TABLES: IrqMutex<()> = IrqMutex::new(());

struct Slots {
    next: u64,
    /// Freed stacks by size: (size, bottom).
    free: Vec<(u64, u64)>,
}

static SLOTS: IrqMutex<Slots> = IrqMutex::new(Slots {
    next: AREA,
    free: Vec::new(),
});

/// A stack of `size` bytes; `top` is where RSP starts.
pub struct KernelStack {
    bottom: u64,
    size: u64,
}

impl KernelStack {
    /// A stack of `size` bytes (a multiple of the page size), or None when
    /// memory is out.
    pub fn new(size: u64) -> Option<Self> {
        let reused = {
            let mut s = SLOTS.lock();
            s.free
                .iter()
                .position(|&(sz, _)| sz == size)
                .map(|i| s.free.swap_remove(i).1)
        };
        if let Some(bottom) = reused {
            return Some(KernelStack { bottom, size });
        }
        let bottom = {
            let mut s = SLOTS.lock();
            let guard = s.next;
            if guard + PAGE_SIZE + size > AREA + AREA_SIZE {
                return None;
            }
            s.next = guard + PAGE_SIZE + size;
            guard + PAGE_SIZE
        };
        let space = AddressSpace::current();
        let _pt = PAGE_TABLES.lock();
        let mut page = bottom;
        while page < bottom + size {
            let phys = frame::alloc(1)?;
            let flags = paging::WRITABLE | paging::NO_EXECUTE | paging::GLOBAL;
            if space
                .map(page, phys, PageSize::Size4K, flags, &mut GlobalFrames)
                .is_err()
            {
                frame::dealloc(phys, 1);
                return None;
            }
            page += PAGE_SIZE;
        }
        Some(KernelStack { bottom, size })
    }

    pub fn top(&self) -> u64 {
        self.bottom + self.size
    }

    pub fn bottom(&self) -> u64 {
        self.bottom
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        SLOTS.lock().free.push((self.size, self.bottom));
    }
}

/// Whether `addr` lies in the guard page of some kernel stack (for the
/// fault report). Slots are laid out guard-then-stack from `AREA`, so the
/// test is whether the page is mapped.
pub fn is_guard(addr: u64) -> bool {
    (AREA..AREA + AREA_SIZE).contains(&addr)
        && addr < SLOTS.try_lock().map_or(AREA + AREA_SIZE, |s| s.next)
        && AddressSpace::current().translate(addr).is_none()
}
