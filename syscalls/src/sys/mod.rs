//! One file per syscall (or per family that shares its logic), each with a
//! `sys_<name>` handler taking typed parameters.

pub mod arch_prctl;
pub mod brk;
pub mod clock_gettime;
pub mod exit;
pub mod futex;
pub mod getpid;
pub mod getrandom;
pub mod getrusage;
pub mod getuid;
pub mod madvise;
pub mod mmap;
pub mod mprotect;
pub mod mremap;
pub mod munmap;
pub mod nanosleep;
pub mod prctl;
pub mod prlimit64;
pub mod rt_sigaction;
pub mod rt_sigprocmask;
pub mod sched;
pub mod set_tid_address;
pub mod sigaltstack;
pub mod sysinfo;
pub mod uname;
pub mod write;
