//! A kernel thread: a stack, a saved stack pointer for switching, and for
//! program threads the FPU state, the segment bases and the Linux
//! personality's record of the thread.

use super::CpuMask;
use crate::arch::fpu::FpuArea;
use crate::mm::kstack::KernelStack;
use crate::sync::IrqMutex;
use alloc::sync::{Arc, Weak};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use spin::Once;

/// Program threads' kernel stacks (syscalls, interrupts and exceptions
/// taken in program code run on them).
pub const STACK_SIZE: u64 = 32 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// On a CPU.
    Running,
    /// Waiting in a run queue (or about to be put in one).
    Runnable,
    /// Blocked until woken (or its timeout).
    Sleeping,
    /// Gone: its CPU drops it once switched away.
    Dead,
}

/// What the scheduler keeps per thread, under the thread's own lock.
pub struct SchedState {
    pub state: State,
    /// Still on a CPU (switching out): a waker must not queue it yet; the
    /// CPU switching away from it does (`finish_switch`).
    pub on_cpu: bool,
    /// The CPU it last ran on.
    pub cpu: u32,
    pub affinity: CpuMask,
    /// Bumped at each sleep, so a stale timeout cannot wake a later one.
    pub sleep_seq: u64,
    /// Woken while still on its CPU (about to sleep): queued as a wakeup.
    pub woken_on_cpu: bool,
}

pub struct Thread {
    /// The Linux thread id for program threads; idle threads count down
    /// from u32::MAX.
    pub id: u32,
    pub sched: IrqMutex<SchedState>,
    /// The saved RSP while switched out (only the switch code touches it,
    /// with the thread off every CPU or being switched by its own CPU).
    pub(super) saved_rsp: UnsafeCell<u64>,
    /// None for a CPU's idle thread, which runs on that CPU's boot or
    /// start-up stack.
    pub(super) stack: Option<KernelStack>,
    /// The bounds of the stack the thread runs on (the boot stack for idle
    /// threads).
    pub stack_bottom: u64,
    pub stack_top: u64,
    /// The program's FPU state while the thread is switched out.
    pub(super) fpu: UnsafeCell<Option<FpuArea>>,
    /// Which CPU's registers hold this thread's FPU state (u32::MAX: none).
    pub(super) fpu_cpu: AtomicU32,
    /// The program's FS and GS bases.
    pub fs_base: AtomicU64,
    pub gs_base: AtomicU64,
    /// CPU time used, and the TSC when it last went on a CPU.
    pub cpu_ns: AtomicU64,
    pub(super) on_since: AtomicU64,
    /// The Linux personality's record (program threads).
    pub linux: Once<Arc<syscalls::thread::Thread>>,
    /// Weak self, for wakers.
    pub(super) me: Weak<Thread>,
}

// SAFETY: the UnsafeCell fields are touched only by the CPU running the
// thread or the one switching it (under the scheduler's protocol, with
// interrupts off); everything else is atomic or locked.
unsafe impl Sync for Thread {}
// SAFETY: as above; no field is tied to one CPU.
unsafe impl Send for Thread {}

impl Thread {
    pub fn is_program(&self) -> bool {
        self.linux.get().is_some()
    }

    pub fn linux(&self) -> Option<&Arc<syscalls::thread::Thread>> {
        self.linux.get()
    }

    /// Whether `rsp` is on this thread's stack.
    pub fn on_stack(&self, rsp: u64) -> bool {
        rsp > self.stack_bottom && rsp <= self.stack_top
    }

    pub fn cpu_time_ns(&self) -> u64 {
        let done = self.cpu_ns.load(Ordering::Relaxed);
        let since = self.on_since.load(Ordering::Relaxed);
        if since == 0 {
            done
        } else {
            done + crate::time::monotonic_ns().saturating_sub(since)
        }
    }
}

/// How the personality wakes a kernel thread (a weak reference: a waker
/// left in a queue does not keep a dead thread alive).
pub struct ThreadWaker(pub Weak<Thread>);

impl syscalls::wait::Wake for ThreadWaker {
    fn wake(&self) {
        if let Some(t) = self.0.upgrade() {
            super::wake(&t);
        }
    }
}
