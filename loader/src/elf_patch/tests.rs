use super::*;
use alloc::string::ToString;
use alloc::vec;
use proptest::prelude::*;

const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;
const PT_NOTE: u32 = 4;
const SHT_PROGBITS: u32 = 1;
const SHT_NOBITS: u32 = 8;
const SHT_SYMTAB: u32 = 2;

#[derive(Clone, Copy)]
struct Phdr {
    p_type: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

#[derive(Clone, Copy)]
struct Shdr {
    sh_type: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
}

fn load(offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Phdr {
    Phdr {
        p_type: PT_LOAD,
        offset,
        vaddr,
        filesz,
        memsz,
        align: 0x1000,
    }
}

fn alloc_section(sh_type: u32, addr: u64, offset: u64, size: u64) -> Shdr {
    Shdr {
        sh_type,
        flags: SHF_ALLOC,
        addr,
        offset,
        size,
    }
}

/// An ELF64 file: header, program headers right after it, a zero body up to
/// `body_end`, then the section headers. Physical addresses are the virtual
/// ones minus `KERNEL_VMA`, as in kernel/linker.ld.
fn build(phdrs: &[Phdr], shdrs: &[Shdr], body_end: usize) -> Vec<u8> {
    let phoff = EHDR_LEN;
    let shoff = body_end
        .max(phoff + phdrs.len() * PHDR_LEN)
        .next_multiple_of(8);
    let mut f = vec![0u8; shoff + shdrs.len() * SHDR_LEN];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // ELFCLASS64
    f[5] = 1; // ELFDATA2LSB
    f[6] = 1; // EV_CURRENT
    f[0x10..0x12].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f[0x12..0x14].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    f[0x20..0x28].copy_from_slice(&(phoff as u64).to_le_bytes());
    f[0x28..0x30].copy_from_slice(&(shoff as u64).to_le_bytes());
    f[0x34..0x36].copy_from_slice(&(EHDR_LEN as u16).to_le_bytes());
    f[0x36..0x38].copy_from_slice(&(PHDR_LEN as u16).to_le_bytes());
    f[0x38..0x3a].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
    f[0x3a..0x3c].copy_from_slice(&(SHDR_LEN as u16).to_le_bytes());
    f[0x3c..0x3e].copy_from_slice(&(shdrs.len() as u16).to_le_bytes());
    for (i, p) in phdrs.iter().enumerate() {
        let at = phoff + i * PHDR_LEN;
        f[at..at + 4].copy_from_slice(&p.p_type.to_le_bytes());
        f[at + 4..at + 8].copy_from_slice(&4u32.to_le_bytes()); // PF_R
        for (off, v) in [
            (8, p.offset),
            (16, p.vaddr),
            (24, p.vaddr.wrapping_sub(KERNEL_VMA)),
            (32, p.filesz),
            (40, p.memsz),
            (48, p.align),
        ] {
            f[at + off..at + off + 8].copy_from_slice(&v.to_le_bytes());
        }
    }
    for (i, s) in shdrs.iter().enumerate() {
        let at = shoff + i * SHDR_LEN;
        f[at + 4..at + 8].copy_from_slice(&s.sh_type.to_le_bytes());
        for (off, v) in [(8, s.flags), (16, s.addr), (24, s.offset), (32, s.size)] {
            f[at + off..at + off + 8].copy_from_slice(&v.to_le_bytes());
        }
    }
    f
}

const KSYMS_ADDR: u64 = KERNEL_VMA + 0x11_7000;

/// Shaped like the real kernel: text, rodata, data+bss, then the 16-byte
/// ksyms placeholder segment, a PT_NOTE, and a non-allocated .symtab.
fn kernel_like() -> Vec<u8> {
    build(
        &[
            load(0x1000, KERNEL_VMA + 0x10_0000, 0x104, 0x104),
            load(0x2000, KERNEL_VMA + 0x10_1000, 0x34, 0x34),
            load(0x3000, KERNEL_VMA + 0x10_2000, 0xc, 0x1_5000),
            load(0x4000, KSYMS_ADDR, 0x10, 0x10),
            Phdr {
                p_type: PT_NOTE,
                offset: 0x2020,
                vaddr: KERNEL_VMA + 0x10_1020,
                filesz: 0x14,
                memsz: 0x14,
                align: 4,
            },
        ],
        &[
            Shdr {
                sh_type: 0,
                flags: 0,
                addr: 0,
                offset: 0,
                size: 0,
            },
            alloc_section(SHT_PROGBITS, KERNEL_VMA + 0x10_0000, 0x1000, 0x104),
            alloc_section(SHT_NOBITS, KERNEL_VMA + 0x10_3000, 0x300c, 0x1_4000),
            alloc_section(SHT_PROGBITS, KSYMS_ADDR, 0x4000, 0x10),
            Shdr {
                sh_type: SHT_SYMTAB,
                flags: 0,
                addr: 0,
                offset: 0x4010,
                size: 0x48,
            },
        ],
        0x4058,
    )
}

fn u64_at(f: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(f[at..at + 8].try_into().unwrap())
}

fn phdr_field(f: &[u8], index: usize, off: usize) -> u64 {
    u64_at(f, EHDR_LEN + index * PHDR_LEN + off)
}

fn shdr_field(f: &[u8], index: usize, off: usize) -> u64 {
    u64_at(f, u64_at(f, 0x28) as usize + index * SHDR_LEN + off)
}

#[test]
fn appends_contents_and_points_headers_at_them() {
    let elf = kernel_like();
    let contents: Vec<u8> = (1..=100).collect();
    let out = replace_last_segment(&elf, 3, 3, &contents).unwrap();

    // The next offset past the file congruent to the vaddr (page-aligned here).
    let offset = elf.len().next_multiple_of(0x1000);
    assert_eq!(out.len(), offset + contents.len());
    assert_eq!(&out[offset..], &contents[..]);
    assert!(out[elf.len()..offset].iter().all(|&b| b == 0), "padding");

    assert_eq!(phdr_field(&out, 3, 8), offset as u64, "p_offset");
    assert_eq!(phdr_field(&out, 3, 32), 100, "p_filesz");
    assert_eq!(phdr_field(&out, 3, 40), 100, "p_memsz");
    assert_eq!(phdr_field(&out, 3, 16), KSYMS_ADDR, "p_vaddr kept");
    assert_eq!(shdr_field(&out, 3, 24), offset as u64, "sh_offset");
    assert_eq!(shdr_field(&out, 3, 32), 100, "sh_size");
    assert_eq!(shdr_field(&out, 3, 16), KSYMS_ADDR, "sh_addr kept");

    // Exactly those ten words changed; everything else is the old file.
    let patched = [
        EHDR_LEN + 3 * PHDR_LEN + 8,
        EHDR_LEN + 3 * PHDR_LEN + 32,
        EHDR_LEN + 3 * PHDR_LEN + 40,
        u64_at(&elf, 0x28) as usize + 3 * SHDR_LEN + 24,
        u64_at(&elf, 0x28) as usize + 3 * SHDR_LEN + 32,
    ];
    for (i, (old, new)) in elf.iter().zip(&out).enumerate() {
        let in_patch = patched.iter().any(|&p| (p..p + 8).contains(&i));
        assert!(in_patch || old == new, "byte {i:#x} changed");
    }
}

#[test]
fn offset_is_congruent_to_vaddr_modulo_align() {
    for (vaddr_low, align) in [
        (0x10u64, 0x1000u64),
        (0xff8, 0x1000),
        (0x30, 0x40),
        (0, 0x20_0000),
    ] {
        let addr = KERNEL_VMA + 0x20_0000 + vaddr_low;
        let mut seg = load(0x1000, addr, 0, 0);
        seg.align = align;
        let elf = build(
            &[load(0x1000, KERNEL_VMA + 0x10_0000, 0x10, 0x10), seg],
            &[alloc_section(SHT_PROGBITS, addr, 0x1000, 0)],
            0x1234,
        );
        let out = replace_last_segment(&elf, 1, 0, b"table").unwrap();
        let offset = phdr_field(&out, 1, 8);
        assert_eq!(offset % align, addr % align, "align {align:#x}");
        assert!(offset >= elf.len() as u64);
        assert!(
            offset < elf.len() as u64 + align,
            "no more than one align of padding"
        );
        assert_eq!(&out[offset as usize..], b"table");
    }
}

#[test]
fn no_alignment_appends_directly() {
    for align in [0, 1] {
        let mut seg = load(0x1000, KSYMS_ADDR + 3, 0, 0);
        seg.align = align;
        let elf = build(
            &[seg],
            &[alloc_section(SHT_PROGBITS, KSYMS_ADDR + 3, 0x1000, 0)],
            0x1001,
        );
        let out = replace_last_segment(&elf, 0, 0, b"xy").unwrap();
        assert_eq!(phdr_field(&out, 0, 8), elf.len() as u64);
        assert_eq!(out.len(), elf.len() + 2);
    }
}

#[test]
fn refuses_a_segment_that_is_not_the_highest() {
    // Program header 2 (data) lies below ksyms: growing it would overlap.
    assert_eq!(
        replace_last_segment(&kernel_like(), 2, 3, b"x").unwrap_err(),
        PatchError::NotLast { index: 2, other: 3 }
    );
    // A PT_LOAD above the chosen one.
    let elf = build(
        &[
            load(0x1000, KSYMS_ADDR, 0x10, 0x10),
            load(0x2000, KSYMS_ADDR + 0x1000, 0x10, 0x10),
        ],
        &[alloc_section(SHT_PROGBITS, KSYMS_ADDR, 0x1000, 0x10)],
        0x2010,
    );
    assert_eq!(
        replace_last_segment(&elf, 0, 0, b"x").unwrap_err(),
        PatchError::NotLast { index: 0, other: 1 }
    );
    // One that starts below but whose memory reaches into the chosen one.
    let elf = build(
        &[
            load(0x1000, KSYMS_ADDR, 0x10, 0x10),
            load(0x2000, KSYMS_ADDR - 0x1000, 0x10, 0x1001),
        ],
        &[alloc_section(SHT_PROGBITS, KSYMS_ADDR, 0x1000, 0x10)],
        0x2010,
    );
    assert_eq!(
        replace_last_segment(&elf, 0, 0, b"x").unwrap_err(),
        PatchError::NotLast { index: 0, other: 1 }
    );
}

#[test]
fn refuses_wrong_headers() {
    let elf = kernel_like();
    assert_eq!(
        replace_last_segment(&elf, 4, 3, b"x").unwrap_err(),
        PatchError::NotLoadable { index: 4 }
    );
    assert_eq!(
        replace_last_segment(&elf, 5, 3, b"x").unwrap_err(),
        PatchError::NoSuchSegment { index: 5 }
    );
    assert_eq!(
        replace_last_segment(&elf, 3, 5, b"x").unwrap_err(),
        PatchError::NoSuchSection { index: 5 }
    );
    assert_eq!(
        replace_last_segment(&elf, 3, 1, b"x").unwrap_err(),
        PatchError::SectionNotAtSegmentStart {
            section_addr: KERNEL_VMA + 0x10_0000,
            segment_addr: KSYMS_ADDR
        }
    );
}

#[test]
fn refuses_a_segment_shared_with_another_section() {
    let elf = build(
        &[load(0x1000, KSYMS_ADDR, 0x20, 0x20)],
        &[
            alloc_section(SHT_PROGBITS, KSYMS_ADDR, 0x1000, 0x10),
            alloc_section(SHT_PROGBITS, KSYMS_ADDR + 0x10, 0x1010, 0x10),
        ],
        0x1020,
    );
    assert_eq!(
        replace_last_segment(&elf, 0, 0, b"x").unwrap_err(),
        PatchError::SharedSegment { other_section: 1 }
    );
}

#[test]
fn refuses_bad_alignment() {
    let mut seg = load(0x1000, KSYMS_ADDR, 0x10, 0x10);
    seg.align = 0x300;
    let elf = build(
        &[seg],
        &[alloc_section(SHT_PROGBITS, KSYMS_ADDR, 0x1000, 0x10)],
        0x1010,
    );
    assert_eq!(
        replace_last_segment(&elf, 0, 0, b"x").unwrap_err(),
        PatchError::BadAlignment { align: 0x300 }
    );
    seg.align = MAX_ALIGN * 2;
    let elf = build(
        &[seg],
        &[alloc_section(SHT_PROGBITS, KSYMS_ADDR, 0x1000, 0x10)],
        0x1010,
    );
    assert_eq!(
        replace_last_segment(&elf, 0, 0, b"x").unwrap_err(),
        PatchError::BadAlignment {
            align: MAX_ALIGN * 2
        }
    );
}

#[test]
fn refuses_files_that_are_not_elf64_le() {
    let elf = kernel_like();
    assert_eq!(
        replace_last_segment(&elf[..40], 3, 3, b"x").unwrap_err(),
        PatchError::NotElf64Le
    );
    for (at, value) in [(0, 0u8), (4, 1), (5, 2)] {
        let mut bad = elf.clone();
        bad[at] = value;
        assert_eq!(
            replace_last_segment(&bad, 3, 3, b"x").unwrap_err(),
            PatchError::NotElf64Le,
            "byte {at} = {value}"
        );
    }
    let mut small_entries = elf.clone();
    small_entries[0x36] = 32;
    assert_eq!(
        replace_last_segment(&small_entries, 3, 3, b"x").unwrap_err(),
        PatchError::BadEntrySize
    );
}

#[test]
fn refuses_headers_outside_the_file() {
    let elf = kernel_like();
    // Section headers sit at the end: cut the last one short.
    assert_eq!(
        replace_last_segment(&elf[..elf.len() - 1], 3, 3, b"x").unwrap_err(),
        PatchError::HeaderOutOfFile
    );
    let mut far = elf.clone();
    far[0x20..0x28].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        replace_last_segment(&far, 3, 3, b"x").unwrap_err(),
        PatchError::HeaderOutOfFile
    );
}

#[test]
fn errors_say_what_is_wrong() {
    let text = PatchError::NotLast { index: 3, other: 4 }.to_string();
    assert!(
        text.contains("PT_LOAD 3") && text.contains("4 reaches"),
        "{text}"
    );
    let text = PatchError::BadAlignment { align: 0x300 }.to_string();
    assert!(text.contains("0x300"), "{text}");
    let text = PatchError::SectionNotAtSegmentStart {
        section_addr: 0x10,
        segment_addr: 0x20,
    }
    .to_string();
    assert!(text.contains("0x10") && text.contains("0x20"), "{text}");
}

proptest! {
    #[test]
    fn mutated_headers_never_panic(
        edits in prop::collection::vec((0usize..0x200, any::<u8>()), 1..12),
        tail_edits in prop::collection::vec((0usize..5 * SHDR_LEN, any::<u8>()), 0..12),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        phdr in 0usize..7,
        shdr in 0usize..7,
    ) {
        let mut elf = kernel_like();
        let shoff = u64_at(&elf, 0x28) as usize;
        for (at, value) in edits {
            elf[at] = value;
        }
        for (at, value) in tail_edits {
            elf[shoff + at] = value;
        }
        if truncate {
            elf.truncate(cut.index(elf.len() + 1));
        }
        if let Ok(out) = replace_last_segment(&elf, phdr, shdr, b"payload") {
            prop_assert!(out.len() >= elf.len() + 7);
            prop_assert!(out.ends_with(b"payload"));
        }
    }
}
