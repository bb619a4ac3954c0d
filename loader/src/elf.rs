//! Planning how a Linux x86-64 program is loaded: the ELF file is parsed with
//! goblin, every field the plan depends on is validated, and the result is a
//! [`LoadPlan`] (page mappings with their protections, the bytes to copy from
//! the file, the entry point, the TLS template, the values the auxiliary
//! vector needs) that the kernel carries out without looking at the file's
//! headers again.
//!
//! The rules follow the System V gABI ("Program Header", "Program Loading")
//! and the x86-64 psABI, and what Linux's `fs/binfmt_elf.c` (`load_elf_binary`)
//! accepts; where the ELF specification asks for something Linux does not check
//! (PT_LOAD segments sorted by address, no overlapping segments) the stricter
//! rule is applied, since a file that breaks it would be loaded differently by
//! different loaders.
//!
//! ET_EXEC files are placed at their link addresses. ET_DYN files (static-PIE,
//! PIE, and interpreters such as `ld.so`) are moved by a bias so their lowest
//! page lands at the base the caller chooses, normally [`PIE_BASE`].

use alloc::string::String;
use alloc::vec::Vec;
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_RELRO, PT_GNU_STACK, PT_TLS};

mod error;
mod header;
mod segments;
mod special;

pub use error::LoadError;

/// The page size the plan is made for (x86-64 base pages, `AT_PAGESZ`).
pub const PAGE_SIZE: u64 = 4096;

/// Where ET_DYN programs go without an interpreter (Linux: ELF_ET_DYN_BASE =
/// 2/3 of TASK_SIZE, i.e. 0x5555_5555_4000 for 47-bit).
pub const PIE_BASE: u64 = 0x5555_5555_4000;

/// The lowest address a program may occupy: Linux's default
/// `vm.mmap_min_addr` (64 KiB), which keeps NULL-pointer dereferences faulting.
pub const MIN_ADDR: u64 = 0x1_0000;

/// One past the highest program address: the end of the lower canonical half
/// with 4-level paging.
pub const USER_END: u64 = 0x0000_8000_0000_0000;

/// Bytes in one ELF64 program header (`e_phentsize`, `AT_PHENT`).
pub const PHDR_SIZE: u16 = 56;

/// Page protections of a mapping, from a segment's `p_flags`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

impl Prot {
    fn from_flags(p_flags: u32) -> Self {
        Self {
            read: p_flags & PF_R != 0,
            write: p_flags & PF_W != 0,
            exec: p_flags & PF_X != 0,
        }
    }

    fn union(self, other: Self) -> Self {
        Self {
            read: self.read || other.read,
            write: self.write || other.write,
            exec: self.exec || other.exec,
        }
    }
}

/// A range of program pages to map, `[start, end)`, both page-aligned.
///
/// The mappings of a plan are sorted and do not overlap. A page holding the
/// end of one segment and the start of the next gets the union of both
/// segments' protections, so both segments' bytes stay usable (Linux maps
/// the segments in turn and the later one's protection wins the page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub prot: Prot,
}

/// Bytes to copy from the file into the mappings: `len` bytes at
/// `file_offset` go to `vaddr`. Every mapped byte no copy covers is zero
/// (bss, and the page slack around segments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Copy {
    pub vaddr: u64,
    pub file_offset: u64,
    pub len: u64,
}

/// The TLS initialisation image (PT_TLS): `file_size` bytes at `vaddr`
/// (biased, inside a copied range) followed by `mem_size - file_size` zero
/// bytes, aligned to `align` (a power of two, at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tls {
    pub vaddr: u64,
    pub file_size: u64,
    pub mem_size: u64,
    pub align: u64,
}

/// The ELF file type (`e_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfKind {
    /// ET_EXEC: loaded at its link addresses.
    Executable,
    /// ET_DYN: position-independent, loaded at a bias.
    SharedObject,
}

