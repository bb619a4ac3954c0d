//! One test per validation rule: a valid file broken in one place, the error
//! it gives, and (where the wording matters) its message.

use super::super::testelf::*;
use super::super::{LoadError, PIE_BASE, USER_END, plan};
use alloc::string::ToString;
use alloc::vec::Vec;

fn refused(file: &[u8]) -> LoadError {
    plan(file, PIE_BASE).expect_err("plan accepted a broken file")
}

fn exec_with(edit: impl FnOnce(&mut ElfFile)) -> LoadError {
    let mut elf = static_exec();
    edit(&mut elf);
    refused(&elf.bytes())
}

fn pie_with(edit: impl FnOnce(&mut ElfFile)) -> LoadError {
    let mut elf = dynamic_pie();
    edit(&mut elf);
    refused(&elf.bytes())
}

fn bytes_with(edit: impl FnOnce(&mut Vec<u8>)) -> LoadError {
    let mut file = static_exec().bytes();
    edit(&mut file);
    refused(&file)
}

#[test]
fn too_short() {
    assert_eq!(refused(&[]), LoadError::TooShort { len: 0 });
    let file = static_exec().bytes();
    assert_eq!(refused(&file[..63]), LoadError::TooShort { len: 63 });
}

#[test]
fn bad_magic() {
    assert_eq!(bytes_with(|f| f[1] = b'X'), LoadError::BadMagic);
    assert_eq!(refused(&[b'#'; 100]), LoadError::BadMagic);
}

#[test]
fn not_elf64() {
    assert_eq!(
        bytes_with(|f| f[ehdr::CLASS] = 1),
        LoadError::NotElf64 { class: 1 }
    );
}

#[test]
fn not_little_endian() {
    assert_eq!(
        bytes_with(|f| f[ehdr::DATA] = 2),
        LoadError::NotLittleEndian { data: 2 }
    );
}

#[test]
fn bad_versions() {
    assert_eq!(
        bytes_with(|f| f[ehdr::IDENT_VERSION] = 0),
        LoadError::BadIdentVersion { version: 0 }
    );
    assert_eq!(
        bytes_with(|f| put32(f, ehdr::VERSION, 2)),
        LoadError::BadVersion { version: 2 }
    );
}

#[test]
fn relocatable_objects_and_core_dumps_are_not_programs() {
    let rel = exec_with(|e| e.e_type = ET_REL);
    assert_eq!(rel, LoadError::NotProgram { e_type: ET_REL });
    assert!(rel.to_string().contains("relocatable object file (ET_REL)"));
    let core = exec_with(|e| e.e_type = ET_CORE);
    assert_eq!(core, LoadError::NotProgram { e_type: ET_CORE });
    assert!(core.to_string().contains("core dump (ET_CORE)"));
    assert_eq!(
        exec_with(|e| e.e_type = 0xfe00),
        LoadError::NotProgram { e_type: 0xfe00 }
    );
}

#[test]
fn wrong_machine() {
    // EM_AARCH64.
    let err = bytes_with(|f| put16(f, ehdr::MACHINE, 183));
    assert_eq!(err, LoadError::WrongMachine { machine: 183 });
    assert!(err.to_string().contains("not EM_X86_64"));
}

#[test]
fn bad_phentsize() {
    assert_eq!(
        bytes_with(|f| put16(f, ehdr::PHENTSIZE, 32)),
        LoadError::BadPhentsize { phentsize: 32 }
    );
}

#[test]
fn no_program_headers() {
    assert_eq!(exec_with(|e| e.phdrs.clear()), LoadError::NoProgramHeaders);
}

#[test]
fn too_many_program_headers() {
    // 1171 * 56 = 65576 bytes, past Linux's 64 KiB.
    assert_eq!(
        bytes_with(|f| put16(f, ehdr::PHNUM, 1171)),
        LoadError::TooManyProgramHeaders { phnum: 1171 }
    );
}

