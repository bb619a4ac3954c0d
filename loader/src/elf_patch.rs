//! Giving a linked ELF64 file's last loadable segment new contents, after
//! linking: how the kernel image gets its symbol table (`tools/build/ksyms.rs`).
//!
//! The linker reserves the segment (kernel/linker.ld's `ksyms` PT_LOAD, holding
//! only the `.ksyms` section) but cannot know its final size, which depends on
//! the link's own symbols. The new contents are appended at the end of the file
//! and the segment's program header and the section's header are pointed at
//! them. Because the segment grows in memory too, it must be the highest one:
//! nothing else may be loaded at or above it.
//!
//! Field offsets follow the ELF-64 Object File Format (version 1.5), sections
//! "File header", "Section header" and "Program header table". Only
//! little-endian ELFCLASS64 files are accepted.

use alloc::vec::Vec;
use core::fmt;

/// `p_type` of a loadable segment.
pub const PT_LOAD: u32 = 1;
/// `sh_flags` bit of a section that occupies memory at run time.
const SHF_ALLOC: u64 = 0x2;

/// The largest `p_align` accepted: x86's 2 MiB page. Linkers do not align
/// segments more than that, and the file is padded by up to `p_align` bytes.
pub const MAX_ALIGN: u64 = 2 << 20;

/// Bytes in the ELF64 file header.
const EHDR_LEN: usize = 64;
/// Bytes in an ELF64 program header.
const PHDR_LEN: usize = 56;
/// Bytes in an ELF64 section header.
const SHDR_LEN: usize = 64;

/// Why [`replace_last_segment`] refused a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchError {
    /// Not a little-endian ELF64 file, or its header is cut short.
    NotElf64Le,
    /// A header entry size below the ELF64 one.
    BadEntrySize,
    /// A program or section header lies (partly) outside the file.
    HeaderOutOfFile,
    /// The program header index is not below `e_phnum`.
    NoSuchSegment { index: usize },
    /// The section header index is not below `e_shnum`.
    NoSuchSection { index: usize },
    /// The chosen program header is not PT_LOAD.
    NotLoadable { index: usize },
    /// Another PT_LOAD reaches as high or higher, so growing would overlap it.
    NotLast { index: usize, other: usize },
    /// The section does not start where the segment starts.
    SectionNotAtSegmentStart {
        section_addr: u64,
        segment_addr: u64,
    },
    /// Another allocated section lies in the segment and would be lost.
    SharedSegment { other_section: usize },
    /// `p_align` is neither 0, 1 nor a power of two up to [`MAX_ALIGN`].
    BadAlignment { align: u64 },
    /// The new file would not fit the address arithmetic.
    TooLarge,
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NotElf64Le => write!(f, "not a little-endian ELF64 file"),
            Self::BadEntrySize => write!(
                f,
                "program or section header entry size is smaller than ELF64's"
            ),
            Self::HeaderOutOfFile => {
                write!(f, "a program or section header lies outside the file")
            }
            Self::NoSuchSegment { index } => write!(f, "there is no program header {index}"),
            Self::NoSuchSection { index } => write!(f, "there is no section header {index}"),
            Self::NotLoadable { index } => write!(f, "program header {index} is not PT_LOAD"),
            Self::NotLast { index, other } => write!(
                f,
                "PT_LOAD {index} is not the highest loadable segment: {other} reaches above its start"
            ),
            Self::SectionNotAtSegmentStart {
                section_addr,
                segment_addr,
            } => write!(
                f,
                "section at {section_addr:#x} does not start its segment at {segment_addr:#x}"
            ),
            Self::SharedSegment { other_section } => write!(
                f,
                "section {other_section} shares the segment and would be overwritten"
            ),
            Self::BadAlignment { align } => write!(
                f,
                "p_align {align:#x} is not a power of two up to {MAX_ALIGN:#x}"
            ),
            Self::TooLarge => write!(f, "the patched file would be too large"),
        }
    }
}

impl core::error::Error for PatchError {}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn write_u64(bytes: &mut [u8], at: usize, value: u64) -> Result<(), PatchError> {
    let end = at.checked_add(8).ok_or(PatchError::HeaderOutOfFile)?;
    bytes
        .get_mut(at..end)
        .ok_or(PatchError::HeaderOutOfFile)?
        .copy_from_slice(&value.to_le_bytes());
    Ok(())
}

/// One header table (program or section headers) as the file header gives it.
#[derive(Clone, Copy)]
struct Table {
    offset: u64,
    entry_size: u16,
    count: u16,
}

impl Table {
    /// File offset of entry `index`, checked to hold `len` bytes in `file`.
    fn entry(&self, file: &[u8], index: usize, len: usize) -> Result<usize, PatchError> {
        let at = usize::try_from(self.offset)
            .ok()
            .and_then(|base| base.checked_add(index.checked_mul(usize::from(self.entry_size))?))
            .ok_or(PatchError::HeaderOutOfFile)?;
        match at.checked_add(len) {
            Some(end) if end <= file.len() => Ok(at),
            _ => Err(PatchError::HeaderOutOfFile),
        }
    }
}

/// The program header fields this module reads, and where they live.
struct Segment {
    at: usize,
    p_type: u32,
    vaddr: u64,
    paddr: u64,
    memsz: u64,
    align: u64,
}

fn segment(file: &[u8], phdrs: Table, index: usize) -> Result<Segment, PatchError> {
    let at = phdrs.entry(file, index, PHDR_LEN)?;
    let field = |off: usize| read_u64(file, at + off).ok_or(PatchError::HeaderOutOfFile);
    Ok(Segment {
        at,
        p_type: read_u32(file, at).ok_or(PatchError::HeaderOutOfFile)?,
        vaddr: field(16)?,
        paddr: field(24)?,
        memsz: field(40)?,
        align: field(48)?,
    })
}

