//! The vDSO image (vdso(7)): a small ELF shared object the kernel maps into
//! the program and names in `AT_SYSINFO_EHDR`. glibc (`setup_vdso`, then
//! `dl_vdso_vsym`) and musl (`__vdsosym`) look up `__vdso_clock_gettime`,
//! `__vdso_gettimeofday`, `__vdso_time` and `__vdso_getcpu` at version
//! `LINUX_2.6` in it and call them instead of making the system calls.
//!
//! The image is laid out as Linux's own vDSO: linked at address 0, one
//! PT_LOAD (R+X) over the whole file, PT_DYNAMIC (read-only) with DT_HASH,
//! DT_SYMTAB, DT_STRTAB, DT_STRSZ, DT_SYMENT, DT_SONAME and the version
//! tables (DT_VERSYM, DT_VERDEF, DT_VERDEFNUM), and section headers so that
//! `readelf` and debuggers read it. Each function is exported twice, as
//! `__vdso_NAME` (global) and `NAME` (weak), both at `NAME@@LINUX_2.6`.
//!
//! Each function is a stub that calls a kernel function at an address the
//! kernel gives ([`Targets`]), then does the program-side work: it stores
//! the result through the caller's pointers (so a bad pointer faults in
//! program code and is the program's SIGSEGV, as with Linux's vDSO), and
//! when the kernel function declines (a clock it does not serve) it makes
//! the real system call with the caller's arguments, as Linux's vDSO falls
//! back. The kernel functions take no pointers and follow the SysV ABI
//! (`extern "sysv64"`); the stub calls them with RSP 16-byte aligned:
//!
//! | stub | kernel function | declines with |
//! |------|-----------------|---------------|
//! | `clock_gettime(clk, ts)` | `fn(clk: i32) -> (sec: i64, nsec: i64)` in RAX:RDX | `nsec < 0` |
//! | `gettimeofday(tv, tz)` | `fn() -> (sec: i64, usec: i64)` in RAX:RDX | `usec < 0` |
//! | `time(tloc)` | `fn() -> i64` seconds | `< 0` |
//! | `getcpu(cpu, node, cache)` | `fn() -> i32` CPU number (node 0) | `< 0` |

use alloc::vec;
use alloc::vec::Vec;

/// The version every function is defined at (Linux's
/// `arch/x86/entry/vdso/vdso.lds.S`).
pub const VERSION: &str = "LINUX_2.6";
/// The object's DT_SONAME, as on Linux.
pub const SONAME: &str = "linux-vdso.so.1";

/// Where the stubs call: the kernel functions behind each vDSO function
/// (see the module's table for their contracts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Targets {
    pub clock_gettime: u64,
    pub gettimeofday: u64,
    pub time: u64,
    pub getcpu: u64,
}

/// One function: its name without `__vdso_`, the stub's machine code, and
/// where in it the 8-byte kernel address of `movabs $TARGET, %rax` goes.
#[derive(Clone, Copy, Debug)]
pub struct Stub {
    pub name: &'static str,
    pub code: &'static [u8],
    pub target_at: usize,
}

/// The stubs, in [`Targets`] order. Assembled from the AT&T source beside
/// each; all begin by saving the argument registers the fallback needs
/// (one slot more where that keeps RSP aligned for the call).
pub const STUBS: [Stub; 4] = [
    Stub {
        name: "clock_gettime",
        code: &CLOCK_GETTIME,
        target_at: 8,
    },
    Stub {
        name: "gettimeofday",
        code: &GETTIMEOFDAY,
        target_at: 8,
    },
    Stub {
        name: "time",
        code: &TIME,
        target_at: 3,
    },
    Stub {
        name: "getcpu",
        code: &GETCPU,
        target_at: 8,
    },
];

#[rustfmt::skip]
const CLOCK_GETTIME: [u8; 47] = [
    0x57,                               // push   %rdi
    0x56,                               // push   %rsi
    0x48, 0x83, 0xec, 0x08,             // sub    $8, %rsp
    0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, // movabs $TARGET, %rax
    0xff, 0xd0,                         // call   *%rax
    0x48, 0x83, 0xc4, 0x08,             // add    $8, %rsp
    0x5e,                               // pop    %rsi
    0x5f,                               // pop    %rdi
    0x48, 0x85, 0xd2,                   // test   %rdx, %rdx
    0x78, 0x0a,                         // js     1f
    0x48, 0x89, 0x06,                   // mov    %rax, (%rsi)
    0x48, 0x89, 0x56, 0x08,             // mov    %rdx, 8(%rsi)
    0x31, 0xc0,                         // xor    %eax, %eax
    0xc3,                               // ret
    0xb8, 0xe4, 0x00, 0x00, 0x00,       // 1: mov $228 (clock_gettime), %eax
    0x0f, 0x05,                         // syscall
    0xc3,                               // ret
];

