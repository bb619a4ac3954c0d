//! Per-syscall counts: the `--syscall-summary` table at exit (like
//! `strace -c`), and the once-only log of what the program asked for and
//! Sole refused.

use crate::Errno;
use alloc::collections::BTreeSet;
use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

/// Whether an error is Sole declining (a missing syscall, or a flag or
/// feature a handler says it does not support) rather than the program's
/// own mistake (a bad argument gets a plain EINVAL).
pub fn is_refusal(e: crate::Error) -> bool {
    e.errno == Errno::ENOSYS
        || (e.note.is_some()
            && matches!(e.errno, Errno::EINVAL | Errno::EOPNOTSUPP | Errno::ENODEV))
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Count {
    pub calls: u64,
    pub errors: u64,
    /// Of the errors, how many were Sole refusing (see `is_refusal`).
    pub refused: u64,
}

/// Counts are kept in an array indexed by syscall number (this runs on every
/// call); numbers beyond it share one slot.
const SLOTS: usize = 512;

/// One syscall's counters; threads on several CPUs bump them at once.
#[derive(Debug, Default)]
struct Counters {
    calls: AtomicU64,
    errors: AtomicU64,
    refused: AtomicU64,
}

#[derive(Debug)]
pub struct Stats {
    by_nr: alloc::boxed::Box<[Counters; SLOTS]>,
    /// Syscalls already logged as refused (once each).
    logged: Mutex<BTreeSet<(usize, Errno)>>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            by_nr: alloc::boxed::Box::new(core::array::from_fn(|_| Counters::default())),
            logged: Mutex::new(BTreeSet::new()),
        }
    }
}

impl Stats {
    #[inline]
    pub fn record(&self, nr: usize, result: Result<u64, crate::Error>) {
        let c = &self.by_nr[nr.min(SLOTS - 1)];
        c.calls.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = result {
            c.errors.fetch_add(1, Ordering::Relaxed);
            if is_refusal(e) {
                c.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// True the first time `(nr, errno)` is seen: the caller logs it.
    pub fn first_refusal(&self, nr: usize, errno: Errno) -> bool {
        self.logged.lock().insert((nr, errno))
    }

    pub fn get(&self, nr: usize) -> Count {
        let c = &self.by_nr[nr.min(SLOTS - 1)];
        Count {
            calls: c.calls.load(Ordering::Relaxed),
            errors: c.errors.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
        }
    }

    /// The table printed at exit.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>9} {:>9} {:>9}  syscall",
            "calls", "errors", "refused"
        );
        let _ = writeln!(out, "--------- --------- ---------  ----------------");
        let mut rows: alloc::vec::Vec<_> = (0..SLOTS)
            .map(|nr| (nr, self.get(nr)))
            .filter(|(_, c)| c.calls > 0)
            .collect();
        rows.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(&b.0)));
        let (mut calls, mut errors, mut refused) = (0, 0, 0);
        for (nr, c) in rows {
            let name = crate::nr::name(nr).unwrap_or("?");
            let _ = writeln!(
                out,
                "{:>9} {:>9} {:>9}  {name}",
                c.calls, c.errors, c.refused
            );
            calls += c.calls;
            errors += c.errors;
            refused += c.refused;
        }
        let _ = writeln!(out, "--------- --------- ---------  ----------------");
        let _ = writeln!(out, "{calls:>9} {errors:>9} {refused:>9}  total");
        out
    }
}
