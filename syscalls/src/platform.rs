//! What the Linux personality needs from the machine. The kernel implements
//! this; host tests implement it over plain memory (`testing`).

use crate::mm::Prot;

/// A program address that could not be read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub addr: u64,
}

pub trait Platform: Sync {
    /// Copies program memory at `addr` into `buf`. Pages the program may
    /// touch but has not yet are populated as if the program touched them.
    fn read_user(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault>;
    /// Copies `data` into program memory at `addr`.
    fn write_user(&self, addr: u64, data: &[u8]) -> Result<(), Fault>;

    /// The console (the program's initial stdin/stdout/stderr).
    fn console_write(&self, bytes: &[u8]);
    /// Reads console input; 0 means end of input.
    fn console_read(&self, buf: &mut [u8]) -> usize;

    /// Nanoseconds since boot.
    fn monotonic_ns(&self) -> u64;
    /// Nanoseconds since the Unix epoch, when the machine has a clock.
    fn realtime_ns(&self) -> Option<u64>;
    /// Waits until the monotonic clock reaches `deadline_ns`.
    fn sleep_until(&self, deadline_ns: u64);
    /// Fills `buf` with random bytes from the best source the machine has.
    fn fill_random(&self, buf: &mut [u8]);

    /// The program's FS and GS segment bases (TLS).
    fn set_fs_base(&self, base: u64);
    fn fs_base(&self) -> u64;
    fn set_gs_base(&self, base: u64);
    fn gs_base(&self) -> u64;

    /// Drops the pages of `[start, end)` (page-aligned) and frees their
    /// frames; later touches see zeroes (the VMA, if any, decides).
    fn unmap(&self, start: u64, end: u64);
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
