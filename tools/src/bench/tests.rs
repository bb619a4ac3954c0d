use std::collections::BTreeMap;
use std::time::Duration;

use super::session::{hello_ran, program_figures};
use super::table::{Better, Outcome, Row, Unit};
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
        cpus: BTreeMap::from([("syscall".to_owned(), 1)]),
        wall_clock: Vec::new(),
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
                better: Better::Lower,
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
    assert_eq!(json["cpus"], serde_json::json!({"syscall": 1}));
    assert_eq!(json["wall_clock"], serde_json::json!([]));
    assert_eq!(json["rows"][0]["better"], "lower");
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
        [
            "boot",
            "syscall",
            "file",
            "memory",
            "threads",
            "parallel",
            "python",
            "disk",
            "min-memory",
            "size",
            "image"
        ]
    );
    for w in Workload::ALL {
        let value = clap::ValueEnum::to_possible_value(&w).unwrap();
        assert_eq!(value.get_name(), w.name());
        if let Some(program) = w.program() {
            assert_eq!(program.name, w.name());
            assert_eq!(w.cpus(), Some(program.cpus));
        }
    }
    assert!(Workload::MinMemory.program().is_none());
    assert_eq!(Workload::MinMemory.cpus(), Some(1));
    assert_eq!(Workload::Size.cpus(), None);
    assert_eq!(Workload::Image.cpus(), None);
    assert_eq!(Workload::Disk.program(), Some(workloads::DISK));
    assert_eq!(Workload::Disk.cpus(), Some(1));
}

#[test]
fn the_thread_workloads_get_two_cpus_and_wall_clock_time() {
    for w in Workload::ALL {
        let two = matches!(w, Workload::Threads | Workload::Parallel);
        assert_eq!(w.cpus().is_some_and(|n| n == 2), two, "{}", w.name());
        assert_eq!(w.wall_clock(), two, "{}", w.name());
    }
}

/// Sole's guest config for `program` in a session with `icount`.
fn shape(icount: bool, program: &workloads::Program) -> guest::Shape {
    let host = Host {
        qemu: "qemu".into(),
        machine: crate::qemu::Machine::Q35,
        accel: Accel::Tcg,
        icount,
        sole_kernel: "kernel".into(),
    };
    host.shape(program)
}

#[test]
fn icount_applies_to_every_workload_with_one_cpu() {
    use guest::Shape;
    assert_eq!(
        shape(true, &workloads::SYSCALL),
        Shape {
            cpus: 1,
            icount: true
        }
    );
    assert_eq!(
        shape(true, &workloads::THREADS),
        Shape {
            cpus: 2,
            icount: false
        }
    );
    assert_eq!(
        shape(true, &workloads::PARALLEL),
        Shape {
            cpus: 2,
            icount: false
        }
    );
    assert_eq!(
        shape(false, &workloads::THREADS),
        Shape {
            cpus: 2,
            icount: false
        }
    );
}

fn speedup_row() -> Row {
    Row {
        workload: "parallel".into(),
        metric: "parallel_speedup".into(),
        label: "speedup, 2 threads over 1".into(),
        unit: Unit::Times,
        better: Better::Higher,
        results: BTreeMap::from([
            ("Sole".to_owned(), Outcome::of(vec![1.9])),
            ("Linux".to_owned(), Outcome::of(vec![1.8])),
        ]),
    }
}

#[test]
fn render_names_the_cpus_of_each_workload() {
    let mut r = report(false, true);
    r.cpus.insert("parallel".into(), 2);
    r.cpus.insert("threads".into(), 2);
    r.cpus.insert("boot".into(), 1);
    r.table.rows.push(speedup_row());
    let text = r.render();
    assert!(
        text.starts_with(
            "Sole and a Linux guest (Debian linux-image-6.1.0-56-cloud-amd64): QEMU q35 with \
             TCG, 1 CPU (2 for parallel, threads), 512 MiB; "
        ),
        "{text}"
    );
    // Only two-CPU workloads: no exception to name.
    r.cpus = BTreeMap::from([("threads".into(), 2), ("parallel".into(), 2)]);
    assert!(r.render().contains(" with TCG, 2 CPUs, 512 MiB; "));
    // A tie goes to the smaller count; the others are in row order.
    r.cpus = BTreeMap::from([
        ("syscall".into(), 1),
        ("threads".into(), 2),
        ("parallel".into(), 2),
        ("boot".into(), 1),
    ]);
    assert!(
        r.render()
            .contains(" with TCG, 1 CPU (2 for parallel, threads), 512 MiB; "),
        "{}",
        r.render()
    );
    // Nothing booted (the size workload alone): no count at all.
    r.cpus.clear();
    assert!(r.render().contains(" with TCG, 512 MiB; "));
}

