use super::*;
use crate::program::ldconfig::tests::cache_bytes;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::process::Command;

fn host_env() -> SearchEnv {
    SearchEnv {
        library_path: None,
        cwd: "/".into(),
    }
}

fn resolve_host(program: &Path) -> Result<Deps> {
    resolve(
        &GuestRoot::host(),
        program.to_str().unwrap(),
        &host_env(),
        &[],
    )
}

/// Compiles with `compiler` in `dir`; `false` (and the test passes over
/// the case) when the compiler is not installed.
fn compile(compiler: &str, dir: &Path, args: &[&str]) -> bool {
    match Command::new(compiler).current_dir(dir).args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{compiler} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{compiler} is not installed; skipped");
            false
        }
        Err(e) => panic!("{compiler}: {e}"),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

/// Builds, in a fresh directory, only what `deps` packs (empty files and
/// the links) and checks that every loaded object's path leads there to
/// a packed file, as it will in the guest.
fn assert_self_contained(deps: &Deps) {
    let replica = tempfile::tempdir().unwrap();
    let root = GuestRoot::new(replica.path()).unwrap();
    for file in &deps.files {
        let host = root.host_path(file);
        fs::create_dir_all(host.parent().unwrap()).unwrap();
        fs::write(host, b"").unwrap();
    }
    for link in &deps.links {
        let host = root.host_path(&link.path);
        fs::create_dir_all(host.parent().unwrap()).unwrap();
        symlink(&link.target, host).unwrap();
    }
    for object in &deps.objects {
        let walked = root
            .walk(object)
            .unwrap_or_else(|e| panic!("{object} does not resolve among {deps:#?}: {e}"));
        assert!(deps.files.contains(&walked.path), "{object}: {walked:?}");
    }
}

fn basenames(deps: &Deps) -> Vec<&str> {
    deps.objects
        .iter()
        .map(|o| &o[o.rfind('/').map_or(0, |i| i + 1)..])
        .collect()
}

#[test]
fn a_static_program_needs_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.c", "int main(void) { return 0; }\n");
    if !compile("gcc", d, &["-static", "-o", "s", "s.c"]) {
        return;
    }
    let deps = resolve_host(&d.join("s")).unwrap();
    assert_eq!(deps.interp, None);
    assert_eq!(deps.objects.len(), 1);
    assert_eq!(deps.files.len(), 1);
}

#[test]
fn ls_brings_its_interpreter_and_libraries_with_their_links() {
    let ls = Path::new("/bin/ls");
    if !ls.exists() {
        return;
    }
    let deps = resolve_host(ls).unwrap();
    let interp = deps.interp.clone().expect("ls is dynamic");
    assert!(interp.contains("ld-linux-x86-64.so.2"), "{interp}");
    assert_eq!(deps.objects[0], "/bin/ls");
    assert_eq!(deps.objects[1], interp);
    assert!(basenames(&deps).contains(&"libc.so.6"), "{deps:#?}");
    // libc needs ld-linux-x86-64.so.2: the interpreter, by its soname.
    assert_eq!(
        basenames(&deps)
            .iter()
            .filter(|n| n.starts_with("ld-linux"))
            .count(),
        1,
        "{deps:#?}"
    );
    assert!(
        deps.files.contains(CACHE_PATH),
        "the guest's ld.so reads it"
    );
    for file in &deps.files {
        let meta = fs::symlink_metadata(file).unwrap();
        assert!(meta.is_file(), "{file} is a file, every link resolved");
    }
    for link in &deps.links {
        let meta = fs::symlink_metadata(&link.path).unwrap();
        assert!(meta.file_type().is_symlink(), "{}", link.path);
        assert_eq!(fs::read_link(&link.path).unwrap(), Path::new(&link.target));
    }
    assert_self_contained(&deps);
}

#[test]
fn a_glibc_hello_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "hello.c",
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    );
    if !compile("gcc", d, &["-o", "hello", "hello.c"]) {
        return;
    }
    let deps = resolve_host(&d.join("hello")).unwrap();
    // libgcc_s comes too: glibc loads it itself in pthread_exit.
    let mut want = vec!["hello", "ld-linux-x86-64.so.2", "libc.so.6"];
    if Path::new("/lib/x86_64-linux-gnu/libgcc_s.so.1").exists() {
        want.push("libgcc_s.so.1");
    }
    assert_eq!(basenames(&deps), want);
    assert!(deps.notes.is_empty(), "{:?}", deps.notes);
    assert_self_contained(&deps);
}

