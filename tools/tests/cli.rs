//! The `sole` binary as users meet it: usage errors, messages, exit
//! statuses, and a real boot under TCG.

#![deny(unsafe_code)]

use std::path::{Path, PathBuf};
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
    for word in ["run", "build", "bench", "Usage: sole"] {
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
        "--add <SRC[:DEST]>",
        "--env <KEY=VALUE>",
        "--cwd <DIR>",
        "--strace",
        "--syscall-summary",
        "--trace-missing",
        "--root <DIR>",
        "[IMAGE|PROGRAM] [ARGS]...",
    ] {
        assert!(help.contains(option), "no `{option}` in:\n{help}");
    }
    let out = run(&mut sole(cache.path(), &["build", "--help"]));
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for option in [
        "--output <IMAGE>",
        "--add <SRC[:DEST]>",
        "--root <DIR>",
        "--trace-missing",
        "<PROGRAM> [ARGS]...",
    ] {
        assert!(help.contains(option), "no `{option}` in:\n{help}");
    }
    assert!(!help.contains("--cpus"), "build does not boot:\n{help}");
}

/// A file `name` in `dir` holding `contents`, with permissions `mode`.
fn write_file(dir: &Path, name: &str, contents: &[u8], mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// An executable holding just the ELF header of an x86-64 program: enough
/// for `sole run` to pack it (the kernel is not asked to run it here).
fn fake_program(dir: &Path) -> PathBuf {
    let mut header = vec![0u8; 64];
    header[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    header[16] = 2; // ET_EXEC
    header[18] = 62; // EM_X86_64
    write_file(dir, "prog", &header, 0o755)
}

/// Runs `sole` with `args` and checks that it fails with exit status 1 and
/// exactly `message` on stderr (after `sole: `).
fn assert_fails(cache: &Path, args: &[&str], message: &str) {
    let out = run(&mut sole(cache, args));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), format!("sole: {message}\n"));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_program_is_named() {
    let cache = tempfile::tempdir().unwrap();
    let missing = cache.path().join("no-such-program");
    let missing = missing.to_str().unwrap();
    assert_fails(
        cache.path(),
        &["run", missing, "--mem", "hi"],
        &format!("cannot run {missing}: no such file"),
    );
}

#[test]
fn a_bare_name_found_on_path_is_suggested() {
    let cache = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    let tool = write_file(bin.path(), "sole-test-tool", b"", 0o755);
    let out = run(sole(cache.path(), &["run", "sole-test-tool"])
        .env("PATH", bin.path())
        .current_dir(cache.path()));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "sole: cannot run sole-test-tool: no such file (did you mean {}?)\n",
            tool.display()
        )
    );
}

#[test]
fn a_program_that_is_not_elf_is_refused() {
    let cache = tempfile::tempdir().unwrap();
    let text = write_file(cache.path(), "notes.txt", b"just text\n", 0o755);
    let text = text.to_str().unwrap();
    assert_fails(
        cache.path(),
        &["run", text],
        &format!("cannot run {text}: not an ELF executable"),
    );
    let dir = cache.path().to_str().unwrap();
    assert_fails(
        cache.path(),
        &["run", dir],
        &format!("cannot run {dir}: it is a directory"),
    );
}

#[test]
fn a_missing_add_source_is_named() {
    let cache = tempfile::tempdir().unwrap();
    let program = fake_program(cache.path());
    let missing = cache.path().join("missing-dir");
    let missing = missing.to_str().unwrap();
    assert_fails(
        cache.path(),
        &[
            "run",
            "--add",
            &format!("{missing}:/data"),
            program.to_str().unwrap(),
        ],
        &format!("--add {missing}: cannot add {missing}: No such file or directory (os error 2)"),
    );
}

