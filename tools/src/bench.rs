//! `sole bench`: every workload in Sole and in a Linux guest under the same
//! QEMU, machine type, accelerator, CPU model and memory, side by side.
//!
//! The workloads are small static C programs and one Python program run by
//! the host's `python3` ([`python`]), which measure themselves
//! ([`workloads`]), run several times on each system, interleaved so that
//! host noise falls on both alike; three more are measured from outside: the
//! smallest memory hello runs in ([`minmem`]), the size of what boots, and
//! building a disk image ([`image`]). The `disk` workload runs on a disk
//! ([`disk`]).
//!
//! A workload runs on one vCPU unless its program asks for more (the thread
//! workloads take two), with the same count in Sole and the Linux guest.

pub mod disk;
pub mod guest;
pub mod image;
pub mod linux;
pub mod minmem;
pub mod modules;
pub mod python;
mod session;
pub mod table;
pub mod workloads;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::accel::{self, AccelChoice};
use crate::cache::Cache;
use crate::qemu::{self, Machine};
use guest::{Host, System};
use linux::LinuxSource;
use session::Session;
use table::Table;
use workloads::{Compiler, Program};

/// Guest memory for every workload but the minimum-memory search.
pub const MEM_MIB: u32 = 512;

/// How long one boot may take before the benchmark gives up on it: far
/// beyond what any workload needs, even a Linux guest under `--icount`.
const BOOT_TIMEOUT: Duration = Duration::from_secs(600);

/// The minimum-memory search tries sizes from 1 MiB to [`MEM_MIB`]. Once the
/// largest has booted, a smaller size may take this many times as long (or
/// 30 s) before it counts as not working: a guest short of memory may thrash
/// rather than fail.
const MIN_MEMORY_SLACK: u32 = 4;

/// A workload `--only` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Workload {
    /// Kernel entry to `main` of hello (guest time), and QEMU start to
    /// exit (wall time).
    Boot,
    /// `getppid()`, and `clock_gettime()` through the vDSO.
    Syscall,
    /// open/read/close of a small file; sequential read of 64 MiB.
    File,
    /// First touch of 256 MiB; mmap/munmap pairs.
    Memory,
    /// pthread_create+join; futex ping-pong on one CPU and across two (2
    /// vCPUs).
    Threads,
    /// CPU-bound work on 1 thread and on 2, and the speedup (2 vCPUs; wall
    /// time even under `--icount`).
    Parallel,
    /// The host's `python3 -c` up to its first statement, from the
    /// process's start and from kernel entry.
    Python,
    /// A filesystem on a disk: sequential and random reads and writes,
    /// fsync, small files (Sole's root on its disk image; ext4 in the
    /// Linux guest).
    Disk,
    /// The smallest `--mem` at which hello still runs.
    MinMemory,
    /// Kernel image bytes, and kernel plus initrd for hello.
    Size,
    /// A disk image of python3's tree: `sole build` against `mkfs.ext4
    /// -d`, its build time and the bytes it uses.
    Image,
}

impl Workload {
    /// Every workload, in the order they run.
    pub const ALL: [Workload; 11] = [
        Workload::Boot,
        Workload::Syscall,
        Workload::File,
        Workload::Memory,
        Workload::Threads,
        Workload::Parallel,
        Workload::Python,
        Workload::Disk,
        Workload::MinMemory,
        Workload::Size,
        Workload::Image,
    ];

    /// Its name, as `--only` and the table write it.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Boot => "boot",
            Workload::Syscall => "syscall",
            Workload::File => "file",
            Workload::Memory => "memory",
            Workload::Threads => "threads",
            Workload::Parallel => "parallel",
            Workload::Python => "python",
            Workload::Disk => "disk",
            Workload::MinMemory => "min-memory",
            Workload::Size => "size",
            Workload::Image => "image",
        }
    }

    /// The program that measures it, for the workloads that are one.
    pub fn program(self) -> Option<Program> {
        match self {
            Workload::Boot => Some(workloads::BOOT),
            Workload::Syscall => Some(workloads::SYSCALL),
            Workload::File => Some(workloads::FILE),
            Workload::Memory => Some(workloads::MEMORY),
            Workload::Threads => Some(workloads::THREADS),
            Workload::Parallel => Some(workloads::PARALLEL),
            Workload::Python => Some(workloads::PYTHON),
            Workload::Disk => Some(workloads::DISK),
            Workload::MinMemory | Workload::Size | Workload::Image => None,
        }
    }

    /// The vCPUs its guests run with, if it boots any.
    pub fn cpus(self) -> Option<u16> {
        match self {
            Workload::MinMemory => Some(workloads::BOOT.cpus),
            Workload::Size | Workload::Image => None,
            _ => self.program().map(|p| p.cpus),
        }
    }

    /// Whether `--icount` leaves it wall-clock timed (see
    /// [`Program::wall_clock`]).
    pub fn wall_clock(self) -> bool {
        self.program().is_some_and(|p| p.wall_clock())
    }
}