#[test]
fn a_musl_hello_needs_only_its_linker() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "hello.c",
        "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n",
    );
    if !compile("musl-gcc", d, &["-o", "hello", "hello.c"]) {
        return;
    }
    let deps = resolve_host(&d.join("hello")).unwrap();
    assert_eq!(deps.interp.as_deref(), Some("/lib/ld-musl-x86_64.so.1"));
    // libc.so is the linker itself.
    assert_eq!(basenames(&deps), ["hello", "ld-musl-x86_64.so.1"]);
    if Path::new("/etc/ld-musl-x86_64.path").exists() {
        let path = fs::canonicalize("/etc/ld-musl-x86_64.path").unwrap();
        assert!(deps.files.contains(path.to_str().unwrap()), "{deps:#?}");
    }
    assert!(!deps.files.contains(CACHE_PATH), "musl does not read it");
    assert_self_contained(&deps);
}

/// `prog` -> `libone.so` -> `libtwo.so`, both in `lib/` next to the
/// programs: `rpath` finds them through `DT_RPATH $ORIGIN/lib`, `runpath`
/// through `DT_RUNPATH $ORIGIN/lib`. `None` without gcc.
fn origin_programs() -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "two.c", "int two(void) { return 2; }\n");
    write(
        d,
        "one.c",
        "int two(void);\nint one(void) { return two() - 1; }\n",
    );
    write(
        d,
        "prog.c",
        "int one(void);\nint main(void) { return one(); }\n",
    );
    fs::create_dir(d.join("lib")).unwrap();
    let steps: [&[&str]; 4] = [
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libtwo.so",
            "-o",
            "lib/libtwo.so",
            "two.c",
        ],
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libone.so",
            "-o",
            "lib/libone.so",
            "one.c",
            "-Llib",
            "-ltwo",
        ],
        &[
            "-o",
            "rpath",
            "prog.c",
            "-Llib",
            "-lone",
            "-Wl,-rpath-link,lib",
            "-Wl,--disable-new-dtags,-rpath,$ORIGIN/lib",
        ],
        &[
            "-o",
            "runpath",
            "prog.c",
            "-Llib",
            "-lone",
            "-Wl,-rpath-link,lib",
            "-Wl,--enable-new-dtags,-rpath,${ORIGIN}/lib",
        ],
    ];
    for args in steps {
        if !compile("gcc", d, args) {
            return None;
        }
    }
    Some(dir)
}

#[test]
fn origin_rpath_applies_to_the_whole_chain_and_runpath_only_to_its_object() {
    let Some(dir) = origin_programs() else {
        return;
    };
    let d = fs::canonicalize(dir.path()).unwrap();
    // What ld.so itself does: with DT_RPATH, libone's libtwo is found
    // through the program's path; with DT_RUNPATH it is not.
    let native = |name: &str| Command::new(d.join(name)).output().unwrap();
    assert_eq!(native("rpath").status.code(), Some(1));
    let out = native("runpath");
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("libtwo.so"));

    let deps = resolve_host(&d.join("rpath")).unwrap();
    let lib = d.join("lib");
    let lib = lib.to_str().unwrap();
    // Breadth first: the program's libone.so and libc.so.6, then libtwo.so
    // (and glibc's unwinder last, when the host has it).
    let mut want = vec![
        "rpath",
        "ld-linux-x86-64.so.2",
        "libone.so",
        "libc.so.6",
        "libtwo.so",
    ];
    if Path::new("/lib/x86_64-linux-gnu/libgcc_s.so.1").exists() {
        want.push("libgcc_s.so.1");
    }
    assert_eq!(basenames(&deps), want);
    assert_eq!(deps.objects[2], format!("{lib}/libone.so"));
    assert_eq!(deps.objects[4], format!("{lib}/libtwo.so"));
    assert_self_contained(&deps);

    let err = resolve_host(&d.join("runpath")).unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.starts_with(&format!(
            "libtwo.so, needed by {lib}/libone.so, is not found (searched: /etc/ld.so.cache, \
             /lib/x86_64-linux-gnu, "
        )),
        "{message}"
    );
    assert!(message.ends_with(", /lib, /usr/lib)"), "{message}");

    // LD_LIBRARY_PATH in the guest's environment helps, as it would there.
    let env = SearchEnv {
        library_path: Some(format!("/nowhere:{lib}")),
        cwd: "/".into(),
    };
    let deps = resolve(
        &GuestRoot::host(),
        d.join("runpath").to_str().unwrap(),
        &env,
        &[],
    )
    .unwrap();
    assert!(deps.objects.contains(&format!("{lib}/libtwo.so")));
}

