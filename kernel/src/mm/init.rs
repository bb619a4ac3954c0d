//! Bringing memory up at boot: the kernel's own page tables (image mapped
//! with the right permissions, all RAM direct-mapped with large pages), then
//! the frame allocator and the heap.

use super::paging::{self, AddressSpace, BumpFrames};
use super::{PAGE_SIZE, Region, RegionKind, align_down, align_up, frame, heap, kernel_image_phys};
use crate::arch::cpu::feature;

/// The boot page tables map only the first GiB; early frames come from there.
const BOOT_MAPPED_LIMIT: u64 = 1 << 30;
const MAX_RANGES: usize = 64;

pub struct MemoryFacts {
    /// RAM the memory map reported, in bytes.
    pub ram_bytes: u64,
}

#[derive(Debug)]
pub enum MemoryError {
    NoRoomForEarlyFrames,
    PageTables(paging::MapError),
}

impl core::fmt::Display for MemoryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MemoryError::NoRoomForEarlyFrames => {
                write!(f, "no free RAM below 1 GiB for the first page tables")
            }
            MemoryError::PageTables(e) => write!(f, "building the kernel page tables: {e:?}"),
        }
    }
}

/// `reserved` lists physical ranges that must not be handed out (loader
/// structures, modules); the kernel image and the first MiB are added here.
pub fn init(regions: &[Region], reserved: &[(u64, u64)]) -> Result<MemoryFacts, MemoryError> {
    let ram_bytes: u64 = regions
        .iter()
        .filter(|r| r.kind == RegionKind::Ram)
        .map(|r| r.len)
        .sum();
    let top = regions
        .iter()
        .filter(|r| r.kind == RegionKind::Ram)
        .map(|r| r.end())
        .max()
        .unwrap_or(0);
    let frames = align_up(top, PAGE_SIZE) / PAGE_SIZE;

    let mut all_reserved = [(0u64, 0u64); 24];
    let image = kernel_image_phys();
    all_reserved[0] = (0, 1 << 20);
    all_reserved[1] = image;
    let mut n = 2;
    for &r in reserved.iter().take(all_reserved.len() - 3) {
        all_reserved[n] = (align_down(r.0, PAGE_SIZE), align_up(r.1, PAGE_SIZE));
        n += 1;
    }

    // Early frames: page tables plus the allocator's bitmap, below 1 GiB.
    let bitmap_bytes = align_up(frame::bitmap_bytes(frames), PAGE_SIZE);
    let need = bitmap_bytes + (top.div_ceil(1 << 30) + 64) * PAGE_SIZE;
    let (start, end) = frame::free_ranges(regions, &all_reserved[..n])
        .map(|(s, e)| {
            (
                align_up(s, PAGE_SIZE),
                align_down(e.min(BOOT_MAPPED_LIMIT), PAGE_SIZE),
            )
        })
        .find(|&(s, e)| e > s && e - s >= need)
        .ok_or(MemoryError::NoRoomForEarlyFrames)?;
    let mut bump = BumpFrames {
        start,
        next: start,
        end,
    };
    let bitmap = bump
        .alloc(bitmap_bytes)
        .ok_or(MemoryError::NoRoomForEarlyFrames)?;

    let space = build_kernel_space(regions, &mut bump).map_err(MemoryError::PageTables)?;
    for guard in crate::arch::stack_guard_pages() {
        space.unmap(guard).map_err(MemoryError::PageTables)?;
    }
    // SAFETY: `space` maps the kernel image at its link address and RAM in
    // the direct map, which is all the kernel uses from here on (the boot
    // stack is in .bss, below its now-unmapped guard page).
    unsafe { space.activate() };

    all_reserved[n] = (bump.start, bump.next);
    n += 1;
    frame::init(
        bitmap,
        frames,
        frame::free_ranges(regions, &all_reserved[..n]),
    );
    heap::init();
    Ok(MemoryFacts { ram_bytes })
}

fn build_kernel_space(
    regions: &[Region],
    bump: &mut BumpFrames,
) -> Result<AddressSpace, paging::MapError> {
    use paging::{GLOBAL, NO_EXECUTE, WRITABLE};
    // SAFETY: symbols the linker script or assembly defines; only their
    // addresses are used, and each use says why the memory there is valid.
    unsafe extern "C" {
        static __text_start: u8;
        static __text_end: u8;
        static __rodata_end: u8;
        static __data_end: u8;
        static __ksyms_start: u8;
    }
    let space = AddressSpace::new(bump).ok_or(paging::MapError::OutOfFrames)?;
    let text = &raw const __text_start as u64;
    let rodata = &raw const __text_end as u64;
    let data = &raw const __rodata_end as u64;
    let ksyms = &raw const __ksyms_start as u64;
    let data_end = &raw const __data_end as u64;
    let ksyms_end = ksyms
        + align_up(
            crate::backtrace::symbol_table_len().max(1) as u64,
            PAGE_SIZE,
        );
    let sections = [
        (text, rodata, GLOBAL),                           // code: read, execute
        (rodata, data, GLOBAL | NO_EXECUTE),              // read-only data
        (data, data_end, GLOBAL | NO_EXECUTE | WRITABLE), // data, bss, boot stack
        (ksyms, ksyms_end, GLOBAL | NO_EXECUTE),          // symbol table
    ];
    for (start, end, flags) in sections {
        let phys = super::kernel_virt_to_phys(start);
        space.map_range(start, phys, end - start, flags, false, bump)?;
    }

    // The direct map: RAM and firmware tables, plus the first MiB (BIOS data
    // area, where the RSDP may be), merged so no page is mapped twice.
    let mut ranges = [(0u64, 0u64); MAX_RANGES];
    let mut count = 0;
    ranges[count] = (0, 1 << 20);
    count += 1;
    for r in regions {
        if matches!(
            r.kind,
            RegionKind::Ram | RegionKind::AcpiReclaimable | RegionKind::AcpiNvs
        ) && count < MAX_RANGES
        {
            ranges[count] = (align_down(r.start, PAGE_SIZE), align_up(r.end(), PAGE_SIZE));
            count += 1;
        }
    }
    let ranges = &mut ranges[..count];
    ranges.sort_unstable();
    let gig = feature::gigabyte_pages();
    let mut current: Option<(u64, u64)> = None;
    for &(s, e) in ranges.iter() {
        current = match current {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                map_direct(&space, cs, ce, gig, bump)?;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = current {
        map_direct(&space, cs, ce, gig, bump)?;
    }
    Ok(space)
}

fn map_direct(
    space: &AddressSpace,
    start: u64,
    end: u64,
    gig: bool,
    bump: &mut BumpFrames,
) -> Result<(), paging::MapError> {
    use paging::{GLOBAL, NO_EXECUTE, WRITABLE};
    space.map_range(
        super::phys_to_virt(start),
        start,
        end - start,
        GLOBAL | NO_EXECUTE | WRITABLE,
        gig,
        bump,
    )
}
