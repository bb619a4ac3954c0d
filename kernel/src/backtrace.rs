//! Symbolized backtraces from the symbol table that `sole`'s build writes into
//! the kernel image (`.ksyms`, format in `loader::symtab`).

use crate::arch::frames;
use core::fmt::Write;
use loader::symtab::{self, SymbolTable};

// SAFETY: symbols the linker script or assembly defines; only their
// addresses are used, and each use says why the memory there is valid.
unsafe extern "C" {
    static __ksyms_start: u8;
}

fn header() -> &'static [u8; symtab::HEADER_LEN] {
    // SAFETY: the linker script reserves at least HEADER_LEN bytes at
    // __ksyms_start in a loaded segment, and nothing writes them.
    unsafe { &*(&raw const __ksyms_start as *const [u8; symtab::HEADER_LEN]) }
}

/// Bytes the symbol table occupies (0 when the image has none).
pub fn symbol_table_len() -> usize {
    symtab::table_len(header()).unwrap_or(0)
}

/// The kernel's symbol table, if the image carries a valid one.
pub fn symbols() -> Option<SymbolTable<'static>> {
    let len = symtab::table_len(header())?;
    // SAFETY: the build step extended the .ksyms segment to `len` bytes, and
    // the loader loaded all of it (the frame allocator excludes it).
    let bytes = unsafe { core::slice::from_raw_parts(&raw const __ksyms_start, len) };
    SymbolTable::parse(bytes).ok()
}

/// The boot code runs at its physical address until it jumps to the kernel
/// half; name such addresses by their link address.
fn link_address(addr: u64) -> u64 {
    let (start, end) = crate::mm::kernel_image_phys();
    if (start..end).contains(&addr) {
        addr + crate::mm::KERNEL_VMA
    } else {
        addr
    }
}

/// Prints `rip` and the return addresses found from `rbp` up.
pub fn print(out: &mut impl Write, rip: u64, rbp: u64) {
    let table = symbols();
    let line = |out: &mut dyn Write, n: usize, addr: u64| {
        let _ = match table.as_ref().and_then(|t| t.lookup(link_address(addr))) {
            Some((name, off)) => writeln!(out, "  #{n} {addr:#018x} {name}+{off:#x}"),
            None => writeln!(out, "  #{n} {addr:#018x} ?"),
        };
    };
    let _ = writeln!(out, "backtrace:");
    line(out, 0, rip);
    let mut n = 1;
    // Return addresses point after the call; look up addr - 1 so the frame is
    // attributed to the calling function even when the call was its last
    // instruction.
    frames::walk(rbp, |ret| {
        let _ = match table.as_ref().and_then(|t| t.lookup(link_address(ret) - 1)) {
            Some((name, off)) => writeln!(out, "  #{n} {ret:#018x} {name}+{:#x}", off + 1),
            None => writeln!(out, "  #{n} {ret:#018x} ?"),
        };
        n += 1;
    });
}
