//! The x86-64 signal frame (arch/x86/kernel/signal_64.c): what the kernel
//! writes on the program's stack before running a handler, and reads back
//! in rt_sigreturn(2).
//!
//! From high to low addresses: the FPU state (XSAVE image, 64-aligned,
//! with the `_fpx_sw_bytes` magic in the FXSAVE area's software-reserved
//! bytes and FP_XSTATE_MAGIC2 after it), then `struct rt_sigframe`: the
//! return address (sa_restorer), the ucontext (flags, link, uc_stack, the
//! sigcontext with every register and a pointer to the FPU state, the
//! signal mask to restore) and the siginfo. The frame sits so that the
//! handler starts with RSP + 8 16-byte aligned, as after a call.

use super::{SigInfo, StackT};
use crate::regs::{UserRegs, rflags};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct sigcontext` (arch/x86/include/uapi/asm/sigcontext.h), 64-bit.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    /// cs, gs, fs and ss, 16 bits each.
    pub csgsfs: u64,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// Where the FPU state is (0: none).
    pub fpstate: u64,
    pub reserved: [u64; 8],
}

/// `struct ucontext` as the kernel writes it.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct UContext {
    pub flags: u64,
    pub link: u64,
    pub stack: StackT,
    pub mcontext: SigContext,
    pub sigmask: u64,
}

/// `struct rt_sigframe`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct RtSigFrame {
    /// The handler's return address: sa_restorer, which calls rt_sigreturn.
    pub pretcode: u64,
    pub uc: UContext,
    pub info: SigInfo,
}

const _: () = assert!(size_of::<SigContext>() == 256);
const _: () = assert!(size_of::<UContext>() == 304);
const _: () = assert!(size_of::<RtSigFrame>() == 440);

/// uc_flags: the FPU state is an XSAVE image; ss is saved and restored.
pub const UC_FP_XSTATE: u64 = 0x1;
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

/// `_fpx_sw_bytes` markers (arch/x86/include/uapi/asm/sigcontext.h).
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
const SW_BYTES_OFFSET: usize = 464;
/// The FXSAVE area's size, and the XSAVE header's offset.
pub const FXSAVE_SIZE: usize = 512;

/// The selectors Linux programs run with (__USER_CS, __USER_DS). Sole runs
/// programs in ring 0 with its own selectors; the frame shows Linux's and
/// rt_sigreturn ignores what the program puts there.
const USER_CS: u64 = 0x33;
const USER_DS: u64 = 0x2b;

/// The bytes below RSP a signal frame must not touch (the ABI's red zone).
const RED_ZONE: u64 = 128;

/// Where a frame goes and what it holds.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The frame's address (RSP for the handler).
    pub frame: u64,
    /// The FPU state's address.
    pub fpstate: u64,
    /// Everything from `frame` to the end of the FPU state (and its magic).
    pub bytes: alloc::vec::Vec<u8>,
}

/// What a frame needs besides the registers.
pub struct FrameInput<'a> {
    pub regs: &'a UserRegs,
    pub info: &'a SigInfo,
    /// The mask sigreturn restores.
    pub mask: u64,
    /// The sigaltstack as it was before this delivery (uc_stack).
    pub altstack: StackT,
    /// Where the frame's top is: below the red zone of the interrupted
    /// stack, or the top of the alternate stack.
    pub sp: u64,
    pub restorer: u64,
    pub fault: super::FaultInfo,
    /// The FPU image (`Platform::save_fpu`) and what it holds; `xfeatures`
    /// 0 means a bare FXSAVE image.
    pub fpu: &'a [u8],
    pub xfeatures: u64,
}

/// The top of the stack a handler's frame goes on: the alternate stack's
/// top when the handler wants it (SA_ONSTACK) and the thread is not
/// already on it, else below the red zone. None if the thread is on the
/// alternate stack and the frame would not fit on it.
pub fn frame_top(regs: &UserRegs, altstack: &StackT, onstack: bool) -> u64 {
    if onstack && altstack.enabled() && !altstack.contains(regs.rsp) {
        altstack.sp + altstack.size
    } else {
        regs.rsp.wrapping_sub(RED_ZONE)
    }
}

pub fn build(input: &FrameInput<'_>) -> Placement {
    let xsave = input.xfeatures != 0;
    let fp_len = input.fpu.len() + if xsave { 4 } else { 0 };
    let fpstate = input.sp.wrapping_sub(fp_len as u64) & !63;
    let frame = (fpstate.wrapping_sub(size_of::<RtSigFrame>() as u64) & !15).wrapping_sub(8);
    let r = input.regs;
    let mcontext = SigContext {
        r8: r.r8,
        r9: r.r9,
        r10: r.r10,
        r11: r.r11,
        r12: r.r12,
        r13: r.r13,
        r14: r.r14,
        r15: r.r15,
        rdi: r.rdi,
        rsi: r.rsi,
        rbp: r.rbp,
        rbx: r.rbx,
        rdx: r.rdx,
        rax: r.rax,
        rcx: r.rcx,
        rsp: r.rsp,
        rip: r.rip,
        eflags: r.rflags,
        csgsfs: USER_CS | (USER_DS << 48),
        err: input.fault.error_code,
        trapno: input.fault.trapno,
        oldmask: input.mask,
        cr2: input.fault.cr2,
        fpstate,
        reserved: [0; 8],
    };
    let sf = RtSigFrame {
        pretcode: input.restorer,
        uc: UContext {
            flags: if xsave { UC_FP_XSTATE } else { 0 } | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS,
            link: 0,
            stack: input.altstack,
            mcontext,
            sigmask: input.mask,
        },
        info: *input.info,
    };
    let total = (fpstate + fp_len as u64 - frame) as usize;
    let mut bytes = alloc::vec![0u8; total];
    bytes[..size_of::<RtSigFrame>()].copy_from_slice(sf.as_bytes());
    let fp_at = (fpstate - frame) as usize;
    let fp = &mut bytes[fp_at..fp_at + fp_len];
    fp[..input.fpu.len()].copy_from_slice(input.fpu);
    if xsave {
        let sw = &mut fp[SW_BYTES_OFFSET..FXSAVE_SIZE];
        sw.fill(0);
        sw[0..4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
        sw[4..8].copy_from_slice(&(fp_len as u32).to_le_bytes());
        sw[8..16].copy_from_slice(&input.xfeatures.to_le_bytes());
        sw[16..20].copy_from_slice(&(input.fpu.len() as u32).to_le_bytes());
        let end = input.fpu.len();
        fp[end..end + 4].copy_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    }
    Placement {
        frame,
        fpstate,
        bytes,
    }
}

/// Puts the handler's entry state into `regs` (Linux's
/// __setup_rt_frame): RIP at the handler, RSP at the frame, the
/// arguments (signal, &siginfo, &ucontext), RAX 0, and the direction and
/// trap flags clear.
pub fn enter_handler(regs: &mut UserRegs, frame: u64, sig: usize, handler: u64) {
    regs.rdi = sig as u64;
    regs.rsi = frame + core::mem::offset_of!(RtSigFrame, info) as u64;
    regs.rdx = frame + core::mem::offset_of!(RtSigFrame, uc) as u64;
    regs.rax = 0;
    regs.rsp = frame;
    regs.rip = handler;
    regs.rflags &= !(rflags::DF | rflags::RF | rflags::TF);
}

/// Puts the registers a sigcontext holds back into `regs` (Linux's
/// restore_sigcontext): every general register, RIP, RSP and the flags a
/// program may change. The call is over: it is not restarted.
pub fn restore_regs(regs: &mut UserRegs, sc: &SigContext) {
    regs.r8 = sc.r8;
    regs.r9 = sc.r9;
    regs.r10 = sc.r10;
    regs.r11 = sc.r11;
    regs.r12 = sc.r12;
    regs.r13 = sc.r13;
    regs.r14 = sc.r14;
    regs.r15 = sc.r15;
    regs.rdi = sc.rdi;
    regs.rsi = sc.rsi;
    regs.rbp = sc.rbp;
    regs.rbx = sc.rbx;
    regs.rdx = sc.rdx;
    regs.rax = sc.rax;
    regs.rcx = sc.rcx;
    regs.rsp = sc.rsp;
    regs.rip = sc.rip;
    regs.rflags = (regs.rflags & !rflags::USER_CHANGEABLE) | (sc.eflags & rflags::USER_CHANGEABLE);
    regs.orig_rax = u64::MAX;
}

/// The FPU image a sigcontext's fpstate describes, given its first 512
/// bytes: Some(total length) for an XSAVE image whose markers agree with
/// this machine's, None for a bare FXSAVE image.
pub fn xstate_len(fx: &[u8], machine_len: usize) -> Option<usize> {
    let word = |at: usize| u32::from_le_bytes(fx[at..at + 4].try_into().unwrap_or_default());
    let magic1 = word(SW_BYTES_OFFSET);
    let extended = word(SW_BYTES_OFFSET + 4) as usize;
    let size = word(SW_BYTES_OFFSET + 16) as usize;
    (magic1 == FP_XSTATE_MAGIC1 && size == machine_len && extended == size + 4).then_some(size)
}

/// The FPU's initial state as an image of `len` bytes: x87 control word
/// 0x37f, MXCSR 0x1f80, everything else zero (with XSAVE, x87 and SSE
/// named in XSTATE_BV).
pub fn initial_fpu_image(len: usize) -> alloc::vec::Vec<u8> {
    let mut image = alloc::vec![0u8; len];
    image[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
    image[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
    if len > FXSAVE_SIZE {
        image[FXSAVE_SIZE..FXSAVE_SIZE + 8].copy_from_slice(&3u64.to_le_bytes());
    }
    image
}
