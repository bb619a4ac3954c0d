//! `--trace-missing`: paths not found are printed once, made absolute.

use super::*;
use core::sync::atomic::Ordering;

fn missing_lines(t: &T) -> Vec<String> {
    t.platform
        .console_text()
        .lines()
        .filter_map(|l| l.strip_prefix("sole: missing: "))
        .map(String::from)
        .collect()
}

#[test]
fn a_missing_path_is_printed_once_when_asked() {
    let mut t = T::new();
    assert_eq!(t.open("/nope/lib.so", O_RDONLY, 0), Err(Errno::ENOENT));
    assert!(t.platform.console_text().is_empty(), "not asked");

    t.process.trace_missing.store(true, Ordering::Relaxed);
    assert_eq!(t.open("/nope/lib.so", O_RDONLY, 0), Err(Errno::ENOENT));
    assert_eq!(t.open("/nope/lib.so", O_RDONLY, 0), Err(Errno::ENOENT));
    assert_eq!(
        t.stat("/usr/lib/python3.11/os.py").err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        missing_lines(&t),
        ["/nope/lib.so", "/usr/lib/python3.11/os.py"]
    );
    assert!(
        t.platform
            .console_text()
            .starts_with("sole: missing: /nope/lib.so\n")
    );
}

#[test]
fn relative_paths_are_made_absolute_from_the_cwd_or_the_dirfd() {
    let mut t = T::new();
    t.process.trace_missing.store(true, Ordering::Relaxed);
    t.mkdir("/tmp/d");
    let d = t.s("/tmp/d");
    t.ok(nr::CHDIR, &[d]);
    assert_eq!(t.open("rel.txt", O_RDONLY, 0), Err(Errno::ENOENT));
    let dir = t.open("/tmp", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let name = t.s("x/y");
    t.fails(nr::OPENAT, &[dir, name, 0, 0], Errno::ENOENT);
    // faccessat's path is its second argument too.
    let name = t.s("z");
    t.fails(nr::FACCESSAT, &[dir, name, 0], Errno::ENOENT);
    assert_eq!(missing_lines(&t), ["/tmp/d/rel.txt", "/tmp/x/y", "/tmp/z"]);
}

#[test]
fn only_lookups_that_fail_with_enoent_are_reported() {
    let mut t = T::new();
    t.process.trace_missing.store(true, Ordering::Relaxed);
    t.mkfile("/tmp/f", b"x");
    // Found; not a directory; an empty path: nothing to report.
    assert!(t.open("/tmp/f", O_RDONLY, 0).is_ok());
    assert_eq!(t.open("/tmp/f/g", O_RDONLY, 0), Err(Errno::ENOTDIR));
    let empty = t.s("");
    t.fails(nr::OPEN, &[empty, 0, 0], Errno::ENOENT);
    // symlink(2)'s target is text, not a lookup: the link's directory is.
    let target = t.s("/absent-target");
    let link = t.s("/no-dir/link");
    t.fails(nr::SYMLINK, &[target, link], Errno::ENOENT);
    assert_eq!(missing_lines(&t), ["/no-dir/link"]);
}

#[test]
fn reports_stop_after_the_limit() {
    use crate::fs::missing::MAX_REPORTED;
    let mut t = T::new();
    t.process.trace_missing.store(true, Ordering::Relaxed);
    for i in 0..MAX_REPORTED + 10 {
        let path = format!("/m/{i}");
        assert_eq!(t.stat(&path).err(), Some(Errno::ENOENT));
    }
    let lines = missing_lines(&t);
    assert_eq!(lines.len(), MAX_REPORTED + 1);
    assert_eq!(lines.last().unwrap(), "(more paths are not reported)");
}
