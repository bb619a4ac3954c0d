//! The vDSO's kernel half (DESIGN.md "The path of a system call", 4): the
//! functions the image's stubs call (`loader::vdso` builds the image and
//! states their contract), and the image's mapping in the program.
//!
//! The functions run in the program's context, as part of its code: on
//! its stack, with interrupts on and the program's GS base loaded (so
//! nothing per-CPU through GS), and the thread may be preempted, moved to
//! another CPU or given a signal in the middle (an interrupt that finds a
//! kernel RIP on the program's stack came from program context, see
//! `arch::idt`). So they take no locks, touch no program memory (the stubs
//! store the results), cannot fault or panic, and read only what is fixed
//! once the clocks start: the TSC's scale and the wall clock's offset
//! (`crate::time`; Sole's wall clock cannot be set, so no seqlock is
//! needed). They compute what the system calls compute, with the same
//! functions.

use super::memory;
use crate::arch::percpu;
use crate::time;
use alloc::vec::Vec;
use loader::vdso::{self, Targets};
use spin::Once;
use syscalls::abi::{Timespec, Timeval};
use syscalls::mm::{Mm, PAGE_SIZE, Prot, Vma, VmaKind, page_ceil};
use syscalls::sys::clock_gettime::{SystemClock, system_clock};

/// Two integers, returned in RAX:RDX (SysV ABI: a 16-byte structure of
/// INTEGER class).
#[repr(C)]
pub struct Pair(i64, i64);

/// Tells the stub to make the system call instead (a negative second word).
const DECLINE: Pair = Pair(0, -1);

fn read(clock: SystemClock) -> Option<u64> {
    match clock {
        SystemClock::Realtime => time::realtime_ns(),
        SystemClock::Monotonic => Some(time::monotonic_ns()),
    }
}

/// `clock` as seconds and nanoseconds; declines CPU-time clocks, unknown
/// ones and the wall clock of a machine without one.
extern "sysv64" fn vdso_clock_gettime(clock: i32) -> Pair {
    match system_clock(clock).and_then(read) {
        Some(ns) => {
            let ts = Timespec::from_ns(ns);
            Pair(ts.sec, ts.nsec)
        }
        None => DECLINE,
    }
}

/// The wall clock as seconds and microseconds.
extern "sysv64" fn vdso_gettimeofday() -> Pair {
    match time::realtime_ns() {
        Some(ns) => {
            let tv = Timeval::from_ns(ns);
            Pair(tv.sec, tv.usec)
        }
        None => DECLINE,
    }
}

/// The wall clock's seconds, or -1 to decline.
extern "sysv64" fn vdso_time() -> i64 {
    time::realtime_ns().map_or(-1, |ns| Timespec::from_ns(ns).sec)
}

/// The CPU this runs on, or -1 to decline (no RDPID or RDTSCP).
extern "sysv64" fn vdso_getcpu() -> i32 {
    percpu::index_from_tsc_aux().map_or(-1, |cpu| cpu as i32)
}

static IMAGE: Once<Vec<u8>> = Once::new();

fn image() -> &'static [u8] {
    IMAGE.call_once(|| {
        vdso::image(&Targets {
            clock_gettime: vdso_clock_gettime as *const () as u64,
            gettimeofday: vdso_gettimeofday as *const () as u64,
            time: vdso_time as *const () as u64,
            getcpu: vdso_getcpu as *const () as u64,
        })
    })
}

/// Maps the vDSO into `mm`, read-only and executable, at the top of the
/// free space below the mmap base (under the interpreter, where Linux puts
/// it), and returns its address for AT_SYSINFO_EHDR. None when there is no
/// room or no memory: the program then runs without one, and its C
/// library makes the system calls.
pub fn map(mm: &Mm) -> Option<u64> {
    let image = image();
    let len = page_ceil(image.len() as u64)?;
    let start = mm.free_area(len)?;
    let prot = Prot::READ | Prot::EXEC;
    mm.insert(Vma {
        start,
        end: start + len,
        prot,
        kind: VmaKind::Vdso,
    })
    .ok()?;
    for (i, chunk) in image.chunks(PAGE_SIZE as usize).enumerate() {
        let page = start + i as u64 * PAGE_SIZE;
        if memory::map_filled(page, prot, |bytes| {
            bytes[..chunk.len()].copy_from_slice(chunk);
            true
        })
        .is_err()
        {
            log::warn!("no memory for the vDSO: the program runs without one");
            return None;
        }
    }
    Some(start)
}
