//! The vDSO end to end: a program that reads the clocks and its CPU
//! through the C library thousands of times, under `--strace`, makes no
//! clock_gettime, gettimeofday, time or getcpu system calls but the ones
//! it makes on purpose (raw, or a clock the vDSO leaves to the kernel),
//! and its answers agree with the system calls, also while timer signals
//! and preemption interrupt the calls. musl and glibc, static, static-PIE
//! and (glibc) dynamic, on two CPUs so that getcpu has more than one
//! answer.

#![deny(unsafe_code)]

use sole::run::BootOptions;
use sole_tests::programs::{Scratch, Variant, compile, run_with, source, spec};
use std::path::{Path, PathBuf};
use std::process::Command;

const CALLS: [&str; 4] = ["clock_gettime", "gettimeofday", "time", "getcpu"];

/// The counts the program printed: `syscalls clock_gettime=N ...`.
fn expected(text: &str) -> Vec<(String, usize)> {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("syscalls "))
        .unwrap_or_else(|| panic!("no `syscalls` line in:\n{text}"));
    line.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').expect("name=count");
            (k.to_string(), v.parse().expect("a count"))
        })
        .collect()
}

/// How many strace lines show a call of `name`, by any thread (a thread
/// but the first prefixes its lines with `[pid N] `).
fn traced(text: &str, name: &str) -> usize {
    let call = format!("{name}(");
    text.lines()
        .map(|l| match l.strip_prefix("[pid ") {
            Some(rest) => rest.split_once("] ").map_or(rest, |(_, call)| call),
            None => l,
        })
        .filter(|l| l.starts_with(&call))
        .count()
}

/// The program linked against the system's glibc and its ld.so, which
/// `sole run` packs with it.
fn compile_dynamic(dir: &Path) -> PathBuf {
    let out = dir.join("vdso-glibc-dynamic");
    let status = Command::new("gcc")
        .args(["-O1", "-g", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&out)
        .arg(source("vdso"))
        .status()
        .expect("gcc runs");
    assert!(status.success(), "gcc failed");
    out
}

#[test]
fn the_c_library_reads_time_and_cpu_through_the_vdso_without_system_calls() {
    let dir = Scratch::new("vdso");
    let programs = Variant::ALL
        .iter()
        .map(|&v| (v.name(), compile(&source("vdso"), v, &dir.0)))
        .chain([("glibc-dynamic", compile_dynamic(&dir.0))]);
    for (what, program) in programs {
        // Linux first: the program's checks are right there.
        let native = Command::new(&program)
            .output()
            .expect("the program runs natively");
        let native_text = String::from_utf8_lossy(&native.stdout);
        assert!(native.status.success(), "{what} natively:\n{native_text}");

        let mut s = spec(program, &[]);
        s.flags.strace = true;
        let boot = run_with(
            s,
            BootOptions {
                cpus: 2,
                ..BootOptions::default()
            },
        );
        let text = &boot.console.text;
        assert_eq!(boot.status, 0, "{what}:\n{text}");
        assert!(text.lines().any(|l| l == "ok"), "{what}:\n{text}");
        let want = expected(text);
        assert_eq!(
            want.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            CALLS,
            "{what}"
        );
        for (name, count) in want {
            assert_eq!(
                traced(text, &name),
                count,
                "{what}: {name} system calls besides the program's own:\n{text}"
            );
        }
        // The two CPUs were asked for: getcpu had two answers to give.
        assert!(
            text.contains("syscalls ") && text.contains(" getcpu=2"),
            "{what}:\n{text}"
        );
    }
}
