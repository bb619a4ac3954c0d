//! The PVH start info (Xen's `arch-x86/hvm/start_info.h`): where the loader
//! tells us the memory map, the command line, the modules and the RSDP.

use crate::mm::{Region, RegionKind, phys_to_virt};

const MAGIC: u32 = 0x336e_c578;
const MAX_REGIONS: usize = 128;
const MAX_MODULES: usize = 8;
const MAX_CMDLINE: usize = 4096;

#[derive(Clone, Copy, Debug)]
pub struct Module {
    pub start: u64,
    pub len: u64,
}

/// What the loader told us, copied out of its memory so that memory can be
/// reused.
pub struct BootInfo {
    regions: [Region; MAX_REGIONS],
    region_count: usize,
    modules: [Module; MAX_MODULES],
    module_count: usize,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
    pub rsdp: Option<u64>,
    /// Where the start info itself and its tables lie, to keep them out of
    /// the frame allocator until we are done with them.
    pub start_info: u64,
}

#[derive(Debug)]
pub enum BootInfoError {
    BadMagic(u32),
    NoMemoryMap,
}

impl core::fmt::Display for BootInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BootInfoError::BadMagic(m) => {
                write!(
                    f,
                    "magic {m:#x} is not PVH's (was the kernel booted by a PVH loader?)"
                )
            }
            BootInfoError::NoMemoryMap => write!(f, "no memory map (PVH start info version 0)"),
        }
    }
}

/// Reads a little-endian integer from physical memory below 1 GiB (mapped by
/// the boot page tables).
fn read<T: Copy>(phys: u64) -> T {
    // SAFETY: the loader's structures lie in RAM below 1 GiB, which the boot
    // page tables map at DIRECT_MAP_BASE; unaligned reads are allowed.
    unsafe { (phys_to_virt(phys) as *const T).read_unaligned() }
}

impl BootInfo {
    pub fn parse(start_info: u64) -> Result<BootInfo, BootInfoError> {
        let magic: u32 = read(start_info);
        if magic != MAGIC {
            return Err(BootInfoError::BadMagic(magic));
        }
        let version: u32 = read(start_info + 4);
        let nr_modules: u32 = read(start_info + 12);
        let modlist: u64 = read(start_info + 16);
        let cmdline: u64 = read(start_info + 24);
        let rsdp: u64 = read(start_info + 32);
        let mut info = BootInfo {
            regions: [Region {
                start: 0,
                len: 0,
                kind: RegionKind::Reserved,
            }; MAX_REGIONS],
            region_count: 0,
            modules: [Module { start: 0, len: 0 }; MAX_MODULES],
            module_count: 0,
            cmdline: [0; MAX_CMDLINE],
            cmdline_len: 0,
            rsdp: (rsdp != 0).then_some(rsdp),
            start_info,
        };
        if version < 1 {
            return Err(BootInfoError::NoMemoryMap);
        }
        let memmap: u64 = read(start_info + 40);
        let entries: u32 = read(start_info + 48);
        if memmap == 0 || entries == 0 {
            return Err(BootInfoError::NoMemoryMap);
        }
        for i in 0..(entries as usize).min(MAX_REGIONS) {
            let e = memmap + 24 * i as u64;
            let kind = match read::<u32>(e + 16) {
                1 => RegionKind::Ram,
                3 => RegionKind::AcpiReclaimable,
                4 => RegionKind::AcpiNvs,
                5 => RegionKind::Unusable,
                _ => RegionKind::Reserved,
            };
            info.regions[i] = Region {
                start: read(e),
                len: read(e + 8),
                kind,
            };
            info.region_count += 1;
        }
        for i in 0..(nr_modules as usize).min(MAX_MODULES) {
            let m = modlist + 32 * i as u64;
            info.modules[i] = Module {
                start: read(m),
                len: read(m + 8),
            };
            info.module_count += 1;
        }
        if cmdline != 0 {
            while info.cmdline_len < MAX_CMDLINE - 1 {
                let b: u8 = read(cmdline + info.cmdline_len as u64);
                if b == 0 {
                    break;
                }
                info.cmdline[info.cmdline_len] = b;
                info.cmdline_len += 1;
            }
        }
        Ok(info)
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions[..self.region_count]
    }

    pub fn modules(&self) -> &[Module] {
        &self.modules[..self.module_count]
    }

    /// The command line; bytes that are not UTF-8 make it empty (and are
    /// reported by the caller).
    pub fn cmdline(&self) -> Result<&str, core::str::Utf8Error> {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len])
    }
}