/// Returns a copy of `elf` in which program header `phdr_index` (a PT_LOAD)
/// and section header `shdr_index` (the one section in that segment, starting
/// at the segment's start) describe `contents`, appended at the end of the
/// file.
///
/// The contents are placed at a file offset congruent to `p_vaddr` modulo
/// `p_align`, as loaders that map files page by page require; the gap is zero
/// filled. `p_offset`, `p_filesz`, `p_memsz`, `sh_offset` and `sh_size` are
/// rewritten; the segment's addresses stay. The segment must be the highest
/// PT_LOAD in both virtual and physical addresses, because it grows upwards.
pub fn replace_last_segment(
    elf: &[u8],
    phdr_index: usize,
    shdr_index: usize,
    contents: &[u8],
) -> Result<Vec<u8>, PatchError> {
    let header = elf.get(..EHDR_LEN).ok_or(PatchError::NotElf64Le)?;
    // e_ident: magic, EI_CLASS = ELFCLASS64 (2), EI_DATA = ELFDATA2LSB (1).
    if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return Err(PatchError::NotElf64Le);
    }
    let field16 = |off| read_u16(header, off).ok_or(PatchError::NotElf64Le);
    let field64 = |off| read_u64(header, off).ok_or(PatchError::NotElf64Le);
    let phdrs = Table {
        offset: field64(0x20)?,
        entry_size: field16(0x36)?,
        count: field16(0x38)?,
    };
    let shdrs = Table {
        offset: field64(0x28)?,
        entry_size: field16(0x3a)?,
        count: field16(0x3c)?,
    };
    if usize::from(phdrs.entry_size) < PHDR_LEN || usize::from(shdrs.entry_size) < SHDR_LEN {
        return Err(PatchError::BadEntrySize);
    }
    if phdr_index >= usize::from(phdrs.count) {
        return Err(PatchError::NoSuchSegment { index: phdr_index });
    }
    if shdr_index >= usize::from(shdrs.count) {
        return Err(PatchError::NoSuchSection { index: shdr_index });
    }

    let target = segment(elf, phdrs, phdr_index)?;
    if target.p_type != PT_LOAD {
        return Err(PatchError::NotLoadable { index: phdr_index });
    }
    for other in (0..usize::from(phdrs.count)).filter(|&i| i != phdr_index) {
        let seg = segment(elf, phdrs, other)?;
        if seg.p_type != PT_LOAD {
            continue;
        }
        let below = |start: u64, mine: u64| start.checked_add(seg.memsz).is_some_and(|e| e <= mine);
        if !below(seg.vaddr, target.vaddr) || !below(seg.paddr, target.paddr) {
            return Err(PatchError::NotLast {
                index: phdr_index,
                other,
            });
        }
    }
    if target.align > 1 && (!target.align.is_power_of_two() || target.align > MAX_ALIGN) {
        return Err(PatchError::BadAlignment {
            align: target.align,
        });
    }

    let shdr_at = shdrs.entry(elf, shdr_index, SHDR_LEN)?;
    let section_addr = read_u64(elf, shdr_at + 16).ok_or(PatchError::HeaderOutOfFile)?;
    if section_addr != target.vaddr {
        return Err(PatchError::SectionNotAtSegmentStart {
            section_addr,
            segment_addr: target.vaddr,
        });
    }
    let segment_end = target.vaddr.saturating_add(target.memsz);
    for other in (0..usize::from(shdrs.count)).filter(|&i| i != shdr_index) {
        let at = shdrs.entry(elf, other, SHDR_LEN)?;
        let flags = read_u64(elf, at + 8).ok_or(PatchError::HeaderOutOfFile)?;
        let addr = read_u64(elf, at + 16).ok_or(PatchError::HeaderOutOfFile)?;
        let size = read_u64(elf, at + 32).ok_or(PatchError::HeaderOutOfFile)?;
        if flags & SHF_ALLOC != 0 && size != 0 && addr >= target.vaddr && addr < segment_end {
            return Err(PatchError::SharedSegment {
                other_section: other,
            });
        }
    }

    let offset = congruent_offset(elf.len(), target.vaddr, target.align)?;
    let len = u64::try_from(contents.len()).map_err(|_| PatchError::TooLarge)?;
    let file_offset = u64::try_from(offset).map_err(|_| PatchError::TooLarge)?;
    let total = offset
        .checked_add(contents.len())
        .ok_or(PatchError::TooLarge)?;

    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(elf);
    out.resize(offset, 0);
    out.extend_from_slice(contents);
    write_u64(&mut out, target.at + 8, file_offset)?; // p_offset
    write_u64(&mut out, target.at + 32, len)?; // p_filesz
    write_u64(&mut out, target.at + 40, len)?; // p_memsz
    write_u64(&mut out, shdr_at + 24, file_offset)?; // sh_offset
    write_u64(&mut out, shdr_at + 32, len)?; // sh_size
    Ok(out)
}

/// The first offset at or after `len` that is congruent to `vaddr` modulo
/// `align` (a power of two, or 0/1 for "any").
fn congruent_offset(len: usize, vaddr: u64, align: u64) -> Result<usize, PatchError> {
    if align <= 1 {
        return Ok(len);
    }
    let want = usize::try_from(vaddr % align).map_err(|_| PatchError::TooLarge)?;
    let align = usize::try_from(align).map_err(|_| PatchError::TooLarge)?;
    let have = len % align;
    let pad = if want >= have {
        want - have
    } else {
        align - (have - want)
    };
    len.checked_add(pad).ok_or(PatchError::TooLarge)
}

#[cfg(test)]
mod tests;
