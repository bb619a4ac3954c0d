//! link(2), linkat(2), symlink(2), symlinkat(2), readlink(2),
//! readlinkat(2).

use super::*;
use crate::fs::inode::S_IFLNK;

#[test]
fn hard_links_share_an_inode() {
    let mut t = T::new();
    t.mkfile("/tmp/a", b"shared");
    let (a, b) = (t.s("/tmp/a"), t.s("/tmp/b"));
    t.ok(nr::LINK, &[a, b]);
    let (sa, sb) = (t.stat("/tmp/a").unwrap(), t.stat("/tmp/b").unwrap());
    assert_eq!(sa.ino, sb.ino);
    assert_eq!(sa.nlink, 2);
    let fd = t.open("/tmp/b", O_WRONLY | O_APPEND, 0).unwrap();
    t.write(fd, b"!").unwrap();
    assert_eq!(t.cat("/tmp/a").unwrap(), b"shared!");
    t.ok(nr::UNLINK, &[a]);
    assert_eq!(t.stat("/tmp/b").unwrap().nlink, 1);
    // Errors.
    t.fails(nr::LINK, &[a, b], Errno::ENOENT);
    let (c, d) = (t.s("/tmp/b"), t.s("/tmp"));
    t.fails(nr::LINK, &[c, d], Errno::EEXIST);
    let (e, f) = (t.s("/tmp"), t.s("/tmp/dirlink"));
    t.fails(nr::LINK, &[e, f], Errno::EPERM);
    let g = t.s("/dev/b");
    t.fails(nr::LINK, &[c, g], Errno::EXDEV);
    let h = t.s("/tmp/new/");
    t.fails(nr::LINK, &[c, h], Errno::ENOENT);
}

#[test]
fn linkat_follows_symlinks_only_when_asked() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let (target, link) = (t.s("/tmp/f"), t.s("/tmp/sl"));
    t.ok(nr::SYMLINK, &[target, link]);
    let (h1, h2) = (t.s("/tmp/h1"), t.s("/tmp/h2"));
    t.ok(nr::LINKAT, &[AT_FDCWD, link, AT_FDCWD, h1, 0]);
    assert_eq!(t.lstat("/tmp/h1").unwrap().mode, S_IFLNK | 0o777);
    t.ok(
        nr::LINKAT,
        &[AT_FDCWD, link, AT_FDCWD, h2, u64::from(AT_SYMLINK_FOLLOW)],
    );
    assert_eq!(
        t.stat("/tmp/h2").unwrap().ino,
        t.stat("/tmp/f").unwrap().ino
    );
    assert_eq!(t.stat("/tmp/f").unwrap().nlink, 2);
    t.fails(
        nr::LINKAT,
        &[AT_FDCWD, link, AT_FDCWD, h2, 0x1],
        Errno::EINVAL,
    );
    // AT_EMPTY_PATH links what a descriptor names, unless it was deleted.
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let (empty, h3) = (t.s(""), t.s("/tmp/h3"));
    t.ok(
        nr::LINKAT,
        &[fd, empty, AT_FDCWD, h3, u64::from(AT_EMPTY_PATH)],
    );
    assert_eq!(t.stat("/tmp/h3").unwrap().nlink, 3);
    for p in ["/tmp/f", "/tmp/h2", "/tmp/h3"] {
        let p = t.s(p);
        t.ok(nr::UNLINK, &[p]);
    }
    let h4 = t.s("/tmp/h4");
    t.fails(
        nr::LINKAT,
        &[fd, empty, AT_FDCWD, h4, u64::from(AT_EMPTY_PATH)],
        Errno::ENOENT,
    );
}

#[test]
fn symlinks_store_their_target_text() {
    let mut t = T::new();
    let (target, link) = (t.s("does/not/exist"), t.s("/tmp/l"));
    t.ok(nr::SYMLINK, &[target, link]);
    assert_eq!(t.readlink("/tmp/l").unwrap(), "does/not/exist");
    t.fails(nr::SYMLINK, &[target, link], Errno::EEXIST);
    let empty = t.s("");
    let l2 = t.s("/tmp/l2");
    t.fails(nr::SYMLINK, &[empty, l2], Errno::ENOENT);
    let slash = t.s("/tmp/l3/");
    t.fails(nr::SYMLINK, &[target, slash], Errno::ENOENT);
    let proc = t.s("/proc/l");
    t.fails(nr::SYMLINK, &[target, proc], Errno::EPERM);
    let dfd = t.open("/tmp", O_RDONLY, 0).unwrap();
    let rel = t.s("rel");
    t.ok(nr::SYMLINKAT, &[target, dfd, rel]);
    assert_eq!(t.readlink("/tmp/rel").unwrap(), "does/not/exist");
}

#[test]
fn readlink_truncates_and_refuses_non_links() {
    let mut t = T::new();
    let (target, link) = (t.s("/a/long/target"), t.s("/tmp/l"));
    t.ok(nr::SYMLINK, &[target, link]);
    let buf = t.alloc(16);
    t.put(buf, &[b'#'; 16]);
    assert_eq!(t.sys(nr::READLINK, &[link, buf, 5]), Ok(5));
    assert_eq!(t.mem(buf, 6), b"/a/lo#", "no NUL is added");
    t.fails(nr::READLINK, &[link, buf, 0], Errno::EINVAL);
    t.fails(nr::READLINK, &[link, buf, -1i64 as u64], Errno::EINVAL);
    let dir = t.s("/tmp");
    t.fails(nr::READLINK, &[dir, buf, 16], Errno::EINVAL);
    let none = t.s("/tmp/none");
    t.fails(nr::READLINK, &[none, buf, 16], Errno::ENOENT);
    t.fails(nr::READLINK, &[link, 0x10, 16], Errno::EFAULT);
    // readlinkat: relative to a dirfd, or (empty path) an O_PATH link fd.
    let dfd = t.open("/tmp", O_RDONLY, 0).unwrap();
    let l = t.s("l");
    assert_eq!(t.sys(nr::READLINKAT, &[dfd, l, buf, 16]), Ok(14));
    let lfd = t.open("/tmp/l", O_PATH | O_NOFOLLOW, 0).unwrap();
    let empty = t.s("");
    assert_eq!(t.sys(nr::READLINKAT, &[lfd, empty, buf, 16]), Ok(14));
    assert_eq!(t.mem(buf, 14), b"/a/long/target");
    t.fails(nr::READLINKAT, &[dfd, empty, buf, 16], Errno::ENOENT);
}
