//! Debian's `busybox-static` in Sole: each command's output must equal the
//! same command run natively on the same files. Natively the commands run in
//! the fixture directory, on a tmpfs (`/dev/shm`, as Sole's root is one);
//! in Sole the fixture is added at `/data` and the commands run there; paths
//! are relative so outputs compare. Modification times are set to the epoch
//! natively, as the image stores them, so even `ls -l` compares exactly.

#![deny(unsafe_code)]

use sole::disk::commands;
use sole::initrd::AddSpec;
use sole::program::ProgramSpec;
use sole::run::{Boot, BootOptions, Input};
use sole_tests::programs::{Scratch, build_image, run, run_image_with, run_with};
use std::path::{Path, PathBuf};
use std::process::Command;

const BUSYBOX: &str = "/bin/busybox";

/// A small tree of text files, the same on the host and in the image.
struct Fixture {
    _scratch: Scratch,
    root: PathBuf,
}

impl Fixture {
    fn new(name: &str) -> Self {
        assert!(
            Path::new(BUSYBOX).is_file(),
            "{BUSYBOX} is missing: install busybox-static (`cargo xtask setup`)"
        );
        let scratch = Scratch::on_tmpfs(name);
        let root = scratch.0.join("data");
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        };
        write("fruit.txt", "pear\napple\nfig\nbanana\napple\n");
        write(
            "poem.txt",
            "the quick brown fox\njumps over\nthe lazy dog\n",
        );
        write("sub/deep/notes.txt", "one two three\nfour five\n");
        write("sub/numbers.csv", "3,c\n1,a\n2,b\n");
        // A tar of the tree, made natively, to extract in Sole.
        let tar = Command::new(BUSYBOX)
            .args(["tar", "cf"])
            .arg(scratch.0.join("tree.tar"))
            .args(["-C"])
            .arg(&root)
            .args(["fruit.txt", "sub"])
            .status()
            .expect("run busybox tar");
        assert!(tar.success());
        std::fs::rename(scratch.0.join("tree.tar"), root.join("tree.tar")).expect("move the tar");
        // The image stores times as the epoch; match that natively.
        let touch = Command::new(BUSYBOX)
            .args(["find"])
            .arg(&root)
            .args([
                "-exec",
                BUSYBOX,
                "touch",
                "-h",
                "-d",
                "1970-01-01 00:00:00",
                "{}",
                "+",
            ])
            .env("TZ", "UTC")
            .status()
            .expect("run touch");
        assert!(touch.success());
        Fixture {
            _scratch: scratch,
            root,
        }
    }

    /// A path as the commands use it: relative to the fixture.
    fn path(&self, rel: &str) -> String {
        if rel.is_empty() {
            ".".to_owned()
        } else {
            rel.to_owned()
        }
    }

    fn spec(&self, args: &[&str]) -> ProgramSpec {
        ProgramSpec {
            program: BUSYBOX.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            adds: vec![AddSpec {
                src: self.root.clone(),
                dest: Some("/data".into()),
            }],
            cwd: Some("/data".into()),
            ..ProgramSpec::default()
        }
    }

    /// Runs `busybox ARGS` natively and in Sole and checks they agree.
    fn same(&self, args: &[&str]) {
        self.compare(args, false);
    }

    /// Like `same`, for output in directory order, which is each
    /// filesystem's own (POSIX leaves it unspecified): compares the lines
    /// as a set.
    fn same_lines(&self, args: &[&str]) {
        self.compare(args, true);
    }

    fn compare(&self, args: &[&str], unordered: bool) {
        let boot = run(self.spec(args));
        self.agrees(args, unordered, &boot);
    }

    /// Runs `busybox ARGS` natively and checks that `boot` printed the
    /// same and exited with the same status.
    fn agrees(&self, args: &[&str], unordered: bool, boot: &Boot) {
        let native = Command::new(BUSYBOX)
            .args(args)
            .current_dir(&self.root)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("HOME", "/")
            .env("TERM", "linux")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run busybox natively");
        let sorted = |text: &str| {
            let mut lines: Vec<&str> = text.lines().collect();
            lines.sort_unstable();
            lines.join("\n")
        };
        let native_out = String::from_utf8_lossy(&native.stdout).into_owned();
        if unordered {
            assert_eq!(
                sorted(&boot.console.text),
                sorted(&native_out),
                "busybox {args:?}: lines differ"
            );
            assert_eq!(
                i32::from(boot.status),
                native.status.code().unwrap_or(-1),
                "busybox {args:?}: status"
            );
            return;
        }
        assert_eq!(
            boot.console.text, native_out,
            "busybox {args:?}: output differs"
        );
        assert_eq!(
            i32::from(boot.status),
            native.status.code().unwrap_or(-1),
            "busybox {args:?}: status"
        );
    }
}

#[test]
fn echo_cat_wc_sort() {
    let f = Fixture::new("bb-text");
    f.same(&["echo", "hello", "from", "busybox"]);
    f.same(&["cat", &f.path("fruit.txt"), &f.path("poem.txt")]);
    f.same(&["wc", &f.path("poem.txt"), &f.path("fruit.txt")]);
    f.same(&["sort", "-u", &f.path("fruit.txt")]);
    f.same(&["sha256sum", &f.path("poem.txt"), &f.path("sub/numbers.csv")]);
}

