//! The `syscall` instruction as a function call into the kernel: MSR set-up,
//! the entry stub (`syscall.S`), and the hand-off to the Linux personality.

use super::cpu;
use core::arch::global_asm;

global_asm!(include_str!("syscall.S"), options(att_syntax));

const IA32_EFER: u32 = 0xc000_0080;
const IA32_STAR: u32 = 0xc000_0081;
const IA32_LSTAR: u32 = 0xc000_0082;
const IA32_FMASK: u32 = 0xc000_0084;
const IA32_FS_BASE: u32 = 0xc000_0100;
const IA32_GS_BASE: u32 = 0xc000_0101;
const EFER_SCE: u64 = 1;

/// What the entry stub saved, in stack order.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct SyscallFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r9: u64,
    pub r8: u64,
    pub r10: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub nr: u64,
    pub rip: u64,
    pub rflags: u64,
    pub rsp: u64,
}

const SYSCALL_STACK_SIZE: usize = 64 * 1024;

#[repr(C, align(4096))]
struct GuardedStack {
    guard: [u8; 4096],
    stack: [u8; SYSCALL_STACK_SIZE],
}

static mut SYSCALL_STACK: GuardedStack = GuardedStack {
    guard: [0; 4096],
    stack: [0; SYSCALL_STACK_SIZE],
};

/// Read by the entry stub.
#[unsafe(no_mangle)]
static mut syscall_stack_top: u64 = 0;
/// Written by the entry stub: the program's RSP during a call.
#[unsafe(no_mangle)]
static mut syscall_user_rsp: u64 = 0;

// SAFETY: symbols the linker script or assembly defines; only their
// addresses are used, and each use says why the memory there is valid.
unsafe extern "C" {
    fn syscall_entry();
    fn enter_program(entry: u64, sp: u64) -> !;
    /// Returns the number of bytes not copied.
    fn copy_user(dst: *mut u8, src: *const u8, len: usize) -> usize;
    static copy_user_insn: u8;
    static copy_user_fixup: u8;
}

/// The guard page below the syscall stack (see `arch::stack_guard_pages`).
pub fn guard_page() -> u64 {
    &raw const SYSCALL_STACK as u64
}

/// Points LSTAR at the entry stub and enables SYSCALL.
pub fn init() {
    let top = &raw const SYSCALL_STACK as u64 + size_of::<GuardedStack>() as u64;
    // SAFETY: written once before the program starts; only the entry stub
    // reads it afterwards.
    unsafe { (&raw mut syscall_stack_top).write(top) };
    // SAFETY: SCE enables SYSCALL; STAR's kernel selectors are the GDT's code
    // (0x08) and data (0x10); LSTAR points at the stub; FMASK 0 leaves flags
    // alone. None of this affects the kernel until the program runs.
    unsafe {
        cpu::write_msr(IA32_EFER, cpu::read_msr(IA32_EFER) | EFER_SCE);
        cpu::write_msr(IA32_STAR, u64::from(super::gdt::KERNEL_CODE) << 32);
        cpu::write_msr(IA32_LSTAR, syscall_entry as *const () as u64);
        cpu::write_msr(IA32_FMASK, 0);
    }
}

/// Jumps to the program; never returns (it leaves through exit_group).
///
/// # Safety
/// `entry` must be mapped executable and `sp` must be the top of an
/// initial stack built for it in mapped memory.
pub unsafe fn start_program(entry: u64, sp: u64) -> ! {
    // SAFETY: the caller's contract.
    unsafe { enter_program(entry, sp) }
}

#[unsafe(no_mangle)]
extern "C" fn syscall_handler(frame: &mut SyscallFrame) -> u64 {
    let args = [
        frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9,
    ];
    crate::program::syscall(frame.nr, args)
}

/// Whether `rip` is the user-copy instruction, and where to resume if the
/// fault cannot be resolved.
pub fn copy_fixup(rip: u64) -> Option<u64> {
    (rip == &raw const copy_user_insn as u64).then_some(&raw const copy_user_fixup as u64)
}

/// Copies between kernel and program memory; Err(bytes not copied) when a
/// program page is missing and cannot be faulted in.
///
/// # Safety
/// The kernel side of the copy must be valid for `len` bytes; the program
/// side must lie entirely in the lower half (faults there are handled).
pub unsafe fn copy_with_fixup(dst: *mut u8, src: *const u8, len: usize) -> Result<(), usize> {
    // SAFETY: the caller's contract; faults on the program side end the copy
    // through the exception table instead of crashing.
    let left = unsafe { copy_user(dst, src, len) };
    if left == 0 { Ok(()) } else { Err(left) }
}

pub fn set_fs_base(v: u64) {
    // SAFETY: FS is the program's TLS base; the kernel never uses FS.
    unsafe { cpu::write_msr(IA32_FS_BASE, v) };
}
pub fn fs_base() -> u64 {
    cpu::read_msr(IA32_FS_BASE)
}
pub fn set_gs_base(v: u64) {
    // SAFETY: the kernel does not use GS (no per-CPU data through it yet).
    unsafe { cpu::write_msr(IA32_GS_BASE, v) };
}
pub fn gs_base() -> u64 {
    cpu::read_msr(IA32_GS_BASE)
}
