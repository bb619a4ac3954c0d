//! Property tests: mutated files never make `plan` panic and whatever it
//! accepts is a sound plan; files valid by construction are accepted and
//! planned exactly as a page-by-page model says.

use super::super::testelf::*;
use super::super::{Copy, LoadPlan, PAGE_SIZE, PIE_BASE, Prot, Tls, USER_END, plan};
use super::check_invariants;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use proptest::collection::vec as vec_of;
use proptest::prelude::*;

fn template(which: usize) -> Vec<u8> {
    match which {
        0 => static_exec(),
        1 => static_pie(),
        _ => dynamic_pie(),
    }
    .bytes()
}

/// Header fields as (offset, width).
const HEADER_FIELDS: &[(usize, usize)] = &[
    (4, 1),
    (5, 1),
    (6, 1),
    (ehdr::TYPE, 2),
    (ehdr::MACHINE, 2),
    (ehdr::VERSION, 4),
    (ehdr::ENTRY, 8),
    (ehdr::PHOFF, 8),
    (ehdr::PHENTSIZE, 2),
    (ehdr::PHNUM, 2),
];

/// Program header fields as (offset in the entry, width).
const PHDR_FIELDS: &[(usize, usize)] = &[
    (phdr::TYPE, 4),
    (phdr::FLAGS, 4),
    (phdr::OFFSET, 8),
    (phdr::VADDR, 8),
    (phdr::FILESZ, 8),
    (phdr::MEMSZ, 8),
    (phdr::ALIGN, 8),
];

#[derive(Clone, Debug)]
enum Mutation {
    Flip {
        at: usize,
        mask: u8,
    },
    Truncate {
        len: usize,
    },
    Header {
        field: usize,
        value: u64,
    },
    Phdr {
        index: usize,
        field: usize,
        value: u64,
    },
}

/// Values near the edges the checks care about.
fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..0x5000,
        prop::sample::select(vec![
            0,
            1,
            2,
            3,
            7,
            56,
            64,
            0xfff,
            0x1000,
            0x1001,
            0x20_0000,
            0x40_0000,
            0x40_1000,
            0x40_1800,
            PT_LOAD as u64,
            PT_TLS as u64,
            PT_INTERP as u64,
            PT_GNU_RELRO as u64,
            USER_END - 0x1000,
            USER_END,
            1 << 63,
            u64::MAX - 0xfff,
            u64::MAX,
        ]),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        (0..HEADER_FIELDS.len(), value())
            .prop_map(|(field, value)| Mutation::Header { field, value }),
        (0usize..10, 0..PHDR_FIELDS.len(), value()).prop_map(|(index, field, value)| {
            Mutation::Phdr {
                index,
                field,
                value,
            }
        }),
    ]
}

fn write(file: &mut [u8], at: usize, width: usize, value: u64) {
    if let Some(dst) = file.get_mut(at..at + width) {
        dst.copy_from_slice(&value.to_le_bytes()[..width]);
    }
}

fn apply(file: &mut Vec<u8>, m: &Mutation) {
    match *m {
        Mutation::Flip { at, mask } => {
            if !file.is_empty() {
                let at = at % file.len();
                file[at] ^= mask;
            }
        }
        Mutation::Truncate { len } => file.truncate(len % (file.len() + 1)),
        Mutation::Header { field, value } => {
            let (at, width) = HEADER_FIELDS[field];
            write(file, at, width, value);
        }
        Mutation::Phdr {
            index,
            field,
            value,
        } => {
            let phoff = file
                .get(32..40)
                .map_or(64, |b| u64::from_le_bytes(b.try_into().unwrap()));
            let (offset, width) = PHDR_FIELDS[field];
            if let Some(at) = usize::try_from(phoff)
                .ok()
                .and_then(|p| p.checked_add(index * 56 + offset))
            {
                write(file, at, width, value);
            }
        }
    }
}

fn base() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(PIE_BASE),
        Just(0),
        Just(u64::MAX),
        any::<u64>(),
        (0u64..(USER_END >> 12)).prop_map(|page| page << 12),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn mutated_files_never_panic(
        which in 0usize..3,
        mutations in vec_of(mutation(), 1..6),
        base in base(),
    ) {
        let mut file = template(which);
        for m in &mutations {
            apply(&mut file, m);
        }
        if let Ok(plan) = plan(&file, base) {
            check_invariants(&file, &plan);
        }
    }

    #[test]
    fn random_bytes_never_panic(
        mut file in vec_of(any::<u8>(), 0..512),
        phnum in 0u16..8,
        base in base(),
    ) {
        // Mostly garbage, but with a header that gets past the first checks.
        if file.len() >= 64 {
            file[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
            put16(&mut file, ehdr::MACHINE, 62);
            put32(&mut file, ehdr::VERSION, 1);
            put16(&mut file, ehdr::PHENTSIZE, 56);
            put16(&mut file, ehdr::PHNUM, phnum);
            put64(&mut file, ehdr::PHOFF, 64);
        }
        if let Ok(plan) = plan(&file, base) {
            check_invariants(&file, &plan);
        }
    }

    #[test]
    fn valid_layouts_are_planned_as_the_model_says(layout in layout()) {
        let (elf, expect) = layout;
        let file = elf.bytes();
        let plan = plan(&file, PIE_BASE).unwrap();
        check_invariants(&file, &plan);
        check_against_model(&elf, &expect, &plan);
    }
}

