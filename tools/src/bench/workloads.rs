//! The benchmark workloads: small C programs (`tools/bench/*.c`, embedded in
//! `sole` so it benchmarks from any directory) and one Python program
//! (`tools/bench/python.py`, run by the host's `python3`) that measure
//! themselves and print `sole-bench <metric> <value> <unit>` lines; building
//! the C ones static into the cache; and reading their figures back from a
//! console.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};

use super::table::{Better, Unit};
use crate::cache::{Cache, fnv1a64};

/// The header every workload includes.
const HEADER: &str = include_str!("../../bench/bench.h");

/// A metric a workload reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// The name the program prints (`getppid`).
    pub name: &'static str,
    /// What it is, for the table (`getppid()`).
    pub label: &'static str,
    /// The unit the program prints it in.
    pub unit: Unit,
    /// Which way it improves.
    pub better: Better,
}

impl Metric {
    /// A metric where less is better (a time), as most are.
    pub const fn lower(name: &'static str, label: &'static str, unit: Unit) -> Self {
        Self {
            name,
            label,
            unit,
            better: Better::Lower,
        }
    }

    /// A metric where more is better (a throughput, a rate).
    pub const fn higher(name: &'static str, label: &'static str, unit: Unit) -> Self {
        Self {
            name,
            label,
            unit,
            better: Better::Higher,
        }
    }
}

/// What a program is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// C, built static by the [`Compiler`].
    C(&'static str),
    /// Python, the code of the host's `python3 -c` (see
    /// [`super::python::HostPython`]).
    Python(&'static str),
}

/// A program that measures itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Program {
    /// Its name (`syscall`); the workload's name when it is one.
    pub name: &'static str,
    /// Its source.
    pub source: Source,
    /// What it prints, in order.
    pub metrics: &'static [Metric],
    /// The vCPUs its VM gets, in Sole and in the Linux guest alike.
    pub cpus: u16,
    /// Whether it runs on a disk made afresh for every boot (see
    /// [`super::disk`]): Sole boots from it (`root=disk`), the Linux guest
    /// mounts its ext4 filesystem at [`super::disk::MOUNT`], which is the
    /// program's argument in both.
    pub on_disk: bool,
}

/// `boot`: guest time from kernel entry to `main` of a hello program; it
/// also prints `hello`.
pub const BOOT: Program = Program {
    name: "boot",
    source: Source::C(include_str!("../../bench/boot.c")),
    metrics: &[Metric::lower(
        "entry_to_main",
        "kernel entry to main",
        Unit::Micros,
    )],
    cpus: 1,
    on_disk: false,
};

/// What [`BOOT`] prints after its figure.
pub const HELLO_LINE: &str = "hello";

/// `syscall`: `getppid()` (a system call) and `clock_gettime()` (through
/// the vDSO, in both kernels) in a loop.
pub const SYSCALL: Program = Program {
    name: "syscall",
    source: Source::C(include_str!("../../bench/syscall.c")),
    metrics: &[
        Metric::lower("getppid", "getppid()", Unit::Nanos),
        Metric::lower("clock_gettime", "clock_gettime(), vDSO", Unit::Nanos),
    ],
    cpus: 1,
    on_disk: false,
};

/// `file`: open/read/close of a small file; reading 64 MiB.
pub const FILE: Program = Program {
    name: "file",
    source: Source::C(include_str!("../../bench/file.c")),
    metrics: &[
        Metric::lower(
            "open_read_close",
            "open+read+close, 100 B file",
            Unit::Nanos,
        ),
        Metric::lower("read_64m", "read 64 MiB sequentially", Unit::Millis),
    ],
    cpus: 1,
    on_disk: false,
};

/// `memory`: first touch of 256 MiB; mmap/munmap pairs.
pub const MEMORY: Program = Program {
    name: "memory",
    source: Source::C(include_str!("../../bench/memory.c")),
    metrics: &[
        Metric::lower("first_touch", "first touch, per 4 KiB page", Unit::Nanos),
        Metric::lower("mmap_munmap", "mmap+munmap of 64 KiB", Unit::Nanos),
    ],
    cpus: 1,
    on_disk: false,
};