#[test]
fn render_says_which_ratio_is_inverted_and_what_icount_left_out() {
    let mut r = report(true, true);
    assert!(!r.render().contains("speedup"));
    assert!(!r.render().contains("ran without it"));
    r.table.rows.push(speedup_row());
    r.wall_clock = vec!["threads".into(), "parallel".into()];
    let text = r.render();
    assert!(
        text.contains(
            "threads, parallel ran without it (times marked wall): instruction counting runs \
             vCPUs one at a time, and Linux does not bring up a second one under it\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "\n  (where more is better, a speedup, MiB/s or operations per second, Sole's over \
             the Linux guest's: above 1, Sole is ahead)\n"
        ),
        "{text}"
    );
    assert!(text.contains("speedup, 2 threads over 1 (x)"), "{text}");
    // Without --icount, nothing was left out.
    r.icount = false;
    assert!(!r.render().contains("ran without it"));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["wall_clock"],
        serde_json::json!(["threads", "parallel"])
    );
    assert_eq!(json["cpus"]["syscall"], 1);
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

#[test]
fn the_python_version_names_its_standard_library() {
    use python::version_of;
    assert_eq!(version_of("python3.11"), Some("python3.11"));
    assert_eq!(version_of("python3.13"), Some("python3.13"));
    for bad in [
        "python3",
        "python3.",
        "python3.11d",
        "python2.7",
        "python3.1x",
    ] {
        assert_eq!(version_of(bad), None, "{bad}");
    }
}

#[test]
fn the_python_figures_parse_as_its_metrics() {
    let console = "Sole 0.1.0: 512 MiB RAM, 1 CPU, ready in 700 us\r\n\
                   sole-bench python_startup 907.7 ms\r\n\
                   sole-bench python_ready 1397.7 ms\r\n";
    assert_eq!(workloads::PYTHON.figures(console).unwrap(), [907.7, 1397.7]);
    assert_eq!(Workload::Python.program(), Some(workloads::PYTHON));
    assert_eq!(Workload::Python.cpus(), Some(1));
    assert!(!Workload::Python.wall_clock());
}

/// The host's Python, or `None` (and a note) where it is not installed.
fn host_python() -> Option<python::HostPython> {
    match python::HostPython::find() {
        Ok(python) => Some(python),
        Err(why) => {
            eprintln!("skipped: {why:#}");
            None
        }
    }
}

#[test]
fn the_python_code_prints_both_figures_on_the_host() {
    let Some(python) = host_python() else {
        return;
    };
    let workloads::Source::Python(code) = workloads::PYTHON.source else {
        panic!("the python workload is Python");
    };
    let out = std::process::Command::new(&python.program)
        .args(["-c", code])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let figures = workloads::PYTHON
        .figures(&String::from_utf8_lossy(&out.stdout))
        .unwrap();
    let [startup, ready] = figures[..] else {
        panic!("{figures:?}");
    };
    assert!(startup >= 0.0 && startup <= ready, "{figures:?}");
}

/// The paths of `tree` packed, with each member's kind and size.
fn packed(tree: &crate::initrd::Tree) -> BTreeMap<String, (rootfs::cpio::EntryKind, usize)> {
    let mut archive = Vec::new();
    tree.write(&mut archive).unwrap();
    rootfs::cpio::entries(&archive)
        .map(|e| e.unwrap())
        .map(|e| (format!("/{}", e.path()), (e.kind(), e.data.len())))
        .collect()
}

#[test]
fn both_systems_get_python_its_libraries_and_its_standard_library() {
    let Some(python) = host_python() else {
        return;
    };
    let workloads::Source::Python(code) = workloads::PYTHON.source else {
        panic!("the python workload is Python");
    };
    let spec = python.spec(code);
    let image = spec.image().unwrap();
    assert_eq!(
        image.launch.argv,
        [
            python::PROGRAM.as_bytes(),
            b"-c".as_slice(),
            code.as_bytes()
        ]
    );
    let sole = packed(&image.tree);
    let argv = image.launch.argv.clone();
    let linux = packed(&linux::initramfs(b"INIT", image).unwrap());
    let stdlib = python.stdlib.to_str().unwrap();
    let has = |files: &BTreeMap<_, _>, end: &str| files.keys().any(|p: &String| p.ends_with(end));
    for files in [&sole, &linux] {
        for path in [
            python::PROGRAM.to_owned(),
            format!("{stdlib}/os.py"),
            format!("{stdlib}/encodings/__init__.py"),
            format!("{stdlib}/lib-dynload"),
        ] {
            assert!(files.contains_key(&path), "{path}");
        }
        for library in ["/ld-linux-x86-64.so.2", "/libc.so.6", "/libm.so.6"] {
            assert!(has(files, library), "{library}");
        }
    }
    // The Linux guest has every file Sole has, as it is, and its own.
    for (path, member) in &sole {
        assert_eq!(linux.get(path), Some(member), "{path}");
    }
    assert!(linux.contains_key("/init"));
    let mut expected = Vec::new();
    for arg in argv {
        expected.extend(arg);
        expected.push(0);
    }
    assert_eq!(
        linux.get(linux::ARGV_PATH),
        Some(&(rootfs::cpio::EntryKind::File, expected.len()))
    );
}