#[rustfmt::skip]
const GETTIMEOFDAY: [u8; 64] = [
    0x57,                               // push   %rdi
    0x56,                               // push   %rsi
    0x48, 0x83, 0xec, 0x08,             // sub    $8, %rsp
    0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, // movabs $TARGET, %rax
    0xff, 0xd0,                         // call   *%rax
    0x48, 0x83, 0xc4, 0x08,             // add    $8, %rsp
    0x5e,                               // pop    %rsi
    0x5f,                               // pop    %rdi
    0x48, 0x85, 0xd2,                   // test   %rdx, %rdx
    0x78, 0x1b,                         // js     3f
    0x48, 0x85, 0xff,                   // test   %rdi, %rdi
    0x74, 0x07,                         // jz     1f
    0x48, 0x89, 0x07,                   // mov    %rax, (%rdi)
    0x48, 0x89, 0x57, 0x08,             // mov    %rdx, 8(%rdi)
    0x48, 0x85, 0xf6,                   // 1: test %rsi, %rsi
    0x74, 0x07,                         // jz     2f
    0x48, 0xc7, 0x06, 0, 0, 0, 0,       // movq   $0, (%rsi) (UTC, no DST)
    0x31, 0xc0,                         // 2: xor %eax, %eax
    0xc3,                               // ret
    0xb8, 0x60, 0x00, 0x00, 0x00,       // 3: mov $96 (gettimeofday), %eax
    0x0f, 0x05,                         // syscall
    0xc3,                               // ret
];

#[rustfmt::skip]
const TIME: [u8; 36] = [
    0x57,                               // push   %rdi
    0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, // movabs $TARGET, %rax
    0xff, 0xd0,                         // call   *%rax
    0x5f,                               // pop    %rdi
    0x48, 0x85, 0xc0,                   // test   %rax, %rax
    0x78, 0x09,                         // js     2f
    0x48, 0x85, 0xff,                   // test   %rdi, %rdi
    0x74, 0x03,                         // jz     1f
    0x48, 0x89, 0x07,                   // mov    %rax, (%rdi)
    0xc3,                               // 1: ret
    0xb8, 0xc9, 0x00, 0x00, 0x00,       // 2: mov $201 (time), %eax
    0x0f, 0x05,                         // syscall
    0xc3,                               // ret
];

#[rustfmt::skip]
const GETCPU: [u8; 59] = [
    0x57,                               // push   %rdi
    0x56,                               // push   %rsi
    0x48, 0x83, 0xec, 0x08,             // sub    $8, %rsp
    0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, // movabs $TARGET, %rax
    0xff, 0xd0,                         // call   *%rax
    0x48, 0x83, 0xc4, 0x08,             // add    $8, %rsp
    0x5e,                               // pop    %rsi
    0x5f,                               // pop    %rdi
    0x85, 0xc0,                         // test   %eax, %eax
    0x78, 0x15,                         // js     3f
    0x48, 0x85, 0xff,                   // test   %rdi, %rdi
    0x74, 0x02,                         // jz     1f
    0x89, 0x07,                         // mov    %eax, (%rdi)
    0x48, 0x85, 0xf6,                   // 1: test %rsi, %rsi
    0x74, 0x06,                         // jz     2f
    0xc7, 0x06, 0, 0, 0, 0,             // movl   $0, (%rsi) (NUMA node 0)
    0x31, 0xc0,                         // 2: xor %eax, %eax
    0xc3,                               // ret
    0x31, 0xd2,                         // 3: xor %edx, %edx
    0xb8, 0x35, 0x01, 0x00, 0x00,       // mov    $309 (getcpu), %eax
    0x0f, 0x05,                         // syscall
    0xc3,                               // ret
];

