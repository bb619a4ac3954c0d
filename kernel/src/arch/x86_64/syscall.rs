//! The `syscall` instruction as a function call into the kernel: MSR set-up,
//! the entry stub and the ways back (`syscall.S`), thread switching, and
//! the checked copies to and from program memory.

use super::cpu;
use super::idt::TrapFrame;
use core::arch::global_asm;

global_asm!(include_str!("syscall.S"), options(att_syntax));

const IA32_EFER: u32 = 0xc000_0080;
const IA32_STAR: u32 = 0xc000_0081;
const IA32_LSTAR: u32 = 0xc000_0082;
const IA32_FMASK: u32 = 0xc000_0084;
const IA32_FS_BASE: u32 = 0xc000_0100;
const EFER_SCE: u64 = 1;
/// SFMASK: IF (the stub must not be interrupted before it has a stack),
/// DF (the ABI's direction), TF and AC.
const FMASK: u64 = (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18);

// SAFETY: symbols the linker script or assembly defines; only their
// addresses are used, and each use says why the memory there is valid.
unsafe extern "C" {
    fn syscall_entry();
    fn thread_entry();
    fn switch_context_asm(prev: *mut u64, next: u64);
    /// Returns the number of bytes not copied.
    fn copy_user(dst: *mut u8, src: *const u8, len: usize) -> usize;
    fn cmpxchg_user(addr: u64, old: u32, new: u32) -> u64;
    static copy_user_insn: u8;
    static copy_user_fixup: u8;
    static cmpxchg_user_insn: u8;
    static cmpxchg_user_fixup: u8;
    static syscall_return_mov: u8;
    static syscall_return_jmp: u8;
}

/// Points LSTAR at the entry stub and enables SYSCALL on this CPU.
pub fn init_cpu() {
    // SAFETY: SCE enables SYSCALL; STAR's kernel selectors are the GDT's code
    // (0x08) and data (0x10); LSTAR points at the stub; FMASK clears IF, DF,
    // TF and AC on entry. None of this affects the kernel until a program
    // thread runs.
    unsafe {
        cpu::write_msr(IA32_EFER, cpu::read_msr(IA32_EFER) | EFER_SCE);
        cpu::write_msr(IA32_STAR, u64::from(super::gdt::KERNEL_CODE) << 32);
        cpu::write_msr(IA32_LSTAR, syscall_entry as *const () as u64);
        cpu::write_msr(IA32_FMASK, FMASK);
    }
}

/// Sets where this CPU's syscall stub puts its frame: the top of the
/// thread's kernel stack.
pub fn set_kstack_top(top: u64) {
    // SAFETY: writes this CPU's per-CPU word through GS (set up before
    // any thread runs); interrupts are off while threads switch.
    unsafe {
        core::arch::asm!("mov gs:[{off}], {v}", off = const super::percpu::KSTACK_TOP_OFFSET,
                         v = in(reg) top, options(nostack, preserves_flags))
    };
}

/// Saves the current thread's callee-saved registers and stack pointer in
/// `*prev` and resumes the thread whose stack pointer is `next`.
///
/// # Safety
/// Interrupts are off; `next` is a stack pointer saved by this function
/// (or made by `initial_switch_frame`) for a thread that runs nowhere else,
/// and `prev` stays valid until that thread is resumed.
pub unsafe fn switch_context(prev: *mut u64, next: u64) {
    // SAFETY: the caller's contract.
    unsafe { switch_context_asm(prev, next) }
}

/// Builds, below a new thread's `UserRegs` frame at `frame_at`, what
/// `switch_context` pops to start it in `thread_entry`; returns the stack
/// pointer to resume it with.
pub fn initial_switch_frame(frame_at: u64) -> u64 {
    let rsp = frame_at - 8 * 7;
    let words = [0u64, 0, 0, 0, 0, 0, thread_entry as *const () as u64];
    // SAFETY: the caller owns the fresh stack below `frame_at`.
    unsafe { core::ptr::copy_nonoverlapping(words.as_ptr(), rsp as *mut u64, words.len()) };
    rsp
}

#[unsafe(no_mangle)]
extern "C" fn syscall_handler(frame: &mut TrapFrame) -> u64 {
    crate::program::syscall(frame);
    // The quick return puts back RCX as RIP and R11 as RFLAGS.
    u64::from(frame.rip != frame.rcx || frame.rflags != frame.r11)
}

#[unsafe(no_mangle)]
extern "C" fn thread_start(frame: &mut TrapFrame) {
    crate::sched::finish_switch();
    crate::program::exit_to_program(frame);
}

/// Where to resume if a fault on `rip` in a user-memory access cannot be
/// resolved.
pub fn copy_fixup(rip: u64) -> Option<u64> {
    if rip == &raw const copy_user_insn as u64 {
        Some(&raw const copy_user_fixup as u64)
    } else if rip == &raw const cmpxchg_user_insn as u64 {
        Some(&raw const cmpxchg_user_fixup as u64)
    } else {
        None
    }
}

/// An interrupt that arrives after the quick return's `popfq` (the
/// program's flags, interrupts on, are back) but before its jump: finish
/// the return in the frame, so the interrupt returns straight to the
/// program and its way out can deliver signals. True if `frame` was such.
pub fn complete_syscall_return(frame: &mut TrapFrame) -> bool {
    let mov = &raw const syscall_return_mov as u64;
    let jmp = &raw const syscall_return_jmp as u64;
    if frame.rip == mov {
        // RSP still points at the saved program RSP on the kernel stack.
        // SAFETY: the quick return's frame is intact on this thread's
        // stack; the slot holds the program's RSP.
        frame.rsp = unsafe { (frame.rsp as *const u64).read() };
        frame.rip = frame.rcx;
        true
    } else if frame.rip == jmp {
        frame.rip = frame.rcx;
        true
    } else {
        false
    }
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

/// Atomically compares and exchanges a 32-bit word of program memory;
/// Err(()) if the page cannot be reached.
///
/// # Safety
/// `addr` is 4-aligned and lies in the lower half.
pub unsafe fn cmpxchg_with_fixup(addr: u64, old: u32, new: u32) -> Result<u32, ()> {
    // SAFETY: the caller's contract; a fault ends at the fixup.
    let r = unsafe { cmpxchg_user(addr, old, new) };
    if r >> 32 != 0 { Err(()) } else { Ok(r as u32) }
}

pub fn set_fs_base(v: u64) {
    // SAFETY: FS is the program's TLS base; the kernel never uses FS.
    unsafe { cpu::write_msr(IA32_FS_BASE, v) };
}
