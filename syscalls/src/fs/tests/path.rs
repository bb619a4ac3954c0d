//! Path resolution, per path_resolution(7).

use super::*;
use crate::fs::inode::S_IFLNK;
use crate::fs::stat::Stat;

fn symlink(t: &mut T, target: &str, path: &str) {
    let (a, b) = (t.s(target), t.s(path));
    t.ok(nr::SYMLINK, &[a, b]);
}

#[test]
fn absolute_relative_dot_and_dotdot() {
    let mut t = T::new();
    t.mkdir("/a");
    t.mkdir("/a/b");
    t.mkfile("/a/b/f", b"x");
    assert_eq!(t.cat("/a/./b/../b/f").unwrap(), b"x");
    assert_eq!(t.cat("//a///b//f").unwrap(), b"x");
    assert_eq!(t.cat("/../../a/b/f").unwrap(), b"x", ".. at / stays at /");
    let p = t.s("/a");
    t.ok(nr::CHDIR, &[p]);
    assert_eq!(t.cat("b/f").unwrap(), b"x");
    assert_eq!(t.cat("./b/../b/f").unwrap(), b"x");
    assert_eq!(t.cat("../a/b/f").unwrap(), b"x");
    assert_eq!(t.stat("..").unwrap().ino, t.stat("/").unwrap().ino);
    assert_eq!(t.stat("/proc/..").unwrap().ino, t.stat("/").unwrap().ino);
}

