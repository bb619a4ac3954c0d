use super::testelf::*;
use super::{
    Copy, ElfKind, LoadPlan, MIN_ADDR, Mapping, PAGE_SIZE, PIE_BASE, Prot, Tls, USER_END, plan,
};
use alloc::vec;

mod errors;
mod props;
mod real;

const RO: Prot = Prot {
    read: true,
    write: false,
    exec: false,
};
const RX: Prot = Prot {
    read: true,
    write: false,
    exec: true,
};
const RW: Prot = Prot {
    read: true,
    write: true,
    exec: false,
};
const RWX: Prot = Prot {
    read: true,
    write: true,
    exec: true,
};

fn map(start: u64, end: u64, prot: Prot) -> Mapping {
    Mapping { start, end, prot }
}

fn copy(vaddr: u64, file_offset: u64, len: u64) -> Copy {
    Copy {
        vaddr,
        file_offset,
        len,
    }
}

fn u16_at(file: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(file[at..at + 2].try_into().unwrap())
}

fn u64_at(file: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(file[at..at + 8].try_into().unwrap())
}

/// Whether `[start, end)` is covered by consecutive mappings.
fn mapped(plan: &LoadPlan, start: u64, end: u64) -> bool {
    let mut at = start;
    for m in &plan.mappings {
        if m.start <= at && at < m.end {
            at = m.end;
        }
    }
    at >= end
}

/// Checks everything a kernel relies on in a plan that `plan` accepted,
/// reading the header fields it needs from the raw bytes.
pub(super) fn check_invariants(file: &[u8], plan: &LoadPlan) {
    assert!(!plan.mappings.is_empty());
    for m in &plan.mappings {
        assert!(m.start < m.end, "{m:?}");
        assert_eq!(m.start % PAGE_SIZE, 0, "{m:?}");
        assert_eq!(m.end % PAGE_SIZE, 0, "{m:?}");
        assert!(m.start >= MIN_ADDR && m.end <= USER_END, "{m:?}");
    }
    for pair in plan.mappings.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{pair:?}");
        assert!(
            pair[0].end < pair[1].start || pair[0].prot != pair[1].prot,
            "unmerged {pair:?}"
        );
    }
    for c in &plan.copies {
        assert!(c.len > 0);
        let end = c.file_offset.checked_add(c.len).unwrap();
        assert!(end <= file.len() as u64, "{c:?} past {:#x}", file.len());
        assert!(mapped(plan, c.vaddr, c.vaddr + c.len), "{c:?} unmapped");
    }
    for pair in plan.copies.windows(2) {
        assert!(pair[0].vaddr + pair[0].len <= pair[1].vaddr, "{pair:?}");
    }
    assert!(
        plan.mappings
            .iter()
            .any(|m| m.prot.exec && m.start <= plan.entry && plan.entry < m.end),
        "entry {:#x}",
        plan.entry
    );
    assert_eq!(plan.brk, plan.mappings.last().unwrap().end);
    if plan.kind == ElfKind::Executable {
        assert_eq!(plan.bias, 0);
    }
    assert_eq!(plan.phent, 56);
    assert_eq!(plan.phnum, u16_at(file, 56));
    // AT_PHDR points at bytes copied from e_phoff.
    let phoff = u64_at(file, 32);
    let size = u64::from(plan.phnum) * 56;
    assert!(
        plan.copies.iter().any(|c| c.vaddr <= plan.phdr
            && plan.phdr + size <= c.vaddr + c.len
            && c.file_offset + (plan.phdr - c.vaddr) == phoff),
        "AT_PHDR {:#x} does not hold the program headers",
        plan.phdr
    );
    if let Some(tls) = plan.tls {
        assert!(tls.align.is_power_of_two());
        assert!(tls.file_size <= tls.mem_size);
        if tls.file_size > 0 {
            assert!(
                plan.copies
                    .iter()
                    .any(|c| c.vaddr <= tls.vaddr && tls.vaddr + tls.file_size <= c.vaddr + c.len),
                "{tls:?} not in copied bytes"
            );
        }
    }
    if let Some((start, len)) = plan.relro {
        assert!(
            len > 0 && mapped(plan, start, start + len),
            "relro {start:#x}+{len:#x}"
        );
    }
}

