//! The one process Sole runs: its address space, files, credentials,
//! limits and signal dispositions.

use crate::fs::FsContext;
use crate::mm::Mm;
use crate::signal::Signals;
use crate::stats::Stats;
use alloc::sync::Arc;

/// Single user: the program runs as root, as the only user there is
/// (uid and gid 0); set*id calls succeed only for these ids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
}

/// getrlimit(2) resources.
pub const RLIMIT_COUNT: usize = 16;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIM_INFINITY: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

/// Linux's defaults for a process started by init.
fn default_limits() -> [Rlimit; RLIMIT_COUNT] {
    let inf = Rlimit {
        cur: RLIM_INFINITY,
        max: RLIM_INFINITY,
    };
    let mut l = [inf; RLIMIT_COUNT];
    l[RLIMIT_STACK] = Rlimit {
        cur: crate::mm::STACK_SIZE,
        max: RLIM_INFINITY,
    };
    l[RLIMIT_NOFILE] = Rlimit {
        cur: 1024,
        max: 4096,
    };
    l[4] = Rlimit {
        cur: 0,
        max: RLIM_INFINITY,
    }; // RLIMIT_CORE
    l[8] = Rlimit {
        cur: 8 << 20,
        max: 8 << 20,
    }; // RLIMIT_MEMLOCK
    l[13] = Rlimit { cur: 0, max: 0 }; // RLIMIT_NICE
    l[14] = Rlimit { cur: 0, max: 0 }; // RLIMIT_RTPRIO
    l
}

/// What prctl(2) records.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrctlState {
    /// The thread's name (comm), NUL-padded.
    pub name: [u8; crate::sys::prctl::COMM_LEN],
    pub pdeathsig: i32,
    pub dumpable: bool,
    pub no_new_privs: bool,
}

pub struct Process {
    pub pid: u32,
    pub prctl: PrctlState,
    pub mm: Arc<Mm>,
    pub fs: FsContext,
    pub creds: Credentials,
    pub limits: [Rlimit; RLIMIT_COUNT],
    pub signals: Signals,
    /// set_tid_address(2): cleared and futex-woken when the thread exits.
    pub clear_child_tid: u64,
    /// set_robust_list(2): head and length, honoured at thread exit.
    pub robust_list: (u64, u64),
    pub stats: Stats,
    /// Print every call (`sole run --strace`).
    pub strace: bool,
    /// Monotonic time when the process started, for times(2) and getrusage(2).
    pub start_ns: u64,
}

impl Process {
    pub fn new(mm: Arc<Mm>, fs: FsContext, start_ns: u64) -> Self {
        Process {
            pid: 1,
            prctl: PrctlState {
                dumpable: true,
                ..PrctlState::default()
            },
            mm,
            fs,
            creds: Credentials::default(),
            limits: default_limits(),
            signals: Signals::default(),
            clear_child_tid: 0,
            robust_list: (0, 0),
            stats: Stats::default(),
            strace: false,
            start_ns,
        }
    }
}