/// What to measure, and how.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The QEMU machine.
    pub machine: Machine,
    /// The accelerator wanted.
    pub accel: AccelChoice,
    /// Count instructions for guest time (TCG only).
    pub icount: bool,
    /// How many times to run each timed workload (at least 1).
    pub runs: u32,
    /// The workloads to run; all when empty.
    pub only: Vec<Workload>,
    /// The Linux guest to compare with; `None` measures Sole alone.
    pub linux: Option<LinuxSource>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            machine: Machine::default(),
            accel: AccelChoice::default(),
            icount: false,
            runs: 5,
            only: Vec::new(),
            linux: Some(LinuxSource::Debian),
        }
    }
}

/// The results of a benchmark session, with what they were measured under.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Runs per timed workload.
    pub runs: u32,
    /// The QEMU machine.
    pub machine: String,
    /// The accelerator used (`KVM` or `TCG`).
    pub accel: String,
    /// Whether guest time was instruction-counted.
    pub icount: bool,
    /// Guest memory for the timed workloads, in MiB.
    pub mem_mib: u32,
    /// The vCPUs of each workload's guests (those that boot one), the
    /// same in Sole and in the Linux guest.
    pub cpus: BTreeMap<String, u16>,
    /// The workloads that ran without instruction counting although it was
    /// asked for, because they need two vCPUs (see
    /// [`Program::wall_clock`]): their times are wall time.
    pub wall_clock: Vec<String>,
    /// The Linux kernel compared with, if any.
    pub linux: Option<String>,
    /// Why there is no Linux column, if there is none.
    pub linux_unavailable: Option<String>,
    /// The compiler that built the workloads.
    pub compiler: String,
    /// The figures.
    #[serde(flatten)]
    pub table: Table,
}

impl BenchReport {
    /// The report for people: what was measured and how to read it, then
    /// the table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let versus = match (&self.linux, &self.linux_unavailable) {
            (Some(name), _) => format!("Sole and a Linux guest ({name})"),
            (None, Some(why)) => format!("Sole alone (no Linux guest: {why})"),
            (None, None) => "Sole alone".to_owned(),
        };
        let cpus = self
            .cpus_text()
            .map(|text| format!("{text}, "))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{versus}: QEMU {} with {}, {cpus}{} MiB; programs built with {}",
            self.machine, self.accel, self.mem_mib, self.compiler
        );
        if self.runs == 1 {
            out.push_str("1 run per timed workload\n");
        } else {
            let _ = writeln!(
                out,
                "{} runs per timed workload: the median, and the range where runs differ",
                self.runs
            );
        }
        if self.icount {
            out.push_str(
                "guest time is instruction-counted (-icount shift=0,sleep=off): \
                 1 ns = 1 instruction; wall time is still wall time\n",
            );
            if !self.wall_clock.is_empty() {
                let _ = writeln!(
                    out,
                    "{} ran without it (times marked wall): instruction counting runs vCPUs \
                     one at a time, and Linux does not bring up a second one under it",
                    self.wall_clock.join(", ")
                );
            }
        }
        if let Some(ratio) = self.table.ratio_name() {
            let _ = writeln!(
                out,
                "{ratio}: the Linux guest's median over Sole's; above 1, Sole is faster or smaller"
            );
            if self.table.has_higher_is_better() {
                out.push_str(
                    "  (where more is better, a speedup, MiB/s or operations per second, \
                     Sole's over the Linux guest's: above 1, Sole is ahead)\n",
                );
            }
        }
        out.push('\n');
        out.push_str(&self.table.render());
        out
    }

    /// The vCPU counts, for the header: `2 CPUs` when every workload had
    /// the same; else the most common count, and the others with their
    /// workloads (`1 CPU (2 for threads, parallel)`). `None` when no
    /// workload booted a guest.
    fn cpus_text(&self) -> Option<String> {
        let cpus = |n: u16| format!("{n} CPU{}", if n == 1 { "" } else { "s" });
        // Workloads in the order of their rows.
        let mut order: Vec<&str> = Vec::new();
        for row in &self.table.rows {
            if !order.contains(&row.workload.as_str()) {
                order.push(&row.workload);
            }
        }
        let mut by_count: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        for (workload, &n) in &self.cpus {
            by_count.entry(n).or_default().push(workload);
        }
        for names in by_count.values_mut() {
            names.sort_by_key(|name| order.iter().position(|o| o == name).unwrap_or(usize::MAX));
        }
        // The most common count; the smallest of those that tie.
        let (&common, _) = by_count.iter().rev().max_by_key(|(_, names)| names.len())?;
        let others: Vec<String> = by_count
            .iter()
            .filter(|(n, _)| **n != common)
            .map(|(n, names)| format!("{n} for {}", names.join(", ")))
            .collect();
        Some(if others.is_empty() {
            cpus(common)
        } else {
            format!("{} ({})", cpus(common), others.join("; "))
        })
    }
}

