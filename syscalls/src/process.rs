//! The one process Sole runs: what its threads share (the address space,
//! files, credentials, limits, signal dispositions, timers, futexes) and
//! the list of its threads. Each shared part has its own lock, so threads
//! on different CPUs only meet where they touch the same thing.

use crate::fs::FsContext;
use crate::futex::FutexTable;
use crate::mm::Mm;
use crate::signal::SigState;
use crate::stats::Stats;
use crate::thread::Thread;
use crate::timers::Timers;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use spin::Mutex;

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
pub const RLIMIT_SIGPENDING: usize = 11;
pub const RLIM_INFINITY: u64 = u64::MAX;

/// The most threads a process may have (Linux's default threads-max on a
/// small machine is in the thousands; RLIMIT_NPROC is not enforced).
pub const MAX_THREADS: usize = 4096;

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
    l[RLIMIT_SIGPENDING] = Rlimit {
        cur: crate::signal::MAX_QUEUED as u64,
        max: crate::signal::MAX_QUEUED as u64,
    };
    l[13] = Rlimit { cur: 0, max: 0 }; // RLIMIT_NICE
    l[14] = Rlimit { cur: 0, max: 0 }; // RLIMIT_RTPRIO
    l
}

/// What prctl(2) records for the process (the name is per thread).
#[derive(Debug, Clone, Copy, Default)]
pub struct PrctlState {
    pub pdeathsig: i32,
    pub dumpable: bool,
    pub no_new_privs: bool,
}

/// How the process ended: the status `sole run` exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// exit(2) or exit_group(2) with this status (its low 8 bits).
    Code(u8),
    /// Killed by a signal; `core` for the signals whose default action
    /// dumps core (signal(7)).
    Signal { sig: u8, core: bool },
}

impl ExitStatus {
    /// What a shell reports: the code, or 128 + the signal number.
    pub fn host_status(self) -> u8 {
        match self {
            ExitStatus::Code(c) => c,
            ExitStatus::Signal { sig, .. } => 128u8.wrapping_add(sig),
        }
    }
}

pub struct Process {
    pub pid: u32,
    pub mm: Arc<Mm>,
    pub fs: Mutex<FsContext>,
    pub creds: Credentials,
    pub limits: Mutex<[Rlimit; RLIMIT_COUNT]>,
    pub prctl: Mutex<PrctlState>,
    /// Dispositions, pending signals (shared and per thread), masks, stop
    /// and exit state: one lock, as Linux's siglock.
    pub signals: Mutex<SigState>,
    threads: Mutex<BTreeMap<u32, Arc<Thread>>>,
    next_tid: AtomicU32,
    /// The main thread's exit(2) status: the process's when every thread
    /// leaves by exit(2) rather than exit_group(2) (Linux's wait status is
    /// the group leader's exit code).
    leader_status: AtomicU32,
    /// CPU time of threads that have exited (getrusage, the CPU clocks).
    exited_cpu_ns: AtomicU64,
    pub futexes: FutexTable,
    pub timers: Mutex<Timers>,
    pub stats: Stats,
    /// Print every call (`sole run --strace`).
    pub strace: AtomicBool,
    /// Print each path not found (`sole run --trace-missing`; see
    /// `fs::missing`).
    pub trace_missing: AtomicBool,
    /// The paths already printed for `trace_missing`.
    pub missing_paths: Mutex<BTreeSet<Vec<u8>>>,
    /// Monotonic time when the process started, for times(2) and getrusage(2).
    pub start_ns: u64,
}

impl Process {
    pub fn new(mm: Arc<Mm>, fs: FsContext, start_ns: u64) -> Self {
        Process {
            pid: 1,
            mm,
            fs: Mutex::new(fs),
            creds: Credentials::default(),
            limits: Mutex::new(default_limits()),
            prctl: Mutex::new(PrctlState {
                dumpable: true,
                ..PrctlState::default()
            }),
            signals: Mutex::new(SigState::default()),
            threads: Mutex::new(BTreeMap::new()),
            next_tid: AtomicU32::new(1),
            leader_status: AtomicU32::new(0),
            exited_cpu_ns: AtomicU64::new(0),
            futexes: FutexTable::default(),
            timers: Mutex::new(Timers::default()),
            stats: Stats::default(),
            strace: AtomicBool::new(false),
            trace_missing: AtomicBool::new(false),
            missing_paths: Mutex::new(BTreeSet::new()),
            start_ns,
        }
    }

    /// RLIMIT_NOFILE's soft limit.
    pub fn nofile(&self) -> u64 {
        self.limits.lock()[RLIMIT_NOFILE].cur
    }

    /// The next thread id (the main thread's is the pid, 1).
    pub fn alloc_tid(&self) -> u32 {
        self.next_tid.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds a thread with its initial signal mask; EAGAIN when the
    /// process has as many as it may.
    pub fn add_thread(&self, thread: &Arc<Thread>, mask: u64) -> Result<(), crate::Errno> {
        let mut threads = self.threads.lock();
        if threads.len() >= MAX_THREADS {
            return Err(crate::Errno::EAGAIN);
        }
        self.signals.lock().attach(thread.clone(), mask);
        threads.insert(thread.tid, thread.clone());
        Ok(())
    }

    /// CPU time of the threads that have exited.
    pub fn exited_cpu_ns(&self) -> u64 {
        self.exited_cpu_ns.load(Ordering::Relaxed)
    }

    /// Removes an exiting thread, keeping its CPU time; true if it was the
    /// last.
    pub fn remove_thread(&self, tid: u32, status: u8, cpu_ns: u64) -> bool {
        self.exited_cpu_ns.fetch_add(cpu_ns, Ordering::Relaxed);
        if tid == self.pid {
            self.leader_status
                .store(u32::from(status), Ordering::Relaxed);
        }
        let mut threads = self.threads.lock();
        threads.remove(&tid);
        self.signals.lock().remove_thread(tid);
        threads.is_empty()
    }

    /// What the process exits with when its last thread leaves by exit(2).
    pub fn leader_status(&self) -> u8 {
        self.leader_status.load(Ordering::Relaxed) as u8
    }

    pub fn thread(&self, tid: u32) -> Option<Arc<Thread>> {
        self.threads.lock().get(&tid).cloned()
    }

    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.threads.lock().values().cloned().collect()
    }

    pub fn thread_count(&self) -> usize {
        self.threads.lock().len()
    }
}
