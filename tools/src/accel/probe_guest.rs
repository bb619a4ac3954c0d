//! The KVM probe's guest: a PVH-bootable ELF of a few dozen bytes of 32-bit
//! code that reports its progress on COM1, so the host can time each phase
//! from the serial output alone:
//!
//! 1. `S` on entry (QEMU and firmware have started it);
//! 2. a register-only loop of [`LOOP_ITERATIONS`] iterations, then `L`
//!    (how fast guest code runs: native under a real KVM, emulated
//!    instruction by instruction under some nested or emulated ones);
//! 3. [`IO_EXITS`] writes to port 0x80, each a VM exit to QEMU, then `X`;
//! 4. status 0 to the isa-debug-exit port, which ends QEMU.
//!
//! PVH entry (Xen's `arch/x86/include/public/xen.h` and QEMU's
//! `hw/i386/x86.c`): 32-bit protected mode, paging off, flat segments, at the
//! address in the `XEN_ELFNOTE_PHYS32_ENTRY` note.

use crate::qemu::DEBUG_EXIT_PORT;

/// Iterations of the probe's loop (two instructions each).
pub const LOOP_ITERATIONS: u32 = 5_000_000;
/// Port writes (VM exits) the probe makes after the loop.
pub const IO_EXITS: u32 = 1000;

/// Written on entry.
pub const STARTED: u8 = b'S';
/// Written when the loop is done.
pub const LOOPED: u8 = b'L';
/// Written when the port writes are done.
pub const EXITED: u8 = b'X';

/// Physical address the image is loaded at (the conventional 1 MiB).
const LOAD_ADDRESS: u64 = 0x10_0000;
const COM1: u16 = 0x3f8;
const ELF_HEADER_SIZE: usize = 64;
const PROGRAM_HEADER_SIZE: usize = 56;
const PROGRAM_HEADERS: usize = 2;
const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;
const PF_R: u32 = 4;
const PF_X: u32 = 1;
/// `XEN_ELFNOTE_PHYS32_ENTRY` (Xen `public/elfnote.h`).
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;

/// The probe's machine code, for a PVH entry at any address.
fn code() -> Vec<u8> {
    let mut code = Vec::new();
    let [com1_lo, com1_hi] = COM1.to_le_bytes();
    let put = |code: &mut Vec<u8>, byte: u8| code.extend([0xb0, byte, 0xee]); // mov al, byte; out dx, al
    code.extend([0x66, 0xba, com1_lo, com1_hi]); // mov dx, COM1
    put(&mut code, STARTED);
    code.push(0xb9); // mov ecx, LOOP_ITERATIONS
    code.extend(LOOP_ITERATIONS.to_le_bytes());
    code.extend([0x49, 0x75, 0xfd]); // 1: dec ecx; jnz 1b
    put(&mut code, LOOPED);
    code.push(0xb9); // mov ecx, IO_EXITS
    code.extend(IO_EXITS.to_le_bytes());
    code.extend([0xe6, 0x80, 0x49, 0x75, 0xfb]); // 1: out 0x80, al; dec ecx; jnz 1b
    put(&mut code, EXITED);
    let exit_port = u8::try_from(DEBUG_EXIT_PORT).expect("isa-debug-exit sits below port 0x100");
    code.extend([0x31, 0xc0, 0xe6, exit_port]); // xor eax, eax; out DEBUG_EXIT_PORT, al
    code.extend([0xf4, 0xeb, 0xfd]); // 1: hlt; jmp 1b
    code
}

