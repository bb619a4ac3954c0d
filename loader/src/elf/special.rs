//! The program headers other than PT_LOAD that the plan uses: PT_INTERP,
//! PT_PHDR, PT_TLS, PT_GNU_RELRO and PT_GNU_STACK. Each may occur once (gABI
//! says so of PT_INTERP and PT_PHDR; a second PT_TLS, PT_GNU_RELRO or
//! PT_GNU_STACK has no meaning a loader could pick), and each must point into
//! the file or the loaded image where it claims to.

use super::header::table_size;
use super::segments::{Load, check_align, check_file_range, check_sizes};
use super::{LoadError, Tls, page_down, page_up};
use alloc::string::String;
use goblin::elf::program_header::PT_INTERP;
use goblin::elf::{Header, ProgramHeader};

/// Linux's PATH_MAX, the longest PT_INTERP it accepts (NUL included).
const PATH_MAX: u64 = 4096;

/// The only program header of type `p_type`, with its index.
pub(super) fn unique(
    phdrs: &[ProgramHeader],
    p_type: u32,
) -> Result<Option<(usize, &ProgramHeader)>, LoadError> {
    let mut found = phdrs
        .iter()
        .enumerate()
        .filter(|(_, ph)| ph.p_type == p_type);
    let first = found.next();
    if let (Some((first, _)), Some((index, _))) = (first, found.next()) {
        return Err(LoadError::Duplicate {
            index,
            first,
            p_type,
        });
    }
    Ok(first)
}

/// The interpreter path of PT_INTERP: a NUL-terminated string filling the
/// segment (Linux `load_elf_binary` refuses one without the final NUL, and
/// one shorter than 2 or longer than PATH_MAX bytes).
pub(super) fn interp(file: &[u8], phdrs: &[ProgramHeader]) -> Result<Option<String>, LoadError> {
    let Some((index, ph)) = unique(phdrs, PT_INTERP)? else {
        return Ok(None);
    };
    let bad = |problem| LoadError::BadInterp { index, problem };
    check_file_range(index, ph, file.len())?;
    if ph.p_filesz < 2 {
        return Err(bad("is empty"));
    }
    if ph.p_filesz > PATH_MAX {
        return Err(bad("is longer than PATH_MAX (4096 bytes)"));
    }
    // The range was checked to lie in the file, so these conversions and the
    // slice succeed; the fallbacks only keep this free of panics.
    let start = usize::try_from(ph.p_offset).map_err(|_| bad("is outside the file"))?;
    let len = usize::try_from(ph.p_filesz).map_err(|_| bad("is outside the file"))?;
    let bytes = start
        .checked_add(len)
        .and_then(|end| file.get(start..end))
        .ok_or(bad("is outside the file"))?;
    let Some((&0, path)) = bytes.split_last() else {
        return Err(bad("is not NUL-terminated"));
    };
    if path.contains(&0) {
        return Err(bad("contains a NUL before its end"));
    }
    let path = core::str::from_utf8(path).map_err(|_| bad("is not UTF-8"))?;
    Ok(Some(String::from(path)))
}

/// The link address of the program header table (`AT_PHDR` before biasing).
///
/// As Linux does (since 5.18), this is where the PT_LOAD whose file bytes
/// hold `e_phoff` maps the table; a PT_PHDR entry, which `ld.so` uses to find
/// the load bias, must agree with it.
pub(super) fn phdr_address(
    ehdr: &Header,
    phdrs: &[ProgramHeader],
    loads: &[Load],
) -> Result<u64, LoadError> {
    let size = table_size(ehdr);
    let loaded_at = loads
        .iter()
        .find_map(|l| l.file_addr(ehdr.e_phoff, size))
        .ok_or(LoadError::ProgramHeadersNotLoaded {
            offset: ehdr.e_phoff,
            size,
        })?;
    if let Some((index, ph)) = unique(phdrs, goblin::elf::program_header::PT_PHDR)?
        && ph.p_vaddr != loaded_at
    {
        return Err(LoadError::PhdrMismatch {
            index,
            vaddr: ph.p_vaddr,
            loaded_at,
        });
    }
    Ok(loaded_at)
}

/// The TLS template of PT_TLS `index`, at its link address. Its initialised
/// bytes must be file bytes some PT_LOAD maps at the same address (the thread
/// library copies them from there); a template with no initialised bytes
/// must still start inside a segment.
pub(super) fn tls(index: usize, ph: &ProgramHeader, loads: &[Load]) -> Result<Tls, LoadError> {
    // The file range is checked only as arithmetic here; being inside a
    // PT_LOAD's file bytes (checked below) puts it inside the file.
    check_sizes(index, ph, usize::MAX)?;
    let align = check_align(index, ph.p_align)?;
    ph.p_vaddr
        .checked_add(ph.p_memsz)
        .ok_or(LoadError::SegmentOverflow {
            index,
            sum: "p_vaddr + p_memsz",
        })?;
    // The thread library rounds the block up to its alignment.
    ph.p_memsz
        .checked_add(align)
        .ok_or(LoadError::SegmentOverflow {
            index,
            sum: "p_memsz + p_align",
        })?;
    let inside = if ph.p_filesz > 0 {
        loads
            .iter()
            .any(|l| l.file_addr(ph.p_offset, ph.p_filesz) == Some(ph.p_vaddr))
    } else {
        loads.iter().any(|l| l.contains(ph.p_vaddr, 0))
    };
    if !inside {
        return Err(LoadError::TlsOutsideLoad { index });
    }
    Ok(Tls {
        vaddr: ph.p_vaddr,
        file_size: ph.p_filesz,
        mem_size: ph.p_memsz,
        align,
    })
}

/// The range of PT_GNU_RELRO `index` at link time, `None` if empty. It must
/// lie in pages the PT_LOAD segments map (protections change a page at a
/// time, and linkers may round the range up to the end of its last page).
pub(super) fn relro(
    index: usize,
    ph: &ProgramHeader,
    loads: &[Load],
) -> Result<Option<(u64, u64)>, LoadError> {
    if ph.p_memsz == 0 {
        return Ok(None);
    }
    let end = ph
        .p_vaddr
        .checked_add(ph.p_memsz)
        .ok_or(LoadError::SegmentOverflow {
            index,
            sum: "p_vaddr + p_memsz",
        })?;
    // Walk the segments' page ranges (sorted) from the start of the range.
    let mut covered_to = ph.p_vaddr;
    for load in loads {
        let (start, stop) = (
            page_down(load.vaddr),
            page_up(load.end()).unwrap_or(u64::MAX),
        );
        if start <= covered_to && covered_to < stop {
            covered_to = stop;
        }
    }
    if covered_to < end {
        return Err(LoadError::RelroOutsideLoad { index });
    }
    Ok(Some((ph.p_vaddr, ph.p_memsz)))
}
