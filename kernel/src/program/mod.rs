//! The one program Sole runs: starting it (`exec`), its system calls (into
//! `syscalls::dispatch`), the work done before every return to it (timers,
//! rescheduling, signals), its page faults (demand paging through the
//! VMAs), its faults as signals and its end (`fault`).

pub mod exec;
pub mod fault;
pub mod memory;
pub mod platform;
pub mod vdso;

use crate::arch::idt::TrapFrame;
use crate::arch::{cpu, percpu, power, smp};
use crate::sched;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use platform::KernelPlatform;
use spin::Once;
use syscalls::mm::{Access, FaultResolution};
use syscalls::process::{ExitStatus, Process};
use syscalls::signal::SigInfo;
use syscalls::signal::deliver::{Delivery, deliver, wait_while_stopped};
use syscalls::{Ctx, Outcome, dispatch};

static PROCESS: Once<Arc<Process>> = Once::new();
static PLATFORM: Once<KernelPlatform> = Once::new();
static SYSCALL_SUMMARY: AtomicBool = AtomicBool::new(false);

pub fn process() -> Option<&'static Arc<Process>> {
    PROCESS.get()
}

pub fn platform() -> Option<&'static KernelPlatform> {
    PLATFORM.get()
}

/// Called by the syscall entry stub with the thread's saved registers;
/// returns with interrupts off, the result in the frame.
pub fn syscall(frame: &mut TrapFrame) {
    let (Some(process), Some(platform)) = (PROCESS.get(), PLATFORM.get()) else {
        panic!("a system call with no program");
    };
    let linux = sched::current()
        .linux()
        .expect("system calls come from program threads");
    match dispatch(process, linux, platform, frame) {
        Outcome::Continue => {
            // Where a program's own sync(2) would run (see
            // `syscalls::fs::writeback`).
            syscalls::fs::writeback::run_if_due(process, platform);
            exit_to_program(frame)
        }
        Outcome::ThreadExit => sched::exit_current(),
        Outcome::Exit(status) => end(status, None, Some(frame)),
    }
}

/// Whether anything must happen before the current thread returns to the
/// program through `frame` (interrupts off).
#[inline(always)]
fn work_pending(frame: &TrapFrame) -> bool {
    let cpu = percpu::this();
    cpu.sched.need_resched.load(Ordering::Acquire)
        || cpu.sched.softirq.load(Ordering::Acquire)
        || frame.restart_pending()
        || sched::current().linux().is_some_and(|l| l.has_work())
}

/// What must happen before a thread returns to the program: deferred timer
/// work, a reschedule when its slice is over or others wait, and signal
/// delivery (which may rewrite `frame`). Returns with interrupts off and
/// nothing left to do. The check is inline; the work is not.
#[inline(always)]
pub fn exit_to_program(frame: &mut TrapFrame) {
    cpu::interrupts_disable();
    if work_pending(frame) {
        exit_slow(frame);
    }
}

#[inline(never)]
fn exit_slow(frame: &mut TrapFrame) {
    loop {
        cpu::interrupts_disable();
        if !work_pending(frame) {
            return;
        }
        cpu::interrupts_enable();
        run_deferred();
        if percpu::this()
            .sched
            .need_resched
            .swap(false, Ordering::AcqRel)
        {
            sched::yield_now();
        }
        let Some(linux) = sched::current().linux().cloned() else {
            continue;
        };
        if !linux.has_work() && !frame.restart_pending() {
            continue;
        }
        let (Some(process), Some(platform)) = (PROCESS.get(), PLATFORM.get()) else {
            continue;
        };
        let mut ctx = Ctx::new(process, &linux, platform, frame);
        match deliver(&mut ctx) {
            Delivery::Nothing | Delivery::Changed => {}
            Delivery::Stop => wait_while_stopped(&ctx),
            Delivery::Exit(status, info) => end(status, info, Some(ctx.regs)),
        }
    }
}