/// The probe guest as an ELF64 file with one `PT_LOAD` (headers and code,
/// at 1 MiB) and the PVH entry note.
pub fn image() -> Vec<u8> {
    let code = code();
    let code_offset = ELF_HEADER_SIZE + PROGRAM_HEADERS * PROGRAM_HEADER_SIZE;
    let note_offset = (code_offset + code.len()).next_multiple_of(4);
    let entry = LOAD_ADDRESS + code_offset as u64;
    let entry32 = u32::try_from(entry).expect("the entry point lies below 4 GiB");

    let mut note = Vec::new();
    note.extend(4u32.to_le_bytes()); // namesz, "Xen\0"
    note.extend(4u32.to_le_bytes()); // descsz
    note.extend(XEN_ELFNOTE_PHYS32_ENTRY.to_le_bytes());
    note.extend(b"Xen\0");
    note.extend(entry32.to_le_bytes());
    let size = (note_offset + note.len()) as u64;

    let mut elf = Vec::with_capacity(note_offset + note.len());
    elf.extend(b"\x7fELF");
    elf.extend([2, 1, 1, 0]); // ELFCLASS64, little-endian, version 1, System V
    elf.extend([0; 8]);
    elf.extend(2u16.to_le_bytes()); // ET_EXEC
    elf.extend(62u16.to_le_bytes()); // EM_X86_64
    elf.extend(1u32.to_le_bytes()); // EV_CURRENT
    elf.extend(entry.to_le_bytes());
    elf.extend((ELF_HEADER_SIZE as u64).to_le_bytes()); // e_phoff
    elf.extend(0u64.to_le_bytes()); // e_shoff: no sections
    elf.extend(0u32.to_le_bytes()); // e_flags
    elf.extend((ELF_HEADER_SIZE as u16).to_le_bytes());
    elf.extend((PROGRAM_HEADER_SIZE as u16).to_le_bytes());
    elf.extend((PROGRAM_HEADERS as u16).to_le_bytes());
    elf.extend(64u16.to_le_bytes()); // e_shentsize
    elf.extend(0u16.to_le_bytes()); // e_shnum
    elf.extend(0u16.to_le_bytes()); // e_shstrndx

    let mut program_header = |kind: u32, flags: u32, offset: u64, len: u64, align: u64| {
        elf.extend(kind.to_le_bytes());
        elf.extend(flags.to_le_bytes());
        elf.extend(offset.to_le_bytes());
        elf.extend((LOAD_ADDRESS + offset).to_le_bytes()); // p_vaddr
        elf.extend((LOAD_ADDRESS + offset).to_le_bytes()); // p_paddr
        elf.extend(len.to_le_bytes()); // p_filesz
        elf.extend(len.to_le_bytes()); // p_memsz
        elf.extend(align.to_le_bytes());
    };
    program_header(PT_LOAD, PF_R | PF_X, 0, size, 0x1000);
    program_header(PT_NOTE, PF_R, note_offset as u64, note.len() as u64, 4);

    elf.extend(&code);
    elf.resize(note_offset, 0x90); // nop up to the note's alignment
    elf.extend(&note);
    elf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
    }
    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }
    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn image_is_a_pvh_elf_whose_note_names_the_code() {
        let elf = image();
        assert_eq!(&elf[..4], b"\x7fELF");
        assert_eq!(u16_at(&elf, 18), 62, "EM_X86_64");
        let phoff = usize::try_from(u64_at(&elf, 32)).unwrap();
        assert_eq!(usize::from(u16_at(&elf, 56)), 2, "e_phnum");

        let (load, note) = (phoff, phoff + 56);
        assert_eq!(u32_at(&elf, load), PT_LOAD);
        assert_eq!(
            u64_at(&elf, load + 8),
            0,
            "PT_LOAD maps the file from its start"
        );
        assert_eq!(u64_at(&elf, load + 24), LOAD_ADDRESS, "p_paddr");
        assert_eq!(u64_at(&elf, load + 32), elf.len() as u64, "p_filesz");

        assert_eq!(u32_at(&elf, note), PT_NOTE);
        let note_at = usize::try_from(u64_at(&elf, note + 8)).unwrap();
        assert_eq!(note_at % 4, 0);
        assert_eq!(u32_at(&elf, note_at + 8), XEN_ELFNOTE_PHYS32_ENTRY);
        assert_eq!(&elf[note_at + 12..note_at + 16], b"Xen\0");
        let entry = u64::from(u32_at(&elf, note_at + 16));
        assert_eq!(entry, u64_at(&elf, 24), "note and e_entry agree");

        // The entry is the first instruction: `mov dx, 0x3f8`.
        let entry_offset = usize::try_from(entry - LOAD_ADDRESS).unwrap();
        assert_eq!(
            &elf[entry_offset..entry_offset + 4],
            [0x66, 0xba, 0xf8, 0x03]
        );
    }

    #[test]
    fn code_reports_each_phase_in_order_and_ends_with_a_halt_loop() {
        let code = code();
        let position = |needle: &[u8]| {
            code.windows(needle.len())
                .position(|w| w == needle)
                .unwrap_or_else(|| panic!("{needle:x?} not in {code:x?}"))
        };
        let started = position(&[0xb0, STARTED, 0xee]);
        let looped = position(&[0xb0, LOOPED, 0xee]);
        let exited = position(&[0xb0, EXITED, 0xee]);
        let exit = position(&[0xe6, 0xf4]);
        assert!(started < looped && looped < exited && exited < exit);
        assert!(code.ends_with(&[0xf4, 0xeb, 0xfd]));
    }
}