// ELF constants (gABI; the GNU versioning tags from the LSB).
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PF_X: u32 = 1;
const PF_R: u32 = 4;
const SHT_PROGBITS: u32 = 1;
const SHT_STRTAB: u32 = 3;
const SHT_HASH: u32 = 5;
const SHT_DYNAMIC: u32 = 6;
const SHT_DYNSYM: u32 = 11;
const SHT_GNU_VERDEF: u32 = 0x6fff_fffd;
const SHT_GNU_VERSYM: u32 = 0x6fff_ffff;
const SHF_ALLOC: u64 = 2;
const SHF_EXECINSTR: u64 = 4;
const STB_GLOBAL: u8 = 1;
const STB_WEAK: u8 = 2;
const STT_FUNC: u8 = 2;
const DT_NULL: u64 = 0;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_SONAME: u64 = 14;
const DT_VERSYM: u64 = 0x6fff_fff0;
const DT_VERDEF: u64 = 0x6fff_fffc;
const DT_VERDEFNUM: u64 = 0x6fff_fffd;
const VER_FLG_BASE: u16 = 1;
/// Version index of `LINUX_2.6` (1 is the object itself).
const VERSION_INDEX: u16 = 2;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const SHDR_SIZE: usize = 64;
const SYM_SIZE: usize = 24;
const VERDEF_SIZE: usize = 20;
const VERDAUX_SIZE: usize = 8;
const PHNUM: usize = 2;

/// The SysV ELF hash (gABI "Hash Table"), which DT_HASH buckets by and
/// Verdef entries carry.
pub fn elf_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0;
    for &c in name {
        h = (h << 4).wrapping_add(u32::from(c));
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
    }
    h
}

/// Section indexes: the order `image` lays the sections out in.
const SH_TEXT: u32 = 1;
const SH_HASH: u32 = 2;
const SH_DYNSYM: u32 = 3;
const SH_DYNSTR: u32 = 4;
const SH_VERSYM: u32 = 5;
const SH_VERDEF: u32 = 6;
const SH_DYNAMIC: u32 = 7;
const SH_SHSTRTAB: u32 = 8;
const SHNUM: u32 = 9;
/// Where `.shstrtab` names itself in its table (first, after the NUL).
const SHSTRTAB_NAME: u32 = 1;

/// A section header's fields besides its place.
#[derive(Clone, Copy, Default)]
struct Head {
    sh_type: u32,
    flags: u64,
    align: usize,
    entsize: u64,
    link: u32,
    info: u32,
}

impl Head {
    fn alloc(sh_type: u32, align: usize) -> Self {
        Head {
            sh_type,
            flags: SHF_ALLOC,
            align,
            ..Head::default()
        }
    }
    fn entsize(self, entsize: u64) -> Self {
        Head { entsize, ..self }
    }
    fn link(self, link: u32, info: u32) -> Self {
        Head { link, info, ..self }
    }
}

/// The image under construction (virtual addresses equal file offsets)
/// and its section headers.
struct Image {
    bytes: Vec<u8>,
    headers: Vec<u8>,
    shstrtab: StrTab,
}

impl Image {
    /// Appends `data` at the next aligned offset as section `index` named
    /// `name`; returns its offset.
    fn section(&mut self, index: u32, name: &str, head: Head, data: &[u8]) -> usize {
        debug_assert_eq!(self.headers.len(), index as usize * SHDR_SIZE);
        self.bytes
            .resize(self.bytes.len().next_multiple_of(head.align.max(1)), 0);
        let offset = self.bytes.len();
        self.bytes.extend_from_slice(data);
        let addr = if head.flags & SHF_ALLOC != 0 {
            offset
        } else {
            0
        };
        // .shstrtab's own name went in first, so the table holds it.
        let name = if index == SH_SHSTRTAB {
            SHSTRTAB_NAME
        } else {
            self.shstrtab.add(name)
        };
        for field in [
            &name.to_le_bytes()[..],
            &head.sh_type.to_le_bytes(),
            &head.flags.to_le_bytes(),
            &(addr as u64).to_le_bytes(),
            &(offset as u64).to_le_bytes(),
            &(data.len() as u64).to_le_bytes(),
            &head.link.to_le_bytes(),
            &head.info.to_le_bytes(),
            &(head.align as u64).to_le_bytes(),
            &head.entsize.to_le_bytes(),
        ] {
            self.headers.extend_from_slice(field);
        }
        offset
    }