#[test]
fn program_headers_out_of_file() {
    let err = bytes_with(|f| put64(f, ehdr::PHOFF, 0x1800));
    assert_eq!(
        err,
        LoadError::ProgramHeadersOutOfFile {
            offset: 0x1800,
            size: 6 * 56,
            file_len: 0x1900
        }
    );
    assert_eq!(
        err.to_string(),
        "program header table extends past the end of the file (offset 0x1800 + 0x150 > 0x1900)"
    );
    assert!(matches!(
        bytes_with(|f| put64(f, ehdr::PHOFF, u64::MAX - 8)),
        LoadError::ProgramHeadersOutOfFile { .. }
    ));
}

#[test]
fn segment_out_of_file() {
    let err = exec_with(|e| e.phdrs[2].filesz = 0x5000);
    // p_memsz is 0x800, so grow it too to reach the file check.
    assert_eq!(
        err,
        LoadError::FileSizeExceedsMemSize {
            index: 2,
            filesz: 0x5000,
            memsz: 0x800
        }
    );
    let err = exec_with(|e| {
        e.phdrs[2].filesz = 0x5000;
        e.phdrs[2].memsz = 0x5000;
    });
    assert_eq!(
        err,
        LoadError::SegmentOutOfFile {
            index: 2,
            offset: 0x1000,
            filesz: 0x5000,
            file_len: 0x1900
        }
    );
    assert_eq!(
        err.to_string(),
        "program header 2 extends past the end of the file (offset 0x1000 + 0x5000 > 0x1900)"
    );
}

#[test]
fn sizes_that_overflow() {
    assert_eq!(
        exec_with(|e| e.phdrs[3].offset = u64::MAX - 0xff),
        LoadError::SegmentOverflow {
            index: 3,
            sum: "p_offset + p_filesz"
        }
    );
    assert_eq!(
        exec_with(|e| e.phdrs[3].memsz = u64::MAX),
        LoadError::SegmentOverflow {
            index: 3,
            sum: "p_vaddr + p_memsz"
        }
    );
    // The end fits in 64 bits but its page does not.
    let err = exec_with(|e| e.phdrs[3].memsz = u64::MAX - 0x401800 - 10);
    assert_eq!(
        err,
        LoadError::SegmentOverflow {
            index: 3,
            sum: "p_vaddr + p_memsz"
        }
    );
    assert_eq!(
        err.to_string(),
        "program header 3: p_vaddr + p_memsz overflows 64 bits"
    );
}

#[test]
fn bad_alignment() {
    assert_eq!(
        exec_with(|e| e.phdrs[2].align = 0x1800),
        LoadError::BadAlignment {
            index: 2,
            align: 0x1800
        }
    );
    // 0 and 1 both mean unaligned.
    let mut elf = static_exec();
    elf.phdrs[2].align = 0;
    elf.phdrs[3].align = 1;
    assert!(plan(&elf.bytes(), 0).is_ok());
}

#[test]
fn misaligned_segment() {
    let err = exec_with(|e| e.phdrs[3].offset = 0x17f0);
    assert_eq!(
        err,
        LoadError::MisalignedSegment {
            index: 3,
            vaddr: 0x401800,
            offset: 0x17f0
        }
    );
}

#[test]
fn unsorted_loads() {
    let err = exec_with(|e| e.phdrs.swap(1, 2));
    assert_eq!(
        err,
        LoadError::Unsorted {
            index: 2,
            vaddr: 0x400000,
            previous_vaddr: 0x401000
        }
    );
}