/// One generated PT_LOAD: pages skipped after the previous segment, bytes
/// skipped into the page, file and bss sizes, flags.
#[derive(Clone, Debug)]
struct Seg {
    gap_pages: u64,
    skip: u64,
    filesz: u64,
    bss: u64,
    flags: u32,
}

/// What the generator put in besides the loads.
#[derive(Clone, Debug)]
struct Expect {
    entry: u64,
    tls: Option<Tls>,
    relro: Option<(u64, u64)>,
    exec_stack: bool,
    interp: bool,
}

fn seg() -> impl Strategy<Value = Seg> {
    (
        0u64..3,
        prop_oneof![Just(0u64), 0u64..0x1000],
        0u64..0x2000,
        prop_oneof![Just(0u64), 0u64..0x3000],
        0u32..8,
    )
        .prop_map(|(gap_pages, skip, filesz, bss, flags)| Seg {
            gap_pages,
            skip,
            filesz,
            bss,
            flags,
        })
}

/// The random choices behind one valid layout.
#[derive(Clone, Debug)]
struct Choices {
    segs: Vec<Seg>,
    dyn_: bool,
    with_phdr: bool,
    with_interp: bool,
    /// Load, start and length of the initialised bytes, bss, log2 alignment.
    tls: Option<(prop::sample::Index, u64, u64, u64, u32)>,
    /// Load, start and length.
    relro: Option<(prop::sample::Index, u64, u64)>,
    /// PT_GNU_STACK, and whether it has PF_X.
    stack: Option<bool>,
    entry_seg: prop::sample::Index,
    entry_at: u64,
}

/// A valid ELF file with 1 to 5 loads (any of which may share pages) and
/// optional PT_PHDR, PT_INTERP, PT_TLS, PT_GNU_RELRO and PT_GNU_STACK.
fn layout() -> impl Strategy<Value = (ElfFile, Expect)> {
    (
        vec_of(seg(), 1..6),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        any::<Option<(prop::sample::Index, u64, u64, u64, u32)>>(),
        any::<Option<(prop::sample::Index, u64, u64)>>(),
        any::<Option<bool>>(),
        (any::<prop::sample::Index>(), any::<u64>()),
    )
        .prop_map(
            |(segs, (dyn_, with_phdr, with_interp), tls, relro, stack, (entry_seg, entry_at))| {
                build_layout(&Choices {
                    segs,
                    dyn_,
                    with_phdr,
                    with_interp,
                    tls,
                    relro,
                    stack,
                    entry_seg,
                    entry_at,
                })
            },
        )
}