#[test]
fn static_exec_with_text_data_and_bss_sharing_a_page() {
    let file = static_exec().bytes();
    let plan = plan(&file, PIE_BASE).unwrap();
    check_invariants(&file, &plan);
    assert_eq!(plan.kind, ElfKind::Executable);
    assert_eq!(plan.bias, 0);
    assert_eq!(plan.entry, 0x401010);
    assert_eq!(
        plan.mappings,
        vec![
            map(0x400000, 0x401000, RO),
            // Text ends and data starts in this page: both need it.
            map(0x401000, 0x402000, RWX),
            // The rest of data and bss.
            map(0x402000, 0x404000, RW),
        ]
    );
    assert_eq!(
        plan.copies,
        vec![
            copy(0x400000, 0, 0x400),
            copy(0x401000, 0x1000, 0x800),
            copy(0x401800, 0x1800, 0x100),
        ]
    );
    assert_eq!(plan.phdr, 0x400040);
    assert_eq!((plan.phent, plan.phnum), (56, 6));
    assert_eq!(plan.interp, None);
    assert_eq!(
        plan.tls,
        Some(Tls {
            vaddr: 0x401800,
            file_size: 0x20,
            mem_size: 0x60,
            align: 0x20
        })
    );
    assert!(!plan.executable_stack);
    assert_eq!(plan.relro, None);
    assert_eq!(plan.brk, 0x404000);
}

#[test]
fn exec_ignores_the_dyn_base() {
    let file = static_exec().bytes();
    assert_eq!(plan(&file, PIE_BASE), plan(&file, 0x7000_0000_0000));
}

#[test]
fn static_pie_is_placed_at_the_base() {
    let file = static_pie().bytes();
    let plan = plan(&file, PIE_BASE).unwrap();
    check_invariants(&file, &plan);
    let b = PIE_BASE;
    assert_eq!(plan.kind, ElfKind::SharedObject);
    assert_eq!(plan.bias, b);
    assert_eq!(plan.entry, b + 0x1100);
    assert_eq!(
        plan.mappings,
        vec![
            map(b, b + 0x1000, RO),
            map(b + 0x1000, b + 0x2000, RX),
            map(b + 0x3000, b + 0x5000, RW),
        ]
    );
    assert_eq!(
        plan.copies,
        vec![
            copy(b, 0, 0x800),
            copy(b + 0x1000, 0x1000, 0x1000),
            copy(b + 0x3f48, 0x2f48, 0x100),
        ]
    );
    // No PT_PHDR: the first PT_LOAD maps e_phoff.
    assert_eq!(plan.phdr, b + 64);
    assert_eq!(
        plan.tls,
        Some(Tls {
            vaddr: b + 0x3f48,
            file_size: 0x28,
            mem_size: 0x80,
            align: 8
        })
    );
    assert_eq!(plan.relro, Some((b + 0x3f48, 0xb8)));
    assert_eq!(plan.interp, None);
    assert_eq!(plan.brk, b + 0x5000);
}

#[test]
fn dyn_base_is_rounded_down_to_the_largest_alignment() {
    let mut elf = static_pie();
    // Not page-aligned: rounded to the page.
    let plan1 = plan(&elf.bytes(), 0x1234_5678).unwrap();
    assert_eq!(plan1.bias, 0x1234_5000);
    // A segment aligned for 2 MiB pages keeps that alignment (Linux
    // maximum_alignment).
    elf.phdrs[1].align = 0x20_0000;
    let plan2 = plan(&elf.bytes(), PIE_BASE).unwrap();
    assert_eq!(plan2.bias, 0x5555_5540_0000);
    assert_eq!(plan2.mappings[0].start, 0x5555_5540_0000);
}

#[test]
fn dyn_linked_above_its_base_gets_a_wrapping_bias() {
    let mut elf = static_pie();
    let shift = 0x7000_0000_0000;
    for ph in &mut elf.phdrs {
        if ph.p_type != PT_GNU_STACK {
            ph.vaddr += shift;
        }
    }
    elf.entry += shift;
    let file = elf.bytes();
    let plan = plan(&file, PIE_BASE).unwrap();
    check_invariants(&file, &plan);
    assert_eq!(plan.bias, PIE_BASE.wrapping_sub(shift));
    assert_eq!(plan.entry, PIE_BASE + 0x1100);
    assert_eq!(plan.mappings[0].start, PIE_BASE);
    assert_eq!(plan.relro, Some((PIE_BASE + 0x3f48, 0xb8)));
}

