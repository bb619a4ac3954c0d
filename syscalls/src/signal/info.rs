//! `siginfo_t` (include/uapi/asm-generic/siginfo.h): 128 bytes, a header
//! of signo, errno and code, then a union whose meaning the code decides.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// si_code values for signals sent by programs and timers.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_TKILL: i32 = -6;

/// si_code values for faults.
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRALN: i32 = 1;
pub const BUS_ADRERR: i32 = 2;
pub const ILL_ILLOPC: i32 = 1;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const FPE_INTOVF: i32 = 2;
pub const FPE_FLTDIV: i32 = 3;
pub const FPE_FLTOVF: i32 = 4;
pub const FPE_FLTUND: i32 = 5;
pub const FPE_FLTRES: i32 = 6;
pub const FPE_FLTINV: i32 = 7;
pub const FPE_FLTSUB: i32 = 8;
pub const TRAP_BRKPT: i32 = 1;
pub const TRAP_TRACE: i32 = 2;

#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub _pad: i32,
    /// The union, as 8-byte words: word 0 holds si_pid and si_uid (or
    /// si_addr, or si_tid and si_overrun), word 1 si_value.
    pub fields: [u64; 14],
}

const _: () = assert!(size_of::<SigInfo>() == 128);

impl SigInfo {
    fn new(sig: usize, code: i32) -> Self {
        SigInfo {
            signo: sig as i32,
            code,
            ..SigInfo::default()
        }
    }

    /// kill(2), tkill(2), tgkill(2) (and raise): who sent it.
    pub fn user(sig: usize, code: i32, pid: u32, uid: u32) -> Self {
        let mut i = Self::new(sig, code);
        i.fields[0] = u64::from(pid) | (u64::from(uid) << 32);
        i
    }

    /// sigqueue(3), or a program's own rt_sigqueueinfo(2) data.
    pub fn queued(sig: usize, code: i32, pid: u32, uid: u32, value: u64) -> Self {
        let mut i = Self::user(sig, code, pid, uid);
        i.fields[1] = value;
        i
    }

    /// A fault at `addr` (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    pub fn fault(sig: usize, code: i32, addr: u64) -> Self {
        let mut i = Self::new(sig, code);
        i.fields[0] = addr;
        i
    }

    /// Sent by the kernel with no more to say (SIGPIPE, SIGALRM from an
    /// itimer, a #GP fault).
    pub fn kernel(sig: usize) -> Self {
        Self::new(sig, SI_KERNEL)
    }

    /// A POSIX timer's expiry: its id, the overruns and the sigevent value.
    pub fn timer(sig: usize, timer_id: i32, overrun: i32, value: u64) -> Self {
        let mut i = Self::new(sig, SI_TIMER);
        i.fields[0] = u64::from(timer_id as u32) | (u64::from(overrun as u32) << 32);
        i.fields[1] = value;
        i
    }

    pub fn sig(&self) -> usize {
        self.signo as usize
    }

    /// si_addr, for faults.
    pub fn addr(&self) -> u64 {
        self.fields[0]
    }

    pub fn set_overrun(&mut self, overrun: i32) {
        self.fields[0] = (self.fields[0] & 0xffff_ffff) | (u64::from(overrun as u32) << 32);
    }
}