#[test]
fn grep_sed_awk() {
    let f = Fixture::new("bb-filters");
    f.same(&["grep", "-n", "the", &f.path("poem.txt")]);
    f.same_lines(&["grep", "-r", "five", &f.path("sub")]);
    f.same(&[
        "sed",
        "-e",
        "s/apple/APPLE/g",
        "-e",
        "/fig/d",
        &f.path("fruit.txt"),
    ]);
    f.same(&[
        "awk",
        "-F,",
        "{ s += $1; print $2 } END { print s }",
        &f.path("sub/numbers.csv"),
    ]);
    f.same(&["grep", "no-such-text", &f.path("poem.txt")]); // exit status 1
}

#[test]
fn ls_find() {
    let f = Fixture::new("bb-tree");
    f.same(&["ls", "-l", &f.path("")]);
    f.same(&["ls", "-la", &f.path("sub")]);
    f.same_lines(&["find", &f.path(""), "-name", "*.txt"]);
    f.same_lines(&["find", &f.path("sub"), "-type", "d"]);
}

#[test]
fn tar_extracts_into_tmp() {
    let f = Fixture::new("bb-tar");
    let tar = f.path("tree.tar");
    // Natively into a scratch directory, in Sole into /tmp: `v` lists what
    // was extracted, which must agree.
    let out = f.root.parent().expect("the scratch dir").join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let native = Command::new(BUSYBOX)
        .args(["tar", "xvf", &tar, "-C"])
        .arg(&out)
        .current_dir(&f.root)
        .output()
        .expect("tar");
    assert!(native.status.success());
    let boot = run(f.spec(&["tar", "xvf", &tar, "-C", "/tmp"]));
    assert_eq!(boot.console.text, String::from_utf8_lossy(&native.stdout));
    assert_eq!(boot.status, 0);
    // And the contents come out whole.
    f.same(&["tar", "xOf", &tar, "sub/deep/notes.txt", "fruit.txt"]);
}

#[test]
fn sh_builtins() {
    let f = Fixture::new("bb-sh");
    f.same(&[
        "sh",
        "-c",
        "x=0; for i in 1 2 3 4; do x=$((x + i)); done; echo sum=$x; \
         if [ -d / ] && test -f /bin/busybox; then echo tests; fi; \
         printf '%s|%5d|%x\\n' word 42 255; set -- a b c; echo $# $2; \
         read line < /dev/null || echo eof; exit 3",
    ]);
}

#[test]
fn console_input_reaches_the_program_and_ends() {
    let f = Fixture::new("bb-stdin");
    let input = Input::Bytes(b"pear\napple\nfig\n".to_vec());
    let boot = run_with(
        f.spec(&["sort"]),
        BootOptions {
            input,
            ..BootOptions::default()
        },
    );
    assert_eq!(boot.console.text, "apple\nfig\npear\n");
    assert_eq!(boot.status, 0);
    // With no input, a reader sees end of file at once.
    let boot = run(f.spec(&["wc", "-c"]));
    assert_eq!(boot.console.text.trim(), "0");
}

/// The fixture built into a disk image with busybox (`sole build`), then
/// commands booted from it one after another (`sole run IMAGE ARGS`): they
/// read the fixture from the image's rootfs and agree with native runs;
/// what one boot writes, the next one reads, and `sole cat` too.
#[test]
fn commands_agree_when_booted_from_a_disk_image() {
    let f = Fixture::new("bb-image");
    let image = build_image(
        &f.spec(&["true"]),
        &f.root.parent().expect("the scratch dir").join("bb.img"),
    );
    let same = |args: &[&str], unordered: bool| {
        let boot = run_image_with(&image, args, BootOptions::default());
        f.agrees(args, unordered, &boot);
    };
    same(&["cat", "fruit.txt", "poem.txt"], false);
    same(&["sha256sum", "poem.txt", "sub/deep/notes.txt"], false);
    // Files only: a directory's size is each filesystem's own (4096 per
    // block on the disk, as ext4; 20 per entry on the native tmpfs).
    same(&["ls", "-l", "sub/deep"], false);
    same(&["find", ".", "-name", "*.txt"], true);
    same(&["tar", "xOf", "tree.tar", "sub/numbers.csv"], false);
    // Changes to the tree, one boot each (natively too, in the fixture,
    // which no later native run reads): each boot sees what the ones
    // before it wrote.
    same(&["mkdir", "-p", "new/dir"], false);
    same(&["cp", "fruit.txt", "new/dir/sorted.txt"], false);
    same(
        &["sort", "-o", "new/dir/sorted.txt", "new/dir/sorted.txt"],
        false,
    );
    same(&["mv", "poem.txt", "new/"], false);
    same(&["rm", "sub/numbers.csv"], false);
    same(&["ln", "-s", "dir/sorted.txt", "new/link"], false);
    same(&["ls", "-1", "new", "sub"], false);
    same(&["wc", "-l", "new/link"], false);
    let boot = run_image_with(
        &image,
        &["cat", "new/link", "new/poem.txt"],
        BootOptions::default(),
    );
    assert_eq!(
        boot.console.text,
        "apple\napple\nbanana\nfig\npear\nthe quick brown fox\njumps over\nthe lazy dog\n"
    );
    assert_eq!(boot.status, 0);
    let mut sorted = Vec::new();
    commands::cat(&image, "/data/new/dir/sorted.txt", &mut sorted).expect("sole cat");
    assert_eq!(sorted, b"apple\napple\nbanana\nfig\npear\n");
    let mut gone = Vec::new();
    assert!(commands::cat(&image, "/data/sub/numbers.csv", &mut gone).is_err());
}