#[test]
fn overlapping_loads() {
    // Data starts one byte before text ends.
    let err = exec_with(|e| {
        e.phdrs[3].vaddr = 0x4017ff;
        e.phdrs[3].offset = 0x17ff;
        e.phdrs[4].vaddr = 0x4017ff;
        e.phdrs[4].offset = 0x17ff;
    });
    assert_eq!(
        err,
        LoadError::Overlap {
            index: 3,
            other: 2,
            vaddr: 0x4017ff,
            other_end: 0x401800
        }
    );
    // A later segment inside a large earlier one.
    let err = exec_with(|e| e.phdrs[1].memsz = 0x10000);
    assert!(
        matches!(
            err,
            LoadError::Overlap {
                index: 2,
                other: 1,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn no_load_segments() {
    let err = exec_with(|e| e.phdrs.retain(|p| p.p_type == PT_GNU_STACK));
    assert_eq!(err, LoadError::NoLoadSegments);
    // PT_LOADs with no bytes in memory do not count.
    let err = exec_with(|e| {
        for ph in e.phdrs.iter_mut().filter(|p| p.p_type == PT_LOAD) {
            ph.filesz = 0;
            ph.memsz = 0;
        }
    });
    assert_eq!(err, LoadError::NoLoadSegments);
}

/// Moves every address of the static executable by `delta` (wrapping).
fn shift_exec(e: &mut ElfFile, delta: u64) {
    for ph in &mut e.phdrs {
        if ph.p_type != PT_GNU_STACK {
            ph.vaddr = ph.vaddr.wrapping_add(delta);
        }
    }
    e.entry = e.entry.wrapping_add(delta);
}

#[test]
fn image_below_mmap_min_addr() {
    // Linked at 0: the first page would be page 0.
    let err = exec_with(|e| shift_exec(e, 0u64.wrapping_sub(0x400000)));
    assert_eq!(err, LoadError::BelowMinAddr { start: 0 });
    assert_eq!(
        err.to_string(),
        "image would start at 0x0, below the lowest program address 0x10000"
    );
    let mut elf = static_pie();
    elf.phdrs[0].align = 0x20_0000;
    assert_eq!(
        plan(&elf.bytes(), 0x1_0000),
        Err(LoadError::BelowMinAddr { start: 0 })
    );
}

#[test]
fn image_above_user_space() {
    // The data segment's bss crosses 0x8000_0000_0000.
    let err = exec_with(|e| shift_exec(e, 0x7fff_ffff_d000 - 0x400000));
    assert_eq!(
        err,
        LoadError::AboveUserSpace {
            start: 0x7fff_ffff_d000,
            span: 0x4000
        }
    );
    // Ending exactly at the top is fine.
    let mut elf = static_exec();
    shift_exec(&mut elf, 0x7fff_ffff_c000 - 0x400000);
    assert_eq!(plan(&elf.bytes(), 0).unwrap().brk, USER_END);
    // In the kernel's half.
    assert!(matches!(
        exec_with(|e| shift_exec(e, 0xffff_8000_0000_0000)),
        LoadError::AboveUserSpace { .. }
    ));
    let file = static_pie().bytes();
    assert_eq!(
        plan(&file, USER_END - 0x1000),
        Err(LoadError::AboveUserSpace {
            start: USER_END - 0x1000,
            span: 0x5000
        })
    );
}

#[test]
fn entry_not_executable() {
    // In the data segment.
    assert_eq!(
        exec_with(|e| e.entry = 0x401900),
        LoadError::EntryNotExecutable { entry: 0x401900 }
    );
    // Outside every segment.
    assert_eq!(
        exec_with(|e| e.entry = 0),
        LoadError::EntryNotExecutable { entry: 0 }
    );
}

#[test]
fn duplicate_unique_headers() {
    for p_type in [PT_INTERP, PT_TLS, PT_GNU_STACK, PT_GNU_RELRO, PT_PHDR] {
        let err = pie_with(|e| {
            let at = e.phdrs.iter().position(|p| p.p_type == p_type).unwrap();
            let again = e.phdrs[at];
            e.phdrs.push(again);
        });
        assert!(
            matches!(err, LoadError::Duplicate { index: 8, p_type: t, .. } if t == p_type),
            "{p_type:#x}: {err:?}"
        );
    }
    let err = pie_with(|e| e.phdrs.push(e.phdrs[1]));
    assert_eq!(
        err.to_string(),
        "program header 8 is a second PT_INTERP (the first is program header 1)"
    );
}

fn interp_problem(contents: &[u8]) -> LoadError {
    pie_with(|e| {
        let last = e.patches.len() - 1;
        e.patches[last].1 = contents.to_vec();
        e.phdrs[1].filesz = contents.len() as u64;
        e.phdrs[1].memsz = contents.len() as u64;
    })
}

#[test]
fn bad_interp() {
    let bad = |problem| LoadError::BadInterp { index: 1, problem };
    assert_eq!(interp_problem(b"/lib/ld.so"), bad("is not NUL-terminated"));
    assert_eq!(interp_problem(b"\0"), bad("is empty"));
    assert_eq!(
        interp_problem(b"/lib\0/ld.so\0"),
        bad("contains a NUL before its end")
    );
    assert_eq!(interp_problem(b"/lib/\xff\0"), bad("is not UTF-8"));
    assert_eq!(
        pie_with(|e| e.phdrs[1].filesz = 4097),
        bad("is longer than PATH_MAX (4096 bytes)")
    );
    assert!(matches!(
        pie_with(|e| e.phdrs[1].offset = 0x3040),
        LoadError::SegmentOutOfFile { index: 1, .. }
    ));
    assert_eq!(
        interp_problem(b"ld\x01so").to_string(),
        "PT_INTERP program header 1: the path is not NUL-terminated"
    );
}

#[test]
fn tls_outside_load() {
    // Initialised bytes past the data segment's file bytes.
    assert_eq!(
        exec_with(|e| {
            e.phdrs[4].filesz = 0x101;
            e.phdrs[4].memsz = 0x200;
        }),
        LoadError::TlsOutsideLoad { index: 4 }
    );
    // File bytes that are loaded, but at another address.
    assert_eq!(
        exec_with(|e| e.phdrs[4].vaddr = 0x401810),
        LoadError::TlsOutsideLoad { index: 4 }
    );
    // Outside every segment.
    assert_eq!(
        exec_with(|e| {
            e.phdrs[4].vaddr = 0x300000;
            e.phdrs[4].filesz = 0;
        }),
        LoadError::TlsOutsideLoad { index: 4 }
    );
    assert_eq!(
        exec_with(|e| e.phdrs[4].align = 24),
        LoadError::BadAlignment {
            index: 4,
            align: 24
        }
    );
    assert!(matches!(
        exec_with(|e| e.phdrs[4].memsz = 0x10),
        LoadError::FileSizeExceedsMemSize { index: 4, .. }
    ));
    assert_eq!(
        exec_with(|e| e.phdrs[4].memsz = u64::MAX - 0x401800 + 1),
        LoadError::SegmentOverflow {
            index: 4,
            sum: "p_vaddr + p_memsz"
        }
    );
    // The thread library rounds the block up to its alignment.
    assert_eq!(
        exec_with(|e| {
            e.phdrs[4].memsz = u64::MAX - 0x401800 - 0x10;
            e.phdrs[4].align = 1 << 63;
        }),
        LoadError::SegmentOverflow {
            index: 4,
            sum: "p_memsz + p_align"
        }
    );
}

#[test]
fn relro_outside_load() {
    let mut elf = static_pie();
    elf.phdrs[5].memsz = 0x10b9;
    let err = plan(&elf.bytes(), PIE_BASE).unwrap_err();
    assert_eq!(err, LoadError::RelroOutsideLoad { index: 5 });
    assert_eq!(
        err.to_string(),
        "PT_GNU_RELRO program header 5 reaches outside the pages of the PT_LOAD segments"
    );
    // In the gap between text and data.
    elf.phdrs[5].vaddr = 0x2000;
    elf.phdrs[5].memsz = 0x10;
    assert_eq!(
        plan(&elf.bytes(), PIE_BASE),
        Err(LoadError::RelroOutsideLoad { index: 5 })
    );
}

#[test]
fn program_headers_not_loaded() {
    // Drop the first PT_LOAD (and PT_PHDR): nothing maps offset 64.
    let err = exec_with(|e| {
        e.phdrs.remove(1);
        e.phdrs.remove(0);
    });
    assert_eq!(
        err,
        LoadError::ProgramHeadersNotLoaded {
            offset: 64,
            size: 4 * 56
        }
    );
}

#[test]
fn phdr_mismatch() {
    let err = exec_with(|e| e.phdrs[0].vaddr = 0x400100);
    assert_eq!(
        err,
        LoadError::PhdrMismatch {
            index: 0,
            vaddr: 0x400100,
            loaded_at: 0x400040
        }
    );
}
