use super::*;
use rootfs::cpio::{self, S_IFDIR, S_IFREG};
use std::os::unix::fs::PermissionsExt;

/// The first 64 bytes of an ELF file: class, data, type and machine as
/// given, the rest zero (enough for `check_program`, which reads 20).
fn elf_header(class: u8, data: u8, e_type: u16, e_machine: u16) -> Vec<u8> {
    let mut h = vec![0u8; 64];
    h[..4].copy_from_slice(ELF_MAGIC);
    h[4] = class;
    h[5] = data;
    h[6] = 1; // EV_CURRENT
    h[16..18].copy_from_slice(&e_type.to_le_bytes());
    h[18..20].copy_from_slice(&e_machine.to_le_bytes());
    h
}

/// A file `name` in `dir` with `contents` and permissions `mode`.
fn file(dir: &Path, name: &str, contents: &[u8], mode: u32) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, contents).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn program(dir: &Path) -> PathBuf {
    file(dir, "prog", &elf_header(2, 1, ET_EXEC, EM_X86_64), 0o755)
}

fn refusal(path: &Path) -> String {
    check_program(path).unwrap_err().to_string()
}

#[test]
fn programs_must_be_executable_x86_64_elf_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    check_program(&program(d)).unwrap();
    check_program(&file(d, "pie", &elf_header(2, 1, ET_DYN, EM_X86_64), 0o500)).unwrap();

    let missing = d.join("missing");
    assert_eq!(
        refusal(&missing),
        format!("cannot run {}: no such file", missing.display())
    );
    assert_eq!(
        refusal(d),
        format!("cannot run {}: it is a directory", d.display())
    );
    let text = file(d, "text", b"hello\n", 0o755);
    assert_eq!(
        refusal(&text),
        format!("cannot run {}: not an ELF executable", text.display())
    );
    let empty = file(d, "empty", b"", 0o755);
    assert!(refusal(&empty).ends_with(": not an ELF executable"));
    let script = file(d, "script", b"#!/bin/sh\necho hi\n", 0o755);
    assert!(
        refusal(&script).contains("not an ELF executable (it is a script"),
        "{}",
        refusal(&script)
    );
    let short = file(d, "short", b"\x7fELF\x02\x01", 0o755);
    assert!(refusal(&short).contains("header is truncated"));
    let elf32 = file(d, "elf32", &elf_header(1, 1, ET_EXEC, 3), 0o755);
    assert!(refusal(&elf32).contains("not a 64-bit x86-64 program"));
    let big_endian = file(d, "be", &elf_header(2, 2, ET_EXEC, EM_X86_64), 0o755);
    assert!(refusal(&big_endian).contains("not a 64-bit x86-64 program"));
    let arm = file(d, "arm", &elf_header(2, 1, ET_EXEC, 183), 0o755);
    assert!(refusal(&arm).contains("another machine (e_machine 183)"));
    let object = file(d, "obj.o", &elf_header(2, 1, 1, EM_X86_64), 0o755);
    assert!(refusal(&object).contains("not an executable (e_type 1)"));
    let plain = file(d, "plain", &elf_header(2, 1, ET_EXEC, EM_X86_64), 0o644);
    assert_eq!(
        refusal(&plain),
        format!(
            "cannot run {}: it is not executable (mode 0644); chmod +x it first",
            plain.display()
        )
    );
}

