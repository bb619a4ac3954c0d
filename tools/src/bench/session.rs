//! One `sole bench` session: the workloads run on each system, and their
//! figures gathered into rows. A system that fails a workload gets the
//! reason instead of figures; a workload that does not build is an error.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::guest::{Guest, Host, System};
use super::image::ImageBuild;
use super::linux::LinuxKernel;
use super::python::HostPython;
use super::table::{Better, Outcome, Row, Unit};
use super::workloads::{self, Compiler, Program, Source};
use super::{BOOT_TIMEOUT, MEM_MIB, MIN_MEMORY_SLACK, Workload, disk, minmem};
use crate::cache::Cache;
use crate::mem_size::MemSize;
use crate::program::ProgramSpec;
use crate::run::Boot;

/// Everything a session's workloads share.
pub(super) struct Session<'a> {
    pub(super) host: Host,
    pub(super) compiler: Compiler,
    pub(super) cache: Cache,
    /// The Linux kernel and the `/init` built for it, or why there are
    /// none; `None` when Sole is measured alone.
    pub(super) linux: Option<Result<(LinuxKernel, PathBuf), String>>,
    pub(super) runs: u32,
    pub(super) progress: &'a mut dyn FnMut(&str),
}

/// A metric's definition, for a row.
#[derive(Debug, Clone)]
struct RowSpec {
    metric: &'static str,
    label: String,
    unit: Unit,
    better: Better,
}

/// One system's runs of a program: the packed guest and, per metric, the
/// figure of each run so far.
struct Column {
    guest: Guest,
    samples: Vec<Vec<f64>>,
}

/// The wall time the boot workload adds to its program's figures.
fn wall_time() -> RowSpec {
    RowSpec {
        metric: "wall_time",
        label: "QEMU start to exit, wall".into(),
        unit: Unit::Millis,
        better: Better::Lower,
    }
}

impl Session<'_> {
    /// The systems measured.
    fn systems(&self) -> Vec<System> {
        let mut systems = vec![System::Sole];
        if self.linux.is_some() {
            systems.push(System::Linux);
        }
        systems
    }

    /// What runs `program`: its C build (given [`disk::MOUNT`] if it runs
    /// on a disk), or the host's `python3` with its code; an error if there
    /// is none.
    fn spec(&self, program: &Program) -> Result<ProgramSpec> {
        Ok(match program.source {
            Source::C(_) => ProgramSpec {
                program: self.compiler.build(program, &self.cache)?,
                args: if program.on_disk {
                    vec![disk::MOUNT.to_owned()]
                } else {
                    Vec::new()
                },
                ..ProgramSpec::default()
            },
            Source::Python(code) => HostPython::find()?.spec(code),
        })
    }

    /// `program` packed for `system`, or why it cannot be.
    fn guest(&self, system: System, program: &Program) -> Result<Guest, String> {
        let spec = self.spec(program).map_err(|e| format!("{e:#}"))?;
        let shape = self.host.shape(program);
        let disk_files = if program.on_disk {
            Some(disk::disk_files(&self.cache).map_err(|e| format!("{e:#}"))?)
        } else {
            None
        };
        let disk_files = disk_files.as_deref();
        match system {
            System::Sole => self.host.sole(&spec, shape, disk_files),
            System::Linux => match &self.linux {
                Some(Ok((kernel, init))) => self.host.linux(kernel, init, &spec, shape, disk_files),
                Some(Err(why)) => return Err(why.clone()),
                None => return Err("not measured".into()),
            },
        }
        .map_err(|e| format!("{e:#}"))
    }

    pub(super) fn rows(&mut self, workload: Workload) -> Result<Vec<Row>> {
        match workload.program() {
            Some(program) => self.program_rows(workload, &program),
            None if workload == Workload::MinMemory => Ok(vec![self.min_memory_row()]),
            None if workload == Workload::Image => Ok(self.image_rows()),
            None => Ok(self.size_rows()),
        }
    }

    /// Runs `program` [`Session::runs`] times on each system, one run on
    /// every system before the next. A system that fails once is not run
    /// again; its figures are unavailable, with the reason.
    fn program_rows(&mut self, workload: Workload, program: &Program) -> Result<Vec<Row>> {
        // Fail early and loudly if a workload does not build: that is a bug
        // here, not a figure. (A host program that is missing is a figure
        // unavailable.)
        if let Source::C(_) = program.source {
            self.compiler.build(program, &self.cache)?;
        }
        // Guest time that is wall time where the rest is counted in
        // instructions says so, as the boot workload's wall time does.
        let wall = if self.host.icount && program.wall_clock() {
            ", wall"
        } else {
            ""
        };
        let mut specs: Vec<RowSpec> = program
            .metrics
            .iter()
            .map(|m| RowSpec {
                metric: m.name,
                label: match m.unit {
                    Unit::Times => m.label.to_owned(),
                    _ => format!("{}{wall}", m.label),
                },
                unit: m.unit,
                better: m.better,
            })
            .collect();
        if workload == Workload::Boot {
            specs.push(wall_time());
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
                label: spec.label.clone(),
                unit: spec.unit,
                better: spec.better,
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
            better: Better::Lower,
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
            better: Better::Lower,
            results,
        };
        vec![
            row("kernel", "kernel image", kernel),
            row("bootable", "kernel + initrd, hello", artifact),
        ]
    }
}

