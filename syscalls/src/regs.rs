//! The program's registers as the kernel saves them on every entry (a
//! system call, an interrupt or an exception taken in program code): the
//! general registers in Linux's `pt_regs` order, then the kernel's own
//! bookkeeping, then the interrupt-return frame. The kernel's entry stubs
//! build exactly this layout, so the personality reads and rewrites the
//! saved state in place (clone copies it, signal delivery and
//! rt_sigreturn replace it).

/// Marks a frame made by the `syscall` instruction (`vector`).
pub const SYSCALL_VECTOR: u64 = 0x100;

/// RFLAGS bits (Intel SDM Vol. 1, 3.4.3).
pub mod rflags {
    pub const CF: u64 = 1 << 0;
    pub const RESERVED1: u64 = 1 << 1;
    pub const PF: u64 = 1 << 2;
    pub const AF: u64 = 1 << 4;
    pub const ZF: u64 = 1 << 6;
    pub const SF: u64 = 1 << 7;
    pub const TF: u64 = 1 << 8;
    pub const IF: u64 = 1 << 9;
    pub const DF: u64 = 1 << 10;
    pub const OF: u64 = 1 << 11;
    pub const RF: u64 = 1 << 16;
    pub const AC: u64 = 1 << 18;
    /// What a program may change through rt_sigreturn (Linux's
    /// FIX_EFLAGS); interrupts stay enabled whatever it asks.
    pub const USER_CHANGEABLE: u64 = AC | OF | DF | TF | SF | ZF | AF | PF | CF | RF;
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserRegs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    /// The syscall number for a system call (RAX at entry), else -1.
    pub orig_rax: u64,
    /// Kernel bookkeeping: how the entry stub found the GS base.
    pub entry_flags: u64,
    /// The interrupt or exception vector, or `SYSCALL_VECTOR`.
    pub vector: u64,
    /// The CPU's error code for exceptions that push one, else 0.
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

impl UserRegs {
    /// The six syscall argument registers, in ABI order.
    pub fn syscall_args(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }

    /// Whether this frame is a system call's (so its result is in RAX and
    /// it may be restarted).
    pub fn in_syscall(&self) -> bool {
        self.vector == SYSCALL_VECTOR && self.orig_rax != u64::MAX
    }

    /// Whether this is a system call interrupted for a signal and not yet
    /// settled (RAX holds ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND or
    /// ERESTART_RESTARTBLOCK): signal delivery must run before the return
    /// even when no signal is left for this thread (another thread took
    /// it), to restart the call; the codes never reach the program.
    #[inline]
    pub fn restart_pending(&self) -> bool {
        self.in_syscall() && (-516..=-512).contains(&(self.rax as i64))
    }
}

const _: () = assert!(size_of::<UserRegs>() == 24 * 8);