/// `threads`: pthread_create+join; futex ping-pong between two threads on
/// one CPU and on two. Two vCPUs.
pub const THREADS: Program = Program {
    name: "threads",
    source: Source::C(include_str!("../../bench/threads.c")),
    metrics: &[
        Metric::lower("thread_create_join", "pthread_create+join", Unit::Nanos),
        Metric::lower(
            "futex_same_cpu",
            "futex round trip, both on CPU 0",
            Unit::Nanos,
        ),
        Metric::lower(
            "futex_cross_cpu",
            "futex round trip, CPU 0 and 1",
            Unit::Nanos,
        ),
    ],
    cpus: 2,
    on_disk: false,
};

/// `parallel`: the same CPU-bound work on one thread and split over two, and
/// the speedup. Two vCPUs, which must really run at once.
pub const PARALLEL: Program = Program {
    name: "parallel",
    source: Source::C(include_str!("../../bench/parallel.c")),
    metrics: &[
        Metric::lower(
            "parallel_1_thread",
            "CPU-bound work, 1 thread",
            Unit::Millis,
        ),
        Metric::lower("parallel_2_threads", "same work, 2 threads", Unit::Millis),
        Metric {
            name: "parallel_speedup",
            label: "speedup, 2 threads over 1",
            unit: Unit::Times,
            better: Better::Higher,
        },
    ],
    cpus: 2,
    on_disk: false,
};

/// `python`: Python's start-up, as `python3 -c pass` has it: from the
/// process's start and from kernel entry to the first statement.
pub const PYTHON: Program = Program {
    name: "python",
    source: Source::Python(include_str!("../../bench/python.py")),
    metrics: &[
        Metric::lower(
            "python_startup",
            "python3 start to first statement",
            Unit::Millis,
        ),
        Metric::lower(
            "python_ready",
            "kernel entry to first statement",
            Unit::Millis,
        ),
    ],
    cpus: 1,
    on_disk: false,
};

/// `disk`: the filesystem on a disk (see `tools/bench/disk.c` for what
/// each figure counts): sequential write and cold read, random 4 KiB reads
/// and writes, fsync latency, creating and stating 10,000 small files.
pub const DISK: Program = Program {
    name: "disk",
    source: Source::C(include_str!("../../bench/disk.c")),
    metrics: &[
        Metric::higher(
            "seq_write",
            "write 64 MiB in 1 MiB writes + fsync",
            Unit::MibPerSec,
        ),
        Metric::higher(
            "seq_read",
            "read 64 MiB in 1 MiB reads, cold",
            Unit::MibPerSec,
        ),
        Metric::higher(
            "rand_read",
            "random 4 KiB preads of another, cold",
            Unit::PerSec,
        ),
        Metric::higher(
            "rand_write",
            "random 4 KiB pwrites + one fsync",
            Unit::PerSec,
        ),
        Metric::lower("fsync", "4 KiB pwrite + fsync, median", Unit::Micros),
        Metric::lower(
            "create_file",
            "create+write 100 B+close, per file of 10,000",
            Unit::Micros,
        ),
        Metric::lower("stat_file", "stat, per file of 10,000", Unit::Micros),
    ],
    cpus: 1,
    on_disk: true,
};

/// The Linux guest's `/init`: runs the workload as its child and ends the VM.
pub const LINUX_INIT: Program = Program {
    name: "init",
    source: Source::C(include_str!("../../bench/init.c")),
    metrics: &[],
    cpus: 1,
    on_disk: false,
};

/// The programs that are workloads, in the order they run.
pub const PROGRAMS: [Program; 8] = [BOOT, SYSCALL, FILE, MEMORY, THREADS, PARALLEL, PYTHON, DISK];

/// One figure a workload printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The metric's name.
    pub metric: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: Unit,
}

/// The figures in a console transcript: every `sole-bench <metric> <value>
/// <unit>` line, in order. A `sole-bench-error` line is the program saying
/// it failed, and so is an error here; other lines (kernel messages, the
/// program's other output) are ignored.
pub fn parse_figures(console: &str) -> Result<Vec<Figure>> {
    let mut figures = Vec::new();
    for line in console.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(error) = line.strip_prefix("sole-bench-error ") {
            bail!("the workload failed: {error}");
        }
        let Some(rest) = line.strip_prefix("sole-bench ") else {
            continue;
        };
        let words: Vec<&str> = rest.split(' ').collect();
        let [metric, value, unit] = words.as_slice() else {
            bail!("malformed figure line `{line}`");
        };
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| anyhow!("malformed value in `{line}`"))?;
        let unit = Unit::parse(unit).ok_or_else(|| anyhow!("unknown unit in `{line}`"))?;
        figures.push(Figure {
            metric: (*metric).to_owned(),
            value,
            unit,
        });
    }
    Ok(figures)
}