#[test]
fn bad_add_and_env_values_are_usage_errors() {
    let cache = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["run", "--env", "NOVALUE", "/bin/true"][..],
            "`NOVALUE`: expected KEY=VALUE",
        ),
        (
            &["run", "--env", "=1", "/bin/true"],
            "the variable's name is empty",
        ),
        (
            &["run", "--add", "a:b", "/bin/true"],
            "DEST `b` must be an absolute path",
        ),
    ] {
        let out = run(&mut sole(cache.path(), args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn program_options_without_a_program_are_refused() {
    let cache = tempfile::tempdir().unwrap();
    assert_fails(
        cache.path(),
        &["run", "--strace", "--syscall-summary"],
        "--strace, --syscall-summary need a PROGRAM to run",
    );
}

#[test]
fn too_little_memory_for_the_files_is_refused() {
    let cache = tempfile::tempdir().unwrap();
    let program = fake_program(cache.path());
    let big = cache.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    assert_fails(
        cache.path(),
        &[
            "run",
            "--mem",
            "128M",
            "--add",
            big.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
        "--mem 128 MiB is too small: the program and its files take 101 MiB, \
         so the guest needs at least 203 MiB (without --mem, sole picks enough)",
    );
}

#[test]
fn the_packed_program_reaches_qemu_as_its_initrd() {
    use loader::launch;
    use rootfs::cpio;

    let cache = tempfile::tempdir().unwrap();
    let seen = tempfile::tempdir().unwrap();
    // The fake QEMU keeps its arguments and a copy of the initrd, then
    // exits as a guest with status 7 would.
    let (_qemu, path) = fake_qemu(&format!(
        "printf '%s\\n' \"$@\" > {0}/args\n\
         while [ $# -gt 0 ]; do [ \"$1\" = -initrd ] && cp \"$2\" {0}/initrd; shift; done\n\
         printf 'running\\n[sole-exit 7]\\n'",
        seen.path().display()
    ));
    let program = fake_program(cache.path());
    let data = cache.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_file(&data, "a.txt", b"alpha", 0o640);
    std::os::unix::fs::symlink("a.txt", data.join("link")).unwrap();

    let out = run(sole(
        cache.path(),
        &[
            "run",
            "--accel",
            "tcg",
            "--add",
            &format!("{}:/srv/data", data.display()),
            "--env",
            "GREETING=hello world",
            "--cwd",
            "/srv/data",
            "--strace",
            program.to_str().unwrap(),
            "--flag",
            "arg two",
        ],
    )
    .env("PATH", path));
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(stdout(&out), "running\n");

    let args = std::fs::read_to_string(seen.path().join("args")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    let initrd_arg = args.iter().position(|a| *a == "-initrd").expect("-initrd");
    assert!(
        !Path::new(args[initrd_arg + 1]).exists(),
        "the temporary initrd is removed after the run"
    );
    let mem = args.iter().position(|a| *a == "-m").expect("-m");
    assert_eq!(args[mem + 1], "128M", "a small initrd keeps the default");

    let archive = std::fs::read(seen.path().join("initrd")).unwrap();
    let entries: Vec<cpio::Entry<'_>> = cpio::entries(&archive)
        .map(|e| e.expect("a valid archive"))
        .collect();
    let get = |name: &str| {
        entries
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no {name} in the initrd"))
    };
    let program_name = program.to_str().unwrap().trim_start_matches('/');
    assert_eq!(get(program_name).data, std::fs::read(&program).unwrap());
    assert_eq!(get("srv/data/a.txt").data, b"alpha");
    assert_eq!(get("srv/data/a.txt").mode, cpio::S_IFREG | 0o640);
    assert_eq!(get("srv/data/link").mode, cpio::S_IFLNK | 0o777);
    assert_eq!(get("srv/data/link").data, b"a.txt");

    let manifest = launch::decode(get(launch::LAUNCH_PATH).data).unwrap();
    let argv: Vec<String> = manifest
        .argv
        .iter()
        .map(|a| String::from_utf8(a.clone()).unwrap())
        .collect();
    assert_eq!(argv, [program.to_str().unwrap(), "--flag", "arg two"]);
    let env: Vec<String> = manifest
        .env
        .iter()
        .map(|a| String::from_utf8(a.clone()).unwrap())
        .collect();
    assert_eq!(env.last().map(String::as_str), Some("GREETING=hello world"));
    assert!(env.contains(&"TERM=linux".to_owned()), "{env:?}");
    assert_eq!(manifest.cwd, "/srv/data");
    assert!(manifest.flags.strace && !manifest.flags.syscall_summary);
}

#[test]
fn a_large_initrd_raises_the_default_memory() {
    let cache = tempfile::tempdir().unwrap();
    let seen = tempfile::tempdir().unwrap();
    let (_qemu, path) = fake_qemu(&format!(
        "printf '%s\\n' \"$@\" > {}/args; printf '[sole-exit 0]\\n'",
        seen.path().display()
    ));
    let program = fake_program(cache.path());
    let big = cache.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let out = run(sole(
        cache.path(),
        &[
            "run",
            "--accel",
            "tcg",
            "--add",
            big.to_str().unwrap(),
            program.to_str().unwrap(),
        ],
    )
    .env("PATH", path));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let args = std::fs::read_to_string(seen.path().join("args")).unwrap();
    // Twice the 101 MiB initrd plus 64 MiB, rounded up to 64 MiB.
    assert!(args.contains("\n-m\n320M\n"), "{args}");
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
    // A Linux kernel that does not exist: the Linux column says why it is
    // empty, and nothing is downloaded.
    let cache = tempfile::tempdir().unwrap();
    let json = cache.path().join("bench.json");
    let missing = cache.path().join("no-bzImage");
    let out = run(sole(
        cache.path(),
        &[
            "bench",
            "--accel",
            "tcg",
            "--icount",
            "--runs",
            "2",
            "--only",
            "syscall",
            "--linux-kernel",
            missing.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    )
    .env_remove("SOLE_LINUX_KERNEL"));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.starts_with("Sole alone (no Linux guest: cannot read the Linux kernel "),
        "{text}"
    );
    assert!(text.contains("2 runs per timed workload"), "{text}");
    assert!(text.contains("instruction-counted"), "{text}");
    assert!(text.contains("getppid() (ns)"), "{text}");
    assert!(text.contains("n/a [1]"), "{text}");
    assert!(
        stderr(&out).contains("syscall: run 2 of 2 on Sole"),
        "{}",
        stderr(&out)
    );
    assert!(!cache.path().join("sole").join("linux").exists());

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["icount"], true);
    assert_eq!(report["systems"], serde_json::json!(["Sole", "Linux"]));
    let getppid = &report["rows"][0];
    assert_eq!(getppid["metric"], "getppid");
    let sole = &getppid["results"]["Sole"];
    assert_eq!(sole["samples"].as_array().unwrap().len(), 2);
    assert!(sole["median"].as_f64().unwrap() > 0.0, "{report}");
    assert!(
        getppid["results"]["Linux"]["unavailable"]
            .as_str()
            .unwrap()
            .contains("no-bzImage"),
        "{report}"
    );
}

#[test]
fn a_built_image_runs_with_new_arguments() {
    use loader::launch;
    use rootfs::cpio;

    let cache = tempfile::tempdir().unwrap();
    let seen = tempfile::tempdir().unwrap();
    let program = fake_program(cache.path());
    let image = cache.path().join("app.img");
    let image_arg = image.to_str().unwrap();
    let out = run(&mut sole(
        cache.path(),
        &[
            "build",
            "--initrd",
            "-o",
            image_arg,
            "--env",
            "A=1",
            program.to_str().unwrap(),
            "built",
            "--args",
        ],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), format!("sole: wrote {image_arg} (0.0 MiB)\n"));
    assert!(out.stdout.is_empty());

    let (_qemu, path) = fake_qemu(&format!(
        "while [ $# -gt 0 ]; do [ \"$1\" = -initrd ] && cp \"$2\" {0}/initrd; shift; done\n\
         printf '[sole-exit 0]\\n'",
        seen.path().display()
    ));
    let manifest = |args: &[&str]| {
        let mut all = vec!["run", "--accel", "tcg"];
        all.extend_from_slice(args);
        let out = run(sole(cache.path(), &all).env("PATH", &path));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let archive = std::fs::read(seen.path().join("initrd")).unwrap();
        let found = cpio::entries(&archive)
            .map(|e| e.expect("a valid archive"))
            .filter(|e| e.path() == launch::LAUNCH_PATH)
            .last()
            .expect("a manifest")
            .data
            .to_vec();
        launch::decode(&found).unwrap()
    };
    let argv = |l: &launch::Launch| -> Vec<String> {
        l.argv
            .iter()
            .map(|a| String::from_utf8(a.clone()).unwrap())
            .collect()
    };
    let program = program.to_str().unwrap();
    let built = manifest(&[image_arg]);
    assert_eq!(argv(&built), [program, "built", "--args"]);
    assert!(!built.flags.strace);
    assert_eq!(
        std::fs::read(seen.path().join("initrd")).unwrap(),
        std::fs::read(&image).unwrap(),
        "booted as it is"
    );
    let changed = manifest(&["--strace", image_arg, "new", "--strace"]);
    assert_eq!(argv(&changed), [program, "new", "--strace"]);
    assert!(changed.flags.strace);
    assert!(changed.env.contains(&b"A=1".to_vec()));
}

#[test]
fn a_missing_library_is_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("m.c"),
        "int gone(void);\nint main(void) { return gone(); }\n",
    )
    .unwrap();
    std::fs::write(d.join("l.c"), "int gone(void) { return 0; }\n").unwrap();
    let gcc = |args: &[&str]| {
        Command::new("gcc")
            .current_dir(d)
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !gcc(&[
        "-shared",
        "-fPIC",
        "-Wl,-soname,libgone.so.1",
        "-o",
        "libgone.so.1",
        "l.c",
    ]) || !gcc(&["-o", "m", "m.c", "./libgone.so.1"])
    {
        eprintln!("no gcc; skipped");
        return;
    }
    std::fs::remove_file(d.join("libgone.so.1")).unwrap();
    let program = d.join("m");
    let out = run(&mut sole(
        cache.path(),
        &["build", "-o", "x.img", program.to_str().unwrap()],
    ));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "sole: cannot run {0}: libgone.so.1, needed by {0}, is not found (searched: \
             /etc/ld.so.cache, /lib/x86_64-linux-gnu,",
            program.display()
        )),
        "{err}"
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

/// `sole build` (a disk image) of the fake program with `data/motd`, in
/// `dir`; returns the image's path.
fn build_disk_image(cache: &Path, dir: &Path) -> PathBuf {
    let program = fake_program(dir);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_file(&data, "motd", b"welcome\n", 0o644);
    let image = dir.join("app.img");
    let out = run(&mut sole(
        cache,
        &[
            "build",
            "-o",
            image.to_str().unwrap(),
            "--size",
            "8M",
            "--add",
            &format!("{}:/etc", data.display()),
            program.to_str().unwrap(),
            "built",
        ],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "sole: wrote {} (disk image of 8.0 MiB, ",
            image.display()
        )),
        "{err}"
    );
    image
}

#[test]
fn a_disk_image_is_listed_printed_copied_and_measured_offline() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = build_disk_image(cache.path(), dir.path());
    let img = image.to_str().unwrap();
    assert_eq!(std::fs::metadata(&image).unwrap().len(), 8 << 20);

    let out = run(&mut sole(cache.path(), &["ls", img, "/etc"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "motd\n");
    let out = run(&mut sole(cache.path(), &["ls", "-l", img, "/etc/motd"]));
    assert!(
        stdout(&out).starts_with("-rw-r--r-- 1 0 0 8 "),
        "{}",
        stdout(&out)
    );
    let out = run(&mut sole(cache.path(), &["cat", img, "/etc/motd"]));
    assert_eq!(stdout(&out), "welcome\n");

    let host = dir.path().join("hello.txt");
    std::fs::write(&host, b"copied in\n").unwrap();
    let dest = format!("{img}:/srv/hello.txt");
    let out = run(&mut sole(
        cache.path(),
        &["cp", host.to_str().unwrap(), &dest],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let back = dir.path().join("back.txt");
    let out = run(&mut sole(
        cache.path(),
        &["cp", &dest, back.to_str().unwrap()],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(&back).unwrap(), b"copied in\n");

    let out = run(&mut sole(cache.path(), &["df", img]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // The build's files, its snapshot `built`, the copy.
    for word in ["txg 4", "size", "used", "free", "files"] {
        assert!(text.contains(word), "no `{word}` in:\n{text}");
    }
}

#[test]
fn a_disk_image_is_snapshotted_rolled_back_and_verified_offline() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = build_disk_image(cache.path(), dir.path());
    let img = image.to_str().unwrap();

    let out = run(&mut sole(cache.path(), &["snapshot", img]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("NAME"), "{}", stdout(&out));
    assert!(stdout(&out).contains("\nbuilt "), "{}", stdout(&out));
    let out = run(&mut sole(cache.path(), &["snapshot", img, "mine"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("{img}: took snapshot mine of txg ")),
        "{}",
        stdout(&out)
    );
    let out = run(&mut sole(cache.path(), &["rollback", img, "built"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with("; destroyed the newer snapshot mine\n"),
        "{}",
        stdout(&out)
    );
    assert_fails(
        cache.path(),
        &["rollback", img, "mine"],
        &format!("{img} has no snapshot mine (its snapshots: built)"),
    );

    let out = run(&mut sole(cache.path(), &["verify", img]));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("no damage found\n"),
        "{}",
        stdout(&out)
    );
    // A file that does not compress, copied in, then damaged in place.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<u8> = (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let host = dir.path().join("random.bin");
    std::fs::write(&host, &data).unwrap();
    let out = run(&mut sole(
        cache.path(),
        &["cp", host.to_str().unwrap(), &format!("{img}:/random.bin")],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut bytes = std::fs::read(&image).unwrap();
    let at = bytes
        .windows(64)
        .position(|w| w == &data[..64])
        .expect("the block is stored as it is");
    bytes[at + 10] ^= 1;
    std::fs::write(&image, &bytes).unwrap();
    let out = run(&mut sole(cache.path(), &["verify", img]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("/random.bin"), "{}", stdout(&out));
    assert!(stdout(&out).ends_with("damage found\n"), "{}", stdout(&out));
}

#[test]
fn offline_commands_explain_what_is_wrong() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let image = build_disk_image(cache.path(), dir.path());
    let img = image.to_str().unwrap();
    assert_fails(
        cache.path(),
        &["cat", img, "/etc/nope"],
        &format!("{img}:/etc/nope: no such file or directory"),
    );
    assert_fails(
        cache.path(),
        &["cat", img, "/etc"],
        &format!("{img}:/etc: is a directory"),
    );
    let text = write_file(dir.path(), "notes.txt", b"not an image", 0o644);
    let text = text.to_str().unwrap();
    assert_fails(
        cache.path(),
        &["ls", text],
        &format!(
            "{text} is not a Sole disk image (it does not start with SOLEPOOL); \
             build one with `sole build`"
        ),
    );
    let missing = dir.path().join("missing.img");
    let out = run(&mut sole(cache.path(), &["df", missing.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("sole: cannot open {}", missing.display())),
        "{}",
        stderr(&out)
    );
    assert_fails(
        cache.path(),
        &["cp", "/etc/hostname", "/tmp/x"],
        "neither `/etc/hostname` nor `/tmp/x` is IMAGE:PATH (an existing image file, a colon, \
         a path in it, such as app.img:/etc/motd)",
    );
    let tree = dir.path().join("data");
    assert_fails(
        cache.path(),
        &["cp", tree.to_str().unwrap(), &format!("{img}:/x")],
        &format!("{} is a directory (copy it with -r)", tree.display()),
    );
    // A damaged image: rootfs says why.
    let mut bytes = std::fs::read(&image).unwrap();
    bytes[8..4096].fill(0xff);
    let last = bytes.len() - 4096;
    bytes[last..].fill(0);
    std::fs::write(&image, &bytes).unwrap();
    let out = run(&mut sole(cache.path(), &["ls", img]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("sole: {img} cannot be mounted: no valid label")),
        "{}",
        stderr(&out)
    );

    for args in [
        &["ls"][..],
        &["cat", "x"],
        &["cp", "a"],
        &["df"],
        &["build", "--initrd", "--size", "8M", "-o", "x", "p"],
        &["build", "--size", "huge", "-o", "x", "p"],
    ] {
        let out = run(&mut sole(cache.path(), args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    for (command, words) in [
        ("ls", &["-l", "IMAGE", "PATH"][..]),
        ("cat", &["IMAGE", "PATH"]),
        ("cp", &["-r", "SRC", "DST", "IMAGE:PATH"]),
        ("df", &["IMAGE"]),
        ("build", &["--initrd", "--size <SIZE>"]),
    ] {
        let out = run(&mut sole(cache.path(), &[command, "--help"]));
        assert_eq!(out.status.code(), Some(0));
        let help = stdout(&out);
        for word in words {
            assert!(
                help.contains(word),
                "no `{word}` in `sole {command} --help`:\n{help}"
            );
        }
    }
}

#[test]
fn a_disk_image_boots_as_the_root_disk() {
    use loader::launch;
    use rootfs::cpio;

    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seen = tempfile::tempdir().unwrap();
    let image = build_disk_image(cache.path(), dir.path());
    let img = image.to_str().unwrap();
    let (_qemu, path) = fake_qemu(&format!(
        "printf '%s\\n' \"$@\" > {0}/args\n\
         while [ $# -gt 0 ]; do [ \"$1\" = -initrd ] && cp \"$2\" {0}/initrd; shift; done\n\
         printf '[sole-exit 0]\\n'",
        seen.path().display()
    ));
    let out = run(sole(
        cache.path(),
        &["run", "--accel", "tcg", "--env", "B=2", img, "new"],
    )
    .env("PATH", &path));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let args = std::fs::read_to_string(seen.path().join("args")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    let at = |flag: &str| args[args.iter().position(|a| *a == flag).expect(flag) + 1];
    assert_eq!(at("-append"), "log=error root=disk");
    assert_eq!(
        at("-drive"),
        format!("file={img},format=raw,if=none,id=disk0")
    );
    assert!(args.contains(&"virtio-blk-pci,drive=disk0"), "{args:?}");
    let archive = std::fs::read(seen.path().join("initrd")).unwrap();
    let entries: Vec<cpio::Entry<'_>> = cpio::entries(&archive)
        .map(|e| e.expect("a valid archive"))
        .collect();
    assert_eq!(entries.len(), 1, "the manifest only");
    let manifest = launch::decode(entries[0].data).unwrap();
    assert_eq!(manifest.argv.len(), 2);
    assert_eq!(manifest.argv[1], b"new");
    assert!(manifest.env.contains(&b"B=2".to_vec()));

    assert_fails(
        cache.path(),
        &["run", "--add", "/etc/hostname", img],
        &format!(
            "--add /etc/hostname: {img} is a disk image; copy files into it with \
             `sole cp /etc/hostname {img}:/PATH` (or add them when building it)"
        ),
    );
}
