//! Static Linux programs run in Sole with `sole run`: output, arguments,
//! environment, exit status, memory, fault reports, `--strace`, the syscall
//! summary, clear refusals of what cannot run, and a dynamically linked
//! program through its interpreter.

#![deny(unsafe_code)]

use sole::program::EnvVar;
use sole::qemu::Machine;
use sole::run::BootOptions;
use sole_tests::programs::{Scratch, Variant, compile, fake_program, run, run_with, source, spec};

#[test]
fn hello_prints_arguments_environment_and_exits_with_its_status() {
    let dir = Scratch::new("hello");
    for variant in Variant::ALL {
        let program = compile(&source("hello"), variant, &dir.0);
        let mut s = spec(program.clone(), &["7", "two words"]);
        s.env = vec!["GREETING=hi there".parse::<EnvVar>().expect("an env var")];
        let boot = run(s);
        let text = &boot.console.text;
        let expected = format!(
            "argc=3\nargv[1]=7\nargv[2]=two words\nGREETING=hi there\nsum={}\n",
            0x5a * (8 << 20) / 4096
        );
        assert_eq!(text, &expected, "{}: console differs", variant.name());
        assert_eq!(boot.status, 7, "{}", variant.name());
    }
}

#[test]
fn runs_on_microvm_too() {
    let dir = Scratch::new("microvm");
    let program = compile(&source("hello"), Variant::MuslStatic, &dir.0);
    let boot = run_with(
        spec(program, &["3"]),
        BootOptions {
            machine: Machine::Microvm,
            ..BootOptions::default()
        },
    );
    assert!(
        boot.console.text.starts_with("argc=2\n"),
        "{}",
        boot.console.text
    );
    assert_eq!(boot.status, 3);
}

#[test]
fn a_segfault_is_reported_as_linux_does_and_exits_128_plus_sigsegv() {
    let dir = Scratch::new("segv");
    for variant in Variant::ALL {
        let program = compile(&source("segfault"), variant, &dir.0);
        let boot = run(spec(program, &[]));
        let text = &boot.console.text;
        assert_eq!(boot.status, 128 + 11, "{}:\n{text}", variant.name());
        let line = text
            .lines()
            .find(|l| l.contains(": segfault at 1234000 ip "))
            .unwrap_or_else(|| panic!("{}: no segfault line in:\n{text}", variant.name()));
        // Write to an unmapped page from user code: Linux's error 6.
        assert!(line.contains(" error 6"), "{line}");
        assert!(text.contains("Code: "), "{text}");
        assert!(text.contains("RIP: "), "{text}");
        assert!(text.contains("killed by SIGSEGV (signal 11)"), "{text}");
    }
}

#[test]
fn an_invalid_instruction_is_sigill() {
    let dir = Scratch::new("ud2");
    let program = compile(&source("ud2"), Variant::MuslStatic, &dir.0);
    let boot = run(spec(program, &[]));
    assert_eq!(boot.status, 128 + 4, "{}", boot.console.text);
    assert!(
        boot.console.text.contains("trap invalid opcode"),
        "{}",
        boot.console.text
    );
    assert!(
        boot.console.text.contains("<0f> 0b"),
        "the Code: line marks ud2:\n{}",
        boot.console.text
    );
}

#[test]
fn strace_shows_calls_with_decoded_arguments_and_results() {
    let dir = Scratch::new("strace");
    let program = compile(&source("hello"), Variant::GlibcStaticPie, &dir.0);
    let mut s = spec(program, &["5"]);
    s.flags.strace = true;
    let boot = run(s);
    let text = &boot.console.text;
    assert!(text.contains("write(1, \"argc=2\\n"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("brk(NULL) = 0x")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("mmap(NULL, ") && l.contains(" = 0x7ff")),
        "{text}"
    );
    assert!(text.contains("exit_group(5) = ?"), "{text}");
    assert_eq!(boot.status, 5);
}

#[test]
fn the_syscall_summary_counts_calls_and_refusals() {
    let dir = Scratch::new("summary");
    let program = compile(&source("hello"), Variant::GlibcStaticPie, &dir.0);
    let mut s = spec(program, &[]);
    s.flags.syscall_summary = true;
    let boot = run(s);
    let text = &boot.console.text;
    let row = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().last() == Some(name))
            .map(|l| {
                l.split_whitespace()
                    .take(3)
                    .map(|n| n.parse::<u64>().expect("a count"))
                    .collect::<Vec<_>>()
            })
    };
    assert_eq!(row("exit_group"), Some(vec![1, 0, 0]), "{text}");
    // glibc tries rseq and copes with ENOSYS: counted as refused.
    assert_eq!(row("rseq"), Some(vec![1, 1, 1]), "{text}");
    assert!(row("total").is_some_and(|t| t[0] > 5), "{text}");
}

#[test]
fn a_malformed_elf_is_refused_with_the_reason() {
    let dir = Scratch::new("badelf");
    let boot = run(spec(fake_program(&dir.0), &[]));
    assert_eq!(boot.status, 126, "{}", boot.console.text);
    assert!(
        boot.console.text.contains("cannot run "),
        "{}",
        boot.console.text
    );
}

#[test]
fn a_dynamic_glibc_program_runs_through_its_interpreter() {
    // Its interpreter and libc added by hand: the kernel loads ld.so, which
    // maps libc from the root with private file mappings.
    let dir = Scratch::new("dynamic");
    let program = dir.0.join("hello-dynamic");
    let cc = std::process::Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&program)
        .arg(source("hello"))
        .status()
        .expect("gcc runs");
    assert!(cc.success());
    let mut s = spec(program, &["5"]);
    s.adds = [
        "/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/libc.so.6",
    ]
    .iter()
    .map(|p| p.parse().expect("an --add"))
    .collect();
    let boot = run(s);
    let text = &boot.console.text;
    assert_eq!(boot.status, 5, "{text}");
    assert!(text.contains("argv[1]=5\n"), "{text}");
    assert!(text.contains(&format!("sum={}\n", 0x5a * 2048)), "{text}");
}

#[test]
fn running_out_of_memory_is_reported_and_ends_the_program_as_sigkill() {
    let dir = Scratch::new("oom");
    let program = compile(&source("hello"), Variant::MuslStatic, &dir.0);
    let initrd = spec(program, &[]).pack().expect("the program packs");
    // hello touches 8 MiB; the whole VM gets 6.
    let boot = sole_tests::boot_tcg(BootOptions {
        initrd: Some(initrd.path().to_path_buf()),
        mem: sole::mem_size::MemSize::from_mib(6).expect("a size"),
        ..BootOptions::default()
    });
    let text = &boot.console.text;
    assert_eq!(boot.status, 128 + 9, "{text}");
    // The name is cut to 15 bytes, as Linux cuts comm.
    assert!(
        text.contains("Out of memory: hello-musl-stat[1] needed a page at "),
        "{text}"
    );
    assert!(text.contains("killed by SIGKILL (signal 9)"), "{text}");
}
