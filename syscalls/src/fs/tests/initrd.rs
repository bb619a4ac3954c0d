//! Building the root from initrd entries, and the rest of the kernel-facing
//! API (read_file, remove_tree, set_cwd, set_exe).

use super::*;
use crate::fs::inode::{S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG};
use crate::fs::{FsContext, InitrdEntry};

fn entry<'a>(path: &'a str, mode: u32, data: &'a [u8]) -> InitrdEntry<'a> {
    InitrdEntry {
        path,
        mode,
        data,
        mtime: 1_700_000_000,
    }
}

/// A tree like a small Debian image: merged /usr with a `lib` symlink,
/// entries arriving in archive order with "./" prefixes.
fn image(fs: &mut FsContext) {
    let entries = [
        entry(".", S_IFDIR | 0o755, b""),
        entry("./usr", S_IFDIR | 0o755, b""),
        entry("./usr/lib", S_IFDIR | 0o755, b""),
        entry("./lib", S_IFLNK | 0o777, b"usr/lib"),
        entry("./usr/lib/libc.so.6", S_IFREG | 0o755, b"\x7fELF libc"),
        entry("usr/bin/hello", S_IFREG | 0o755, b"#!hello"),
        entry("./bin", S_IFLNK | 0o777, b"usr/bin"),
        entry("lib/ld.so", S_IFREG | 0o755, b"ld"),
        entry("etc/hostname", S_IFREG | 0o644, b"myhost\n"),
        entry("./dev/null", S_IFCHR | 0o666, b""),
        entry("./dev", S_IFDIR | 0o755, b""),
        entry("./.sole/manifest", S_IFREG | 0o600, b"argv=hello"),
    ];
    for e in &entries {
        fs.add_initrd_entry(e).expect("entry");
    }
    fs.finish_initrd().expect("finish");
}

#[test]
fn builds_a_root_from_entries_and_reads_files_back() {
    let mut fs = FsContext::with_console();
    image(&mut fs);
    assert_eq!(
        fs.read_file(b"/usr/lib/libc.so.6").unwrap(),
        b"\x7fELF libc"
    );
    assert_eq!(fs.read_file(b"/lib/libc.so.6").unwrap(), b"\x7fELF libc");
    assert_eq!(fs.read_file(b"/bin/hello").unwrap(), b"#!hello");
    // Written through the `lib` symlink, as initramfs unpacking would.
    assert_eq!(fs.read_file(b"/usr/lib/ld.so").unwrap(), b"ld");
    assert_eq!(fs.read_file(b"/usr").unwrap_err().errno, Errno::EISDIR);
    assert_eq!(fs.read_file(b"/nope").unwrap_err().errno, Errno::ENOENT);
    assert_eq!(
        fs.read_file(b"/dev/null").unwrap_err().errno,
        Errno::EINVAL,
        "/dev stays devtmpfs's"
    );
}

#[test]
fn initrd_files_keep_mode_and_mtime_and_parents_are_made() {
    let mut t = T::new();
    image(&mut t.process.fs.lock());
    let st = t.stat("/usr/bin/hello").unwrap();
    assert_eq!(st.mode, S_IFREG | 0o755);
    assert_eq!(st.mtime, 1_700_000_000);
    assert_eq!(st.size, 7);
    let st = t.stat("/usr/bin").unwrap();
    assert_eq!(st.mode, S_IFDIR | 0o755, "made as a parent");
    t.process
        .fs
        .lock()
        .add_initrd_entry(&InitrdEntry {
            path: "usr/bin/later",
            mode: S_IFREG | 0o644,
            data: b"",
            mtime: 1_800_000_000,
        })
        .unwrap();
    assert_eq!(t.stat("/usr/bin").unwrap().mtime, 1_700_000_000, "kept");
    assert_eq!(t.readlink("/lib").unwrap(), "usr/lib");
    assert_eq!(t.lstat("/lib").unwrap().mode, S_IFLNK | 0o777);
    // The image's /dev entries are hidden by devtmpfs: still a char device.
    assert_eq!(t.stat("/dev/null").unwrap().mode & 0o170000, S_IFCHR);
    assert_eq!(t.stat("/dev/null").unwrap().rdev, (1 << 8) | 3);
}

