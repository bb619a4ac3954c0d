//! Real dynamically linked programs in Sole (issue 6, "Apps"): a glibc C
//! hello, C++ exceptions (libstdc++, libgcc_s), Debian's `python3` (`-c`, a
//! script over the standard library, `-m compileall`), `lua5.4` and the
//! `sqlite3` shell. `sole run` packs each program with its interpreter and
//! libraries; the tests add only what the program opens itself (Python's
//! standard library, whose extension modules bring their libraries along;
//! the scripts; a directory to work in).
//!
//! Every app runs natively first, with the same arguments, environment and
//! files, and must print exactly the expected text there (a mismatch is a
//! broken test, not a Sole bug); then in Sole, where it must print the same
//! and exit 0, twice: packed into an initrd (`sole run PROGRAM`) and built
//! into a disk image it boots from (`sole build`, `sole run IMAGE`: every
//! file it opens is read from the image's rootfs over virtio-blk). What an
//! app writes to its disk image is checked there afterwards, offline.

#![deny(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sole::disk::{commands, snapshot};
use sole::initrd::AddSpec;
use sole::program::{DEFAULT_ENV, ProgramSpec};
use sole::run::{Boot, BootOptions};
use sole_tests::programs::{
    Scratch, Variant, build_image, compile, run_image_with, run_with, source,
};

/// How long an app may take in Sole under TCG, boot included: Python packs
/// its whole standard library.
const SOLE_TIMEOUT: Duration = Duration::from_secs(300);

const PYTHON: &str = "/usr/bin/python3";
const LUA: &str = "/usr/bin/lua5.4";
const SQLITE: &str = "/usr/bin/sqlite3";

/// One program run, natively and in Sole, and what it must print.
struct App {
    /// What `sole run` gets. Natively: the same program, arguments and
    /// environment, in `native_cwd`.
    spec: ProgramSpec,
    /// The working directory of the native run: a copy of what the guest
    /// gets at `spec.cwd`, so that relative paths mean the same.
    native_cwd: PathBuf,
    /// The whole of standard output (the console in Sole), and nothing on
    /// standard error.
    expected: String,
    /// vCPUs in Sole.
    cpus: u16,
    /// Keeps the app's files until the test ends.
    _scratch: Option<Scratch>,
}

impl App {
    fn new(program: impl Into<PathBuf>, args: &[&str], expected: &str) -> Self {
        App {
            spec: ProgramSpec {
                program: program.into(),
                args: args.iter().map(|a| (*a).to_owned()).collect(),
                ..ProgramSpec::default()
            },
            native_cwd: PathBuf::from("/"),
            expected: expected.to_owned(),
            cpus: 1,
            _scratch: None,
        }
    }

    fn name(&self) -> String {
        format!("{} {:?}", self.spec.program.display(), self.spec.args)
    }

    /// Runs the app on this machine and checks its output.
    fn check_native(&self) {
        let out = Command::new(&self.spec.program)
            .args(&self.spec.args)
            .current_dir(&self.native_cwd)
            .env_clear()
            .envs(DEFAULT_ENV)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.name()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "broken test: {} fails natively ({}):\n{stdout}{stderr}",
            self.name(),
            out.status
        );
        assert_eq!(
            stdout,
            self.expected,
            "broken test: {} prints something else natively",
            self.name()
        );
    }

    /// Runs the app natively, then in Sole from an initrd and from a disk
    /// image, and checks all three. Returns the image, as the run left it.
    fn check(self) -> Image {
        self.check_native();
        let options = BootOptions {
            cpus: self.cpus,
            timeout: Some(SOLE_TIMEOUT),
            ..BootOptions::default()
        };
        let boot = run_with(self.spec.clone(), options.clone());
        self.expect(&boot, "from an initrd");

        let dir = scratch("app-image");
        let image = build_image(&self.spec, &dir.0.join("app.img"));
        let boot = run_image_with(&image, &[], options);
        self.expect(&boot, "from a disk image");
        Image {
            path: image,
            _dir: dir,
        }
    }

    /// The app printed what it should in Sole, and exited 0.
    fn expect(&self, boot: &Boot, how: &str) {
        let name = self.name();
        assert_eq!(
            boot.console.text, self.expected,
            "{name}: Sole's output differs ({how})"
        );
        assert_eq!(boot.status, 0, "{name}: exit status in Sole ({how})");
    }
}