impl Program {
    /// Whether its times are wall-clock guest time even under `--icount`:
    /// so are those of every program with more than one vCPU. QEMU's
    /// instruction counting runs vCPUs one at a time, round-robin, so two
    /// threads could not run at once and a cross-CPU wake-up would wait
    /// for the next turn; and a Linux guest (Debian's 6.1 under QEMU 7.2)
    /// does not even finish bringing up its second vCPU under it.
    pub fn wall_clock(&self) -> bool {
        self.cpus > 1
    }

    /// The value of each of this program's metrics in `console`, in the
    /// order of [`Program::metrics`]; an error if one is missing or comes in
    /// another unit.
    pub fn figures(&self, console: &str) -> Result<Vec<f64>> {
        let figures = parse_figures(console)?;
        self.metrics
            .iter()
            .map(|metric| {
                let figure = figures
                    .iter()
                    .find(|f| f.metric == metric.name)
                    .ok_or_else(|| anyhow!("the workload printed no `{}` figure", metric.name))?;
                if figure.unit != metric.unit {
                    bail!(
                        "`{}` came in {}, not {}",
                        metric.name,
                        figure.unit.symbol(),
                        metric.unit.symbol()
                    );
                }
                Ok(figure.value)
            })
            .collect()
    }
}

/// A C compiler that links static x86-64 Linux programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiler {
    /// The command (`musl-gcc`, `gcc`).
    pub command: String,
}

/// The flags every workload is built with.
const CFLAGS: [&str; 6] = [
    "-static",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-std=gnu11",
];

impl Compiler {
    /// `musl-gcc` if it is installed (the smallest programs), else `gcc`.
    pub fn find() -> Result<Self> {
        for command in ["musl-gcc", "gcc"] {
            let works = Command::new(command)
                .arg("--version")
                .output()
                .is_ok_and(|out| out.status.success());
            if works {
                return Ok(Self {
                    command: command.to_owned(),
                });
            }
        }
        bail!(
            "no C compiler for the workloads: install musl-tools (preferred) or gcc and libc6-dev"
        )
    }

    /// Builds `program`, a C one, into `cache` (once: the file is named
    /// after the compiler, the flags and the sources) and returns its path.
    pub fn build(&self, program: &Program, cache: &Cache) -> Result<PathBuf> {
        let Source::C(source) = program.source else {
            bail!("{} is not a C program", program.name);
        };
        let dir = cache.dir().join("bench");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let key = format!(
            "{}\0{}\0{HEADER}\0{}",
            self.command,
            CFLAGS.join(" "),
            source
        );
        let out = dir.join(format!("{}-{:016x}", program.name, fnv1a64(key.as_bytes())));
        if out.is_file() {
            return Ok(out);
        }
        let work = tempfile::tempdir_in(&dir)
            .with_context(|| format!("cannot create a directory in {}", dir.display()))?;
        std::fs::write(work.path().join("bench.h"), HEADER)?;
        let file = work.path().join(format!("{}.c", program.name));
        std::fs::write(&file, source)?;
        let binary = work.path().join(program.name);
        compile(&self.command, &file, &binary)?;
        std::fs::rename(&binary, &out)
            .with_context(|| format!("cannot write {}", out.display()))?;
        Ok(out)
    }
}