impl Session<'_> {
    /// A disk image of the `python` workload's tree, built [`Session::runs`]
    /// times by each system (Sole: `sole build`; Linux: `mkfs.ext4 -d`),
    /// one after the other: build time, filesystem bytes in use, host bytes
    /// of the sparse file.
    fn image_rows(&mut self) -> Vec<Row> {
        let name = Workload::Image.name();
        let build = HostPython::find()
            .and_then(|python| python.spec("pass").image())
            .and_then(|image| ImageBuild::new(image.tree))
            .map_err(|e| format!("{e:#}"));
        let systems = self.systems();
        let mut samples: BTreeMap<System, Result<[Vec<f64>; 3], String>> = systems
            .iter()
            .map(|&system| {
                (
                    system,
                    build
                        .as_ref()
                        .map(|_| Default::default())
                        .map_err(Clone::clone),
                )
            })
            .collect();
        if let Ok(build) = &build {
            for run in 1..=self.runs {
                for (system, state) in &mut samples {
                    let Ok(columns) = state else {
                        continue;
                    };
                    (self.progress)(&format!("{name}: run {run} of {} on {system}", self.runs));
                    match build.build(*system) {
                        Ok(built) => {
                            columns[0].push(built.millis);
                            columns[1].push(built.used as f64);
                            columns[2].push(built.allocated as f64);
                        }
                        Err(e) => {
                            let why = format!("{e:#}");
                            (self.progress)(&format!("{name}: {system}: {why}"));
                            *state = Err(why);
                        }
                    }
                }
            }
        }
        let size = build.as_ref().map_or(0, |b| b.size() >> 20);
        let rows = [
            (
                "build_time",
                format!("build a {size} MiB image of python3's tree"),
                Unit::Millis,
            ),
            (
                "used_bytes",
                "bytes the filesystem has in use".to_owned(),
                Unit::Bytes,
            ),
            (
                "allocated_bytes",
                "bytes the host stores for it".to_owned(),
                Unit::Bytes,
            ),
        ];
        rows.into_iter()
            .enumerate()
            .map(|(i, (metric, label, unit))| Row {
                workload: name.into(),
                metric: metric.into(),
                label,
                unit,
                better: Better::Lower,
                results: samples
                    .iter()
                    .map(|(system, state)| {
                        let outcome = match state {
                            Ok(columns) => Outcome::of(columns[i].clone()),
                            Err(why) => Outcome::unavailable(why.clone()),
                        };
                        (system.name().to_owned(), outcome)
                    })
                    .collect(),
            })
            .collect()
    }
}

/// `program`'s figures from a boot, or why there are none: the program's
/// own error line, a nonzero exit status, or figures missing.
pub(super) fn program_figures(program: &Program, boot: &Boot) -> Result<Vec<f64>, String> {
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
pub(super) fn hello_ran(boot: &Boot) -> bool {
    boot.status == 0
        && workloads::BOOT.figures(&boot.console.text).is_ok()
        && boot
            .console
            .text
            .lines()
            .any(|l| l.trim_end() == workloads::HELLO_LINE)
}
