//! The vDSO image read as goblin reads it, and its functions found the way
//! musl's `__vdsosym` (src/internal/vdso.c) and glibc's DT_HASH lookup
//! with a symbol version find them, both written here against the raw
//! bytes of the image as if mapped at a Linux-like address.

use super::*;
use goblin::elf::Elf;
use goblin::elf::dynamic::{DT_HASH, DT_STRTAB, DT_SYMTAB, DT_VERDEF, DT_VERSYM};
use goblin::elf::program_header::{PT_DYNAMIC, PT_LOAD};

const TARGETS: Targets = Targets {
    clock_gettime: 0xffff_ffff_8012_3450,
    gettimeofday: 0xffff_ffff_8012_3460,
    time: 0xffff_ffff_8012_3470,
    getcpu: 0xffff_ffff_8012_3480,
};

/// Where the test pretends the kernel mapped the image.
const LOAD: u64 = 0x7fff_f7fc_1000;

fn targets() -> [u64; 4] {
    [
        TARGETS.clock_gettime,
        TARGETS.gettimeofday,
        TARGETS.time,
        TARGETS.getcpu,
    ]
}

/// The mapped image: reads at virtual addresses.
struct Mapped<'a>(&'a [u8]);

impl Mapped<'_> {
    fn at(&self, addr: u64, len: usize) -> &[u8] {
        let off = usize::try_from(addr - LOAD).expect("inside the image");
        &self.0[off..off + len]
    }
    fn u16(&self, addr: u64) -> u16 {
        u16::from_le_bytes(self.at(addr, 2).try_into().unwrap())
    }
    fn u32(&self, addr: u64) -> u32 {
        u32::from_le_bytes(self.at(addr, 4).try_into().unwrap())
    }
    fn u64(&self, addr: u64) -> u64 {
        u64::from_le_bytes(self.at(addr, 8).try_into().unwrap())
    }
    fn cstr(&self, addr: u64) -> &[u8] {
        let off = (addr - LOAD) as usize;
        let len = self.0[off..].iter().position(|&b| b == 0).unwrap();
        &self.0[off..off + len]
    }
}

/// What musl and glibc take from the program and dynamic headers.
struct Dyn {
    base: u64,
    strings: u64,
    syms: u64,
    hashtab: u64,
    versym: Option<u64>,
    verdef: Option<u64>,
}

/// musl's walk of the headers: base = eh + p_offset - p_vaddr of the
/// PT_LOAD, the dynamic array from PT_DYNAMIC's p_offset, pointers in it
/// relative to base.
fn dynamic(m: &Mapped<'_>) -> Dyn {
    let eh = LOAD;
    let phoff = m.u64(eh + 32);
    let phentsize = u64::from(m.u16(eh + 54));
    let phnum = m.u16(eh + 56);
    let (mut base, mut dynv) = (None, None);
    for i in 0..u64::from(phnum) {
        let ph = eh + phoff + i * phentsize;
        match m.u32(ph) {
            PT_LOAD => base = Some(eh + m.u64(ph + 8) - m.u64(ph + 16)),
            PT_DYNAMIC => dynv = Some(eh + m.u64(ph + 8)),
            _ => {}
        }
    }
    let (base, mut dynv) = (base.expect("a PT_LOAD"), dynv.expect("a PT_DYNAMIC"));
    let mut d = Dyn {
        base,
        strings: 0,
        syms: 0,
        hashtab: 0,
        versym: None,
        verdef: None,
    };
    loop {
        let (tag, val) = (m.u64(dynv), m.u64(dynv + 8));
        if tag == 0 {
            break;
        }
        let p = base + val;
        match tag {
            DT_STRTAB => d.strings = p,
            DT_SYMTAB => d.syms = p,
            DT_HASH => d.hashtab = p,
            DT_VERSYM => d.versym = Some(p),
            DT_VERDEF => d.verdef = Some(p),
            _ => {}
        }
        dynv += 16;
    }
    assert!(d.strings != 0 && d.syms != 0 && d.hashtab != 0);
    d
}

/// musl's checkver: the Verdef (not the base one) whose index is the
/// symbol's version names `vername`.
fn musl_checkver(m: &Mapped<'_>, mut def: u64, vsym: u16, vername: &[u8], strings: u64) -> bool {
    let vsym = vsym & 0x7fff;
    loop {
        let flags = m.u16(def + 2);
        let ndx = m.u16(def + 4);
        if flags & 1 == 0 && ndx & 0x7fff == vsym {
            break;
        }
        let next = m.u32(def + 16);
        if next == 0 {
            return false;
        }
        def += u64::from(next);
    }
    let aux = def + u64::from(m.u32(def + 12));
    m.cstr(strings + u64::from(m.u32(aux))) == vername
}

