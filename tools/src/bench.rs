//! `sole bench`: every workload in Sole and in a Linux guest under the same
//! QEMU, machine type, accelerator, CPU model and memory, side by side.
//!
//! The workloads are small static C programs that measure themselves
//! ([`workloads`]), run several times on each system, interleaved so that
//! host noise falls on both alike; two more are measured from outside: the
//! smallest memory hello runs in ([`minmem`]) and the size of what boots.

pub mod guest;
pub mod linux;
pub mod minmem;
pub mod table;
pub mod workloads;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::accel::{self, AccelChoice};
use crate::cache::Cache;
use crate::mem_size::MemSize;
use crate::qemu::{self, Machine};
use crate::run::Boot;
use guest::{Guest, Host, System};
use linux::{LinuxKernel, LinuxSource};
use table::{Outcome, Row, Table, Unit};
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
    /// `getppid()` and `clock_gettime()`.
    Syscall,
    /// open/read/close of a small file; sequential read of 64 MiB.
    File,
    /// First touch of 256 MiB; mmap/munmap pairs.
    Memory,
    /// The smallest `--mem` at which hello still runs.
    MinMemory,
    /// Kernel image bytes, and kernel plus initrd for hello.
    Size,
}

impl Workload {
    /// Every workload, in the order they run.
    pub const ALL: [Workload; 6] = [
        Workload::Boot,
        Workload::Syscall,
        Workload::File,
        Workload::Memory,
        Workload::MinMemory,
        Workload::Size,
    ];

