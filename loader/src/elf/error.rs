//! Why [`plan`](super::plan) refused a file: one variant per rule, each
//! carrying the values that broke it, so the message names the field and the
//! program header at fault.

use super::{MIN_ADDR, PHDR_SIZE, USER_END};
use core::fmt;
use goblin::elf::header::{ET_CORE, ET_DYN, ET_EXEC, ET_NONE, ET_REL};
use goblin::elf::program_header::{
    PT_GNU_RELRO, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, PT_TLS,
};

/// What is wrong with an ELF file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Fewer bytes than the 64-byte ELF64 header.
    TooShort { len: usize },
    /// The file does not start with "\x7fELF".
    BadMagic,
    /// `e_ident[EI_CLASS]` is not ELFCLASS64.
    NotElf64 { class: u8 },
    /// `e_ident[EI_DATA]` is not ELFDATA2LSB.
    NotLittleEndian { data: u8 },
    /// `e_ident[EI_VERSION]` is not EV_CURRENT.
    BadIdentVersion { version: u8 },
    /// `e_version` is not EV_CURRENT.
    BadVersion { version: u32 },
    /// `e_type` is neither ET_EXEC nor ET_DYN.
    NotProgram { e_type: u16 },
    /// `e_machine` is not EM_X86_64.
    WrongMachine { machine: u16 },
    /// `e_phentsize` is not the ELF64 program header size.
    BadPhentsize { phentsize: u16 },
    /// `e_phnum` is 0.
    NoProgramHeaders,
    /// The program header table exceeds Linux's 64 KiB limit.
    TooManyProgramHeaders { phnum: u16 },
    /// The program header table lies (partly) outside the file.
    ProgramHeadersOutOfFile {
        offset: u64,
        size: u64,
        file_len: usize,
    },
    /// goblin refused a header our own checks accepted.
    Malformed { what: &'static str },
    /// Program header `index`'s file range passes the end of the file.
    SegmentOutOfFile {
        index: usize,
        offset: u64,
        filesz: u64,
        file_len: usize,
    },
    /// A sum of program header `index`'s fields exceeds 64 bits.
    SegmentOverflow { index: usize, sum: &'static str },
    /// Program header `index` has more bytes in the file than in memory.
    FileSizeExceedsMemSize {
        index: usize,
        filesz: u64,
        memsz: u64,
    },
    /// Program header `index`'s `p_align` is not 0 or a power of two.
    BadAlignment { index: usize, align: u64 },
    /// PT_LOAD `index`'s address and offset differ modulo the page size, so
    /// its file pages cannot be mapped at its address.
    MisalignedSegment {
        index: usize,
        vaddr: u64,
        offset: u64,
    },
    /// PT_LOAD `index` starts below the PT_LOAD before it.
    Unsorted {
        index: usize,
        vaddr: u64,
        previous_vaddr: u64,
    },
    /// PT_LOAD `index` starts inside an earlier PT_LOAD's memory.
    Overlap {
        index: usize,
        other: usize,
        vaddr: u64,
        other_end: u64,
    },
    /// No PT_LOAD segment (or none with any bytes in memory).
    NoLoadSegments,
    /// The image would start below [`MIN_ADDR`].
    BelowMinAddr { start: u64 },
    /// The image (`span` bytes at `start`) would pass [`USER_END`].
    AboveUserSpace { start: u64, span: u64 },
    /// `e_entry` is not inside an executable PT_LOAD.
    EntryNotExecutable { entry: u64 },
    /// A program header type that may occur once occurs again at `index`.
    Duplicate {
        index: usize,
        first: usize,
        p_type: u32,
    },
    /// PT_INTERP `index` does not hold a usable path.
    BadInterp { index: usize, problem: &'static str },
    /// PT_TLS `index`'s initialisation image is not inside a PT_LOAD's file
    /// bytes.
    TlsOutsideLoad { index: usize },
    /// PT_GNU_RELRO `index` reaches outside the pages the PT_LOAD segments
    /// map.
    RelroOutsideLoad { index: usize },
    /// No PT_LOAD maps the program header table from the file, so
    /// `AT_PHDR` could not point at it.
    ProgramHeadersNotLoaded { offset: u64, size: u64 },
    /// PT_PHDR `index` names a different address than the one at which the
    /// PT_LOAD holding the program header table maps it.
    PhdrMismatch {
        index: usize,
        vaddr: u64,
        loaded_at: u64,
    },
    /// An address that validation placed inside the image fell outside it
    /// when biased (a loader bug; reported rather than panicking).
    OutsideImage { vaddr: u64 },
}

/// The name of a program header type, for messages.
fn segment_name(p_type: u32) -> &'static str {
    match p_type {
        PT_LOAD => "PT_LOAD",
        PT_INTERP => "PT_INTERP",
        PT_PHDR => "PT_PHDR",
        PT_TLS => "PT_TLS",
        PT_GNU_STACK => "PT_GNU_STACK",
        PT_GNU_RELRO => "PT_GNU_RELRO",
        _ => "segment",
    }
}

fn type_name(e_type: u16) -> &'static str {
    match e_type {
        ET_NONE => "has no file type (ET_NONE)",
        ET_REL => "is a relocatable object file (ET_REL)",
        ET_EXEC => "is an executable (ET_EXEC)",
        ET_DYN => "is a shared object (ET_DYN)",
        ET_CORE => "is a core dump (ET_CORE)",
        _ => "has an unknown file type",
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooShort { len } => write!(
                f,
                "file is {len} bytes, shorter than the 64-byte ELF64 header"
            ),
            Self::BadMagic => write!(f, "not an ELF file (no \\x7fELF magic)"),
            Self::NotElf64 { class } => write!(
                f,
                "ELF class {class} is not ELFCLASS64 (2): only 64-bit programs run"
            ),
            Self::NotLittleEndian { data } => write!(
                f,
                "ELF data encoding {data} is not ELFDATA2LSB (1, little-endian)"
            ),
            Self::BadIdentVersion { version } => {
                write!(f, "e_ident[EI_VERSION] is {version}, not EV_CURRENT (1)")
            }
            Self::BadVersion { version } => {
                write!(f, "e_version is {version}, not EV_CURRENT (1)")
            }
            Self::NotProgram { e_type } => write!(
                f,
                "file {} (e_type {e_type}), not a program: need ET_EXEC or ET_DYN",
                type_name(e_type)
            ),
            Self::WrongMachine { machine } => write!(
                f,
                "e_machine is {machine}, not EM_X86_64 (62): built for another architecture"
            ),
            Self::BadPhentsize { phentsize } => write!(
                f,
                "e_phentsize is {phentsize}, not the ELF64 program header size {PHDR_SIZE}"
            ),
            Self::NoProgramHeaders => write!(f, "file has no program headers (e_phnum is 0)"),
            Self::TooManyProgramHeaders { phnum } => {
                write!(f, "{phnum} program headers exceed the 64 KiB table limit")
            }
            Self::ProgramHeadersOutOfFile {
                offset,
                size,
                file_len,
            } => write!(
                f,
                "program header table extends past the end of the file \
                 (offset {offset:#x} + {size:#x} > {file_len:#x})"
            ),
            Self::Malformed { what } => write!(f, "malformed {what}"),
            Self::SegmentOutOfFile {
                index,
                offset,
                filesz,
                file_len,
            } => write!(
                f,
                "program header {index} extends past the end of the file \
                 (offset {offset:#x} + {filesz:#x} > {file_len:#x})"
            ),
            Self::SegmentOverflow { index, sum } => {
                write!(f, "program header {index}: {sum} overflows 64 bits")
            }
            Self::FileSizeExceedsMemSize {
                index,
                filesz,
                memsz,
            } => write!(
                f,
                "program header {index} has p_filesz {filesz:#x} larger than p_memsz {memsz:#x}"
            ),
            Self::BadAlignment { index, align } => write!(
                f,
                "program header {index} has p_align {align:#x}, not 0 or a power of two"
            ),
            Self::MisalignedSegment {
                index,
                vaddr,
                offset,
            } => write!(
                f,
                "program header {index} has p_vaddr {vaddr:#x} and p_offset {offset:#x}, \
                 which differ modulo the page size"
            ),
            Self::Unsorted {
                index,
                vaddr,
                previous_vaddr,
            } => write!(
                f,
                "PT_LOAD program header {index} at {vaddr:#x} comes after one at \
                 {previous_vaddr:#x}: PT_LOAD entries must be sorted by p_vaddr"
            ),
            Self::Overlap {
                index,
                other,
                vaddr,
                other_end,
            } => write!(
                f,
                "PT_LOAD program header {index} starts at {vaddr:#x}, inside program \
                 header {other} (which ends at {other_end:#x})"
            ),
            Self::NoLoadSegments => write!(f, "file has no PT_LOAD segment with bytes in memory"),
            Self::BelowMinAddr { start } => write!(
                f,
                "image would start at {start:#x}, below the lowest program address {MIN_ADDR:#x}"
            ),
            Self::AboveUserSpace { start, span } => write!(
                f,
                "image of {span:#x} bytes at {start:#x} would extend past the end of \
                 user space ({USER_END:#x})"
            ),
            Self::EntryNotExecutable { entry } => write!(
                f,
                "entry point {entry:#x} is not inside an executable PT_LOAD segment"
            ),
            Self::Duplicate {
                index,
                first,
                p_type,
            } => write!(
                f,
                "program header {index} is a second {} (the first is program header {first})",
                segment_name(p_type)
            ),
            Self::BadInterp { index, problem } => {
                write!(f, "PT_INTERP program header {index}: the path {problem}")
            }
            Self::TlsOutsideLoad { index } => write!(
                f,
                "PT_TLS program header {index}: the TLS image is not inside the file \
                 bytes of a PT_LOAD segment"
            ),
            Self::RelroOutsideLoad { index } => write!(
                f,
                "PT_GNU_RELRO program header {index} reaches outside the pages of the \
                 PT_LOAD segments"
            ),
            Self::ProgramHeadersNotLoaded { offset, size } => write!(
                f,
                "no PT_LOAD segment maps the program header table \
                 (offset {offset:#x}, {size:#x} bytes), so AT_PHDR cannot point at it"
            ),
            Self::PhdrMismatch {
                index,
                vaddr,
                loaded_at,
            } => write!(
                f,
                "PT_PHDR program header {index} says the program headers are at \
                 {vaddr:#x}, but the PT_LOAD holding them maps them at {loaded_at:#x}"
            ),
            Self::OutsideImage { vaddr } => write!(
                f,
                "address {vaddr:#x} lies outside the planned image (loader bug)"
            ),
        }
    }
}

impl core::error::Error for LoadError {}
