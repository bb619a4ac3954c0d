//! Memory: the direct map of physical memory, physical frames, page tables
//! and the kernel heap.
//!
//! Layout (DESIGN.md "Memory"): the kernel image is linked at
//! `KERNEL_VMA + 1 MiB`; all RAM is mapped at `DIRECT_MAP_BASE + phys`.

pub mod frame;
pub mod heap;
pub mod init;
pub mod kstack;
pub mod paging;

/// Where all physical memory is mapped.
pub const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;
/// Where the kernel image is linked, minus its physical load address.
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
pub const PAGE_SIZE: u64 = 4096;

/// The direct-map address of a physical address. The boot page tables already
/// map the first GiB there, so this works from the first line of Rust.
pub const fn phys_to_virt(phys: u64) -> u64 {
    DIRECT_MAP_BASE + phys
}

/// The physical address of a kernel-image address.
pub fn kernel_virt_to_phys(virt: u64) -> u64 {
    virt - KERNEL_VMA
}

/// Physical memory ranges the loader or firmware handed us (RAM and not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    Ram,
    Reserved,
    AcpiReclaimable,
    AcpiNvs,
    Unusable,
}

#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub start: u64,
    pub len: u64,
    pub kind: RegionKind,
}

impl Region {
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// A view of physical memory through the direct map.
///
/// # Safety
/// `[phys, phys + len)` must be mapped, not handed out by the frame
/// allocator, and not written while the view lives.
pub unsafe fn phys_slice(phys: u64, len: usize) -> &'static [u8] {
    ensure_mapped(phys, len as u64);
    // SAFETY: the caller's contract; ensure_mapped made the range readable.
    unsafe { core::slice::from_raw_parts(phys_to_virt(phys) as *const u8, len) }
}

pub const fn align_up(v: u64, align: u64) -> u64 {
    (v + align - 1) & !(align - 1)
}

pub const fn align_down(v: u64, align: u64) -> u64 {
    v & !(align - 1)
}

/// The physical range the kernel image occupies, symbol table included.
pub fn kernel_image_phys() -> (u64, u64) {
    // SAFETY: symbols the linker script or assembly defines; only their
    // addresses are used, and each use says why the memory there is valid.
    unsafe extern "C" {
        static __kernel_start: u8;
        static __ksyms_start: u8;
    }
    let start = kernel_virt_to_phys(&raw const __kernel_start as u64);
    let ksyms = &raw const __ksyms_start as u64;
    let end = ksyms + crate::backtrace::symbol_table_len() as u64;
    (start, align_up(kernel_virt_to_phys(end), PAGE_SIZE))
}

/// Makes sure `[phys, phys+len)` is readable through the direct map (firmware
/// tables may lie outside the RAM the direct map covers). Write-back cached.
pub fn ensure_mapped(phys: u64, len: u64) {
    map_direct(phys, len, paging::WRITABLE | paging::NO_EXECUTE);
}

/// Maps device registers at `[phys, phys+len)` uncached in the direct map and
/// returns their virtual address.
pub fn map_mmio(phys: u64, len: u64) -> u64 {
    map_direct(
        phys,
        len,
        paging::WRITABLE | paging::NO_EXECUTE | paging::NO_CACHE | paging::WRITE_THROUGH,
    );
    phys_to_virt(phys)
}

fn map_direct(phys: u64, len: u64, flags: u64) {
    let space = paging::AddressSpace::current();
    let mut p = align_down(phys, PAGE_SIZE);
    while p < phys + len {
        let v = phys_to_virt(p);
        if space.translate(v).is_none() {
            space
                .map(
                    v,
                    p,
                    paging::PageSize::Size4K,
                    flags | paging::GLOBAL,
                    &mut paging::GlobalFrames,
                )
                .unwrap_or_else(|e| panic!("cannot map physical {p:#x}: {e:?}"));
        }
        p += PAGE_SIZE;
    }
}