/// A disk image an app ran from (removed when dropped).
struct Image {
    path: PathBuf,
    _dir: Scratch,
}

impl Image {
    /// `sole ls IMAGE PATH`: the names in a directory.
    fn ls(&self, path: &str) -> String {
        let mut out = Vec::new();
        commands::ls(&self.path, Some(path), false, &mut out)
            .unwrap_or_else(|e| panic!("sole ls {path}: {e:#}"));
        String::from_utf8(out).expect("names are text")
    }

    /// `sole verify IMAGE` finds every block intact.
    fn verify(&self) {
        let mut out = Vec::new();
        let intact = snapshot::verify(&self.path, &mut out).expect("sole verify runs");
        assert!(intact, "sole verify:\n{}", String::from_utf8_lossy(&out));
    }
}

/// A scratch directory of its own under `base`: the tests run in parallel,
/// and the same app in two of them.
fn scratch_in(base: &Path, name: &str) -> Scratch {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Scratch::new_in(base, &format!("{name}-{n}"))
}

fn scratch(name: &str) -> Scratch {
    scratch_in(&std::env::temp_dir(), name)
}

/// Fails, naming the Debian package, if `path` is missing.
fn need(path: &str, package: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: install the Debian package {package} (`cargo xtask setup`)"
    );
}

fn c_hello() -> App {
    let scratch = scratch("app-c-hello");
    let program = compile(&source("hello"), Variant::GlibcDynamic, &scratch.0);
    let expected = format!(
        "argc=2\nargv[1]=0\nGREETING=(unset)\nsum={}\n",
        0x5a * (8 << 20) / 4096
    );
    App {
        _scratch: Some(scratch),
        ..App::new(program, &["0"], &expected)
    }
}

fn cpp_exceptions() -> App {
    need("/usr/bin/g++", "g++");
    let scratch = scratch("app-cpp");
    let program = scratch.0.join("exceptions");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("apps/exceptions.cpp");
    let built = Command::new("g++")
        .args(["-O1", "-g", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&program)
        .arg(&src)
        .output()
        .expect("run g++");
    assert!(
        built.status.success(),
        "g++ {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&built.stderr)
    );
    App {
        _scratch: Some(scratch),
        ..App::new(
            program,
            &[],
            "Hello from C++\n\
             caught custom 42 code 42, 6 destructors ran\n\
             rethrowing\n\
             caught again: inner\n\
             out_of_range from libstdc++\n\
             unique 3\n",
        )
    }
}

/// Python's standard library directory (`/usr/lib/python3.11` on Debian
/// 12), asked of the host's python3.
fn python_stdlib() -> PathBuf {
    need(PYTHON, "python3");
    let out = Command::new(PYTHON)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('stdlib'))",
        ])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python3 cannot say where its stdlib is"
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// python3 with its standard library (`sole run` packs the libraries of
/// the ELF objects in it too: the extension modules' libsqlite3, libcrypto).
fn python(args: &[&str], expected: &str) -> App {
    let mut app = App::new(PYTHON, args, expected);
    app.spec.adds.push(AddSpec {
        src: python_stdlib(),
        dest: None,
    });
    app
}

fn python_print() -> App {
    python(
        &[
            "-c",
            "import sys; print('hello from', sys.implementation.name, 6 * 7)",
        ],
        "hello from cpython 42\n",
    )
}