/// Runs the workloads `options` asks for, telling `progress` what it is
/// doing (one line at a time, for a person watching).
pub fn bench(options: &BenchOptions, progress: &mut dyn FnMut(&str)) -> Result<BenchReport> {
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let qemu = qemu::find_qemu()?;
    let cache = Cache::open()?;
    let decision = accel::decide(options.accel, options.icount, &qemu, &cache)?;
    if let Some(note) = &decision.note {
        progress(note);
    }
    let sole_kernel = cache
        .content_file("sole-kernel", "elf", crate::KERNEL_ELF)
        .context("cannot store the kernel where QEMU can read it")?;
    let host = Host {
        qemu,
        machine: options.machine,
        accel: decision.accel,
        icount: options.icount,
        sole_kernel,
    };
    let compiler = Compiler::find()?;
    let linux = options.linux.as_ref().map(|source| {
        linux::locate(source, &cache, progress).and_then(|kernel| {
            let init = compiler.build(&workloads::LINUX_INIT, &cache)?;
            Ok((kernel, init))
        })
    });
    let linux_unavailable = match &linux {
        Some(Err(e)) => {
            let why = format!("{e:#}");
            progress(&format!("no Linux guest: {why}"));
            Some(why)
        }
        _ => None,
    };
    let mut systems = vec![System::Sole];
    if linux.is_some() {
        systems.push(System::Linux);
    }
    let mut session = Session {
        host,
        compiler,
        cache,
        linux: linux.map(|l| l.map_err(|e| format!("no Linux guest: {e:#}"))),
        runs: options.runs,
        progress,
    };
    let mut rows = Vec::new();
    let mut cpus = BTreeMap::new();
    let mut wall_clock = Vec::new();
    for workload in Workload::ALL {
        if !options.only.is_empty() && !options.only.contains(&workload) {
            continue;
        }
        rows.extend(session.rows(workload)?);
        if let Some(n) = workload.cpus() {
            cpus.insert(workload.name().to_owned(), n);
        }
        if options.icount && workload.wall_clock() {
            wall_clock.push(workload.name().to_owned());
        }
    }
    Ok(BenchReport {
        runs: options.runs,
        machine: options.machine.to_string(),
        accel: decision.accel.to_string(),
        icount: options.icount,
        mem_mib: MEM_MIB,
        cpus,
        wall_clock,
        linux: match &session.linux {
            Some(Ok((kernel, _))) => Some(kernel.name.clone()),
            _ => None,
        },
        linux_unavailable,
        compiler: session.compiler.command.clone(),
        table: Table {
            systems: systems.iter().map(|s| s.name().to_owned()).collect(),
            rows,
        },
    })
}

#[cfg(test)]
mod tests;