/// An ELF header followed by `phdrs` program headers (type, and for
/// PT_INTERP the interpreter's name placed after the table).
fn elf_with_phdrs(types: &[u32], interp: &[u8]) -> Vec<u8> {
    let mut elf = elf_header(2, 1, ET_DYN, EM_X86_64);
    elf[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    elf[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    let phnum = u16::try_from(types.len()).unwrap();
    elf[56..58].copy_from_slice(&phnum.to_le_bytes());
    let names_at = 64 + 56 * types.len() as u64;
    for &p_type in types {
        let mut phdr = vec![0u8; 56];
        phdr[..4].copy_from_slice(&p_type.to_le_bytes());
        phdr[8..16].copy_from_slice(&names_at.to_le_bytes());
        phdr[32..40].copy_from_slice(&(interp.len() as u64).to_le_bytes());
        elf.extend_from_slice(&phdr);
    }
    elf.extend_from_slice(interp);
    elf
}

#[test]
fn the_interpreter_of_a_dynamic_program_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dynamic = elf_with_phdrs(&[6, 1, PT_INTERP, 1], b"/lib64/ld-linux-x86-64.so.2\0");
    let dynamic = file(d, "dynamic", &dynamic, 0o755);
    assert_eq!(
        interpreter(&dynamic).unwrap().as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    let fixed = file(d, "static", &elf_with_phdrs(&[1, 1], b""), 0o755);
    assert_eq!(interpreter(&fixed).unwrap(), None);
    assert_eq!(
        interpreter(&program(d)).unwrap(),
        None,
        "no program headers"
    );
    // A table or name past the end of the file is not an error.
    let mut cut = elf_with_phdrs(&[PT_INTERP], b"/ld.so\0");
    cut.truncate(80);
    let cut = file(d, "cut", &cut, 0o755);
    assert_eq!(interpreter(&cut).unwrap(), None);

    // Packing it says the interpreter is missing, until it is added.
    let spec = ProgramSpec {
        program: dynamic.clone(),
        ..ProgramSpec::default()
    };
    let notes = spec.image().unwrap().tree.notes().to_vec();
    assert_eq!(
        notes,
        [format!(
            "{} is dynamically linked, and its interpreter /lib64/ld-linux-x86-64.so.2 \
             is not in the guest; add it and the libraries the program loads with --add",
            dynamic.display()
        )]
    );
    let ld = file(d, "ld.so", b"", 0o755);
    let spec = ProgramSpec {
        adds: vec![AddSpec {
            src: ld,
            dest: Some("/lib64/ld-linux-x86-64.so.2".into()),
        }],
        ..spec
    };
    assert!(spec.image().unwrap().tree.notes().is_empty());
}

#[test]
fn the_environment_starts_from_the_defaults() {
    let spec = ProgramSpec::default();
    assert_eq!(
        spec.environment(),
        [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME=/",
            "TERM=linux"
        ]
    );
    let spec = ProgramSpec {
        env: ["HOME=/root", "A=1", "TERM=xterm", "A=2", "B="]
            .iter()
            .map(|v| v.parse().unwrap())
            .collect(),
        ..ProgramSpec::default()
    };
    let env = spec.environment();
    assert_eq!(env[1..], ["HOME=/root", "TERM=xterm", "A=2", "B="]);
    assert!(env[0].starts_with("PATH=/usr/local/sbin:"));
}

#[test]
fn env_settings_need_a_name_and_an_equals_sign() {
    let var: EnvVar = "K=a=b".parse().unwrap();
    assert_eq!((var.key.as_str(), var.value.as_str()), ("K", "a=b"));
    assert_eq!(
        "NOPE".parse::<EnvVar>().unwrap_err(),
        "`NOPE`: expected KEY=VALUE"
    );
    assert_eq!(
        "=v".parse::<EnvVar>().unwrap_err(),
        "`=v`: the variable's name is empty"
    );
}

/// Reads the archive at `path` into `(name, mode, contents)` triples.
fn members(bytes: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    cpio::entries(bytes)
        .map(|e| {
            let e = e.unwrap();
            (e.name.to_owned(), e.mode, e.data.to_vec())
        })
        .collect()
}

#[test]
fn the_initrd_holds_the_program_its_files_and_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(dir.path());
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    file(&data, "in.txt", b"input", 0o600);
    let spec = ProgramSpec {
        program: prog.clone(),
        args: vec!["-v".into(), "two words".into(), String::new()],
        adds: vec![
            AddSpec {
                src: data.clone(),
                dest: Some("/srv".into()),
            },
            AddSpec {
                src: data.join("in.txt"),
                dest: None,
            },
        ],
        env: vec!["LANG=C.UTF-8".parse().unwrap()],
        cwd: Some("/work/./here/".into()),
        flags: LaunchFlags {
            strace: false,
            syscall_summary: true,
        },
    };
    let initrd = spec.pack().unwrap();
    let bytes = fs::read(initrd.path()).unwrap();
    assert_eq!(initrd.size(), bytes.len() as u64);
    assert!(initrd.notes().is_empty());

    let prog_name = prog.to_str().unwrap().trim_start_matches('/').to_owned();
    let in_txt = data.join("in.txt");
    let in_txt = in_txt.to_str().unwrap().trim_start_matches('/');
    let got = members(&bytes);
    let names: Vec<&str> = got.iter().map(|(n, ..)| n.as_str()).collect();
    // Every directory comes before what it holds, and nothing else is there.
    let mut want: Vec<String> = vec![
        ".sole".into(),
        ".sole/launch".into(),
        "srv".into(),
        "srv/in.txt".into(),
        "work".into(),
        "work/here".into(),
        prog_name.clone(),
        in_txt.to_owned(),
    ];
    for path in [&prog_name, in_txt] {
        let mut parent = Path::new(path).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            want.push(p.to_str().unwrap().to_owned());
            parent = p.parent();
        }
    }
    want.sort();
    want.dedup();
    assert_eq!(names, want);

    let find = |name: &str| got.iter().find(|(n, ..)| n == name).unwrap().clone();
    assert_eq!(find(".sole").1, S_IFDIR | 0o755);
    assert_eq!(
        find(&prog_name),
        (prog_name.clone(), S_IFREG | 0o755, fs::read(&prog).unwrap())
    );
    assert_eq!(find("srv/in.txt").2, b"input");
    assert_eq!(find(in_txt).1, S_IFREG | 0o600);
    assert_eq!(find("work/here").1, S_IFDIR | 0o755);

    let (_, mode, manifest) = find(".sole/launch");
    assert_eq!(mode, S_IFREG | 0o444);
    let launch = launch::decode(&manifest).unwrap();
    let argv: Vec<&[u8]> = launch.argv.iter().map(Vec::as_slice).collect();
    assert_eq!(
        argv,
        [prog.to_str().unwrap().as_bytes(), b"-v", b"two words", b""]
    );
    let env: Vec<&[u8]> = launch.env.iter().map(Vec::as_slice).collect();
    assert_eq!(env[1..], [&b"HOME=/"[..], b"TERM=linux", b"LANG=C.UTF-8"]);
    assert_eq!(launch.cwd, "/work/here");
    assert_eq!(
        launch.flags,
        LaunchFlags {
            strace: false,
            syscall_summary: true
        }
    );

    // The temporary file goes with the Initrd.
    let path = initrd.path().to_path_buf();
    drop(initrd);
    assert!(!path.exists());
}