#[test]
fn dynamic_pie_names_its_interpreter() {
    let file = dynamic_pie().bytes();
    let plan = plan(&file, PIE_BASE).unwrap();
    check_invariants(&file, &plan);
    assert_eq!(plan.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
    assert_eq!(plan.phdr, PIE_BASE + 64);
    assert_eq!(plan.phnum, 8);
}

#[test]
fn gnu_stack_flags_decide_executable_stack() {
    let mut elf = static_exec();
    elf.phdrs[5].flags = R | W | X;
    assert!(plan(&elf.bytes(), 0).unwrap().executable_stack);
    elf.phdrs[5].flags = R | W;
    assert!(!plan(&elf.bytes(), 0).unwrap().executable_stack);
    // Absent: not executable (x86-64 default).
    elf.phdrs.remove(5);
    elf.phdrs[0].filesz = 5 * 56;
    elf.phdrs[0].memsz = 5 * 56;
    assert!(!plan(&elf.bytes(), 0).unwrap().executable_stack);
}

#[test]
fn segments_in_one_page_get_the_union_of_their_protections() {
    let elf = ElfFile {
        e_type: ET_EXEC,
        entry: 0x400100,
        phoff: 64,
        phdrs: vec![
            Phdr::load(R | X, 0, 0x400000, 0x200, 0x200),
            Phdr::load(R, 0x200, 0x400200, 0x100, 0x100),
            Phdr::load(R | W, 0x300, 0x400300, 0x100, 0x100),
        ],
        len: 0x400,
        patches: vec![],
    };
    let file = elf.bytes();
    let plan = plan(&file, 0).unwrap();
    check_invariants(&file, &plan);
    assert_eq!(plan.mappings, vec![map(0x400000, 0x401000, RWX)]);
    assert_eq!(plan.copies.len(), 3);
}

#[test]
fn neighbouring_pages_merge_and_gaps_stay_unmapped() {
    let elf = ElfFile {
        e_type: ET_EXEC,
        entry: 0x401000,
        phoff: 64,
        phdrs: vec![
            Phdr::load(R | X, 0, 0x400000, 0x1000, 0x1000),
            Phdr::load(R | X, 0x1000, 0x401000, 0x1000, 0x1000),
            // Empty: validated, then ignored.
            Phdr::load(R | W, 0x2000, 0x402000, 0, 0),
            // Bss only, two pages above the text.
            Phdr::load(R | W, 0x2000, 0x404000, 0, 0x10),
        ],
        len: 0x2000,
        patches: vec![],
    };
    let file = elf.bytes();
    let plan = plan(&file, 0).unwrap();
    check_invariants(&file, &plan);
    assert_eq!(
        plan.mappings,
        vec![map(0x400000, 0x402000, RX), map(0x404000, 0x405000, RW)]
    );
    assert_eq!(
        plan.copies,
        vec![copy(0x400000, 0, 0x1000), copy(0x401000, 0x1000, 0x1000)]
    );
    assert_eq!(plan.brk, 0x405000);
}

#[test]
fn tls_with_only_bss_needs_no_file_bytes() {
    let mut elf = static_exec();
    elf.phdrs[4] = Phdr::new(PT_TLS, R, 0x1900, 0x401900, 0, 0x40).align(0);
    let tls = plan(&elf.bytes(), 0).unwrap().tls.unwrap();
    assert_eq!(
        tls,
        Tls {
            vaddr: 0x401900,
            file_size: 0,
            mem_size: 0x40,
            align: 1
        }
    );
}

#[test]
fn relro_may_reach_the_end_of_its_last_page() {
    let mut elf = static_pie();
    // 0x3f48 + 0x10b8 = 0x5000: past the segment's bytes (0x4f48) but inside
    // its last page.
    elf.phdrs[5].memsz = 0x10b8;
    assert_eq!(
        plan(&elf.bytes(), PIE_BASE).unwrap().relro,
        Some((PIE_BASE + 0x3f48, 0x10b8))
    );
    elf.phdrs[5].memsz = 0;
    assert_eq!(plan(&elf.bytes(), PIE_BASE).unwrap().relro, None);
}
