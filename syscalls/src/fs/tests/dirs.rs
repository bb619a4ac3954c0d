//! mkdir(2), rmdir(2), unlink(2), getdents64(2), getcwd(2), chdir(2).

use super::*;

fn getcwd(t: &mut T) -> Result<String, Errno> {
    let buf = t.alloc(256);
    let n = t.sys(nr::GETCWD, &[buf, 256])? as usize;
    let bytes = t.mem(buf, n);
    assert_eq!(bytes[n - 1], 0, "NUL-terminated, counted");
    Ok(String::from_utf8(bytes[..n - 1].to_vec()).unwrap())
}

#[test]
fn mkdir_and_its_errors() {
    let mut t = T::new();
    let p = t.s("/a/");
    t.ok(nr::MKDIR, &[p, 0o750]);
    assert_eq!(t.stat("/a").unwrap().mode, 0o040750);
    t.fails(nr::MKDIR, &[p, 0o755], Errno::EEXIST);
    let p = t.s("/a/b/c");
    t.fails(nr::MKDIR, &[p, 0o755], Errno::ENOENT);
    t.mkfile("/f", b"");
    let p = t.s("/f/x");
    t.fails(nr::MKDIR, &[p, 0o755], Errno::ENOTDIR);
    let p = t.s("/");
    t.fails(nr::MKDIR, &[p, 0o755], Errno::EEXIST);
    let p = t.s("/proc/new");
    t.fails(nr::MKDIR, &[p, 0o755], Errno::EPERM);
    let dfd = t.open("/a", O_RDONLY, 0).unwrap();
    let p = t.s("sub");
    t.ok(nr::MKDIRAT, &[dfd, p, 0o700]);
    assert!(t.exists("/a/sub"));
    let st = t.stat("/a").unwrap();
    assert_eq!(st.nlink, 3);
    assert_eq!(st.mtime, st.ctime);
}

#[test]
fn rmdir_and_unlink_rules() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkdir("/d/sub");
    t.mkfile("/d/f", b"");
    let d = t.s("/d");
    t.fails(nr::RMDIR, &[d], Errno::ENOTEMPTY);
    let f = t.s("/d/f");
    t.fails(nr::RMDIR, &[f], Errno::ENOTDIR);
    let sub = t.s("/d/sub");
    t.fails(nr::UNLINK, &[sub], Errno::EISDIR);
    let fslash = t.s("/d/f/");
    t.fails(nr::UNLINK, &[fslash], Errno::ENOTDIR);
    t.ok(nr::UNLINK, &[f]);
    t.fails(nr::UNLINK, &[f], Errno::ENOENT);
    let dot = t.s("/d/sub/.");
    t.fails(nr::RMDIR, &[dot], Errno::EINVAL);
    let dotdot = t.s("/d/sub/..");
    t.fails(nr::RMDIR, &[dotdot], Errno::ENOTEMPTY);
    for p in ["/", "/dev", "/proc"] {
        let p = t.s(p);
        t.fails(nr::RMDIR, &[p], Errno::EBUSY);
    }
    t.ok(nr::RMDIR, &[sub]);
    assert_eq!(t.stat("/d").unwrap().nlink, 2);
    t.ok(nr::RMDIR, &[d]);
    assert!(!t.exists("/d"));
    let p = t.s("/proc/cpuinfo");
    t.fails(nr::UNLINK, &[p], Errno::EPERM);
}

#[test]
fn unlinkat_with_and_without_removedir() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkdir("/d/s");
    t.mkfile("/d/f", b"");
    let dfd = t.open("/d", O_RDONLY, 0).unwrap();
    let (s, f) = (t.s("s"), t.s("f"));
    t.fails(nr::UNLINKAT, &[dfd, s, 0], Errno::EISDIR);
    t.fails(
        nr::UNLINKAT,
        &[dfd, f, u64::from(AT_REMOVEDIR)],
        Errno::ENOTDIR,
    );
    t.fails(nr::UNLINKAT, &[dfd, f, 0x1], Errno::EINVAL);
    t.ok(nr::UNLINKAT, &[dfd, s, u64::from(AT_REMOVEDIR)]);
    t.ok(nr::UNLINKAT, &[dfd, f, 0]);
    assert_eq!(t.names("/d"), Vec::<String>::new());
}

#[test]
fn an_unlinked_open_file_stays_readable() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"still here");
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let p = t.s("/tmp/f");
    t.ok(nr::UNLINK, &[p]);
    assert_eq!(t.fstat(fd).unwrap().nlink, 0);
    assert_eq!(t.read(fd, 100).unwrap(), b"still here");
    assert_eq!(
        t.readlink(&format!("/proc/self/fd/{fd}")).unwrap(),
        "/tmp/f (deleted)"
    );
}