    fn put16(&mut self, at: usize, v: u16) {
        self.bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn put32(&mut self, at: usize, v: u32) {
        self.bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn put64(&mut self, at: usize, v: u64) {
        self.bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
}

/// A string table being filled: offsets of NUL-terminated strings.
struct StrTab(Vec<u8>);

impl StrTab {
    fn add(&mut self, s: &str) -> u32 {
        let at = self.0.len() as u32;
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
        at
    }
}

/// The stubs' code, each 16-byte aligned and calling its target, and
/// where each starts.
fn text(targets: &Targets) -> (Vec<u8>, [usize; STUBS.len()]) {
    let addrs = [
        targets.clock_gettime,
        targets.gettimeofday,
        targets.time,
        targets.getcpu,
    ];
    let mut text = Vec::new();
    let mut starts = [0; STUBS.len()];
    for ((stub, target), start) in STUBS.iter().zip(addrs).zip(&mut starts) {
        // int3 between stubs.
        text.resize(text.len().next_multiple_of(16), 0xcc);
        *start = text.len();
        text.extend_from_slice(stub.code);
        let at = *start + stub.target_at;
        text[at..at + 8].copy_from_slice(&target.to_le_bytes());
    }
    (text, starts)
}

/// DT_HASH (gABI "Hash Table"): nbucket, nchain, the buckets and the
/// chains, for symbols `names` (index 0 the null symbol).
fn hash_table(names: &[&str]) -> Vec<u8> {
    const NBUCKET: usize = 3;
    let mut buckets = [0u32; NBUCKET];
    let mut chains = vec![0u32; names.len()];
    for (i, name) in names.iter().enumerate().skip(1) {
        // Push onto the front of the bucket's chain.
        let bucket = &mut buckets[elf_hash(name.as_bytes()) as usize % NBUCKET];
        chains[i] = *bucket;
        *bucket = i as u32;
    }
    [NBUCKET as u32, names.len() as u32]
        .iter()
        .chain(&buckets)
        .chain(&chains)
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

/// DT_VERDEF: the object itself (index 1, VER_FLG_BASE, named by its
/// soname) and LINUX_2.6 (index 2); `names` are their DT_STRTAB offsets.
fn version_definitions(names: [u32; 2]) -> Vec<u8> {
    let defs = [
        (VER_FLG_BASE, 1u16, SONAME, names[0]),
        (0, VERSION_INDEX, VERSION, names[1]),
    ];
    let mut out = Vec::new();
    for (i, (flags, ndx, name, name_at)) in defs.into_iter().enumerate() {
        let next = if i + 1 < defs.len() {
            (VERDEF_SIZE + VERDAUX_SIZE) as u32
        } else {
            0
        };
        for field in [
            &1u16.to_le_bytes()[..], // vd_version
            &flags.to_le_bytes(),
            &ndx.to_le_bytes(),
            &1u16.to_le_bytes(), // vd_cnt: one Verdaux
            &elf_hash(name.as_bytes()).to_le_bytes(),
            &(VERDEF_SIZE as u32).to_le_bytes(), // vd_aux
            &next.to_le_bytes(),
            &name_at.to_le_bytes(), // vda_name
            &0u32.to_le_bytes(),    // vda_next
        ] {
            out.extend_from_slice(field);
        }
    }
    out
}

/// The vDSO image whose stubs call `targets`. It fits in one page, and the
/// same targets give the same bytes.
pub fn image(targets: &Targets) -> Vec<u8> {
    let mut img = Image {
        bytes: vec![0; EHDR_SIZE + PHNUM * PHDR_SIZE],
        headers: vec![0; SHDR_SIZE],
        shstrtab: StrTab(vec![0]),
    };
    let own = img.shstrtab.add(".shstrtab");
    debug_assert_eq!(own, SHSTRTAB_NAME);
    let (text, starts) = text(targets);
    let text_off = img.section(
        SH_TEXT,
        ".text",
        Head {
            flags: SHF_ALLOC | SHF_EXECINSTR,
            ..Head::alloc(SHT_PROGBITS, 16)
        },
        &text,
    );

    // The null symbol, then `__vdso_NAME` (global) and `NAME` (weak) for
    // each function.
    let mut dynstr = StrTab(vec![0]);
    let soname = dynstr.add(SONAME);
    let version = dynstr.add(VERSION);
    let mut long_names = Vec::new();
    for stub in &STUBS {
        long_names.push(alloc::format!("__vdso_{}", stub.name));
    }
    let mut names = vec![""];
    let mut dynsym = vec![0u8; SYM_SIZE];
    for ((stub, start), long) in STUBS.iter().zip(starts).zip(&long_names) {
        for (name, bind) in [(long.as_str(), STB_GLOBAL), (stub.name, STB_WEAK)] {
            for field in [
                &dynstr.add(name).to_le_bytes()[..],
                &[(bind << 4) | STT_FUNC, 0],
                &(SH_TEXT as u16).to_le_bytes(),
                &((text_off + start) as u64).to_le_bytes(),
                &(stub.code.len() as u64).to_le_bytes(),
            ] {
                dynsym.extend_from_slice(field);
            }
            names.push(name);
        }
    }
    let hash_off = img.section(
        SH_HASH,
        ".hash",
        Head::alloc(SHT_HASH, 8).entsize(4).link(SH_DYNSYM, 0),
        &hash_table(&names),
    );
    let dynsym_off = img.section(
        SH_DYNSYM,
        ".dynsym",
        // sh_info: the first global symbol.
        Head::alloc(SHT_DYNSYM, 8)
            .entsize(SYM_SIZE as u64)
            .link(SH_DYNSTR, 1),
        &dynsym,
    );
    let dynstr_off = img.section(SH_DYNSTR, ".dynstr", Head::alloc(SHT_STRTAB, 1), &dynstr.0);
    // Every symbol but the null one is defined at LINUX_2.6.
    let versym: Vec<u8> = (0..names.len())
        .flat_map(|i| u16::from(i != 0).wrapping_mul(VERSION_INDEX).to_le_bytes())
        .collect();
    let versym_off = img.section(
        SH_VERSYM,
        ".gnu.version",
        Head::alloc(SHT_GNU_VERSYM, 2).entsize(2).link(SH_DYNSYM, 0),
        &versym,
    );
    let verdef_off = img.section(
        SH_VERDEF,
        ".gnu.version_d",
        // sh_info: how many definitions.
        Head::alloc(SHT_GNU_VERDEF, 8).link(SH_DYNSTR, 2),
        &version_definitions([soname, version]),
    );
    let dynamic: Vec<u8> = [
        (DT_SONAME, u64::from(soname)),
        (DT_HASH, hash_off as u64),
        (DT_STRTAB, dynstr_off as u64),
        (DT_SYMTAB, dynsym_off as u64),
        (DT_STRSZ, dynstr.0.len() as u64),
        (DT_SYMENT, SYM_SIZE as u64),
        (DT_VERSYM, versym_off as u64),
        (DT_VERDEF, verdef_off as u64),
        (DT_VERDEFNUM, 2),
        (DT_NULL, 0),
    ]
    .iter()
    .flat_map(|&(tag, val)| [tag.to_le_bytes(), val.to_le_bytes()])
    .flatten()
    .collect();
    let dynamic_off = img.section(
        SH_DYNAMIC,
        ".dynamic",
        Head::alloc(SHT_DYNAMIC, 8).entsize(16).link(SH_DYNSTR, 0),
        &dynamic,
    );
    let load_end = img.bytes.len();

    // Not loaded (but mapped with the rest): section names and headers.
    let names_table = img.shstrtab.0.clone();
    img.section(
        SH_SHSTRTAB,
        ".shstrtab",
        Head {
            sh_type: SHT_STRTAB,
            align: 1,
            ..Head::default()
        },
        &names_table,
    );
    img.bytes.resize(img.bytes.len().next_multiple_of(8), 0);
    let shoff = img.bytes.len();
    let headers = core::mem::take(&mut img.headers);
    img.bytes.extend_from_slice(&headers);

    // The ELF header.
    img.bytes[..16].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    img.put16(16, ET_DYN);
    img.put16(18, EM_X86_64);
    img.put32(20, 1); // e_version
    img.put64(24, 0); // e_entry: none
    img.put64(32, EHDR_SIZE as u64); // e_phoff
    img.put64(40, shoff as u64);
    img.put32(48, 0); // e_flags
    img.put16(52, EHDR_SIZE as u16);
    img.put16(54, PHDR_SIZE as u16);
    img.put16(56, PHNUM as u16);
    img.put16(58, SHDR_SIZE as u16);
    img.put16(60, SHNUM as u16);
    img.put16(62, SH_SHSTRTAB as u16);

    // The program headers. All that is loaded is one R+X segment at 0:
    // glibc's setup_vdso takes l_addr from the first PT_LOAD's p_vaddr,
    // musl its base from p_offset - p_vaddr. The section headers after it
    // are mapped with the rest (the kernel maps the whole image).
    let phdrs = [
        (PT_LOAD, PF_R | PF_X, 0, load_end, 0x1000u64),
        (PT_DYNAMIC, PF_R, dynamic_off, dynamic.len(), 8),
    ];
    for (i, (p_type, flags, offset, size, align)) in phdrs.into_iter().enumerate() {
        let at = EHDR_SIZE + i * PHDR_SIZE;
        img.put32(at, p_type);
        img.put32(at + 4, flags);
        img.put64(at + 8, offset as u64);
        img.put64(at + 16, offset as u64); // p_vaddr
        img.put64(at + 24, offset as u64); // p_paddr
        img.put64(at + 32, size as u64); // p_filesz
        img.put64(at + 40, size as u64); // p_memsz
        img.put64(at + 48, align);
    }
    img.bytes
}

#[cfg(test)]
mod tests;
