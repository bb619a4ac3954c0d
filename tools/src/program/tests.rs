use super::*;
use rootfs::cpio::{self, S_IFDIR, S_IFREG};
use std::os::unix::fs::PermissionsExt;

const PT_INTERP: u32 = 3;

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

/// Unpacks `archive` into `dir` as the kernel does (directories, files,
/// links), so paths can be resolved in it as the guest will.
fn unpack(archive: &[u8], dir: &Path) {
    for entry in cpio::entries(archive) {
        let entry = entry.unwrap();
        let path = dir.join(entry.path());
        match entry.kind() {
            cpio::EntryKind::Dir => fs::create_dir_all(&path).unwrap(),
            cpio::EntryKind::File => fs::write(&path, entry.data).unwrap(),
            cpio::EntryKind::Symlink => {
                let target = std::str::from_utf8(entry.data).unwrap();
                std::os::unix::fs::symlink(target, &path).unwrap();
            }
            cpio::EntryKind::Other(kind) => panic!("{kind:o}"),
        }
    }
}

#[test]
fn a_dynamic_program_brings_its_interpreter() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Ok(ld) = fs::canonicalize("/lib64/ld-linux-x86-64.so.2") else {
        return;
    };
    let dynamic = elf_with_phdrs(&[6, 1, PT_INTERP, 1], b"/lib64/ld-linux-x86-64.so.2\0");
    let dynamic = file(d, "dynamic", &dynamic, 0o755);
    let spec = ProgramSpec {
        program: dynamic.clone(),
        ..ProgramSpec::default()
    };
    let image = spec.image().unwrap();
    assert!(image.tree.notes().is_empty(), "{:?}", image.tree.notes());
    let mut archive = Vec::new();
    image.tree.write(&mut archive).unwrap();
    let guest = tempfile::tempdir().unwrap();
    unpack(&archive, guest.path());
    let root = GuestRoot::new(guest.path()).unwrap();
    let walked = root.walk("/lib64/ld-linux-x86-64.so.2").unwrap();
    assert!(walked.meta.is_file());
    assert_eq!(
        walked.path,
        ld.to_str().unwrap(),
        "the same file as on the host"
    );
    assert_eq!(
        fs::read(root.host_path(&walked.path)).unwrap(),
        fs::read(&ld).unwrap()
    );
    assert!(root.walk(dynamic.to_str().unwrap()).is_ok());

    // An interpreter that is not there is an error naming it.
    let gone = elf_with_phdrs(&[PT_INTERP], b"/nowhere/ld.so\0");
    let gone = file(d, "gone", &gone, 0o755);
    let spec = ProgramSpec {
        program: gone.clone(),
        ..ProgramSpec::default()
    };
    assert_eq!(
        format!("{:#}", spec.image().unwrap_err()),
        format!(
            "cannot run {}: its interpreter /nowhere/ld.so is not found: \
             No such file or directory (os error 2)",
            gone.display()
        )
    );
    // A damaged program header table is an error too.
    let mut cut = elf_with_phdrs(&[PT_INTERP], b"/ld.so\0");
    cut.truncate(80);
    let cut = file(d, "cut", &cut, 0o755);
    let spec = ProgramSpec {
        program: cut,
        ..ProgramSpec::default()
    };
    let err = format!("{:#}", spec.image().unwrap_err());
    assert!(err.contains("is not a valid ELF file"), "{err}");
}

/// A root tree: `/bin -> usr/bin`, the program `/usr/bin/prog` (a static
/// one: just an ELF header), `/usr/bin/app -> /opt/app/app` (an absolute
/// link, meant inside the root), and `/etc/hostname`.
fn root_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("usr/bin")).unwrap();
    fs::create_dir_all(d.join("opt/app")).unwrap();
    fs::create_dir_all(d.join("etc")).unwrap();
    program(&d.join("usr/bin"));
    program(&d.join("opt/app"));
    fs::rename(d.join("opt/app/prog"), d.join("opt/app/app")).unwrap();
    std::os::unix::fs::symlink("usr/bin", d.join("bin")).unwrap();
    std::os::unix::fs::symlink("/opt/app/app", d.join("usr/bin/app")).unwrap();
    fs::write(d.join("etc/hostname"), b"guest\n").unwrap();
    dir
}