fn compile(cc: &str, source: &Path, binary: &Path) -> Result<()> {
    let output = Command::new(cc)
        .args(CFLAGS)
        .arg("-o")
        .arg(binary)
        .arg(source)
        .output()
        .with_context(|| format!("cannot run {cc}"))?;
    if !output.status.success() {
        bail!(
            "{cc} could not build {}:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_figures_among_other_lines() {
        let console = "[    0.5] some kernel warning\r\nsole-bench getppid 253.012 ns\r\n\
                       hello\nsole-bench read_64m 84.7 ms\n";
        let figures = parse_figures(console).unwrap();
        assert_eq!(
            figures,
            [
                Figure {
                    metric: "getppid".into(),
                    value: 253.012,
                    unit: Unit::Nanos
                },
                Figure {
                    metric: "read_64m".into(),
                    value: 84.7,
                    unit: Unit::Millis
                },
            ]
        );
        assert!(parse_figures("nothing here\n").unwrap().is_empty());
    }

    #[test]
    fn refuses_errors_and_malformed_lines() {
        let err = parse_figures("sole-bench-error open: No such file or directory\n");
        assert_eq!(
            err.unwrap_err().to_string(),
            "the workload failed: open: No such file or directory"
        );
        for bad in [
            "sole-bench getppid 12\n",
            "sole-bench getppid twelve ns\n",
            "sole-bench getppid nan ns\n",
            "sole-bench getppid 12 furlongs\n",
            "sole-bench getppid 12 ns extra\n",
        ] {
            assert!(parse_figures(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_program_takes_its_metrics_in_order_and_unit() {
        let console = "sole-bench clock_gettime 40 ns\nsole-bench getppid 50 ns\n";
        assert_eq!(SYSCALL.figures(console).unwrap(), [50.0, 40.0]);
        let err = SYSCALL.figures("sole-bench getppid 50 ns\n").unwrap_err();
        assert!(err.to_string().contains("no `clock_gettime`"), "{err}");
        let err = BOOT.figures("sole-bench entry_to_main 5 ms\n").unwrap_err();
        assert!(err.to_string().contains("came in ms, not µs"), "{err}");
    }

    #[test]
    fn the_thread_workloads_take_their_figures() {
        let console = "Sole 0.1.0: 512 MiB RAM, 2 CPUs, ready in 700 us\r\n\
                       sole-bench thread_create_join 31234.5 ns\r\n\
                       sole-bench futex_same_cpu 6129.819 ns\r\n\
                       sole-bench futex_cross_cpu 28680.525 ns\r\n";
        assert_eq!(
            THREADS.figures(console).unwrap(),
            [31234.5, 6129.819, 28680.525]
        );
        let console = "sole-bench parallel_1_thread 158.546 ms\n\
                       sole-bench parallel_2_threads 84.1 ms\n\
                       sole-bench parallel_speedup 1.885 x\n";
        assert_eq!(PARALLEL.figures(console).unwrap(), [158.546, 84.1, 1.885]);
        let err = PARALLEL
            .figures(&console.replace("1.885 x", "1.885 ms"))
            .unwrap_err();
        assert!(err.to_string().contains("came in ms, not x"), "{err}");
        let err = THREADS
            .figures(
                "sole-bench thread_create_join 1 ns\nsole-bench-error pinning: asked for \
                 CPUs 0 and 1, ran on 0 and 0\n",
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the workload failed: pinning: asked for CPUs 0 and 1, ran on 0 and 0"
        );
    }

    #[test]
    fn only_speedups_and_rates_are_better_higher() {
        for program in PROGRAMS {
            for metric in program.metrics {
                let higher = matches!(metric.unit, Unit::Times | Unit::MibPerSec | Unit::PerSec);
                assert_eq!(metric.better == Better::Higher, higher, "{}", metric.name);
            }
        }
    }

    #[test]
    fn the_disk_workload_takes_its_figures() {
        let console = "sole-bench seq_write 38.2 MiB/s\nsole-bench seq_read 120.5 MiB/s\n\
                       sole-bench rand_read 2048.0 /s\nsole-bench rand_write 900.1 /s\n\
                       sole-bench fsync 812.5 us\nsole-bench create_file 41.0 us\n\
                       sole-bench stat_file 3.2 us\n";
        assert_eq!(
            DISK.figures(console).unwrap(),
            [38.2, 120.5, 2048.0, 900.1, 812.5, 41.0, 3.2]
        );
        let err = DISK
            .figures(&console.replace("2048.0 /s", "2048.0 us"))
            .unwrap_err();
        assert!(err.to_string().contains("came in µs, not /s"), "{err}");
        assert!(PROGRAMS.iter().filter(|p| p.on_disk).eq([&DISK]));
    }

    #[test]
    fn every_metric_appears_in_its_source() {
        let mut names = Vec::new();
        for program in PROGRAMS {
            let printed = |metric: &str| match program.source {
                Source::C(source) => {
                    assert!(source.contains("#include \"bench.h\""));
                    source.contains(&format!("report(\"{metric}\""))
                }
                Source::Python(code) => code.contains(&format!("\"sole-bench {metric} ")),
            };
            for metric in program.metrics {
                assert!(printed(metric.name), "{}: {}", program.name, metric.name);
                names.push(metric.name);
            }
        }
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "metric names are unique");
    }
}