    /// Its name, as `--only` and the table write it.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Boot => "boot",
            Workload::Syscall => "syscall",
            Workload::File => "file",
            Workload::Memory => "memory",
            Workload::MinMemory => "min-memory",
            Workload::Size => "size",
        }
    }

    /// The program that measures it, for the workloads that are one.
    pub fn program(self) -> Option<Program> {
        match self {
            Workload::Boot => Some(workloads::BOOT),
            Workload::Syscall => Some(workloads::SYSCALL),
            Workload::File => Some(workloads::FILE),
            Workload::Memory => Some(workloads::MEMORY),
            Workload::MinMemory | Workload::Size => None,
        }
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
        let _ = writeln!(
            out,
            "{versus}: QEMU {} with {}, 1 CPU, {} MiB; programs built with {}",
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
        }
        if let Some(ratio) = self.table.ratio_name() {
            let _ = writeln!(
                out,
                "{ratio}: the Linux guest's median over Sole's; above 1, Sole is faster or smaller"
            );
        }
        out.push('\n');
        out.push_str(&self.table.render());
        out
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
    for workload in Workload::ALL {
        if !options.only.is_empty() && !options.only.contains(&workload) {
            continue;
        }
        rows.extend(session.rows(workload)?);
    }
    Ok(BenchReport {
        runs: options.runs,
        machine: options.machine.to_string(),
        accel: decision.accel.to_string(),
        icount: options.icount,
        mem_mib: MEM_MIB,
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

/// Everything a session's workloads share.
struct Session<'a> {
    host: Host,
    compiler: Compiler,
    cache: Cache,
    /// The Linux kernel and the `/init` built for it, or why there are
    /// none; `None` when Sole is measured alone.
    linux: Option<Result<(LinuxKernel, PathBuf), String>>,
    runs: u32,
    progress: &'a mut dyn FnMut(&str),
}

/// A metric's definition, for a row.
#[derive(Debug, Clone)]
struct RowSpec {
    metric: &'static str,
    label: &'static str,
    unit: Unit,
}

/// One system's runs of a program: the packed guest and, per metric, the
/// figure of each run so far.
struct Column {
    guest: Guest,
    samples: Vec<Vec<f64>>,
}

/// The wall time the boot workload adds to its program's figures.
const WALL_TIME: RowSpec = RowSpec {
    metric: "wall_time",
    label: "QEMU start to exit, wall",
    unit: Unit::Millis,
};

impl Session<'_> {
    /// The systems measured.
    fn systems(&self) -> Vec<System> {
        let mut systems = vec![System::Sole];
        if self.linux.is_some() {
            systems.push(System::Linux);
        }
        systems
    }

    /// `program` packed for `system`, or why it cannot be.
    fn guest(&self, system: System, program: &Program) -> Result<Guest, String> {
        let binary = self
            .compiler
            .build(program, &self.cache)
            .map_err(|e| format!("{e:#}"))?;
        match system {
            System::Sole => self.host.sole(&binary),
            System::Linux => match &self.linux {
                Some(Ok((kernel, init))) => self.host.linux(kernel, init, &binary),
                Some(Err(why)) => return Err(why.clone()),
                None => return Err("not measured".into()),
            },
        }
        .map_err(|e| format!("{e:#}"))
    }

    fn rows(&mut self, workload: Workload) -> Result<Vec<Row>> {
        match workload.program() {
            Some(program) => self.program_rows(workload, &program),
            None if workload == Workload::MinMemory => Ok(vec![self.min_memory_row()]),
            None => Ok(self.size_rows()),
        }
    }

    /// Runs `program` [`Session::runs`] times on each system, one run on
    /// every system before the next. A system that fails once is not run
    /// again; its figures are unavailable, with the reason.
    fn program_rows(&mut self, workload: Workload, program: &Program) -> Result<Vec<Row>> {
        // Fail early and loudly if a workload does not build: that is a bug
        // here, not a figure.
        self.compiler.build(program, &self.cache)?;
        let mut specs: Vec<RowSpec> = program
            .metrics
            .iter()
            .map(|m| RowSpec {
                metric: m.name,
                label: m.label,
                unit: m.unit,
            })
            .collect();
        if workload == Workload::Boot {
            specs.push(WALL_TIME);
        }
        let mut results: BTreeMap<System, Result<Column, String>> = self
            .systems()
            .into_iter()
            .map(|system| {
                let column = self.guest(system, program).map(|guest| Column {
                    guest,
                    samples: vec![Vec::new(); specs.len()],
                });
                (system, column)
            })
            .collect();
        let mem = MemSize::from_mib(MEM_MIB).expect("a valid size");
        for run in 1..=self.runs {
            for (system, state) in &mut results {
                let Ok(Column { guest, samples }) = state else {
                    continue;
                };
                (self.progress)(&format!(
                    "{}: run {run} of {} on {system}",
                    workload.name(),
                    self.runs
                ));
                let figures = self
                    .host
                    .boot(guest, mem, BOOT_TIMEOUT)
                    .map_err(|e| format!("{e:#}"))
                    .and_then(|boot| {
                        let mut figures = program_figures(program, &boot)?;
                        if workload == Workload::Boot {
                            figures.push(boot.wall_time.as_secs_f64() * 1000.0);
                        }
                        Ok(figures)
                    });
                match figures {
                    Ok(figures) => {
                        for (column, figure) in samples.iter_mut().zip(figures) {
                            column.push(figure);
                        }
                    }
                    Err(why) => {
                        (self.progress)(&format!("{}: {system}: {why}", workload.name()));
                        *state = Err(why);
                    }
                }
            }
        }
        Ok(specs
            .iter()
            .enumerate()
            .map(|(i, spec)| Row {
                workload: workload.name().into(),
                metric: spec.metric.into(),
                label: spec.label.into(),
                unit: spec.unit,
                results: results
                    .iter()
                    .map(|(system, state)| {
                        let outcome = match state {
                            Ok(column) => Outcome::of(column.samples[i].clone()),
                            Err(why) => Outcome::unavailable(why.clone()),
                        };
                        (system.name().to_owned(), outcome)
                    })
                    .collect(),
            })
            .collect())
    }

    /// The smallest memory, in MiB, at which hello (the boot workload)
    /// prints its figure and `hello` and exits with 0, on each system.
    fn min_memory_row(&mut self) -> Row {
        let mut results = BTreeMap::new();
        for system in self.systems() {
            let outcome = match self.guest(system, &workloads::BOOT) {
                Ok(guest) => self.min_memory(&guest),
                Err(why) => Outcome::unavailable(why),
            };
            results.insert(system.name().to_owned(), outcome);
        }
        Row {
            workload: Workload::MinMemory.name().into(),
            metric: "smallest_mem".into(),
            label: "smallest --mem running hello".into(),
            unit: Unit::Mib,
            results,
        }
    }

    fn min_memory(&mut self, guest: &Guest) -> Outcome {
        let host = &self.host;
        let progress = &mut self.progress;
        let mut timeout = BOOT_TIMEOUT;
        let search = minmem::smallest(1, MEM_MIB, |mib| {
            progress(&format!(
                "{}: {} with {mib} MiB",
                Workload::MinMemory.name(),
                guest.system
            ));
            let mem = MemSize::from_mib(mib).expect("1 MiB or more");
            let started = Instant::now();
            let works = host
                .boot(guest, mem, timeout)
                .is_ok_and(|boot| hello_ran(&boot));
            if works && mib == MEM_MIB {
                timeout = (started.elapsed() * MIN_MEMORY_SLACK).max(Duration::from_secs(30));
            }
            Ok(works)
        })
        .expect("the predicate does not fail");
        match search.smallest {
            Some(mib) => Outcome::of(vec![f64::from(mib)]),
            None => Outcome::unavailable(format!("hello does not run even with {MEM_MIB} MiB")),
        }
    }

    /// The kernel image, and everything that boots hello: the kernel and
    /// the initrd (Sole) or initramfs with `/init` (Linux).
    fn size_rows(&mut self) -> Vec<Row> {
        let mut kernel = BTreeMap::new();
        let mut artifact = BTreeMap::new();
        for system in self.systems() {
            let name = system.name().to_owned();
            match self.guest(system, &workloads::BOOT) {
                Ok(guest) => {
                    let bytes = |n: u64| Outcome::of(vec![n as f64]);
                    kernel.insert(name.clone(), bytes(guest.kernel_bytes));
                    artifact.insert(name, bytes(guest.kernel_bytes + guest.initrd_bytes));
                }
                Err(why) => {
                    kernel.insert(name.clone(), Outcome::unavailable(why.clone()));
                    artifact.insert(name, Outcome::unavailable(why));
                }
            }
        }
        let row = |metric: &str, label: &str, results| Row {
            workload: Workload::Size.name().into(),
            metric: metric.into(),
            label: label.into(),
            unit: Unit::Bytes,
            results,
        };
        vec![
            row("kernel", "kernel image", kernel),
            row("bootable", "kernel + initrd, hello", artifact),
        ]
    }
}

/// `program`'s figures from a boot, or why there are none: the program's
/// own error line, a nonzero exit status, or figures missing.
fn program_figures(program: &Program, boot: &Boot) -> Result<Vec<f64>, String> {
    let text = &boot.console.text;
    let figures = program.figures(text).map_err(|e| format!("{e:#}"));
    if boot.status != 0 {
        let last = text.lines().map(str::trim).rfind(|l| !l.is_empty());
        return Err(match (figures, last) {
            (Err(why), _) if why.starts_with("the workload failed") => why,
            (_, Some(last)) => format!("exited with status {}; last line: {last}", boot.status),
            (_, None) => format!("exited with status {} and printed nothing", boot.status),
        });
    }
    figures
}

/// Whether the boot workload ran to the end: its figure, `hello`, status 0.
fn hello_ran(boot: &Boot) -> bool {
    boot.status == 0
        && workloads::BOOT.figures(&boot.console.text).is_ok()
        && boot
            .console
            .text
            .lines()
            .any(|l| l.trim_end() == workloads::HELLO_LINE)
}

#[cfg(test)]
mod tests;