/// Runs the work timer interrupts left for a safe point (no lock held):
/// the personality's timers that expired, and its CPU-time timers.
pub fn run_deferred() {
    let Some((ids, tick)) = sched::take_softirq() else {
        return;
    };
    let (Some(process), Some(platform)) = (PROCESS.get(), PLATFORM.get()) else {
        return;
    };
    for id in ids {
        syscalls::timers::expire(process, platform, id);
    }
    if tick {
        syscalls::timers::cpu_tick(process, platform);
    }
}

/// An idle CPU's work: what timer interrupts left, then a writeback of
/// the disk root if one is due (see `syscalls::fs::writeback`).
pub fn run_idle_work() {
    run_deferred();
    if let (Some(process), Some(platform)) = (PROCESS.get(), PLATFORM.get()) {
        syscalls::fs::writeback::run_if_due(process, platform);
    }
}

static ENDING: AtomicBool = AtomicBool::new(false);

/// Writes what a disk root holds in memory before the power goes, as a
/// clean shutdown does. A CPU stopped while it held the files' lock may
/// have left a change half made: then nothing is written, and the disk
/// keeps its last commit.
fn sync_root() {
    let Some(p) = PROCESS.get() else { return };
    let Some(fs) = p.fs.try_lock() else {
        crate::println!("sole: the root filesystem was busy at exit; its last commit stands");
        return;
    };
    if let Err(e) = fs.sync_at_exit() {
        crate::println!("sole: cannot write the root filesystem back: {e}");
    }
}

/// The process is over: stop the other CPUs, report how it ended (the
/// fatal signal's report, the syscall summary) and power off with its
/// status.
pub fn end(status: ExitStatus, info: Option<SigInfo>, regs: Option<&TrapFrame>) -> ! {
    if ENDING.swap(true, Ordering::AcqRel) {
        // Another CPU is ending the process already.
        smp::park();
    }
    smp::stop_others();
    if let ExitStatus::Signal { sig, .. } = status {
        fault::report_fatal(sig as usize, info, regs);
    }
    sync_root();
    if SYSCALL_SUMMARY.load(Ordering::Relaxed)
        && let Some(p) = PROCESS.get()
    {
        crate::println!("\nsyscall summary:\n{}", p.stats.summary());
    }
    power::exit(status.host_status())
}

/// What a page fault in program memory turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Demand {
    /// A page was mapped (or another thread mapped it): retry the access.
    Mapped,
    /// No VMA allows the access: a real fault, with its SIGSEGV si_code.
    Fault(i32),
    /// The access was allowed but no frame was left.
    OutOfMemory,
    /// The page lies wholly past the end of the file it maps: SIGBUS.
    PastEndOfFile,
}

/// Demand paging: maps the page at `addr` if a VMA allows `access`.
pub fn resolve_fault(addr: u64, access: Access) -> Demand {
    let Some(process) = PROCESS.get() else {
        return Demand::Fault(syscalls::mm::SEGV_MAPERR);
    };
    process
        .mm
        .fault_with(addr, access, |resolution| match resolution {
            FaultResolution::Map { page, prot } => match memory::map_zeroed(page, prot) {
                Ok(()) => Demand::Mapped,
                Err(_) => Demand::OutOfMemory,
            },
            FaultResolution::Fill {
                page,
                prot,
                file,
                offset,
            } => match memory::map_filled(page, prot, |bytes| {
                file.source.read_page(offset, bytes).is_ok()
            }) {
                Ok(true) => Demand::Mapped,
                // The disk could not give the page: SIGBUS, as Linux
                // gives for an I/O error under a mapping.
                Ok(false) => Demand::PastEndOfFile,
                Err(_) => Demand::OutOfMemory,
            },
            FaultResolution::Share {
                page,
                prot,
                addr,
                cow,
                ..
            } => match memory::map_borrowed(page, addr, prot, cow) {
                Ok(()) => Demand::Mapped,
                Err(_) => Demand::OutOfMemory,
            },
            FaultResolution::Segv { code } => Demand::Fault(code),
            FaultResolution::Bus => Demand::PastEndOfFile,
        })
}