#[test]
fn a_relative_program_goes_to_its_absolute_path() {
    let dir = tempfile::tempdir().unwrap();
    program(dir.path());
    // Relative to the current directory, whatever that is for the test.
    let cwd = std::env::current_dir().unwrap();
    let relative = pathdiff(&dir.path().join("prog"), &cwd);
    let spec = ProgramSpec {
        program: relative.clone(),
        ..ProgramSpec::default()
    };
    let image = spec.image().unwrap();
    let expected = dir.path().join("prog");
    assert_eq!(
        image.launch.argv[0],
        expected.to_str().unwrap().as_bytes(),
        "{}",
        relative.display()
    );
    assert_eq!(image.launch.cwd, "/");
}

/// `path` relative to `base` (both absolute), with `..` as needed.
fn pathdiff(path: &Path, base: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &path[common..] {
        out.push(c);
    }
    out
}

#[test]
fn image_errors_name_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(dir.path());
    let missing = dir.path().join("nope");
    let spec = ProgramSpec {
        program: prog.clone(),
        adds: vec![AddSpec {
            src: missing.clone(),
            dest: None,
        }],
        ..ProgramSpec::default()
    };
    let err = format!("{:#}", spec.image().unwrap_err());
    assert_eq!(
        err,
        format!(
            "--add {0}: cannot add {0}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    let spec = ProgramSpec {
        program: prog.clone(),
        cwd: Some("relative".into()),
        ..ProgramSpec::default()
    };
    assert_eq!(
        spec.image().unwrap_err().to_string(),
        "--cwd `relative` is not an absolute path"
    );
    // The working directory cannot be a file.
    let spec = ProgramSpec {
        program: prog.clone(),
        cwd: Some(prog.to_str().unwrap().to_owned()),
        ..ProgramSpec::default()
    };
    let err = format!("{:#}", spec.image().unwrap_err());
    assert!(err.contains("a file is there"), "{err}");
}

#[test]
fn memory_grows_with_the_initrd_and_a_small_request_is_refused() {
    let mib = |m: u32| MemSize::from_mib(m).unwrap();
    assert_eq!(memory_for(0, None).unwrap(), mib(128));
    assert_eq!(memory_for(30 << 20, None).unwrap(), mib(128));
    // Twice 100 MiB plus 64, rounded up to 64 MiB.
    assert_eq!(memory_for(100 << 20, None).unwrap(), mib(320));
    assert_eq!(memory_for((300 << 20) + 1, None).unwrap(), mib(704));
    // A request needs twice the archive (it and its unpacked copy) plus 2 MiB.
    assert_eq!(memory_for(100 << 20, Some(mib(202))).unwrap(), mib(202));
    assert_eq!(memory_for(40 << 10, Some(mib(3))).unwrap(), mib(3));
    let err = memory_for((100 << 20) + 1, Some(mib(202))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--mem 202 MiB is too small: the program and its files take 101 MiB, \
         so the guest needs at least 203 MiB (without --mem, sole picks enough)"
    );
}
