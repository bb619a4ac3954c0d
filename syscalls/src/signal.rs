//! Signal dispositions and masks, recorded now and delivered in the signals
//! issue (rt_sigaction(2), rt_sigprocmask(2), sigaltstack(2)).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const NSIG: usize = 64;
pub const SIGKILL: usize = 9;
pub const SIGSTOP: usize = 19;

/// The kernel's `struct sigaction` for x86-64 rt_sigaction.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SigAction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// `stack_t`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct StackT {
    pub sp: u64,
    pub flags: i32,
    pub _pad: u32,
    pub size: u64,
}

pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;

#[derive(Debug, Clone)]
pub struct Signals {
    pub actions: [SigAction; NSIG],
    pub mask: u64,
    pub altstack: StackT,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            actions: [SigAction::default(); NSIG],
            mask: 0,
            altstack: StackT {
                flags: SS_DISABLE,
                ..StackT::default()
            },
        }
    }
}