/// Everything the kernel needs to load one ELF file, with every address
/// already biased (the address the program will see).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    pub kind: ElfKind,
    /// Added to every `p_vaddr` (wrapping): 0 for ET_EXEC.
    pub bias: u64,
    /// Where the program starts (`e_entry` biased, `AT_ENTRY`).
    pub entry: u64,
    /// Page-aligned, sorted, non-overlapping.
    pub mappings: Vec<Mapping>,
    /// Sorted by `vaddr`, each inside the mappings and inside the file.
    pub copies: Vec<Copy>,
    /// `AT_PHDR`: where the program headers are in memory (PT_PHDR, which
    /// must agree with the PT_LOAD that holds `e_phoff`).
    pub phdr: u64,
    /// `AT_PHENT`: always [`PHDR_SIZE`].
    pub phent: u16,
    /// `AT_PHNUM`.
    pub phnum: u16,
    /// PT_INTERP: the path of the program interpreter, for dynamic programs.
    pub interp: Option<String>,
    pub tls: Option<Tls>,
    /// PT_GNU_STACK has PF_X; without PT_GNU_STACK the stack is not
    /// executable (x86-64 Linux since 5.8).
    pub executable_stack: bool,
    /// PT_GNU_RELRO: biased start and length of the range `ld.so` (or a
    /// static-PIE's own startup code) makes read-only after relocation.
    pub relro: Option<(u64, u64)>,
    /// The page-aligned end of the highest mapping: where `brk` starts.
    pub brk: u64,
}

/// Validates an ELF file and plans its loading.
///
/// `base_for_dyn` is where an ET_DYN file's lowest page goes; it is rounded
/// down to the largest PT_LOAD `p_align` (at least a page), as Linux does so
/// that segments linked for huge pages stay huge-page aligned. It is ignored
/// for ET_EXEC files.
pub fn plan(file: &[u8], base_for_dyn: u64) -> Result<LoadPlan, LoadError> {
    let ehdr = header::parse(file)?;
    let phdrs = header::program_headers(file, &ehdr)?;
    let loads = segments::loads(file.len(), &phdrs)?;
    let kind = if ehdr.e_type == goblin::elf::header::ET_EXEC {
        ElfKind::Executable
    } else {
        ElfKind::SharedObject
    };
    let place = segments::Placement::new(kind, &loads, base_for_dyn)?;

    let entry = ehdr.e_entry;
    if !loads.iter().any(|l| l.prot.exec && l.contains(entry, 1)) {
        return Err(LoadError::EntryNotExecutable { entry });
    }

    let interp = special::interp(file, &phdrs)?;
    let phdr = special::phdr_address(&ehdr, &phdrs, &loads)?;
    let tls = match special::unique(&phdrs, PT_TLS)? {
        Some((index, ph)) => Some(special::tls(index, ph, &loads)?),
        None => None,
    };
    let relro = match special::unique(&phdrs, PT_GNU_RELRO)? {
        Some((index, ph)) => special::relro(index, ph, &loads)?,
        None => None,
    };
    let executable_stack =
        special::unique(&phdrs, PT_GNU_STACK)?.is_some_and(|(_, ph)| ph.p_flags & PF_X != 0);

    // Every address below lies inside the image, which `Placement::new` has
    // checked to fit below USER_END, so biasing cannot overflow.
    let mappings = segments::mappings(&loads, &place)?;
    let copies = loads
        .iter()
        .filter(|l| l.filesz > 0)
        .map(|l| {
            Ok(Copy {
                vaddr: place.addr(l.vaddr)?,
                file_offset: l.offset,
                len: l.filesz,
            })
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    let brk = mappings.last().map_or(place.base, |m| m.end);
    Ok(LoadPlan {
        kind,
        bias: place.bias(),
        entry: place.addr(entry)?,
        mappings,
        copies,
        phdr: place.addr(phdr)?,
        phent: PHDR_SIZE,
        phnum: ehdr.e_phnum,
        interp,
        tls: tls
            .map(|t| {
                Ok(Tls {
                    vaddr: place.addr(t.vaddr)?,
                    ..t
                })
            })
            .transpose()?,
        executable_stack,
        relro: relro
            .map(|(start, len)| Ok((place.addr(start)?, len)))
            .transpose()?,
        brk,
    })
}

/// `value` rounded down to a page boundary.
const fn page_down(value: u64) -> u64 {
    value & !(PAGE_SIZE - 1)
}

/// `value` rounded up to a page boundary, or `None` past `u64::MAX`.
const fn page_up(value: u64) -> Option<u64> {
    match value.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(page_down(v)),
        None => None,
    }
}

#[cfg(test)]
pub(crate) mod testelf;

#[cfg(test)]
mod tests;
