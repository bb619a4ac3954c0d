//! Synthetic ELF files for tests: an ELF64 header, a program header table
//! and filler bytes, written field by field from the gABI layout (not with
//! goblin, so the parser is checked against an independent writer).

use alloc::vec;
use alloc::vec::Vec;

pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_STACK: u32 = 0x6474_e551;
pub const PT_GNU_RELRO: u32 = 0x6474_e552;
pub const R: u32 = 4;
pub const W: u32 = 2;
pub const X: u32 = 1;
pub const ET_REL: u16 = 1;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const ET_CORE: u16 = 4;

/// Offsets of the ELF64 header fields.
pub mod ehdr {
    pub const CLASS: usize = 4;
    pub const DATA: usize = 5;
    pub const IDENT_VERSION: usize = 6;
    pub const TYPE: usize = 16;
    pub const MACHINE: usize = 18;
    pub const VERSION: usize = 20;
    pub const ENTRY: usize = 24;
    pub const PHOFF: usize = 32;
    pub const PHENTSIZE: usize = 54;
    pub const PHNUM: usize = 56;
}

/// Offsets of the ELF64 program header fields.
pub mod phdr {
    pub const TYPE: usize = 0;
    pub const FLAGS: usize = 4;
    pub const OFFSET: usize = 8;
    pub const VADDR: usize = 16;
    pub const FILESZ: usize = 32;
    pub const MEMSZ: usize = 40;
    pub const ALIGN: usize = 48;
}

