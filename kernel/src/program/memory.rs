//! The program's pages: the page-table side of the VMAs in `syscalls::mm`.
//! Program memory is the lower half of the kernel's own page tables (one
//! address space); pages are plain ring-0 mappings (the program runs in
//! ring 0), writable only where the VMA allows, never executable unless
//! PROT_EXEC.
//!
//! Every change is made under the page-table lock. One that takes away or
//! changes a present translation is followed by a TLB shootdown (the
//! other CPUs may cache it), and frames are freed only after it.

use crate::arch::smp;
use crate::mm::kstack::PAGE_TABLES;
use crate::mm::paging::{
    self, ADDR_MASK, AddressSpace, GlobalFrames, MapError, NO_EXECUTE, PARKED, PRESENT, WRITABLE,
};
use crate::mm::{PAGE_SIZE, frame, phys_to_virt};
use alloc::vec::Vec;
use syscalls::mm::Prot;

/// The leaf flags for a page with `prot`. PROT_NONE pages are parked: not
/// present, frame kept.
pub fn leaf_flags(prot: Prot) -> u64 {
    if prot.is_empty() {
        return PARKED;
    }
    let mut f = PRESENT;
    if prot.contains(Prot::WRITE) {
        f |= WRITABLE;
    }
    if !prot.contains(Prot::EXEC) {
        f |= NO_EXECUTE;
    }
    f
}

/// Installs a fresh frame at `page`; if another thread's fault mapped the
/// page first, that one stays and the frame goes back.
fn install(page: u64, phys: u64, prot: Prot) -> Result<(), MapError> {
    let r = {
        let _pt = PAGE_TABLES.lock();
        AddressSpace::current().set_4k_entry(page, phys | leaf_flags(prot), &mut GlobalFrames)
    };
    match r {
        Ok(()) => Ok(()),
        Err(MapError::AlreadyMapped) => {
            frame::dealloc(phys, 1);
            Ok(())
        }
        Err(e) => {
            frame::dealloc(phys, 1);
            Err(e)
        }
    }
}

/// Maps one zero-filled page at `page` (demand paging).
pub fn map_zeroed(page: u64, prot: Prot) -> Result<(), MapError> {
    let phys = frame::alloc_zeroed().ok_or(MapError::OutOfFrames)?;
    install(page, phys, prot)
}

/// Maps a page whose contents the caller fills through the returned
/// direct-map pointer before the program runs.
pub fn map_filled(
    page: u64,
    prot: Prot,
    fill: impl FnOnce(&mut [u8]),
) -> Result<(), paging::MapError> {
    let phys = frame::alloc_zeroed().ok_or(paging::MapError::OutOfFrames)?;
    // SAFETY: the frame was just allocated; nothing else refers to it.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(phys_to_virt(phys) as *mut u8, PAGE_SIZE as usize)
    };
    fill(bytes);
    install(page, phys, prot)
}

pub fn unmap(start: u64, end: u64) {
    let mut freed = Vec::new();
    {
        let _pt = PAGE_TABLES.lock();
        AddressSpace::current().update_4k_leaves(start, end, |_, e| {
            freed.extend(paging::leaf_frame(e));
            0
        });
    }
    if freed.is_empty() {
        return;
    }
    smp::shootdown(start, end);
    for phys in freed {
        frame::dealloc(phys, 1);
    }
}

pub fn protect(start: u64, end: u64, prot: Prot) {
    let flags = leaf_flags(prot);
    let mut changed = false;
    {
        let _pt = PAGE_TABLES.lock();
        AddressSpace::current().update_4k_leaves(start, end, |_, e| {
            changed = true;
            (e & ADDR_MASK) | flags
        });
    }
    if changed {
        smp::shootdown(start, end);
    }
}

pub fn move_pages(from: u64, to: u64, len: u64) {
    let mut lost = Vec::new();
    let any = {
        let _pt = PAGE_TABLES.lock();
        let space = AddressSpace::current();
        let mut moved = Vec::new();
        space.update_4k_leaves(from, from + len, |virt, e| {
            moved.push((virt - from, e));
            0
        });
        for &(offset, e) in &moved {
            if space
                .set_4k_entry(to + offset, e, &mut GlobalFrames)
                .is_err()
            {
                // Out of page-table frames: the page is lost, as if never
                // touched.
                lost.extend(paging::leaf_frame(e));
            }
        }
        !moved.is_empty()
    };
    if any {
        smp::shootdown(from, from + len);
    }
    for phys in lost {
        frame::dealloc(phys, 1);
    }
}