fn build_layout(c: &Choices) -> (ElfFile, Expect) {
    let Choices {
        ref segs,
        dyn_,
        with_phdr,
        with_interp,
        tls,
        relro,
        stack,
        entry_seg,
        entry_at,
    } = *c;
    let count = segs.len()
        + usize::from(with_phdr)
        + usize::from(with_interp)
        + usize::from(tls.is_some())
        + usize::from(relro.is_some())
        + usize::from(stack.is_some());
    let table_end = 64 + 56 * count as u64;
    let link_base = if dyn_ { 0 } else { 0x40_0000 };

    // The loads: the first maps the headers from offset 0.
    let mut loads: Vec<Phdr> = Vec::new();
    let (mut vcursor, mut fcursor) = (link_base, 0u64);
    for (i, s) in segs.iter().enumerate() {
        let (vaddr, offset, filesz) = if i == 0 {
            (link_base, 0, s.filesz.max(table_end))
        } else {
            let vaddr = vcursor + s.gap_pages * PAGE_SIZE + s.skip;
            let offset = fcursor.next_multiple_of(PAGE_SIZE) + vaddr % PAGE_SIZE;
            (vaddr, offset, s.filesz)
        };
        let memsz = filesz + s.bss;
        loads.push(Phdr::load(s.flags, offset, vaddr, filesz, memsz));
        vcursor = vaddr + memsz;
        fcursor = offset + filesz;
    }
    // The entry point: somewhere in one non-empty load, made executable.
    let nonempty: Vec<usize> = (0..loads.len()).filter(|&i| loads[i].memsz > 0).collect();
    let e = nonempty[entry_seg.index(nonempty.len())];
    loads[e].flags |= X;
    let entry = loads[e].vaddr + entry_at % loads[e].memsz;

    let mut phdrs = Vec::new();
    if with_phdr {
        phdrs.push(
            Phdr::new(
                PT_PHDR,
                R,
                64,
                link_base + 64,
                table_end - 64,
                table_end - 64,
            )
            .align(8),
        );
    }
    let mut patches = vec![];
    if with_interp {
        let path = b"/lib/ld-musl-x86_64.so.1\0";
        let len = path.len() as u64;
        phdrs.push(Phdr::new(PT_INTERP, R, fcursor, 0, len, len).align(1));
        patches.push((fcursor as usize, path.to_vec()));
        fcursor += path.len() as u64;
    }
    phdrs.extend(loads.iter().copied());
    let mut expect = Expect {
        entry,
        tls: None,
        relro: None,
        exec_stack: stack == Some(true),
        interp: with_interp,
    };
    if let Some((which, at, len, extra, align_log)) = tls {
        // Initialised bytes inside one load's file bytes.
        let l = loads[nonempty[which.index(nonempty.len())]];
        let at = at % (l.filesz + 1);
        let len = len % (l.filesz - at + 1);
        let align = 1u64 << (align_log % 13);
        phdrs.push(
            Phdr::new(
                PT_TLS,
                R,
                l.offset + at,
                l.vaddr + at,
                len,
                len + extra % 0x1000,
            )
            .align(align),
        );
        expect.tls = Some(Tls {
            vaddr: l.vaddr + at,
            file_size: len,
            mem_size: len + extra % 0x1000,
            align,
        });
    }
    if let Some(stack) = stack {
        phdrs.push(
            Phdr::new(
                PT_GNU_STACK,
                if stack { R | W | X } else { R | W },
                0,
                0,
                0,
                0,
            )
            .align(16),
        );
    }
    if let Some((which, at, len)) = relro {
        let l = loads[nonempty[which.index(nonempty.len())]];
        let at = at % l.memsz;
        let len = 1 + len % (l.memsz - at);
        phdrs.push(Phdr::new(PT_GNU_RELRO, R, l.offset + at, l.vaddr + at, len, len).align(1));
        expect.relro = Some((l.vaddr + at, len));
    }
    assert_eq!(phdrs.len(), count);
    let elf = ElfFile {
        e_type: if dyn_ { ET_DYN } else { ET_EXEC },
        entry,
        phoff: 64,
        phdrs,
        len: fcursor as usize,
        patches,
    };
    (elf, expect)
}

/// Compares a plan with what the loads say page by page: every page a load
/// touches is mapped with the union of the protections of the loads touching
/// it, nothing else is mapped, and each load with file bytes is one copy.
fn check_against_model(elf: &ElfFile, expect: &Expect, plan: &LoadPlan) {
    let bias = if elf.e_type == ET_DYN { PIE_BASE } else { 0 };
    assert_eq!(plan.bias, bias);
    assert_eq!(plan.entry, expect.entry + bias);
    let loads: Vec<&Phdr> = elf.phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();

    let mut pages: BTreeMap<u64, Prot> = BTreeMap::new();
    for l in loads.iter().filter(|l| l.memsz > 0) {
        let first = l.vaddr / PAGE_SIZE;
        let last = (l.vaddr + l.memsz - 1) / PAGE_SIZE;
        for page in first..=last {
            let prot = pages.entry(page * PAGE_SIZE + bias).or_default();
            prot.read |= l.flags & R != 0;
            prot.write |= l.flags & W != 0;
            prot.exec |= l.flags & X != 0;
        }
    }
    let mut planned: BTreeMap<u64, Prot> = BTreeMap::new();
    for m in &plan.mappings {
        for page in (m.start..m.end).step_by(PAGE_SIZE as usize) {
            planned.insert(page, m.prot);
        }
    }
    assert_eq!(planned, pages);

    let copies: Vec<Copy> = loads
        .iter()
        .filter(|l| l.filesz > 0)
        .map(|l| Copy {
            vaddr: l.vaddr + bias,
            file_offset: l.offset,
            len: l.filesz,
        })
        .collect();
    assert_eq!(plan.copies, copies);
    assert_eq!(plan.phdr, loads[0].vaddr + 64 + bias);
    assert_eq!(
        plan.tls,
        expect.tls.map(|t| Tls {
            vaddr: t.vaddr + bias,
            ..t
        })
    );
    assert_eq!(plan.relro, expect.relro.map(|(s, l)| (s + bias, l)));
    assert_eq!(plan.executable_stack, expect.exec_stack);
    assert_eq!(plan.interp.is_some(), expect.interp);
    let top = pages.keys().next_back().unwrap() + PAGE_SIZE;
    assert_eq!(plan.brk, top);
}
