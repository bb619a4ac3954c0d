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
    self, ADDR_MASK, AddressSpace, BORROWED, COPY_ON_WRITE, GlobalFrames, MapError, NO_EXECUTE,
    PARKED, PRESENT, WRITABLE,
};
use crate::mm::{DIRECT_MAP_BASE, PAGE_SIZE, frame, phys_to_virt};
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

/// Installs a fresh frame at `page`. A file's page shown there (copy on
/// write) gives way to it; if another thread's fault mapped a page of its
/// own first, that one stays and the frame goes back.
fn install(page: u64, phys: u64, prot: Prot) -> Result<(), MapError> {
    let entry = phys | leaf_flags(prot);
    let mut replaced = false;
    let r = {
        let _pt = PAGE_TABLES.lock();
        let space = AddressSpace::current();
        match space.set_4k_entry(page, entry, &mut GlobalFrames) {
            Err(MapError::AlreadyMapped) => {
                space.update_4k_leaves(page, page + PAGE_SIZE, |_, e| {
                    if e & BORROWED != 0 {
                        replaced = true;
                        entry
                    } else {
                        e
                    }
                });
                if replaced {
                    Ok(())
                } else {
                    Err(MapError::AlreadyMapped)
                }
            }
            r => r,
        }
    };
    if replaced {
        // Other CPUs may still hold the read-only translation.
        smp::shootdown(page, page + PAGE_SIZE);
    }
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

/// Maps a page whose contents `fill` writes before the program can see
/// it; when `fill` says it could not (false), nothing is mapped.
pub fn map_filled(
    page: u64,
    prot: Prot,
    fill: impl FnOnce(&mut [u8]) -> bool,
) -> Result<bool, paging::MapError> {
    let phys = frame::alloc_zeroed().ok_or(paging::MapError::OutOfFrames)?;
    // SAFETY: the frame was just allocated; nothing else refers to it.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(phys_to_virt(phys) as *mut u8, PAGE_SIZE as usize)
    };
    if !fill(bytes) {
        frame::dealloc(phys, 1);
        return Ok(false);
    }
    install(page, phys, prot).map(|()| true)
}

/// Maps the page at kernel address `addr` (a file's page in the heap,
/// which lives in the direct map) at `page`, borrowed: the mapping never
/// frees it. The file keeps the page alive while it is mapped. `cow`:
/// read-only until a write fault copies it (a private mapping).
pub fn map_borrowed(page: u64, addr: u64, prot: Prot, cow: bool) -> Result<(), MapError> {
    assert!(
        addr >= DIRECT_MAP_BASE && addr.is_multiple_of(PAGE_SIZE),
        "a shared file page at {addr:#x} is not a direct-mapped page"
    );
    let phys = addr - DIRECT_MAP_BASE;
    let _pt = PAGE_TABLES.lock();
    let flags = if cow {
        (leaf_flags(prot) & !WRITABLE) | COPY_ON_WRITE
    } else {
        leaf_flags(prot)
    };
    match AddressSpace::current().set_4k_entry(page, phys | flags | BORROWED, &mut GlobalFrames) {
        Ok(()) | Err(MapError::AlreadyMapped) => Ok(()),
        Err(e) => Err(e),
    }
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

/// Drops the borrowed pages (a file's own) of `[start, end)`, keeping the
/// program's own frames.
pub fn unmap_borrowed(start: u64, end: u64) {
    let mut changed = false;
    {
        let _pt = PAGE_TABLES.lock();
        AddressSpace::current().update_4k_leaves(start, end, |_, e| {
            if e & BORROWED != 0 {
                changed = true;
                0
            } else {
                e
            }
        });
    }
    if changed {
        smp::shootdown(start, end);
    }
}

/// Whether `page` has a frame (present, or parked under PROT_NONE).
pub fn resident(page: u64) -> bool {
    let mut found = false;
    let _pt = PAGE_TABLES.lock();
    AddressSpace::current().update_4k_leaves(page, page + PAGE_SIZE, |_, e| {
        found = true;
        e
    });
    found
}

pub fn protect(start: u64, end: u64, prot: Prot) {
    let flags = leaf_flags(prot);
    let mut changed = false;
    {
        let _pt = PAGE_TABLES.lock();
        AddressSpace::current().update_4k_leaves(start, end, |_, e| {
            changed = true;
            let kept = e & (ADDR_MASK | BORROWED | COPY_ON_WRITE);
            if e & COPY_ON_WRITE != 0 {
                kept | (flags & !WRITABLE)
            } else {
                kept | flags
            }
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
