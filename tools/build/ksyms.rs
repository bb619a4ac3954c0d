//! Writes the kernel's symbol table into its `.ksyms` segment after linking,
//! so that fault reports name functions (format: `loader::symtab`).
//!
//! This is the goblin front end: it reads the linked kernel's `.symtab`, finds
//! the `.ksyms` section and the PT_LOAD holding it, and hands the byte work to
//! `loader::elf_patch`, which is tested on the host with synthetic ELF files
//! (build scripts' own tests never run).

use goblin::elf::Elf;
use goblin::elf::program_header::PT_LOAD;
use goblin::elf::section_header::SHN_UNDEF;
use goblin::elf::sym::STT_FUNC;
use loader::symtab::{self, Symbol};

/// The section kernel/linker.ld reserves for the table, alone in the last
/// PT_LOAD.
const SECTION: &str = ".ksyms";

/// Returns `elf` with every sized function symbol of its `.symtab`, demangled,
/// encoded into the `.ksyms` segment.
pub fn inject(elf: &[u8]) -> Result<Vec<u8>, String> {
    let parsed = Elf::parse(elf).map_err(|e| format!("not an ELF file goblin can read: {e}"))?;
    if !parsed.is_64 || !parsed.little_endian {
        return Err("the kernel must be a little-endian ELF64 file".into());
    }

    let table = symtab::encode(&functions(&parsed)?).map_err(|e| e.to_string())?;

    let (section, shdr) = parsed
        .section_headers
        .iter()
        .enumerate()
        .find(|(_, sh)| parsed.shdr_strtab.get_at(sh.sh_name) == Some(SECTION))
        .ok_or_else(|| format!("no {SECTION} section (see kernel/linker.ld)"))?;
    let segment = parsed
        .program_headers
        .iter()
        .position(|ph| {
            ph.p_type == PT_LOAD
                && (shdr.sh_addr == ph.p_vaddr
                    || (shdr.sh_addr > ph.p_vaddr && shdr.sh_addr - ph.p_vaddr < ph.p_memsz))
        })
        .ok_or_else(|| format!("no PT_LOAD segment holds {SECTION}"))?;

    // Checks that the segment is the highest PT_LOAD and holds only .ksyms,
    // starting at its start, before anything is written.
    loader::elf_patch::replace_last_segment(elf, segment, section, &table)
        .map_err(|e| format!("cannot place {SECTION} (PT_LOAD {segment}): {e}"))
}

/// Every defined function with a size, named as a backtrace should show it:
/// Rust names demangled without their hash (`kernel::main`), others as they
/// are.
fn functions(elf: &Elf<'_>) -> Result<Vec<Symbol>, String> {
    if elf.syms.is_empty() {
        return Err("the kernel has no .symtab (was it stripped?)".into());
    }
    let mut symbols = Vec::new();
    for sym in elf.syms.iter() {
        if sym.st_type() != STT_FUNC || sym.st_size == 0 || sym.st_shndx == SHN_UNDEF as usize {
            continue;
        }
        let raw = elf
            .strtab
            .get_at(sym.st_name)
            .ok_or_else(|| format!("symbol name offset {} is not in .strtab", sym.st_name))?;
        symbols.push(Symbol {
            addr: sym.st_value,
            size: sym.st_size,
            name: format!("{:#}", rustc_demangle::demangle(raw)),
        });
    }
    Ok(symbols)
}