#[test]
fn the_context_can_move_between_threads() {
    fn send_sync<X: Send + Sync>() {}
    send_sync::<FsContext>();
    send_sync::<crate::process::Process>();
}

#[test]
fn later_entries_replace_earlier_ones() {
    let mut fs = FsContext::with_console();
    fs.add_initrd_entry(&entry("a/b", S_IFREG | 0o644, b"one"))
        .unwrap();
    fs.add_initrd_entry(&entry("a/b", S_IFREG | 0o600, b"two!"))
        .unwrap();
    assert_eq!(fs.read_file(b"/a/b").unwrap(), b"two!");
    fs.add_initrd_entry(&entry("a", S_IFDIR | 0o700, b""))
        .unwrap();
    assert_eq!(
        fs.read_file(b"a/b").unwrap(),
        b"two!",
        "a directory entry keeps its contents"
    );
    fs.add_initrd_entry(&entry("a", S_IFLNK | 0o777, b"/tmp"))
        .unwrap();
    assert_eq!(fs.read_file(b"/a/b").unwrap_err().errno, Errno::ENOENT);
    assert!(
        fs.add_initrd_entry(&entry("../x", S_IFREG, b"")).is_err(),
        "'..' is refused"
    );
}

#[test]
fn finish_generates_only_missing_etc_files_and_dirs() {
    let mut t = T::new();
    image(&mut t.process.fs.lock());
    assert_eq!(t.cat("/etc/hostname").unwrap(), b"myhost\n", "kept");
    assert_eq!(
        t.cat("/etc/passwd").unwrap(),
        b"root:x:0:0:root:/root:/bin/sh\n"
    );
    assert_eq!(t.cat("/etc/group").unwrap(), b"root:x:0:\n");
    let hosts = String::from_utf8(t.cat("/etc/hosts").unwrap()).unwrap();
    assert!(hosts.contains("127.0.0.1\tlocalhost sole\n"), "{hosts}");
    assert!(hosts.contains("::1\tlocalhost sole\n"), "{hosts}");
    assert_eq!(t.stat("/tmp").unwrap().mode, S_IFDIR | 0o1777);
    assert_eq!(t.stat("/root").unwrap().mode, S_IFDIR | 0o700);
    assert_eq!(t.stat("/etc/passwd").unwrap().mode, S_IFREG | 0o644);

    let mut fs = FsContext::with_console();
    fs.finish_initrd().unwrap();
    assert_eq!(fs.read_file(b"/etc/hostname").unwrap(), b"sole\n");
}

#[test]
fn remove_tree_set_cwd_and_set_exe() {
    let mut t = T::new();
    image(&mut t.process.fs.lock());
    t.process.fs.lock().remove_tree(b"/.sole").unwrap();
    assert!(!t.exists("/.sole"));
    assert_eq!(
        t.process
            .fs
            .lock()
            .remove_tree(b"/.sole")
            .unwrap_err()
            .errno,
        Errno::ENOENT
    );
    assert_eq!(
        t.process.fs.lock().remove_tree(b"/dev").unwrap_err().errno,
        Errno::EBUSY
    );
    t.process.fs.lock().set_cwd(b"/usr/bin").unwrap();
    assert_eq!(t.cat("hello").unwrap(), b"#!hello");
    assert_eq!(
        t.process
            .fs
            .lock()
            .set_cwd(b"/usr/bin/hello")
            .unwrap_err()
            .errno,
        Errno::ENOTDIR
    );
    t.process.fs.lock().set_exe(b"/usr/bin/hello");
    assert_eq!(t.readlink("/proc/self/exe").unwrap(), "/usr/bin/hello");
    assert_eq!(t.cat("/proc/self/exe").unwrap(), b"#!hello");
    // A removed link is removed, not followed.
    t.process.fs.lock().remove_tree(b"/bin").unwrap();
    assert!(t.exists("/usr/bin/hello"));
}
