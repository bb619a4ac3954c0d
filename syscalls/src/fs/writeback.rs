//! Periodic writeback of a disk root: what a program writes without
//! fsync(2) is committed within about [`INTERVAL_NS`], as ZFS commits a
//! transaction group at least every `zfs_txg_timeout` (5 s) and Linux
//! writes dirty pages back after `dirty_expire_centisecs`. A power cut
//! then loses at most the last few seconds, never the whole run.
//!
//! The timer is a personality timer ([`WRITEBACK_TIMER_ID`]); when it
//! expires ([`expire`]) the writeback is only marked due. It runs in
//! [`run_if_due`], which the kernel calls at the end of a system call
//! (where a program's own sync(2) runs) and on an idle CPU, not among the
//! deferred work on the way back from an interrupt, which is kept short.
//! A commit with nothing changed writes nothing (`disk::sync`).

use super::disk;
use crate::platform::Platform;
use crate::process::Process;
use core::sync::atomic::{AtomicBool, Ordering};

/// How long written data may stay in memory only.
pub const INTERVAL_NS: u64 = 5_000_000_000;

/// How soon to try again when the files were busy.
const RETRY_NS: u64 = 10_000_000;

/// The personality timer id of writeback (ITIMER_REAL is 0, POSIX timers
/// 1 up to `MAX_POSIX_TIMERS`).
pub const WRITEBACK_TIMER_ID: u64 = u64::MAX;

/// The timer expired and the writeback has not run since.
static DUE: AtomicBool = AtomicBool::new(false);

/// A failed writeback is logged once (sync(2) and fsync(2) still report
/// theirs to the program).
static FAILED: AtomicBool = AtomicBool::new(false);

/// Starts periodic writeback if the root is on a disk.
pub fn start(process: &Process, platform: &dyn Platform) {
    if process.fs.lock().root.sb.disk.is_some() {
        platform.arm_timer(
            WRITEBACK_TIMER_ID,
            Some(platform.monotonic_ns() + INTERVAL_NS),
        );
    }
}

/// The writeback timer expired: the writeback is due (see the module).
pub fn expire() {
    DUE.store(true, Ordering::Release);
}

/// Commits what changed if the writeback is due, then arms the timer
/// again. The files' lock is only tried (a thread may hold it for long),
/// and held only to find the root.
pub fn run_if_due(process: &Process, platform: &dyn Platform) {
    // Every system call ends here: a plain load, and a write only when due.
    if !DUE.load(Ordering::Relaxed) || !DUE.swap(false, Ordering::AcqRel) {
        return;
    }
    let Some(sb) = process.fs.try_lock().map(|fs| fs.root.sb.clone()) else {
        platform.arm_timer(WRITEBACK_TIMER_ID, Some(platform.monotonic_ns() + RETRY_NS));
        return;
    };
    if let Err(e) = disk::sync(&sb)
        && !FAILED.swap(true, Ordering::Relaxed)
    {
        log::warn!("writeback: cannot commit the root filesystem: {e}");
    }
    platform.arm_timer(
        WRITEBACK_TIMER_ID,
        Some(platform.monotonic_ns() + INTERVAL_NS),
    );
}
