//! The ELF header and the program header table: identity checks (class,
//! byte order, version, type, machine) and the bounds of the table, all made
//! on the raw bytes before goblin reads them, so every refusal names the
//! field at fault (gABI "ELF Header"; Linux `load_elf_binary` and
//! `elf_read_phdrs`).

use super::{LoadError, PHDR_SIZE};
use alloc::vec::Vec;
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{
    EI_CLASS, EI_DATA, EI_VERSION, ELFCLASS64, ELFDATA2LSB, ELFMAG, EM_X86_64, ET_DYN, ET_EXEC,
    EV_CURRENT, SELFMAG,
};
use goblin::elf::{Elf, Header, ProgramHeader};

/// Bytes in the ELF64 header.
pub(super) const EHDR_SIZE: usize = 64;

/// Linux refuses program header tables above 64 KiB (`elf_read_phdrs`).
const MAX_PHDR_TABLE: u64 = 64 * 1024;

/// Reads and validates the ELF header.
pub(super) fn parse(file: &[u8]) -> Result<Header, LoadError> {
    let ident = file
        .get(..EHDR_SIZE)
        .ok_or(LoadError::TooShort { len: file.len() })?;
    if ident[..SELFMAG] != ELFMAG[..] {
        return Err(LoadError::BadMagic);
    }
    if ident[EI_CLASS] != ELFCLASS64 {
        return Err(LoadError::NotElf64 {
            class: ident[EI_CLASS],
        });
    }
    if ident[EI_DATA] != ELFDATA2LSB {
        return Err(LoadError::NotLittleEndian {
            data: ident[EI_DATA],
        });
    }
    if ident[EI_VERSION] != EV_CURRENT {
        return Err(LoadError::BadIdentVersion {
            version: ident[EI_VERSION],
        });
    }
    let ehdr = Elf::parse_header(file).map_err(|_| LoadError::Malformed { what: "ELF header" })?;
    if ehdr.e_version != u32::from(EV_CURRENT) {
        return Err(LoadError::BadVersion {
            version: ehdr.e_version,
        });
    }
    if ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN {
        return Err(LoadError::NotProgram {
            e_type: ehdr.e_type,
        });
    }
    if ehdr.e_machine != EM_X86_64 {
        return Err(LoadError::WrongMachine {
            machine: ehdr.e_machine,
        });
    }
    if ehdr.e_phentsize != PHDR_SIZE {
        return Err(LoadError::BadPhentsize {
            phentsize: ehdr.e_phentsize,
        });
    }
    if ehdr.e_phnum == 0 {
        return Err(LoadError::NoProgramHeaders);
    }
    if table_size(&ehdr) > MAX_PHDR_TABLE {
        return Err(LoadError::TooManyProgramHeaders {
            phnum: ehdr.e_phnum,
        });
    }
    Ok(ehdr)
}

/// Bytes in the program header table (`e_phnum` is 16 bits, so this cannot
/// overflow).
pub(super) fn table_size(ehdr: &Header) -> u64 {
    u64::from(ehdr.e_phnum) * u64::from(PHDR_SIZE)
}

/// Reads the program header table of a header [`parse`] accepted.
pub(super) fn program_headers(file: &[u8], ehdr: &Header) -> Result<Vec<ProgramHeader>, LoadError> {
    let size = table_size(ehdr);
    let out_of_file = LoadError::ProgramHeadersOutOfFile {
        offset: ehdr.e_phoff,
        size,
        file_len: file.len(),
    };
    let end = ehdr.e_phoff.checked_add(size).ok_or(out_of_file)?;
    if end > file.len() as u64 {
        return Err(out_of_file);
    }
    let offset = usize::try_from(ehdr.e_phoff).map_err(|_| out_of_file)?;
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let phdrs =
        ProgramHeader::parse(file, offset, usize::from(ehdr.e_phnum), ctx).map_err(|_| {
            LoadError::Malformed {
                what: "program header table",
            }
        })?;
    if phdrs.len() != usize::from(ehdr.e_phnum) {
        return Err(LoadError::Malformed {
            what: "program header table",
        });
    }
    Ok(phdrs)
}
