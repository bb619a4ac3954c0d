//! The one program Sole runs: starting it (`exec`), its system calls (into
//! `syscalls::dispatch`), its page faults (demand paging through the VMAs)
//! and its death by fault (`fault`).

pub mod exec;
pub mod fault;
pub mod memory;
pub mod platform;

use crate::arch::power;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use platform::KernelPlatform;
use spin::{Mutex, Once};
use syscalls::mm::{Access, FaultResolution, Mm};
use syscalls::process::Process;
use syscalls::{Outcome, dispatch};

static PROCESS: Mutex<Option<Process>> = Mutex::new(None);
/// The address space, apart from the process lock: the page-fault handler
/// consults it while a syscall holds the process.
static MM: Once<Arc<Mm>> = Once::new();
static PLATFORM: Once<KernelPlatform> = Once::new();
static SYSCALL_SUMMARY: AtomicBool = AtomicBool::new(false);

/// Called by the syscall entry stub.
pub fn syscall(nr: u64, args: [u64; 6]) -> u64 {
    let platform = PLATFORM
        .get()
        .expect("a syscall before the program started");
    let mut guard = PROCESS.lock();
    let process = guard
        .as_mut()
        .expect("a syscall before the program started");
    match dispatch(process, platform, nr, args) {
        Outcome::Return(value) => value,
        Outcome::Exit(status) => {
            if SYSCALL_SUMMARY.load(Ordering::Relaxed) {
                crate::println!("\nsyscall summary:\n{}", process.stats.summary());
            }
            drop(guard);
            power::exit(status as u8)
        }
    }
}

/// What a page fault in program memory turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demand {
    /// A page was mapped: retry the access.
    Mapped,
    /// No VMA allows the access: a real fault.
    Fault,
    /// The access was allowed but no frame was left.
    OutOfMemory,
}

/// Demand paging: maps the page at `addr` if a VMA allows `access`.
pub fn resolve_fault(addr: u64, access: Access) -> Demand {
    let Some(mm) = MM.get() else {
        return Demand::Fault;
    };
    match mm.fault(addr, access) {
        FaultResolution::Map { page, prot } => match memory::map_zeroed(page, prot) {
            Ok(()) => Demand::Mapped,
            Err(_) => Demand::OutOfMemory,
        },
        FaultResolution::Segv { .. } => Demand::Fault,
    }
}

pub fn platform() -> Option<&'static KernelPlatform> {
    PLATFORM.get()
}
