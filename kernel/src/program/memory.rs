//! The program's pages: the page-table side of the VMAs in `syscalls::mm`.
//! Program memory is the lower half of the kernel's own page tables (one
//! address space); pages are plain ring-0 mappings (the program runs in
//! ring 0), writable only where the VMA allows, never executable unless
//! PROT_EXEC.

use crate::mm::paging::{
    self, ADDR_MASK, AddressSpace, GlobalFrames, NO_EXECUTE, PARKED, PRESENT, WRITABLE,
};
use crate::mm::{PAGE_SIZE, frame, phys_to_virt};
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

/// Maps one zero-filled page at `page` (demand paging).
pub fn map_zeroed(page: u64, prot: Prot) -> Result<(), paging::MapError> {
    let phys = frame::alloc_zeroed().ok_or(paging::MapError::OutOfFrames)?;
    let r = AddressSpace::current().set_4k_entry(page, phys | leaf_flags(prot), &mut GlobalFrames);
    if r.is_err() {
        frame::dealloc(phys, 1);
    }
    r
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
    let r = AddressSpace::current().set_4k_entry(page, phys | leaf_flags(prot), &mut GlobalFrames);
    if r.is_err() {
        frame::dealloc(phys, 1);
    }
    r
}

pub fn unmap(start: u64, end: u64) {
    AddressSpace::current().update_4k_leaves(start, end, |_, e| {
        if let Some(phys) = paging::leaf_frame(e) {
            frame::dealloc(phys, 1);
        }
        0
    });
}

pub fn protect(start: u64, end: u64, prot: Prot) {
    let flags = leaf_flags(prot);
    AddressSpace::current().update_4k_leaves(start, end, |_, e| (e & ADDR_MASK) | flags);
}

pub fn move_pages(from: u64, to: u64, len: u64) {
    let space = AddressSpace::current();
    let mut moved = alloc::vec::Vec::new();
    space.update_4k_leaves(from, from + len, |virt, e| {
        moved.push((virt - from, e));
        0
    });
    for (offset, e) in moved {
        if space
            .set_4k_entry(to + offset, e, &mut GlobalFrames)
            .is_err()
        {
            // Out of page-table frames: the page is lost, as if never touched.
            if let Some(phys) = paging::leaf_frame(e) {
                frame::dealloc(phys, 1);
            }
        }
    }
}