#[test]
fn a_root_is_packed_whole_and_the_program_found_in_it() {
    let dir = root_tree();
    let spec = ProgramSpec {
        program: "prog".into(),
        root: Some(dir.path().to_path_buf()),
        cwd: Some("/srv".into()),
        ..ProgramSpec::default()
    };
    let image = spec.image().unwrap();
    assert_eq!(image.launch.argv, [b"/usr/bin/prog".to_vec()]);
    let mut archive = Vec::new();
    image.tree.write(&mut archive).unwrap();
    let names: Vec<String> = members(&archive).into_iter().map(|m| m.0).collect();
    assert_eq!(
        names,
        [
            ".sole",
            ".sole/launch",
            "bin",
            "etc",
            "etc/hostname",
            "opt",
            "opt/app",
            "opt/app/app",
            "srv",
            "usr",
            "usr/bin",
            "usr/bin/app",
            "usr/bin/prog"
        ]
    );
    // An absolute link is followed inside the root, not on the host.
    for (program, argv0) in [
        ("/bin/app", "/bin/app"),
        ("app", "/usr/bin/app"),
        ("../bin/./prog", "/bin/prog"),
    ] {
        let spec = ProgramSpec {
            program: program.into(),
            root: Some(dir.path().to_path_buf()),
            cwd: Some("/usr".into()),
            ..spec.clone()
        };
        let image = spec.image().unwrap();
        assert_eq!(image.launch.argv[0], argv0.as_bytes(), "{program}");
    }
    let missing = ProgramSpec {
        program: "nope".into(),
        root: Some(dir.path().to_path_buf()),
        ..ProgramSpec::default()
    };
    let root = fs::canonicalize(dir.path()).unwrap();
    assert_eq!(
        missing.image().unwrap_err().to_string(),
        format!(
            "cannot run nope: it is not on the PATH in {} ({})",
            root.display(),
            DEFAULT_ENV[0].1
        )
    );
    let missing = ProgramSpec {
        program: "/usr/bin/nope".into(),
        ..missing
    };
    assert_eq!(
        missing.image().unwrap_err().to_string(),
        format!(
            "cannot run /usr/bin/nope: no such file in {}",
            root.display()
        )
    );
}

#[test]
fn a_roots_device_nodes_are_left_out_quietly() {
    let dir = root_tree();
    fs::create_dir(dir.path().join("dev")).unwrap();
    let fifo = |path: &Path| {
        std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !fifo(&dir.path().join("dev/initctl")) || !fifo(&dir.path().join("etc/pipe")) {
        return;
    }
    let spec = ProgramSpec {
        program: "/bin/prog".into(),
        root: Some(dir.path().to_path_buf()),
        ..ProgramSpec::default()
    };
    let image = spec.image().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    assert_eq!(
        image.tree.notes(),
        [format!(
            "left out {}/etc/pipe: it is a FIFO",
            root.display()
        )]
    );
}

#[test]
fn adds_go_through_the_links_already_in_the_guest() {
    let dir = root_tree();
    let extra = tempfile::tempdir().unwrap();
    let lib = file(extra.path(), "lib.txt", b"x", 0o644);
    let spec = ProgramSpec {
        program: "/bin/prog".into(),
        root: Some(dir.path().to_path_buf()),
        adds: vec![AddSpec {
            src: lib,
            dest: Some("/bin/data/lib.txt".into()),
        }],
        ..ProgramSpec::default()
    };
    let image = spec.image().unwrap();
    assert!(image.tree.contains("/usr/bin/data/lib.txt"));
}

#[test]
fn a_built_image_boots_as_it_is_or_with_a_new_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let prog = program(dir.path());
    let out = dir.path().join("out/app.img");
    let spec = ProgramSpec {
        program: prog.clone(),
        args: vec!["a".into(), "b".into()],
        env: vec!["A=1".parse().unwrap()],
        ..ProgramSpec::default()
    };
    let err = spec.build(&out, ImageFormat::Initrd).unwrap_err();
    assert!(format!("{err:#}").contains("cannot write"), "{err:#}");
    fs::create_dir(dir.path().join("out")).unwrap();
    let written = spec.build(&out, ImageFormat::Initrd).unwrap();
    assert!(written.notes.is_empty() && written.disk.is_none());
    let size = written.size;
    assert_eq!(fs::metadata(&out).unwrap().len(), size);
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o644
    );
    let built = spec.image().unwrap().launch;

    // As it is: the file itself.
    let run = ProgramSpec {
        program: out.clone(),
        ..ProgramSpec::default()
    };
    let initrd = run.pack().unwrap();
    assert_eq!(initrd.path(), out);
    assert!(!initrd.is_temporary());
    assert_eq!(initrd.size(), size);
    drop(initrd);
    assert!(out.exists(), "the image stays");

    // Arguments replace the built ones; --env, --cwd and flags apply.
    let run = ProgramSpec {
        program: out.clone(),
        args: vec!["c".into()],
        env: vec!["A=2".parse().unwrap(), "B=3".parse().unwrap()],
        cwd: Some("/tmp".into()),
        flags: LaunchFlags {
            trace_missing: true,
            ..LaunchFlags::default()
        },
        ..ProgramSpec::default()
    };
    let initrd = run.pack().unwrap();
    assert!(initrd.is_temporary());
    let launch = BuiltImage::open(initrd.path()).unwrap().launch;
    assert_eq!(launch.argv, [built.argv[0].clone(), b"c".to_vec()]);
    let env: Vec<&[u8]> = launch.env.iter().map(Vec::as_slice).collect();
    assert_eq!(env[3..], [&b"A=2"[..], b"B=3"]);
    assert_eq!(launch.cwd, "/tmp");
    assert!(launch.flags.trace_missing && !launch.flags.strace);

    let run = ProgramSpec {
        program: out.clone(),
        adds: vec!["x".parse().unwrap()],
        ..ProgramSpec::default()
    };
    let err = run.pack().unwrap_err().to_string();
    assert!(
        err.contains("is a built image; add files when building it"),
        "{err}"
    );
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
        root: None,
        flags: LaunchFlags {
            syscall_summary: true,
            ..LaunchFlags::default()
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
            syscall_summary: true,
            ..LaunchFlags::default()
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
