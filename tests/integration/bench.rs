//! `sole bench` end to end in Sole alone: the `syscall` workload is built
//! from its embedded C source, packed, booted under TCG, and its figures are
//! read back from the console; the `disk` workload runs the same way with
//! its root on a fresh disk image. Checks that figures arrive, never what they
//! are (timings are not behaviour); the Linux side is not run here, so
//! nothing is downloaded.

#![deny(unsafe_code)]

use sole::accel::AccelChoice;
use sole::bench::table::Outcome;
use sole::bench::{BenchOptions, Workload, bench};

#[test]
fn the_syscall_workload_reports_positive_figures_in_sole() {
    let options = BenchOptions {
        accel: AccelChoice::Tcg,
        runs: 1,
        only: vec![Workload::Syscall],
        linux: None,
        ..BenchOptions::default()
    };
    let mut progress = Vec::new();
    let report = bench(&options, &mut |line| progress.push(line.to_owned()))
        .unwrap_or_else(|e| panic!("bench failed: {e:#}"));
    assert_eq!(report.table.systems, ["Sole"]);
    assert_eq!(report.linux, None);
    let metrics: Vec<&str> = report
        .table
        .rows
        .iter()
        .map(|r| r.metric.as_str())
        .collect();
    assert_eq!(metrics, ["getppid", "clock_gettime"]);
    every_figure_is_one_positive_sample(&report, "syscall");
    assert_eq!(progress, ["syscall: run 1 of 1 on Sole"]);
    let text = report.render();
    assert!(text.starts_with("Sole alone: QEMU q35 with TCG"), "{text}");
    assert!(text.contains("getppid() (ns)"), "{text}");
}

#[test]
fn the_thread_workloads_run_on_two_vcpus_in_sole() {
    // --icount asked for, but two-vCPU workloads run without it (QEMU's
    // instruction counting runs vCPUs one at a time): their rows say wall.
    let options = BenchOptions {
        accel: AccelChoice::Tcg,
        icount: true,
        runs: 1,
        only: vec![Workload::Threads, Workload::Parallel],
        linux: None,
        ..BenchOptions::default()
    };
    let report = bench(&options, &mut |_| {}).unwrap_or_else(|e| panic!("bench failed: {e:#}"));
    let rows: Vec<(&str, &str)> = report
        .table
        .rows
        .iter()
        .map(|r| (r.workload.as_str(), r.metric.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("threads", "thread_create_join"),
            ("threads", "futex_same_cpu"),
            ("threads", "futex_cross_cpu"),
            ("parallel", "parallel_1_thread"),
            ("parallel", "parallel_2_threads"),
            ("parallel", "parallel_speedup"),
        ]
    );
    for row in &report.table.rows {
        match &row.results["Sole"] {
            Outcome::Measured(s) => {
                assert!(s.median > 0.0 && s.median.is_finite(), "{row:?}");
            }
            Outcome::Unavailable { unavailable } => {
                panic!("{} unavailable: {unavailable}", row.metric)
            }
        }
    }
    assert_eq!(report.cpus.values().copied().collect::<Vec<_>>(), [2, 2]);
    assert_eq!(report.wall_clock, ["threads", "parallel"]);
    let text = report.render();
    assert!(text.contains(" with TCG, 2 CPUs, 512 MiB; "), "{text}");
    assert!(text.contains("pthread_create+join, wall (ns)"), "{text}");
}

#[test]
fn the_disk_workload_runs_on_sole_s_root_disk_and_reports_positive_figures() {
    let options = BenchOptions {
        accel: AccelChoice::Tcg,
        runs: 1,
        only: vec![Workload::Disk],
        linux: None,
        ..BenchOptions::default()
    };
    let mut progress = Vec::new();
    let report = bench(&options, &mut |line| progress.push(line.to_owned()))
        .unwrap_or_else(|e| panic!("bench failed: {e:#}"));
    let metrics: Vec<&str> = report
        .table
        .rows
        .iter()
        .map(|r| r.metric.as_str())
        .collect();
    assert_eq!(
        metrics,
        [
            "seq_write",
            "seq_read",
            "rand_read",
            "rand_write",
            "fsync",
            "create_file",
            "stat_file"
        ]
    );
    every_figure_is_one_positive_sample(&report, "disk");
    assert_eq!(progress, ["disk: run 1 of 1 on Sole"]);
    let text = report.render();
    assert!(
        text.contains("write 64 MiB in 1 MiB writes + fsync (MiB/s)"),
        "{text}"
    );
    assert!(text.contains("(/s)"), "{text}");
}

/// Every row is of `workload` and has one positive, finite sample in Sole.
fn every_figure_is_one_positive_sample(report: &sole::bench::BenchReport, workload: &str) {
    for row in &report.table.rows {
        assert_eq!(row.workload, workload);
        match &row.results["Sole"] {
            Outcome::Measured(s) => {
                assert_eq!(s.samples.len(), 1, "{row:?}");
                assert!(s.median > 0.0 && s.median.is_finite(), "{row:?}");
            }
            Outcome::Unavailable { unavailable } => {
                panic!("{} unavailable: {unavailable}", row.metric)
            }
        }
    }
}
