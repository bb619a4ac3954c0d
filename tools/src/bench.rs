//! `sole bench`: run workloads several times and summarize their figures.
//!
//! One workload so far, `boot`: boot the kernel with no program and record
//! the kernel's own entry-to-ready time (from its banner; guest time) and
//! the wall time of the whole QEMU run (host time).

pub mod linux;
pub mod minmem;
pub mod table;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::accel::AccelChoice;
use crate::qemu::Machine;
use crate::run::{self, BootOptions};
use table::{Row, Summary, Table, Unit};

/// The column name of figures measured on Sole.
pub const SOLE: &str = "Sole";

/// How long one boot may take before the benchmark gives up on it.
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// What to measure, and how.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The QEMU machine.
    pub machine: Machine,
    /// The accelerator wanted.
    pub accel: AccelChoice,
    /// Count instructions for guest time (TCG only).
    pub icount: bool,
    /// How many times to run each workload (at least 1).
    pub runs: u32,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            machine: Machine::default(),
            accel: AccelChoice::default(),
            icount: false,
            runs: 10,
        }
    }
}

/// The results of a benchmark session, with what they were measured under.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Runs per workload.
    pub runs: u32,
    /// The QEMU machine.
    pub machine: String,
    /// The accelerator used (`KVM` or `TCG`).
    pub accel: String,
    /// Whether guest time was instruction-counted.
    pub icount: bool,
    /// The figures.
    #[serde(flatten)]
    pub table: Table,
}

impl BenchReport {
    /// The report for people: what was measured, then the table.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} runs per workload on {} with {}",
            self.runs, self.machine, self.accel
        );
        if self.icount {
            out.push_str(
                "guest time is instruction-counted (-icount shift=0): 1 µs = 1000 instructions\n",
            );
        }
        out.push('\n');
        out.push_str(&self.table.render());
        out
    }
}

/// Runs every workload `options.runs` times.
pub fn bench(options: &BenchOptions) -> Result<BenchReport> {
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let boot_options = BootOptions {
        machine: options.machine,
        accel: options.accel,
        icount: options.icount,
        timeout: Some(BOOT_TIMEOUT),
        ..BootOptions::default()
    };
    // Choose the accelerator once, so `auto` probes and explains only once.
    let vm = run::prepare(&boot_options)?;
    let mut ready_us = Vec::new();
    let mut wall_ms = Vec::new();
    for i in 1..=options.runs {
        let boot = run::boot_vm(
            &vm.qemu,
            &vm.config,
            boot_options.timeout,
            Box::new(std::io::sink()),
        )
        .with_context(|| format!("boot {i} of {}", options.runs))?;
        if boot.status != 0 {
            bail!(
                "boot {i} of {}: the kernel exited with status {}; its console:\n{}",
                options.runs,
                boot.status,
                boot.console.text
            );
        }
        let Some(banner) = boot.banner() else {
            bail!(
                "boot {i} of {}: the kernel printed no ready banner; its console:\n{}",
                options.runs,
                boot.console.text
            );
        };
        ready_us.push(banner.ready_us as f64);
        wall_ms.push(boot.wall_time.as_secs_f64() * 1000.0);
    }
    let row = |metric: &str, label: &str, unit, samples| Row {
        workload: "boot".into(),
        metric: metric.into(),
        label: label.into(),
        unit,
        results: BTreeMap::from_iter(Summary::of(samples).map(|s| (SOLE.to_owned(), s))),
    };
    Ok(BenchReport {
        runs: options.runs,
        machine: vm.config.machine.to_string(),
        accel: vm.config.accel.to_string(),
        icount: options.icount,
        table: Table {
            systems: vec![SOLE.to_owned()],
            rows: vec![
                row(
                    "entry_to_ready",
                    "kernel entry to ready",
                    Unit::Micros,
                    ready_us,
                ),
                row(
                    "wall_time",
                    "wall time, QEMU start to exit",
                    Unit::Millis,
                    wall_ms,
                ),
            ],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(icount: bool) -> BenchReport {
        BenchReport {
            runs: 3,
            machine: "q35".into(),
            accel: "TCG".into(),
            icount,
            table: Table {
                systems: vec![SOLE.into()],
                rows: vec![Row {
                    workload: "boot".into(),
                    metric: "entry_to_ready".into(),
                    label: "kernel entry to ready".into(),
                    unit: Unit::Micros,
                    results: BTreeMap::from([(
                        SOLE.to_owned(),
                        Summary::of(vec![3.0, 1.0, 2.0]).unwrap(),
                    )]),
                }],
            },
        }
    }

    #[test]
    fn render_says_what_was_measured_and_notes_icount() {
        let text = report(false).render();
        assert!(
            text.starts_with("3 runs per workload on q35 with TCG\n\n"),
            "{text}"
        );
        assert!(!text.contains("instruction-counted"));
        assert!(
            text.contains("boot      kernel entry to ready (µs)            2    1    3"),
            "{text}"
        );
        assert!(report(true).render().contains("instruction-counted"));
    }

    #[test]
    fn json_carries_the_conditions_beside_the_table() {
        let json = serde_json::to_value(report(true)).unwrap();
        assert_eq!(json["runs"], 3);
        assert_eq!(json["accel"], "TCG");
        assert_eq!(json["icount"], true);
        assert_eq!(json["rows"][0]["results"]["Sole"]["max"], 3.0);
    }

    #[test]
    fn zero_runs_is_refused_before_anything_starts() {
        let options = BenchOptions {
            runs: 0,
            ..BenchOptions::default()
        };
        assert!(bench(&options).unwrap_err().to_string().contains("--runs"));
    }
}