#[test]
fn objects_of_another_class_are_passed_over() {
    let Some(dir) = origin_programs() else {
        return;
    };
    let d = fs::canonicalize(dir.path()).unwrap();
    // A 32-bit ELF named libone.so first in LD_LIBRARY_PATH is skipped,
    // as ld.so skips it ("wrong ELF class"). (LD_LIBRARY_PATH comes
    // before DT_RUNPATH.)
    let mut elf32 = vec![0u8; 52];
    elf32[..7].copy_from_slice(b"\x7fELF\x01\x01\x01");
    elf32[16] = 3; // ET_DYN
    elf32[18] = 3; // EM_386
    fs::create_dir(d.join("lib32")).unwrap();
    fs::write(d.join("lib32/libone.so"), &elf32).unwrap();
    let env = SearchEnv {
        library_path: Some(format!(
            "{}:{}",
            d.join("lib32").display(),
            d.join("lib").display()
        )),
        cwd: "/".into(),
    };
    let runpath = d.join("runpath");
    let runpath = runpath.to_str().unwrap();
    let deps = resolve(&GuestRoot::host(), runpath, &env, &[]).unwrap();
    let lib = d.join("lib/libone.so");
    assert!(deps.objects.contains(&lib.to_str().unwrap().to_owned()));
    // Something that is not ELF at all is an error, as it is for ld.so.
    fs::write(d.join("lib32/libone.so"), b"not ELF").unwrap();
    let err = resolve(&GuestRoot::host(), runpath, &env, &[]).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("is not a valid ELF file"), "{message}");
}

#[test]
fn objects_added_to_the_guest_bring_what_they_need() {
    let Some(dir) = origin_programs() else {
        return;
    };
    let d = fs::canonicalize(dir.path()).unwrap();
    // An extension module that finds libtwo.so through its own RUNPATH,
    // and one whose library is missing.
    write(
        &d,
        "ext/mod.c",
        "int two(void);\nint mod(void) { return two(); }\n",
    );
    write(
        &d,
        "ext/bad.c",
        "int gone(void);\nint bad(void) { return gone(); }\n",
    );
    write(&d, "gone.c", "int gone(void) { return 0; }\n");
    write(&d, "ext/data.txt", "not ELF\n");
    write(&d, "hello.c", "int main(void) { return 0; }\n");
    let ok = compile(
        "gcc",
        &d,
        &[
            "-shared",
            "-fPIC",
            "-o",
            "ext/mod.so",
            "ext/mod.c",
            "-Llib",
            "-ltwo",
            "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib",
        ],
    ) && compile(
        "gcc",
        &d,
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libgone.so.1",
            "-o",
            "libgone.so.1",
            "gone.c",
        ],
    ) && compile(
        "gcc",
        &d,
        &[
            "-shared",
            "-fPIC",
            "-o",
            "ext/bad.so",
            "ext/bad.c",
            "./libgone.so.1",
        ],
    ) && compile("gcc", &d, &["-o", "hello", "hello.c"]);
    if !ok {
        return;
    }
    fs::remove_file(d.join("libgone.so.1")).unwrap();
    let ext = d.join("ext");
    let extras = objects_in(&ext, ext.to_str().unwrap());
    let names: Vec<&str> = extras.iter().map(|e| e.guest.as_str()).collect();
    let ext = ext.to_str().unwrap();
    assert_eq!(names, [format!("{ext}/bad.so"), format!("{ext}/mod.so")]);
    let hello = d.join("hello");
    let deps = resolve(
        &GuestRoot::host(),
        hello.to_str().unwrap(),
        &host_env(),
        &extras,
    )
    .unwrap();
    let libtwo = d.join("lib/libtwo.so");
    assert!(deps.files.contains(libtwo.to_str().unwrap()), "{deps:#?}");
    assert!(deps.objects.contains(&format!("{ext}/../lib/libtwo.so")));
    assert!(
        !deps.objects.iter().any(|o| o.ends_with("mod.so")),
        "added objects are packed by --add, not here"
    );
    assert_eq!(deps.notes.len(), 1, "{:?}", deps.notes);
    assert!(
        deps.notes[0].starts_with(&format!(
            "libgone.so.1, needed by {ext}/bad.so, is not found"
        )),
        "{}",
        deps.notes[0]
    );
    assert!(
        deps.notes[0].ends_with(&format!("; the program cannot load {ext}/bad.so")),
        "{}",
        deps.notes[0]
    );
}

