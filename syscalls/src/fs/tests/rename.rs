//! rename(2), renameat(2), renameat2(2).

use super::*;

const NOREPLACE: u64 = 1;
const EXCHANGE: u64 = 2;
const WHITEOUT: u64 = 4;

fn rename2(t: &mut T, from: &str, to: &str, flags: u64) -> Result<u64, Errno> {
    let (a, b) = (t.s(from), t.s(to));
    t.sys(nr::RENAMEAT2, &[AT_FDCWD, a, AT_FDCWD, b, flags])
}

fn rename(t: &mut T, from: &str, to: &str) -> Result<u64, Errno> {
    let (a, b) = (t.s(from), t.s(to));
    t.sys(nr::RENAME, &[a, b])
}

#[test]
fn renames_files_and_replaces_targets() {
    let mut t = T::new();
    t.mkfile("/a", b"A");
    t.mkfile("/b", b"B");
    let ino = t.stat("/a").unwrap().ino;
    assert_eq!(rename(&mut t, "/a", "/c"), Ok(0));
    assert!(!t.exists("/a"));
    assert_eq!(t.stat("/c").unwrap().ino, ino, "the same inode moves");
    assert_eq!(rename(&mut t, "/c", "/b"), Ok(0));
    assert_eq!(t.cat("/b").unwrap(), b"A");
    assert_eq!(t.names("/"), ["b", "dev", "proc", "tmp"]);
    assert_eq!(rename(&mut t, "/nope", "/x"), Err(Errno::ENOENT));
    assert_eq!(rename(&mut t, "/b", "/nodir/x"), Err(Errno::ENOENT));
    // Two links to one file: nothing happens.
    let (a, b) = (t.s("/b"), t.s("/b2"));
    t.ok(nr::LINK, &[a, b]);
    assert_eq!(rename(&mut t, "/b", "/b2"), Ok(0));
    assert!(t.exists("/b") && t.exists("/b2"));
}

#[test]
fn directory_rules() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkdir("/d/sub");
    t.mkdir("/e");
    t.mkdir("/full");
    t.mkfile("/full/x", b"");
    t.mkfile("/f", b"");
    assert_eq!(rename(&mut t, "/d", "/f"), Err(Errno::ENOTDIR));
    assert_eq!(rename(&mut t, "/f", "/e"), Err(Errno::EISDIR));
    assert_eq!(rename(&mut t, "/d", "/full"), Err(Errno::ENOTEMPTY));
    assert_eq!(
        rename(&mut t, "/d", "/d/sub/in"),
        Err(Errno::EINVAL),
        "into itself"
    );
    assert_eq!(rename(&mut t, "/d/sub", "/d/."), Err(Errno::EBUSY));
    assert_eq!(rename(&mut t, "/d/.", "/x"), Err(Errno::EBUSY));
    assert_eq!(rename(&mut t, "/f/", "/g"), Err(Errno::ENOTDIR));
    assert_eq!(rename(&mut t, "/f", "/g/"), Err(Errno::ENOTDIR));
    // A directory replaces an empty one and moves its `..`.
    assert_eq!(rename(&mut t, "/d", "/e"), Ok(0));
    assert_eq!(t.stat("/e/sub/..").unwrap().ino, t.stat("/e").unwrap().ino);
    assert_eq!(t.stat("/").unwrap().nlink, 2 + 5, "tmp dev proc e full");
    assert_eq!(rename(&mut t, "/e/sub", "/full/sub"), Ok(0));
    assert_eq!(t.stat("/e").unwrap().nlink, 2);
    assert_eq!(t.stat("/full").unwrap().nlink, 3);
    assert_eq!(
        t.stat("/full/sub/..").unwrap().ino,
        t.stat("/full").unwrap().ino
    );
    assert_eq!(
        rename(&mut t, "/e/", "/e2/"),
        Ok(0),
        "slashes on directories"
    );
}

#[test]
fn mounts_and_other_filesystems() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    assert_eq!(rename(&mut t, "/tmp/f", "/dev/f"), Err(Errno::EXDEV));
    assert_eq!(rename(&mut t, "/dev", "/dev2"), Err(Errno::EBUSY));
    assert_eq!(
        rename(&mut t, "/proc/cpuinfo", "/proc/x"),
        Err(Errno::EPERM)
    );
    let (from, to) = (t.s("f"), t.s("g"));
    let dfd = t.open("/tmp", O_RDONLY, 0).unwrap();
    t.ok(nr::RENAMEAT, &[dfd, from, dfd, to]);
    assert!(t.exists("/tmp/g"));
}

#[test]
fn renameat2_noreplace_exchange_and_whiteout() {
    let mut t = T::new();
    t.mkfile("/a", b"A");
    t.mkfile("/b", b"B");
    t.mkdir("/d");
    assert_eq!(rename2(&mut t, "/a", "/b", NOREPLACE), Err(Errno::EEXIST));
    assert_eq!(rename2(&mut t, "/a", "/c", NOREPLACE), Ok(0));
    assert_eq!(rename2(&mut t, "/c", "/b", EXCHANGE), Ok(0));
    assert_eq!(t.cat("/b").unwrap(), b"A");
    assert_eq!(t.cat("/c").unwrap(), b"B");
    assert_eq!(rename2(&mut t, "/c", "/none", EXCHANGE), Err(Errno::ENOENT));
    // Exchanging a file and a directory swaps their types.
    assert_eq!(rename2(&mut t, "/c", "/d", EXCHANGE), Ok(0));
    assert_eq!(t.cat("/d").unwrap(), b"B");
    assert_eq!(t.stat("/c/..").unwrap().ino, t.stat("/").unwrap().ino);
    assert_eq!(
        rename2(&mut t, "/b", "/c", NOREPLACE | EXCHANGE),
        Err(Errno::EINVAL)
    );
    assert_eq!(rename2(&mut t, "/b", "/x", WHITEOUT), Err(Errno::EINVAL));
    assert_eq!(rename2(&mut t, "/b", "/x", 8), Err(Errno::EINVAL));
    assert!(t.exists("/b"));
}