fn python_stdlib_script() -> App {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("apps/stdlib.py");
    let script = script.to_string_lossy().into_owned();
    let mut app = python(
        &[&script],
        r#"json: {"name": "sole", "ok": true, "pi": 3.25, "ring": 0, "tags": ["unikernel", "rust"]}
re: answer 42 [('a', '1'), ('b', '22'), ('c', '333')] r#d# c#po
md5: 9e107d9d372bb6826bd81d3542a419d6
sha256: d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592
blake2b: 249df9a49f517ddcd37f5c897620ec73
sqlite3: [('fig', 5), ('kiwi', 4), ('pear', 3)] (14, 4)
threading: 4000 [0, 1, 4, 9]
datetime: 2024-02-29T01:45:00+00:00 Thursday 060 59
random: [100, 57, 15, 1, 12] e 0.034926
struct: efbeaddefeff0500000000010000736f6c65 (3735928559, -2, 1099511627781, b'sole')
zlib: 5000 True 0x53e2b70a 0xa7320a2
extensions: ['_hashlib', '_json', '_sqlite3']
all done
"#,
    );
    app.spec.adds.push(AddSpec {
        src: script.into(),
        dest: None,
    });
    app.cpus = 2;
    app
}

/// Writes a small package (two modules, one in a subdirectory) under `dir`.
fn write_package(dir: &Path) {
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write a module");
    };
    write("pkg/__init__.py", "");
    write("pkg/alpha.py", "def double(x):\n    return 2 * x\n");
    write(
        "pkg/sub/beta.py",
        "import json\n\nDATA = json.dumps({'k': [1, 2, 3]})\n",
    );
}

fn python_compileall() -> App {
    // The package in a directory in /tmp: natively in one copy, in Sole
    // in another (packed before the native run writes __pycache__).
    let scratch = scratch_in(Path::new("/tmp"), "app-compileall");
    let native = scratch.0.join("native");
    let guest = scratch.0.join("guest");
    write_package(&native);
    write_package(&guest);
    let mut app = python(
        &["-m", "compileall", "pkg"],
        "Listing 'pkg'...\n\
         Compiling 'pkg/__init__.py'...\n\
         Compiling 'pkg/alpha.py'...\n\
         Listing 'pkg/sub'...\n\
         Compiling 'pkg/sub/beta.py'...\n",
    );
    app.spec.adds.push(AddSpec {
        src: guest.join("pkg"),
        dest: Some("/tmp/pkg".into()),
    });
    app.spec.cwd = Some("/tmp".into());
    app.native_cwd = native;
    app._scratch = Some(scratch);
    app
}

fn lua_script() -> App {
    need(LUA, "lua5.4");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("apps/script.lua");
    let mut app = App::new(
        LUA,
        &[&script.to_string_lossy()],
        "sorted: apple,banana,fig,pear\n\
         closure: 3\n\
         gmatch: THE QUICK BROWN FOX\n\
         format:  3.14|ab  |ff|\"hi\\\n\"\n\
         gsub: hell0 w0rld\n\
         integers: 3 1 1024.0 9223372036854775807\n\
         types: integer float true\n\
         coroutine: 10 20 30\n\
         pcall: false 42\n\
         error: false true\n\
         metatable: 144\n\
         io: 2 lines\n\
         os: true /\n\
         done\n",
    );
    app.spec.adds.push(AddSpec {
        src: script,
        dest: None,
    });
    app
}

fn sqlite_shell() -> App {
    need(SQLITE, "sqlite3");
    let scratch = scratch("app-sqlite");
    let sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score INTEGER);\
               WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
               INSERT INTO t (name, score) SELECT 'row' || i, (i * 37) % 101 FROM n;\
               CREATE INDEX t_score ON t (score);\
               CREATE TABLE bonus (id INTEGER, extra INTEGER);\
               INSERT INTO bonus VALUES (1, 100), (500, 5), (1000, 1);\
               SELECT COUNT(*), SUM(score), MAX(score) FROM t;\
               SELECT name, score FROM t WHERE score = 100 ORDER BY id LIMIT 3;\
               SELECT t.name, t.score + bonus.extra FROM t JOIN bonus USING (id) ORDER BY id;\
               UPDATE t SET score = 0 WHERE id > 990;\
               DELETE FROM t WHERE id % 2 = 0;\
               SELECT COUNT(*), SUM(score) FROM t;\
               PRAGMA integrity_check;";
    let mut app = App::new(
        SQLITE,
        &["test.db", sql],
        "1000|50044|100\n\
         row30|100\n\
         row131|100\n\
         row232|100\n\
         row1|137\n\
         row500|22\n\
         row1000|35\n\
         500|24708\n\
         ok\n",
    );
    // The database file is made in /tmp in Sole, in a scratch directory
    // natively.
    app.spec.cwd = Some("/tmp".into());
    app.native_cwd = scratch.0.clone();
    app._scratch = Some(scratch);
    app
}