/// musl's __vdsosym: a linear scan over DT_HASH's nchain symbols.
fn musl_vdsosym(image: &[u8], vername: &str, name: &str) -> Option<u64> {
    const OK_TYPES: u32 = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 5;
    const OK_BINDS: u32 = 1 << 1 | 1 << 2 | 1 << 10;
    let m = Mapped(image);
    let d = dynamic(&m);
    let versym = d.verdef.and(d.versym);
    let nchain = m.u32(d.hashtab + 4);
    for i in 0..u64::from(nchain) {
        let sym = d.syms + i * 24;
        let info = m.at(sym + 4, 1)[0];
        if (1 << (info & 0xf)) & OK_TYPES == 0 || (1 << (info >> 4)) & OK_BINDS == 0 {
            continue;
        }
        if m.u16(sym + 6) == 0 {
            continue;
        }
        if m.cstr(d.strings + u64::from(m.u32(sym))) != name.as_bytes() {
            continue;
        }
        if let Some(vs) = versym
            && !musl_checkver(
                &m,
                d.verdef.unwrap(),
                m.u16(vs + 2 * i),
                vername.as_bytes(),
                d.strings,
            )
        {
            continue;
        }
        return Some(d.base + m.u64(sym + 8));
    }
    None
}

/// glibc's DT_HASH lookup (do_lookup_x with _dl_elf_hash) and check_match
/// of a required version: the symbol's version index must name a Verdef
/// with the same hash and name.
fn glibc_lookup(image: &[u8], vername: &str, name: &str) -> Option<u64> {
    let m = Mapped(image);
    let d = dynamic(&m);
    let nbucket = m.u32(d.hashtab);
    let nchain = m.u32(d.hashtab + 4);
    let buckets = d.hashtab + 8;
    let chains = buckets + 4 * u64::from(nbucket);
    let mut i = m.u32(buckets + 4 * u64::from(elf_hash(name.as_bytes()) % nbucket));
    while i != 0 {
        assert!(i < nchain, "chain index in range");
        let sym = d.syms + u64::from(i) * 24;
        if m.cstr(d.strings + u64::from(m.u32(sym))) == name.as_bytes() && m.u16(sym + 6) != 0 {
            // l_versions from DT_VERDEF, then the symbol's index into it.
            let ndx = m.u16(d.versym.unwrap() + 2 * u64::from(i)) & 0x7fff;
            let mut def = d.verdef.unwrap();
            loop {
                if m.u16(def + 4) == ndx && m.u16(def + 2) & 1 == 0 {
                    let aux = def + u64::from(m.u32(def + 12));
                    let vname = m.cstr(d.strings + u64::from(m.u32(aux)));
                    if m.u32(def + 8) == elf_hash(vername.as_bytes()) && vname == vername.as_bytes()
                    {
                        return Some(d.base + m.u64(sym + 8));
                    }
                    return None;
                }
                match m.u32(def + 16) {
                    0 => return None,
                    next => def += u64::from(next),
                }
            }
        }
        i = m.u32(chains + 4 * u64::from(i));
    }
    None
}

#[test]
fn goblin_reads_a_shared_object_with_one_rx_load_and_a_dynamic_segment() {
    let image = image(&TARGETS);
    assert!(image.len() <= 4096, "{} bytes", image.len());
    let elf = Elf::parse(&image).expect("goblin parses it");
    assert_eq!(elf.header.e_type, goblin::elf::header::ET_DYN);
    assert_eq!(elf.header.e_machine, goblin::elf::header::EM_X86_64);
    let loads: Vec<_> = elf
        .program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .collect();
    assert_eq!(loads.len(), 1);
    let load = loads[0];
    assert_eq!((load.p_offset, load.p_vaddr), (0, 0));
    assert!(load.is_read() && load.is_executable() && !load.is_write());
    let dynamic = elf
        .program_headers
        .iter()
        .find(|p| p.p_type == PT_DYNAMIC)
        .expect("PT_DYNAMIC");
    assert!(!dynamic.is_write());
    assert!(dynamic.p_vaddr + dynamic.p_memsz <= load.p_vaddr + load.p_memsz);
    assert_eq!(elf.soname, Some(SONAME));
    // Every section lies in the file; the loaded ones in the segment.
    let names: Vec<&str> = elf
        .section_headers
        .iter()
        .map(|s| elf.shdr_strtab.get_at(s.sh_name).unwrap_or("?"))
        .collect();
    assert_eq!(
        names,
        [
            "",
            ".text",
            ".hash",
            ".dynsym",
            ".dynstr",
            ".gnu.version",
            ".gnu.version_d",
            ".dynamic",
            ".shstrtab"
        ]
    );
    for s in &elf.section_headers {
        assert!(s.sh_offset + s.sh_size <= image.len() as u64);
        if s.is_alloc() {
            assert!(s.sh_addr + s.sh_size <= load.p_memsz);
            assert_eq!(s.sh_addr, s.sh_offset);
        }
    }
}

