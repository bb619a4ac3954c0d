use std::collections::BTreeMap;
use std::time::Duration;

use super::session::{hello_ran, program_figures};
use super::table::{Outcome, Row, Unit};
use super::*;
use crate::console::Transcript;
use crate::qemu::Accel;
use crate::run::Boot;

fn report(icount: bool, linux: bool) -> BenchReport {
    let mut results = BTreeMap::from([("Sole".to_owned(), Outcome::of(vec![300.0, 250.0, 260.0]))]);
    let mut systems = vec!["Sole".to_owned()];
    if linux {
        results.insert(
            "Linux".to_owned(),
            Outcome::of(vec![1900.0, 2000.0, 1950.0]),
        );
        systems.push("Linux".to_owned());
    }
    BenchReport {
        runs: 3,
        machine: "q35".into(),
        accel: "TCG".into(),
        icount,
        mem_mib: MEM_MIB,
        linux: linux.then(|| "Debian linux-image-6.1.0-56-cloud-amd64".to_owned()),
        linux_unavailable: None,
        compiler: "musl-gcc".into(),
        table: Table {
            systems,
            rows: vec![Row {
                workload: "syscall".into(),
                metric: "getppid".into(),
                label: "getppid()".into(),
                unit: Unit::Nanos,
                results,
            }],
        },
    }
}

#[test]
fn render_says_what_was_measured_and_how_to_read_it() {
    let text = report(false, true).render();
    let expected = "\
Sole and a Linux guest (Debian linux-image-6.1.0-56-cloud-amd64): QEMU q35 with TCG, 1 CPU, \
512 MiB; programs built with musl-gcc
3 runs per timed workload: the median, and the range where runs differ
Linux/Sole: the Linux guest's median over Sole's; above 1, Sole is faster or smaller

workload  metric          Sole  min-max  Linux    min-max  Linux/Sole
syscall   getppid() (ns)   260  250-300   1950  1900-2000       7.50x
";
    assert_eq!(text, expected);
    assert!(report(true, true).render().contains("instruction-counted"));
    let mut once = report(false, true);
    once.runs = 1;
    assert!(once.render().contains("\n1 run per timed workload\n"));
}

#[test]
fn render_without_linux_says_why() {
    let mut r = report(false, false);
    assert!(r.render().starts_with("Sole alone: "), "{}", r.render());
    assert!(!r.render().contains("Linux/Sole"));
    r.linux_unavailable = Some("apt-cache is missing".into());
    assert!(
        r.render()
            .starts_with("Sole alone (no Linux guest: apt-cache is missing): ")
    );
}

#[test]
fn json_carries_the_conditions_beside_the_table() {
    let json = serde_json::to_value(report(true, true)).unwrap();
    assert_eq!(json["runs"], 3);
    assert_eq!(json["accel"], "TCG");
    assert_eq!(json["icount"], true);
    assert_eq!(json["mem_mib"], 512);
    assert_eq!(json["linux"], "Debian linux-image-6.1.0-56-cloud-amd64");
    assert_eq!(json["compiler"], "musl-gcc");
    assert_eq!(json["systems"], serde_json::json!(["Sole", "Linux"]));
    assert_eq!(json["rows"][0]["results"]["Sole"]["max"], 300.0);
    assert_eq!(json["rows"][0]["ratio"], 7.5);
}

#[test]
fn zero_runs_is_refused_before_anything_starts() {
    let options = BenchOptions {
        runs: 0,
        ..BenchOptions::default()
    };
    let err = bench(&options, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("--runs"), "{err}");
}

#[test]
fn workloads_have_names_and_programs() {
    let names: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
    assert_eq!(
        names,
        ["boot", "syscall", "file", "memory", "min-memory", "size"]
    );
    for w in Workload::ALL {
        let value = clap::ValueEnum::to_possible_value(&w).unwrap();
        assert_eq!(value.get_name(), w.name());
        if let Some(program) = w.program() {
            assert_eq!(program.name, w.name());
        }
    }
    assert!(Workload::MinMemory.program().is_none());
}

fn boot(status: u8, text: &str) -> Boot {
    Boot {
        status,
        console: Transcript {
            text: text.into(),
            banner: None,
            exit_status: Some(status),
        },
        accel: Accel::Tcg,
        wall_time: Duration::from_millis(100),
    }
}

#[test]
fn figures_of_a_boot_or_why_not() {
    let ok = boot(0, "sole-bench entry_to_main 470.5 us\nhello\n");
    assert_eq!(program_figures(&workloads::BOOT, &ok), Ok(vec![470.5]));
    assert!(hello_ran(&ok));

    let failed = boot(1, "sole-bench-error mmap: Cannot allocate memory\n");
    assert_eq!(
        program_figures(&workloads::MEMORY, &failed),
        Err("the workload failed: mmap: Cannot allocate memory".into())
    );
    let killed = boot(139, "sole-bench first_touch 3 ns\nsegfault at 0\n\n");
    assert_eq!(
        program_figures(&workloads::MEMORY, &killed),
        Err("exited with status 139; last line: segfault at 0".into())
    );
    assert_eq!(
        program_figures(&workloads::MEMORY, &boot(2, "")),
        Err("exited with status 2 and printed nothing".into())
    );
    let missing = boot(0, "sole-bench getppid 3 ns\n");
    assert!(
        program_figures(&workloads::SYSCALL, &missing)
            .unwrap_err()
            .contains("no `clock_gettime`")
    );
}

#[test]
fn hello_must_print_its_figure_and_hello_and_exit_0() {
    assert!(!hello_ran(&boot(0, "hello\n")));
    assert!(!hello_ran(&boot(0, "sole-bench entry_to_main 1 us\n")));
    assert!(!hello_ran(&boot(
        1,
        "sole-bench entry_to_main 1 us\nhello\n"
    )));
    assert!(hello_ran(&boot(
        0,
        "sole-bench entry_to_main 1 us\r\nhello\r\n"
    )));
}