#[test]
fn a_missing_library_names_who_needs_it_and_where_it_was_sought() {
    let dir = tempfile::tempdir().unwrap();
    let d = fs::canonicalize(dir.path()).unwrap();
    write(
        &d,
        "m.c",
        "int missing(void);\nint main(void) { return missing(); }\n",
    );
    write(&d, "lib.c", "int missing(void) { return 0; }\n");
    if !compile(
        "gcc",
        &d,
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libmissing.so.1",
            "-o",
            "libmissing.so.1",
            "lib.c",
        ],
    ) || !compile(
        "gcc",
        &d,
        &[
            "-o",
            "m",
            "m.c",
            "./libmissing.so.1",
            "-Wl,-rpath,/opt/none",
        ],
    ) {
        return;
    }
    fs::remove_file(d.join("libmissing.so.1")).unwrap();
    let program = d.join("m");
    let err = resolve_host(&program).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        format!(
            "libmissing.so.1, needed by {}, is not found (searched: /opt/none, {CACHE_PATH}, {})",
            program.display(),
            DEFAULT_DIRS.join(", ")
        )
    );
}

/// A Debian-like root in a directory: merged /usr, the host's glibc
/// copied in, a program, and a library only the cache knows.
fn debian_root() -> Option<(tempfile::TempDir, PathBuf)> {
    let ld = fs::canonicalize("/lib64/ld-linux-x86-64.so.2").ok()?;
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "src/hello.c",
        "int extra(void);\nint main(void) { return extra(); }\n",
    );
    write(r, "src/extra.c", "int extra(void) { return 0; }\n");
    fs::create_dir_all(r.join("opt/extra")).unwrap();
    fs::create_dir_all(r.join("usr/bin")).unwrap();
    if !compile(
        "gcc",
        &r.join("src"),
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libextra.so.1",
            "-o",
            "../opt/extra/libextra.so.1",
            "extra.c",
        ],
    ) || !compile(
        "gcc",
        &r.join("src"),
        &[
            "-o",
            "../usr/bin/hello",
            "hello.c",
            "../opt/extra/libextra.so.1",
        ],
    ) {
        return None;
    }
    let gnu = r.join("usr/lib/x86_64-linux-gnu");
    fs::create_dir_all(&gnu).unwrap();
    fs::create_dir_all(r.join("usr/lib64")).unwrap();
    fs::copy(&ld, gnu.join("ld-linux-x86-64.so.2")).unwrap();
    let libc = fs::canonicalize("/lib/x86_64-linux-gnu/libc.so.6").ok()?;
    fs::copy(libc, gnu.join("libc.so.6")).unwrap();
    symlink("usr/lib", r.join("lib")).unwrap();
    symlink("usr/lib64", r.join("lib64")).unwrap();
    symlink("usr/bin", r.join("bin")).unwrap();
    symlink(
        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        r.join("usr/lib64/ld-linux-x86-64.so.2"),
    )
    .unwrap();
    fs::create_dir(r.join("etc")).unwrap();
    fs::write(
        r.join("etc/ld.so.cache"),
        cache_bytes(&[
            (0x0303, "libextra.so.1", "/opt/extra/libextra.so.1", 0),
            (0x0303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0),
        ]),
    )
    .unwrap();
    let root = fs::canonicalize(r).unwrap();
    Some((dir, root))
}

#[test]
fn a_root_is_searched_inside_with_its_own_cache() {
    let Some((_dir, r)) = debian_root() else {
        return;
    };
    let root = GuestRoot::new(&r).unwrap();
    let deps = resolve(&root, "/bin/hello", &host_env(), &[]).unwrap();
    assert_eq!(
        deps.objects,
        [
            "/bin/hello",
            "/lib64/ld-linux-x86-64.so.2",
            "/opt/extra/libextra.so.1",
            "/lib/x86_64-linux-gnu/libc.so.6",
        ]
    );
    let files: Vec<&str> = deps.files.iter().map(String::as_str).collect();
    assert_eq!(
        files,
        [
            "/etc/ld.so.cache",
            "/opt/extra/libextra.so.1",
            "/usr/bin/hello",
            "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
        ]
    );
    let links: Vec<(&str, &str)> = deps
        .links
        .iter()
        .map(|l| (l.path.as_str(), l.target.as_str()))
        .collect();
    assert_eq!(
        links,
        [
            ("/bin", "usr/bin"),
            ("/lib", "usr/lib"),
            ("/lib64", "usr/lib64"),
            (
                "/usr/lib64/ld-linux-x86-64.so.2",
                "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
            ),
        ]
    );
    assert_self_contained(&deps);
}