#[test]
fn every_symbol_is_a_defined_function_at_linux_2_6() {
    let image = image(&TARGETS);
    let elf = Elf::parse(&image).expect("goblin parses it");
    let versym = elf.versym.as_ref().expect(".gnu.version");
    let verdef = elf.verdef.as_ref().expect(".gnu.version_d");
    let defs: Vec<(u16, u16, &str)> = verdef
        .iter()
        .map(|d| {
            let aux = d.iter().next().expect("a Verdaux");
            (
                d.vd_ndx,
                d.vd_flags,
                elf.dynstrtab.get_at(aux.vda_name).unwrap(),
            )
        })
        .collect();
    assert_eq!(defs, [(1, 1, SONAME), (2, 0, VERSION)]);
    let mut seen = Vec::new();
    for (i, sym) in elf.dynsyms.iter().enumerate().skip(1) {
        let name = elf.dynstrtab.get_at(sym.st_name).unwrap();
        assert_eq!(sym.st_type(), goblin::elf::sym::STT_FUNC, "{name}");
        assert_eq!(sym.st_shndx, 1, "{name} is in .text");
        assert!(sym.st_size > 0);
        assert_eq!(versym.get_at(i).unwrap().vs_val, 2, "{name}@@LINUX_2.6");
        let want_bind = if name.starts_with("__vdso_") {
            goblin::elf::sym::STB_GLOBAL
        } else {
            goblin::elf::sym::STB_WEAK
        };
        assert_eq!(sym.st_bind(), want_bind, "{name}");
        seen.push(name);
    }
    assert_eq!(
        seen,
        [
            "__vdso_clock_gettime",
            "clock_gettime",
            "__vdso_gettimeofday",
            "gettimeofday",
            "__vdso_time",
            "time",
            "__vdso_getcpu",
            "getcpu"
        ]
    );
}

#[test]
fn musl_and_glibc_find_each_function_and_its_alias_at_the_same_stub() {
    let image = image(&TARGETS);
    let text = Mapped(&image);
    for (stub, target) in STUBS.iter().zip(targets()) {
        let long = format!("__vdso_{}", stub.name);
        let musl = musl_vdsosym(&image, VERSION, &long).unwrap_or_else(|| panic!("musl: {long}"));
        assert_eq!(glibc_lookup(&image, VERSION, &long), Some(musl), "{long}");
        assert_eq!(musl_vdsosym(&image, VERSION, stub.name), Some(musl));
        assert_eq!(glibc_lookup(&image, VERSION, stub.name), Some(musl));
        // The stub's bytes, with the kernel address in its movabs.
        let code = text.at(musl, stub.code.len());
        let at = stub.target_at;
        assert_eq!(&code[at - 2..at], [0x48, 0xb8], "{long}: movabs $imm, %rax");
        assert_eq!(&code[at + 8..at + 10], [0xff, 0xd0], "{long}: call *%rax");
        assert_eq!(code[at..at + 8], target.to_le_bytes(), "{long}");
        assert_eq!(code[..at], stub.code[..at]);
        assert_eq!(code[at + 8..], stub.code[at + 8..]);
        assert_eq!(code.last(), Some(&0xc3), "{long} ends with ret");
    }
}

#[test]
fn other_versions_and_names_are_not_found() {
    let image = image(&TARGETS);
    for (version, name) in [
        ("LINUX_2.5", "__vdso_clock_gettime"),
        ("GLIBC_2.2.5", "__vdso_time"),
        (SONAME, "__vdso_getcpu"),
        (VERSION, "__vdso_clock_getres"),
        (VERSION, "__vdso_"),
        (VERSION, ""),
    ] {
        assert_eq!(
            musl_vdsosym(&image, version, name),
            None,
            "{name}@{version}"
        );
        assert_eq!(
            glibc_lookup(&image, version, name),
            None,
            "{name}@{version}"
        );
    }
}

#[test]
fn the_stubs_keep_the_stack_aligned_for_the_kernel_call() {
    // On entry RSP is 8 mod 16 (the return address); each push or
    // `sub $8, %rsp` before the call moves it by 8, and the call must be
    // made with RSP 0 mod 16.
    for stub in &STUBS {
        let prologue = &stub.code[..stub.target_at - 2];
        let mut moved = 0;
        let mut i = 0;
        while i < prologue.len() {
            match prologue[i] {
                0x57 | 0x56 => {
                    moved += 8;
                    i += 1;
                }
                0x48 if prologue[i + 1..i + 3] == [0x83, 0xec] => {
                    moved += usize::from(prologue[i + 3]);
                    i += 4;
                }
                b => panic!("{}: unexpected byte {b:#x} before the call", stub.name),
            }
        }
        assert_eq!((8 + moved) % 16, 0, "{}", stub.name);
    }
}

#[test]
fn the_image_is_the_same_for_the_same_targets_and_only_the_targets_differ() {
    let a = image(&TARGETS);
    assert_eq!(a, image(&TARGETS));
    let b = image(&Targets {
        clock_gettime: 1,
        gettimeofday: 2,
        time: 3,
        getcpu: 4,
    });
    assert_eq!(a.len(), b.len());
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(differing <= 4 * 8, "{differing} bytes differ");
}

#[test]
fn elf_hash_matches_the_gabi_examples() {
    assert_eq!(elf_hash(b""), 0);
    // Values glibc's _dl_elf_hash gives (VDSO_HASH in dl-vdso-setup.h).
    assert_eq!(elf_hash(b"LINUX_2.6"), 61_765_110);
    assert_eq!(elf_hash(b"printf"), 0x077905a6);
}