#[test]
fn glibc_c_hello() {
    c_hello().check();
}

#[test]
fn cpp_exceptions_are_thrown_and_caught() {
    cpp_exceptions().check();
}

#[test]
fn python_prints() {
    python_print().check();
}

#[test]
fn python_runs_a_script_over_the_standard_library() {
    python_stdlib_script().check();
}

#[test]
fn python_compiles_a_directory_in_tmp() {
    let image = python_compileall().check();
    // The image's /tmp has files, so it is on the disk (not a tmpfs), and
    // the compiled modules were written there.
    for (dir, module) in [("/tmp/pkg", "alpha"), ("/tmp/pkg/sub", "beta")] {
        let names = image.ls(&format!("{dir}/__pycache__"));
        assert!(
            names
                .lines()
                .any(|n| n.starts_with(&format!("{module}.cpython-"))),
            "{dir}/__pycache__ in the image: {names}"
        );
    }
    image.verify();
}

#[test]
fn lua_runs_a_script() {
    lua_script().check();
}

#[test]
fn sqlite_creates_fills_and_queries_a_database_in_tmp() {
    sqlite_shell().check();
}

/// sqlite3 booted from its disk image twice: the first boot creates a
/// database in /data, the second finds it and adds to it, and `sole run
/// --fresh`'s rollback to the build's snapshot takes it away.
#[test]
fn sqlite_keeps_its_database_in_its_disk_image_across_boots() {
    need(SQLITE, "sqlite3");
    let create = "CREATE TABLE t (name TEXT, score INTEGER);\
                  INSERT INTO t VALUES ('ada', 36), ('grace', 85);\
                  SELECT COUNT(*) FROM t;";
    let reopen = "INSERT INTO t VALUES ('linus', 91);\
                  SELECT group_concat(name), SUM(score) FROM t;\
                  PRAGMA integrity_check;";
    let dir = scratch("app-sqlite-disk");
    // Natively first, in a directory of the same name.
    let mut native = App::new(SQLITE, &["kept.db", create], "2\n");
    native.native_cwd = dir.0.join("native/data");
    std::fs::create_dir_all(&native.native_cwd).expect("mkdir");
    native.check_native();
    let mut native = App::new(SQLITE, &["kept.db", reopen], "ada,grace,linus|212\nok\n");
    native.native_cwd = dir.0.join("native/data");
    native.check_native();

    let data = dir.0.join("guest/data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let mut spec = App::new(SQLITE, &["kept.db", create], "").spec;
    spec.adds.push(AddSpec {
        src: data,
        dest: Some("/data".into()),
    });
    spec.cwd = Some("/data".into());
    let image = Image {
        path: build_image(&spec, &dir.0.join("sqlite.img")),
        _dir: dir,
    };
    let options = || BootOptions {
        timeout: Some(SOLE_TIMEOUT),
        ..BootOptions::default()
    };
    let boot = run_image_with(&image.path, &[], options());
    assert_eq!((boot.console.text.as_str(), boot.status), ("2\n", 0));
    assert_eq!(image.ls("/data"), "kept.db\n");

    let boot = run_image_with(&image.path, &["kept.db", reopen], options());
    assert_eq!(
        (boot.console.text.as_str(), boot.status),
        ("ada,grace,linus|212\nok\n", 0)
    );
    image.verify();

    snapshot::rollback(&image.path, "built").expect("sole rollback IMAGE built");
    assert_eq!(image.ls("/data"), "", "the database is gone with --fresh");
}