#[test]
fn without_a_cache_ld_so_conf_is_read_and_the_user_told() {
    let Some((_dir, r)) = debian_root() else {
        return;
    };
    fs::remove_file(r.join("etc/ld.so.cache")).unwrap();
    let root = GuestRoot::new(&r).unwrap();
    let err = resolve(&root, "/usr/bin/hello", &host_env(), &[]).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        format!(
            "libextra.so.1, needed by /usr/bin/hello, is not found (searched in {}: {})",
            r.display(),
            DEFAULT_DIRS.join(", ")
        )
    );
    write(&r, "etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
    write(&r, "etc/ld.so.conf.d/extra.conf", "/opt/extra\n");
    let deps = resolve(&root, "/usr/bin/hello", &host_env(), &[]).unwrap();
    assert!(
        deps.objects
            .contains(&"/opt/extra/libextra.so.1".to_owned())
    );
    assert_eq!(deps.notes.len(), 1, "{:?}", deps.notes);
    assert!(
        deps.notes[0].starts_with("/opt/extra/libextra.so.1 was found through /etc/ld.so.conf")
    );
}

#[test]
fn a_missing_interpreter_is_named() {
    let Some((_dir, r)) = debian_root() else {
        return;
    };
    fs::remove_file(r.join("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")).unwrap();
    let root = GuestRoot::new(&r).unwrap();
    let err = resolve(&root, "/usr/bin/hello", &host_env(), &[]).unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.starts_with(&format!(
            "its interpreter /lib64/ld-linux-x86-64.so.2 is not found in {}",
            r.display()
        )),
        "{message}"
    );
}

#[test]
fn dynamic_string_tokens_expand_as_each_linker_expands_them() {
    let glibc = Linker::Glibc {
        cache: None,
        conf: Vec::new(),
        lib: "lib/x86_64-linux-gnu",
    };
    let musl = Linker::Musl { path: Vec::new() };
    for (text, want) in [
        ("$ORIGIN/lib", "/o/lib"),
        ("${ORIGIN}/../x", "/o/../x"),
        ("/usr/$LIB/${PLATFORM}", "/usr/lib/x86_64-linux-gnu/x86_64"),
        ("$ORIGINAL", "$ORIGINAL"),
        ("$", "$"),
        ("${ORIGIN", "${ORIGIN"),
        ("a$$ORIGIN", "a$/o"),
    ] {
        assert_eq!(glibc.expand(text, "/o"), want, "{text}");
    }
    assert_eq!(musl.expand("$ORIGIN/$LIB", "/o"), "/o/$LIB");
    assert_eq!(
        glibc.dirs("$ORIGIN:lib::/abs", "/o", "/cwd"),
        ["/o", "/cwd/lib", "/cwd", "/abs"]
    );
}

#[test]
fn musl_is_its_own_libc() {
    let musl = Linker::Musl { path: Vec::new() };
    for name in [
        "libc.so",
        "libc.musl-x86_64.so.1",
        "libpthread.so.0",
        "libm.so.6",
        "libdl.so.2",
    ] {
        assert!(musl.is_itself(name), "{name}");
    }
    for name in ["libcrypt.so.1", "libmagic.so", "libz.so.1", "c.so", "libc"] {
        assert!(!musl.is_itself(name), "{name}");
    }
    let glibc = Linker::Glibc {
        cache: None,
        conf: Vec::new(),
        lib: "lib64",
    };
    assert!(!glibc.is_itself("libc.so.6"));
}

#[test]
fn damaged_elf_files_are_errors_and_other_machines_are_not_ours() {
    assert!(parse_dynamic(b"").is_err());
    assert!(parse_dynamic(b"#!/bin/sh\n").is_err());
    let mut arm = vec![0u8; 64];
    arm[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    arm[18] = 183;
    assert_eq!(parse_dynamic(&arm).unwrap(), None);
    let mut x86 = arm.clone();
    x86[18] = 62;
    assert_eq!(parse_dynamic(&x86).unwrap(), Some(Dynamic::default()));
    // A program header table past the end.
    x86[32] = 0xff; // e_phoff
    x86[54] = 56; // e_phentsize
    x86[56] = 4; // e_phnum
    assert!(parse_dynamic(&x86).is_err());
    assert!(parse_dynamic(&x86[..40]).is_err());
}