#[test]
fn getdents64_lists_dot_dotdot_and_entries_with_types() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkdir("/d/sub");
    t.mkfile("/d/file", b"");
    let (a, b) = (t.s("file"), t.s("/d/link"));
    t.ok(nr::SYMLINK, &[a, b]);
    let fd = t.open("/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let got = t.dents(fd);
    assert_eq!(
        got,
        [
            (".".into(), 4),
            ("..".into(), 4),
            ("file".into(), 8),
            ("link".into(), 10),
            ("sub".into(), 4)
        ]
    );
    // At the end: 0; rewinding starts over.
    assert!(t.dents(fd).is_empty());
    t.ok(nr::LSEEK, &[fd, 0, 0]);
    assert_eq!(t.dents(fd).len(), 5);
    // d_ino matches stat.
    let buf = t.alloc(256);
    t.ok(nr::LSEEK, &[fd, 2, 0]);
    let n = t.ok(nr::GETDENTS64, &[fd, buf, 256]) as usize;
    let d = t.mem(buf, n);
    let ino = u64::from_ne_bytes(d[..8].try_into().unwrap());
    assert_eq!(ino, t.stat("/d/file").unwrap().ino, "seekdir to a d_off");
    // Too small for one record; not a directory; O_PATH.
    t.ok(nr::LSEEK, &[fd, 0, 0]);
    t.fails(nr::GETDENTS64, &[fd, buf, 10], Errno::EINVAL);
    let f = t.open("/d/file", O_RDONLY, 0).unwrap();
    t.fails(nr::GETDENTS64, &[f, buf, 256], Errno::ENOTDIR);
    let p = t.open("/d", O_PATH, 0).unwrap();
    t.fails(nr::GETDENTS64, &[p, buf, 256], Errno::EBADF);
    t.fails(nr::GETDENTS64, &[fd, 0x10, 256], Errno::EFAULT);
}

#[test]
fn a_listing_continues_past_entries_removed_under_it() {
    let mut t = T::new();
    t.mkdir("/d");
    for i in 0..40 {
        t.mkfile(&format!("/d/file{i:02}"), b"");
    }
    let fd = t.open("/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    // Read a bufferful at a time and remove each batch, as rm -r does.
    let buf = t.alloc(200);
    let mut seen = 0;
    loop {
        let n = t.ok(nr::GETDENTS64, &[fd, buf, 200]) as usize;
        if n == 0 {
            break;
        }
        let data = t.mem(buf, n);
        let mut at = 0;
        while at < n {
            let reclen = u16::from_ne_bytes([data[at + 16], data[at + 17]]) as usize;
            let name = String::from_utf8_lossy(&data[at + 19..at + reclen])
                .trim_end_matches('\0')
                .to_string();
            if name != "." && name != ".." {
                let p = t.s(&format!("/d/{name}"));
                t.ok(nr::UNLINK, &[p]);
                seen += 1;
            }
            at += reclen;
        }
    }
    assert_eq!(seen, 40);
    assert_eq!(t.names("/d"), Vec::<String>::new());
}

#[test]
fn getcwd_chdir_and_fchdir() {
    let mut t = T::new();
    assert_eq!(getcwd(&mut t).unwrap(), "/");
    t.mkdir("/a");
    t.mkdir("/a/b");
    let p = t.s("/a/b");
    t.ok(nr::CHDIR, &[p]);
    assert_eq!(getcwd(&mut t).unwrap(), "/a/b");
    let p = t.s("..");
    t.ok(nr::CHDIR, &[p]);
    assert_eq!(getcwd(&mut t).unwrap(), "/a");
    let fd = t.open("/a/b", O_RDONLY, 0).unwrap();
    t.ok(nr::FCHDIR, &[fd]);
    assert_eq!(getcwd(&mut t).unwrap(), "/a/b");
    assert_eq!(t.readlink("/proc/self/cwd").unwrap(), "/a/b");
    // A too-small buffer is ERANGE; a file is ENOTDIR.
    let buf = t.alloc(4);
    t.fails(nr::GETCWD, &[buf, 4], Errno::ERANGE);
    t.mkfile("/f", b"");
    let p = t.s("/f");
    t.fails(nr::CHDIR, &[p], Errno::ENOTDIR);
    let f = t.open("/f", O_RDONLY, 0).unwrap();
    t.fails(nr::FCHDIR, &[f], Errno::ENOTDIR);
    t.fails(nr::FCHDIR, &[77], Errno::EBADF);
    let p = t.s("/nope");
    t.fails(nr::CHDIR, &[p], Errno::ENOENT);
    // Renaming a parent moves the cwd's path with it.
    let (from, to) = (t.s("/a"), t.s("/z"));
    t.ok(nr::RENAME, &[from, to]);
    assert_eq!(getcwd(&mut t).unwrap(), "/z/b");
    // Once removed, the cwd has no path.
    let p = t.s("/z/b");
    t.ok(nr::RMDIR, &[p]);
    assert_eq!(getcwd(&mut t).unwrap_err(), Errno::ENOENT);
    assert_eq!(t.open("new", O_CREAT | O_WRONLY, 0o600), Err(Errno::ENOENT));
}

#[test]
fn the_old_getdents_puts_d_type_last() {
    let mut t = T::new();
    t.mkdir("/d");
    t.mkfile("/d/file", b"");
    let fd = t.open("/d", O_RDONLY, 0).unwrap();
    let buf = t.alloc(256);
    let n = t.ok(nr::GETDENTS, &[fd, buf, 256]) as usize;
    let data = t.mem(buf, n);
    let mut names = Vec::new();
    let mut at = 0;
    while at < n {
        let reclen = u16::from_ne_bytes([data[at + 16], data[at + 17]]) as usize;
        assert_eq!(reclen % 8, 0);
        let name = &data[at + 18..at + reclen - 1];
        let len = name.iter().position(|&b| b == 0).unwrap();
        names.push((
            String::from_utf8_lossy(&name[..len]).into_owned(),
            data[at + reclen - 1],
        ));
        at += reclen;
    }
    assert_eq!(
        names,
        [(".".into(), 4), ("..".into(), 4), ("file".into(), 8)]
    );
    assert_eq!(t.sys(nr::GETDENTS, &[fd, buf, 256]), Ok(0));
    t.fails(nr::GETDENTS, &[0, buf, 256], Errno::ENOTDIR);
}