#[derive(Clone, Copy, Debug)]
pub struct Phdr {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Phdr {
    pub fn new(p_type: u32, flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Self {
        Self {
            p_type,
            flags,
            offset,
            vaddr,
            filesz,
            memsz,
            align: 0x1000,
        }
    }

    pub fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Self {
        Self::new(PT_LOAD, flags, offset, vaddr, filesz, memsz)
    }

    pub fn align(self, align: u64) -> Self {
        Self { align, ..self }
    }
}

/// An ELF file to write.
#[derive(Clone, Debug)]
pub struct ElfFile {
    pub e_type: u16,
    pub entry: u64,
    pub phoff: u64,
    pub phdrs: Vec<Phdr>,
    /// File length; filler bytes are `offset % 251`.
    pub len: usize,
    /// Bytes written over the filler at an offset (before the headers).
    pub patches: Vec<(usize, Vec<u8>)>,
}

impl ElfFile {
    pub fn bytes(&self) -> Vec<u8> {
        let mut f: Vec<u8> = (0..self.len).map(|i| (i % 251) as u8).collect();
        for (at, data) in &self.patches {
            f[*at..*at + data.len()].copy_from_slice(data);
        }
        f[..16].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        put16(&mut f, ehdr::TYPE, self.e_type);
        put16(&mut f, ehdr::MACHINE, 62);
        put32(&mut f, ehdr::VERSION, 1);
        put64(&mut f, ehdr::ENTRY, self.entry);
        put64(&mut f, ehdr::PHOFF, self.phoff);
        put64(&mut f, 40, 0); // e_shoff
        put32(&mut f, 48, 0); // e_flags
        put16(&mut f, 52, 64); // e_ehsize
        put16(&mut f, ehdr::PHENTSIZE, 56);
        put16(&mut f, ehdr::PHNUM, self.phdrs.len() as u16);
        put16(&mut f, 58, 64); // e_shentsize
        put16(&mut f, 60, 0); // e_shnum
        put16(&mut f, 62, 0); // e_shstrndx
        for (i, ph) in self.phdrs.iter().enumerate() {
            let at = self.phoff as usize + i * 56;
            put32(&mut f, at + phdr::TYPE, ph.p_type);
            put32(&mut f, at + phdr::FLAGS, ph.flags);
            put64(&mut f, at + phdr::OFFSET, ph.offset);
            put64(&mut f, at + phdr::VADDR, ph.vaddr);
            put64(&mut f, at + 24, ph.vaddr); // p_paddr
            put64(&mut f, at + phdr::FILESZ, ph.filesz);
            put64(&mut f, at + phdr::MEMSZ, ph.memsz);
            put64(&mut f, at + phdr::ALIGN, ph.align);
        }
        f
    }
}

pub fn put16(f: &mut [u8], at: usize, v: u16) {
    f[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub fn put32(f: &mut [u8], at: usize, v: u32) {
    f[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub fn put64(f: &mut [u8], at: usize, v: u64) {
    f[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// A static non-PIE executable whose text, data and bss share a page:
///
/// ```text
/// 0  PT_PHDR       0x400040, 6 headers
/// 1  PT_LOAD R     offset 0x0    vaddr 0x400000  filesz 0x400  (headers, rodata)
/// 2  PT_LOAD R X   offset 0x1000 vaddr 0x401000  filesz 0x800  (text)
/// 3  PT_LOAD R W   offset 0x1800 vaddr 0x401800  filesz 0x100  memsz 0x2000 (data, bss)
/// 4  PT_TLS        offset 0x1800 vaddr 0x401800  filesz 0x20   memsz 0x60 align 0x20
/// 5  PT_GNU_STACK  R W
/// ```
pub fn static_exec() -> ElfFile {
    ElfFile {
        e_type: ET_EXEC,
        entry: 0x401010,
        phoff: 64,
        phdrs: vec![
            Phdr::new(PT_PHDR, R, 64, 0x400040, 6 * 56, 6 * 56).align(8),
            Phdr::load(R, 0, 0x400000, 0x400, 0x400),
            Phdr::load(R | X, 0x1000, 0x401000, 0x800, 0x800),
            Phdr::load(R | W, 0x1800, 0x401800, 0x100, 0x2000),
            Phdr::new(PT_TLS, R, 0x1800, 0x401800, 0x20, 0x60).align(0x20),
            Phdr::new(PT_GNU_STACK, R | W, 0, 0, 0, 0).align(16),
        ],
        len: 0x1900,
        patches: vec![],
    }
}

/// A static-PIE laid out like glibc's (no PT_PHDR, data at an offset one
/// page below its address, RELRO ending on a page boundary):
///
/// ```text
/// 0  PT_LOAD R     offset 0x0    vaddr 0x0     filesz 0x800
/// 1  PT_LOAD R X   offset 0x1000 vaddr 0x1000  filesz 0x1000
/// 2  PT_LOAD R W   offset 0x2f48 vaddr 0x3f48  filesz 0x100  memsz 0x1000
/// 3  PT_TLS        offset 0x2f48 vaddr 0x3f48  filesz 0x28   memsz 0x80  align 8
/// 4  PT_GNU_STACK  R W
/// 5  PT_GNU_RELRO  vaddr 0x3f48 memsz 0xb8
/// ```
pub fn static_pie() -> ElfFile {
    ElfFile {
        e_type: ET_DYN,
        entry: 0x1100,
        phoff: 64,
        phdrs: vec![
            Phdr::load(R, 0, 0, 0x800, 0x800),
            Phdr::load(R | X, 0x1000, 0x1000, 0x1000, 0x1000),
            Phdr::load(R | W, 0x2f48, 0x3f48, 0x100, 0x1000),
            Phdr::new(PT_TLS, R, 0x2f48, 0x3f48, 0x28, 0x80).align(8),
            Phdr::new(PT_GNU_STACK, R | W, 0, 0, 0, 0).align(16),
            Phdr::new(PT_GNU_RELRO, R, 0x2f48, 0x3f48, 0xb8, 0xb8).align(1),
        ],
        len: 0x3048,
        patches: vec![],
    }
}

/// The interpreter path [`dynamic_pie`] names.
pub const INTERP: &[u8] = b"/lib64/ld-linux-x86-64.so.2\0";

/// A dynamically linked PIE: PT_PHDR and PT_INTERP first, as linkers emit.
pub fn dynamic_pie() -> ElfFile {
    let mut elf = static_pie();
    let count = elf.phdrs.len() as u64 + 2;
    // Well above the table, so tests can add program headers.
    let interp_at = 0x400;
    elf.phdrs.insert(
        0,
        Phdr::new(PT_PHDR, R, 64, 64, count * 56, count * 56).align(8),
    );
    elf.phdrs.insert(
        1,
        Phdr::new(
            PT_INTERP,
            R,
            interp_at,
            interp_at,
            INTERP.len() as u64,
            INTERP.len() as u64,
        )
        .align(1),
    );
    elf.patches.push((interp_at as usize, INTERP.to_vec()));
    elf
}