#[test]
fn missing_components_and_non_directories() {
    let mut t = T::new();
    t.mkfile("/f", b"");
    assert_eq!(t.stat("/nope").unwrap_err(), Errno::ENOENT);
    assert_eq!(t.stat("/nope/x").unwrap_err(), Errno::ENOENT);
    assert_eq!(t.stat("/f/x").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(t.stat("/f/").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(t.stat("/f/.").unwrap_err(), Errno::ENOTDIR);
    assert_eq!(t.stat("").unwrap_err(), Errno::ENOENT, "empty path");
    assert!(t.stat("/tmp/").is_ok());
}

#[test]
fn component_and_path_length_limits() {
    let mut t = T::new();
    let long = "x".repeat(256);
    assert_eq!(
        t.stat(&format!("/tmp/{long}")).unwrap_err(),
        Errno::ENAMETOOLONG
    );
    assert_eq!(
        t.open(&format!("/tmp/{long}"), O_CREAT | O_WRONLY, 0o644)
            .unwrap_err(),
        Errno::ENAMETOOLONG
    );
    let ok = "y".repeat(255);
    t.mkfile(&format!("/tmp/{ok}"), b"");
    assert!(t.exists(&format!("/tmp/{ok}")));
    // A path of PATH_MAX bytes or more (with its NUL) is ENAMETOOLONG.
    let huge = format!("/{}", "a/".repeat(2100));
    assert_eq!(t.stat(&huge).unwrap_err(), Errno::ENAMETOOLONG);
    // A bad pointer is EFAULT.
    let buf = t.alloc(size_of::<Stat>());
    t.fails(nr::STAT, &[0x10, buf], Errno::EFAULT);
}

#[test]
fn symlinks_are_followed_in_the_middle_and_at_the_end_unless_asked() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkfile("/d/f", b"data");
    symlink(&mut t, "d", "/rel");
    symlink(&mut t, "/d/f", "/abs");
    symlink(&mut t, "../d/./f", "/d/up");
    assert_eq!(t.cat("/rel/f").unwrap(), b"data");
    assert_eq!(t.cat("/abs").unwrap(), b"data");
    assert_eq!(t.cat("/d/up").unwrap(), b"data");
    assert_eq!(t.lstat("/abs").unwrap().mode, S_IFLNK | 0o777);
    assert_eq!(t.lstat("/abs").unwrap().size, 4);
    assert_eq!(t.stat("/abs").unwrap().size, 4, "stat follows");
    // A trailing slash follows a final symlink and needs a directory.
    assert_eq!(t.lstat("/rel/").unwrap().mode & 0o170000, 0o040000);
    assert_eq!(t.lstat("/abs/").unwrap_err(), Errno::ENOTDIR);
    // Dangling links.
    symlink(&mut t, "/nowhere", "/dangling");
    assert_eq!(t.stat("/dangling").unwrap_err(), Errno::ENOENT);
    assert!(t.lstat("/dangling").is_ok());
}

#[test]
fn forty_links_resolve_and_forty_one_are_eloop() {
    let mut t = T::new();
    t.mkfile("/target", b"end");
    symlink(&mut t, "/target", "/l0");
    for i in 1..=40 {
        symlink(&mut t, &format!("/l{}", i - 1), &format!("/l{i}"));
    }
    // /l39 takes 40 links to reach the file; /l40 takes 41.
    assert_eq!(t.cat("/l39").unwrap(), b"end");
    assert_eq!(t.cat("/l40").unwrap_err(), Errno::ELOOP);
    symlink(&mut t, "/loop", "/loop");
    assert_eq!(t.stat("/loop").unwrap_err(), Errno::ELOOP);
    assert_eq!(t.stat("/loop/x").unwrap_err(), Errno::ELOOP);
    assert!(t.lstat("/loop").is_ok());
}

#[test]
fn dirfds_at_fdcwd_and_at_empty_path() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkfile("/d/f", b"hi");
    t.mkfile("/g", b"");
    let dfd = t.open("/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let f = t.s("f");
    let fd = t
        .sys(nr::OPENAT, &[dfd, f, u64::from(O_RDONLY), 0])
        .unwrap();
    assert_eq!(t.read(fd, 10).unwrap(), b"hi");
    // An absolute path ignores dirfd, even a bad one.
    let abs = t.s("/d/f");
    assert!(t.sys(nr::OPENAT, &[999, abs, 0, 0]).is_ok());
    // A relative path needs a valid directory dirfd.
    t.fails(nr::OPENAT, &[999, f, 0, 0], Errno::EBADF);
    let gfd = t.open("/g", O_RDONLY, 0).unwrap();
    t.fails(nr::OPENAT, &[gfd, f, 0, 0], Errno::ENOTDIR);
    // O_PATH descriptors work as dirfds.
    let pfd = t.open("/d", O_PATH, 0).unwrap();
    assert!(t.sys(nr::OPENAT, &[pfd, f, 0, 0]).is_ok());
    // AT_EMPTY_PATH: the dirfd itself, whatever it is.
    let empty = t.s("");
    let buf = t.alloc(size_of::<Stat>());
    t.ok(nr::NEWFSTATAT, &[fd, empty, buf, u64::from(AT_EMPTY_PATH)]);
    let st: Stat = t.obj(buf);
    assert_eq!(st.size, 2);
    t.fails(nr::NEWFSTATAT, &[fd, empty, buf, 0], Errno::ENOENT);
    t.ok(
        nr::NEWFSTATAT,
        &[AT_FDCWD, empty, buf, u64::from(AT_EMPTY_PATH)],
    );
    let st: Stat = t.obj(buf);
    assert_eq!(st.ino, t.stat("/").unwrap().ino, "AT_FDCWD: the cwd");
}

#[test]
fn at_symlink_nofollow_and_o_nofollow() {
    let mut t = T::new();
    t.mkfile("/f", b"");
    symlink(&mut t, "/f", "/l");
    let l = t.s("/l");
    let buf = t.alloc(size_of::<Stat>());
    t.ok(
        nr::NEWFSTATAT,
        &[AT_FDCWD, l, buf, u64::from(AT_SYMLINK_NOFOLLOW)],
    );
    assert_eq!(t.obj::<Stat>(buf).mode, S_IFLNK | 0o777);
    t.fails(nr::NEWFSTATAT, &[AT_FDCWD, l, buf, 0x8000], Errno::EINVAL);
    assert_eq!(t.open("/l", O_RDONLY | O_NOFOLLOW, 0), Err(Errno::ELOOP));
    // O_PATH | O_NOFOLLOW opens the link itself.
    let fd = t.open("/l", O_PATH | O_NOFOLLOW, 0).unwrap();
    assert_eq!(t.fstat(fd).unwrap().mode, S_IFLNK | 0o777);
    // Links before the last component are followed even with O_NOFOLLOW.
    t.mkdir("/d");
    t.mkfile("/d/x", b"");
    symlink(&mut t, "/d", "/dl");
    assert!(t.open("/dl/x", O_RDONLY | O_NOFOLLOW, 0).is_ok());
}
