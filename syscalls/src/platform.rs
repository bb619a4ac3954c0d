//! What the Linux personality needs from the machine. The kernel implements
//! this; host tests implement it over plain memory (`testing`). Calls that
//! concern "the current thread" mean the thread making the system call.

use crate::Errno;
use crate::mm::Prot;
use crate::regs::UserRegs;
use crate::thread::Thread;
use alloc::sync::Arc;

/// A program address that could not be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub addr: u64,
}

/// A new thread for `Platform::spawn_thread`.
pub struct ThreadSpec<'a> {
    pub tid: u32,
    /// Its name (the creator's, as Linux copies comm).
    pub comm: [u8; crate::sys::prctl::COMM_LEN],
    /// The registers it starts with (the creator's at the clone, with the
    /// result and stack already set).
    pub regs: &'a UserRegs,
    /// CLONE_SETTLS: its FS base; else the creator's.
    pub tls: Option<u64>,
}

/// How many CPUs a mask can name (`--cpus` is at most 255).
pub const MAX_CPUS: usize = 256;
/// A set of CPUs, as sched_setaffinity(2)'s mask (bit N = CPU N).
pub type CpuMask = [u64; MAX_CPUS / 64];

pub trait Platform: Sync {
    /// Copies program memory at `addr` into `buf`. Pages the program may
    /// touch but has not yet are populated as if the program touched them.
    fn read_user(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault>;
    /// Copies `data` into program memory at `addr`.
    fn write_user(&self, addr: u64, data: &[u8]) -> Result<(), Fault>;
    /// Atomically: if the 32-bit word at `addr` (4-aligned) holds `old`,
    /// stores `new`. Returns what the word held. Futexes need this.
    fn cmpxchg_user_u32(&self, addr: u64, old: u32, new: u32) -> Result<u32, Fault>;

    /// The console (the program's initial stdin/stdout/stderr).
    fn console_write(&self, bytes: &[u8]);
    /// Reads console input that has arrived: Some(0) is end of input,
    /// None means nothing yet (the caller waits and asks again).
    fn console_read(&self, buf: &mut [u8]) -> Option<usize>;

    /// Nanoseconds since boot.
    fn monotonic_ns(&self) -> u64;
    /// Nanoseconds since the Unix epoch, when the machine has a clock.
    fn realtime_ns(&self) -> Option<u64>;
    /// Fills `buf` with random bytes from the best source the machine has.
    fn fill_random(&self, buf: &mut [u8]);

    /// The current thread is about to sleep: a wake from now on makes the
    /// next `sleep` return at once.
    fn prepare_sleep(&self);
    /// Sleeps until woken (since `prepare_sleep`) or until the monotonic
    /// clock reaches `deadline`. May return early; callers recheck.
    fn sleep(&self, deadline: Option<u64>);
    /// The current thread will not sleep after all.
    fn cancel_sleep(&self);
    /// Lets other runnable threads run (sched_yield(2)).
    fn yield_now(&self);

    /// Creates a thread that runs `spec.regs` and, once `register` accepts
    /// it, starts it. Errors are what clone(2) returns (EAGAIN, ENOMEM).
    fn spawn_thread(
        &self,
        spec: ThreadSpec<'_>,
        register: &mut dyn FnMut(&Arc<Thread>) -> Result<(), Errno>,
    ) -> Result<(), Errno>;
    /// The CPU the current thread runs on.
    fn current_cpu(&self) -> u32;
    /// Where thread `tid` may run; None if there is no such thread.
    fn affinity(&self, tid: u32) -> Option<CpuMask>;
    /// Restricts thread `tid` to `mask` (already checked to name an online
    /// CPU); the current thread moves at once if it must.
    fn set_affinity(&self, tid: u32, mask: &CpuMask) -> Result<(), Errno>;
    /// CPU time thread `tid` has used, in nanoseconds.
    fn thread_cpu_ns(&self, tid: u32) -> Option<u64>;

    /// The program's FS and GS segment bases (TLS) of the current thread.
    fn set_fs_base(&self, base: u64);
    fn fs_base(&self) -> u64;
    fn set_gs_base(&self, base: u64);
    fn gs_base(&self) -> u64;

    /// The size in bytes of the FPU/SSE/AVX state image (XSAVE standard
    /// format, or the 512-byte FXSAVE format without XSAVE), and the XSAVE
    /// features it holds (0 without XSAVE).
    fn xstate_size(&self) -> usize;
    fn xfeatures(&self) -> u64;
    /// Saves the current thread's FPU state into `buf` (`xstate_size`
    /// bytes).
    fn save_fpu(&self, buf: &mut [u8]);
    /// Loads the current thread's FPU state from `buf`; false (and nothing
    /// loaded) if the image is malformed.
    fn restore_fpu(&self, buf: &[u8]) -> bool;

    /// Arms personality timer `id` to expire at `deadline` (monotonic ns),
    /// or disarms it (None). When it expires the kernel calls
    /// `timers::expire` at a point where no lock is held.
    fn arm_timer(&self, id: u64, deadline: Option<u64>);
    /// Whether CPU-time timers are armed: while they are, the kernel calls
    /// `timers::cpu_tick` every tick on CPUs running the program (and need
    /// not tick at all otherwise).
    fn watch_cpu_time(&self, on: bool);

    /// Drops the pages of `[start, end)` (page-aligned) and frees their
    /// frames; later touches see zeroes (the VMA, if any, decides).
    fn unmap(&self, start: u64, end: u64);
    /// Drops only the pages of `[start, end)` that are a file's own pages
    /// (mapped by `FaultResolution::Share`), keeping private copies.
    fn unmap_borrowed(&self, start: u64, end: u64);
    /// Whether the page at `page` is mapped (mincore).
    fn resident(&self, page: u64) -> bool;
    /// Changes the protection of the present pages of `[start, end)`.
    fn protect(&self, start: u64, end: u64, prot: Prot);
    /// Moves the pages of `[from, from+len)` to `[to, to+len)` (which holds
    /// none), as mremap does.
    fn move_pages(&self, from: u64, to: u64, len: u64);

    /// Facts for uname, sysinfo and /proc.
    fn machine(&self) -> Machine;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Machine {
    pub cpus: u32,
    pub total_ram: u64,
    pub free_ram: u64,
    pub tsc_hz: u64,
    /// CPUID vendor string ("GenuineIntel"), for /proc/cpuinfo.
    pub cpu_vendor: &'static str,
    /// CPUID brand string ("Intel(R) Xeon(R) ..."), for /proc/cpuinfo.
    pub cpu_model_name: &'static str,
    /// CPUID family, model and stepping (leaf 1, extended fields folded in
    /// as Linux does).
    pub cpu_family: u32,
    pub cpu_model: u32,
    pub cpu_stepping: u32,
    /// Feature flags with Linux's names, space-separated ("fpu vme de
    /// pse tsc ..."), for /proc/cpuinfo's `flags`.
    pub cpu_flags: &'static str,
}
