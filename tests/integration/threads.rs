//! Threads, CPUs and signals end to end: a CPU-bound two-thread program
//! really runs on both CPUs of a two-CPU VM (and on one of a one-CPU VM),
//! programs killed by signals end with 128 + the signal and say so, and
//! every thread keeps its own FPU, SSE and AVX registers.

#![deny(unsafe_code)]

use sole::run::BootOptions;
use sole_tests::programs::{Scratch, Variant, compile, run, run_with, source, spec};

/// The mask the program printed after `label`.
fn mask(text: &str, label: &str) -> u64 {
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{text}"));
    u64::from_str_radix(line.trim().trim_start_matches("0x"), 16)
        .unwrap_or_else(|e| panic!("`{line}`: {e}"))
}

#[test]
fn two_busy_threads_run_on_both_cpus_of_a_two_cpu_vm() {
    let dir = Scratch::new("cpus");
    for variant in [Variant::MuslStatic, Variant::GlibcStaticPie] {
        let program = compile(&source("cpus"), variant, &dir.0);
        let boot = run_with(
            spec(program.clone(), &[]),
            BootOptions {
                cpus: 2,
                ..BootOptions::default()
            },
        );
        let text = &boot.console.text;
        assert_eq!(boot.status, 0, "{}:\n{text}", variant.name());
        assert_eq!(
            mask(text, "union "),
            0b11,
            "{}: both CPUs ran it",
            variant.name()
        );
        // With one CPU, getcpu tells the truth too.
        let boot = run(spec(program, &[]));
        assert_eq!(boot.status, 0, "{}", boot.console.text);
        assert_eq!(mask(&boot.console.text, "union "), 0b1);
    }
}

#[test]
fn abort_and_an_unhandled_sigterm_end_the_program_with_128_plus_the_signal() {
    let dir = Scratch::new("fatal");
    let program = compile(&source("fatal_signal"), Variant::GlibcStaticPie, &dir.0);
    for (how, sig, name) in [("abort", 6, "SIGABRT"), ("term", 15, "SIGTERM")] {
        let boot = run(spec(program.clone(), &[how]));
        let text = &boot.console.text;
        assert_eq!(boot.status, 128 + sig, "{how}:\n{text}");
        assert!(text.starts_with(&format!("dying by {how}\n")), "{text}");
        assert!(
            text.contains(&format!("killed by {name} (signal {sig})")),
            "{text}"
        );
        // Sent, not a fault: no segfault report.
        assert!(!text.contains("RIP: "), "{text}");
    }
}

#[test]
fn a_fault_in_a_second_thread_is_reported_with_that_thread_s_id() {
    let dir = Scratch::new("thread-segv");
    let program = compile(&source("fatal_signal"), Variant::MuslStatic, &dir.0);
    let boot = run_with(
        spec(program, &["thread-segv"]),
        BootOptions {
            cpus: 2,
            ..BootOptions::default()
        },
    );
    let text = &boot.console.text;
    assert_eq!(boot.status, 128 + 11, "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("[2]: segfault at 5000 ip ") && l.contains(" error 6")),
        "{text}"
    );
    assert!(text.contains("killed by SIGSEGV (signal 11)"), "{text}");
}

#[test]
fn each_thread_keeps_its_fpu_sse_and_avx_state_with_xsave_and_with_fxsave() {
    let dir = Scratch::new("fpu-threads");
    for variant in [Variant::MuslStatic, Variant::GlibcStaticPie] {
        let program = compile(&source("fpu_threads"), variant, &dir.0);
        // Linux first: the program's checks are right.
        let native = std::process::Command::new(&program)
            .output()
            .expect("the program runs natively");
        let native_text = String::from_utf8_lossy(&native.stdout);
        assert!(native.status.success(), "natively:\n{native_text}");
        // XSAVE (the default) shows OSXSAVE to the program; `noxsave` keeps
        // x87 and SSE only and says so, as Linux's `noxsave` does.
        for (kernel_args, osxsave) in [
            (vec![], "osxsave 1"),
            (vec!["noxsave".to_string()], "osxsave 0"),
        ] {
            let boot = run_with(
                spec(program.clone(), &[]),
                BootOptions {
                    cpus: 2,
                    kernel_args: kernel_args.clone(),
                    ..BootOptions::default()
                },
            );
            let text = &boot.console.text;
            let what = format!("{} {kernel_args:?}", variant.name());
            assert_eq!(boot.status, 0, "{what}:\n{text}");
            assert!(text.lines().any(|l| l == "ok"), "{what}:\n{text}");
            assert!(text.lines().any(|l| l == osxsave), "{what}:\n{text}");
            if osxsave == "osxsave 0" {
                assert!(text.lines().any(|l| l == "avx 0"), "{what}:\n{text}");
            }
        }
    }
}
