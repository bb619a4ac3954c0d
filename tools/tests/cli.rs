//! The `sole` binary as users meet it: usage errors, messages, exit
//! statuses, and a real boot under TCG.

#![deny(unsafe_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `sole` with `args`, its cache in `cache` (so tests neither share nor
/// pollute the user's).
fn sole(cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sole"));
    cmd.args(args).env("XDG_CACHE_HOME", cache);
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("sole runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn bad_memory_size_is_a_usage_error() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(cache.path(), &["run", "--mem", "lots"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("invalid memory size `lots`"), "{err}");
    assert!(err.contains("128M"), "the message shows valid sizes: {err}");
}

#[test]
fn bad_machine_is_a_usage_error_listing_the_choices() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(cache.path(), &["run", "--machine", "pc"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("'pc'"), "{err}");
    assert!(err.contains("q35") && err.contains("microvm"), "{err}");
}

#[test]
fn missing_qemu_says_how_to_install_it() {
    let cache = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let out = run(sole(cache.path(), &["run", "--accel", "tcg"]).env("PATH", empty.path()));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "sole: qemu-system-x86_64 not found; install it with: apt-get install qemu-system-x86\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn help_describes_the_commands_and_run_options() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(cache.path(), &["--help"]));
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for word in ["run", "bench", "Usage: sole"] {
        assert!(help.contains(word), "no `{word}` in:\n{help}");
    }
    let out = run(&mut sole(cache.path(), &["run", "--help"]));
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for option in [
        "--accel",
        "--mem",
        "--cpus",
        "--machine",
        "--selftest",
        "--log",
        "--kernel-arg",
        "--icount",
        "--timeout",
        "[PROGRAM] [ARGS]...",
    ] {
        assert!(help.contains(option), "no `{option}` in:\n{help}");
    }
}

#[test]
fn programs_are_refused_for_now() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(
        cache.path(),
        &["run", "/bin/echo", "--mem", "hi"],
    ));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("sole: running programs is not supported yet"),
        "{err}"
    );
}

#[test]
fn icount_with_forced_kvm_is_refused() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(
        cache.path(),
        &["run", "--accel", "kvm", "--icount"],
    ));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--icount needs TCG"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_boots_and_exits_with_the_guest_status() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(
        cache.path(),
        &["run", "--accel", "tcg", "--timeout", "60"],
    ));
    let console = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{console}{}", stderr(&out));
    assert!(console.contains("Sole "), "{console}");
    assert!(!console.contains("[sole-exit"), "{console}");

    let out = run(&mut sole(
        cache.path(),
        &[
            "run",
            "--accel",
            "tcg",
            "--timeout",
            "60",
            "--kernel-arg",
            "crash=panic",
        ],
    ));
    assert_eq!(out.status.code(), Some(125), "{}", stdout(&out));
}

#[test]
fn auto_accel_explains_a_fallback_in_at_most_one_line() {
    let cache = tempfile::tempdir().unwrap();
    let out = run(&mut sole(cache.path(), &["run", "--timeout", "120"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.len() <= 1, "{err}");
    if let Some(line) = lines.first() {
        assert!(
            line.starts_with("sole: ") && line.ends_with("; using TCG"),
            "{line}"
        );
    }
}

#[test]
fn bench_prints_a_table_and_writes_json() {
    let cache = tempfile::tempdir().unwrap();
    let json = cache.path().join("bench.json");
    let out = run(&mut sole(
        cache.path(),
        &[
            "bench",
            "--accel",
            "tcg",
            "--icount",
            "--runs",
            "2",
            "--json",
            json.to_str().unwrap(),
        ],
    ));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.starts_with("2 runs per workload on q35 with TCG\n"),
        "{text}"
    );
    assert!(text.contains("instruction-counted"), "{text}");
    assert!(text.contains("kernel entry to ready (µs)"), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let ready = &report["rows"][0]["results"]["Sole"];
    assert_eq!(ready["samples"].as_array().unwrap().len(), 2);
    // Instruction counting makes guest time repeatable.
    assert_eq!(ready["min"], ready["max"], "{report}");
    assert!(
        report["rows"][1]["results"]["Sole"]["median"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

/// A directory holding a fake `qemu-system-x86_64` running `script` (sh),
/// and a `PATH` that finds it first.
fn fake_qemu(script: &str) -> (tempfile::TempDir, std::ffi::OsString) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let qemu = dir.path().join("qemu-system-x86_64");
    std::fs::write(&qemu, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&qemu, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(
        std::iter::once(dir.path().to_path_buf()).chain(std::env::split_paths(&path)),
    )
    .unwrap();
    (dir, path)
}

#[test]
fn the_exit_marker_decides_even_if_qemu_lingers() {
    let cache = tempfile::tempdir().unwrap();
    let (_qemu, path) = fake_qemu("printf 'hello\\n[sole-exit 3]\\n'; exec sleep 60");
    let started = std::time::Instant::now();
    let out = run(sole(cache.path(), &["run", "--accel", "tcg"]).env("PATH", path));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hello\n");
    assert!(started.elapsed().as_secs() < 30, "sole waited for QEMU");
}

#[test]
fn a_vm_that_stops_silently_is_an_error() {
    let cache = tempfile::tempdir().unwrap();
    let (_qemu, path) = fake_qemu("echo 'booting'; exit 0");
    let out = run(sole(cache.path(), &["run", "--accel", "tcg"]).env("PATH", path));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "sole: the VM stopped without reporting an exit status\n"
    );
}

#[test]
fn qemu_errors_are_passed_on() {
    let cache = tempfile::tempdir().unwrap();
    let (_qemu, path) = fake_qemu("echo 'qemu-system-x86_64: no such machine' >&2; exit 1");
    let out = run(sole(cache.path(), &["run", "--accel", "tcg"]).env("PATH", path));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "sole: QEMU failed (exit code 1); QEMU said:\nqemu-system-x86_64: no such machine\n"
    );
}

#[test]
fn the_time_limit_stops_a_hung_vm() {
    let cache = tempfile::tempdir().unwrap();
    let (_qemu, path) = fake_qemu("echo 'stuck'; exec sleep 60");
    let out =
        run(sole(cache.path(), &["run", "--accel", "tcg", "--timeout", "1"]).env("PATH", path));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "stuck\n");
    assert_eq!(
        stderr(&out),
        "sole: the VM did not finish within 1 s; stopped it\n"
    );
}
