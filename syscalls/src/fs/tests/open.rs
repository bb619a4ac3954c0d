//! open(2), openat(2), creat(2), close(2), close_range(2), umask(2).

use super::*;
use crate::fs::inode::{S_IFDIR, S_IFREG};
use crate::process::RLIMIT_NOFILE;

#[test]
fn create_exclusive_and_truncate() {
    let mut t = T::new();
    let fd = t.open("/tmp/new", O_CREAT | O_WRONLY, 0o640).unwrap();
    assert_eq!(fd, 3, "the lowest free descriptor");
    assert_eq!(t.stat("/tmp/new").unwrap().mode, S_IFREG | 0o640);
    t.write(fd, b"abc").unwrap();
    assert_eq!(
        t.open("/tmp/new", O_CREAT | O_EXCL | O_WRONLY, 0o600),
        Err(Errno::EEXIST)
    );
    // O_CREAT without O_EXCL opens what is there, mode unchanged.
    let again = t.open("/tmp/new", O_CREAT | O_RDONLY, 0o777).unwrap();
    assert_eq!(t.read(again, 10).unwrap(), b"abc");
    assert_eq!(t.stat("/tmp/new").unwrap().mode, S_IFREG | 0o640);
    // O_TRUNC empties it (even opened read-only, as Linux does).
    t.open("/tmp/new", O_RDONLY | O_TRUNC, 0).unwrap();
    assert_eq!(t.stat("/tmp/new").unwrap().size, 0);
    // creat(2) is O_CREAT|O_WRONLY|O_TRUNC.
    t.mkfile("/tmp/c", b"old");
    let p = t.s("/tmp/c");
    let fd = t.ok(nr::CREAT, &[p, 0o600]);
    assert_eq!(t.stat("/tmp/c").unwrap().size, 0);
    assert_eq!(t.read(fd, 1), Err(Errno::EBADF), "write-only");
    assert_eq!(
        t.open("/nodir/x", O_CREAT | O_WRONLY, 0o600),
        Err(Errno::ENOENT)
    );
    assert_eq!(t.open("/tmp/absent", O_RDONLY, 0), Err(Errno::ENOENT));
    let p = t.s("/tmp/x");
    t.fails(nr::OPEN, &[0x10, 0, 0], Errno::EFAULT);
    assert!(
        t.sys(nr::OPEN, &[p, u64::from(O_CREAT | O_RDWR), 0o600])
            .is_ok()
    );
}

#[test]
fn umask_applies_to_created_files_and_directories() {
    let mut t = T::new();
    assert_eq!(t.sys(nr::UMASK, &[0o077]), Ok(0o022), "the default");
    t.open("/tmp/f", O_CREAT | O_WRONLY, 0o666).unwrap();
    assert_eq!(t.stat("/tmp/f").unwrap().mode, S_IFREG | 0o600);
    t.mkdir("/tmp/d");
    assert_eq!(t.stat("/tmp/d").unwrap().mode, S_IFDIR | 0o700);
    assert_eq!(t.sys(nr::UMASK, &[0o1777]), Ok(0o077));
    assert_eq!(t.sys(nr::UMASK, &[0o022]), Ok(0o777), "only 0777 is kept");
}

#[test]
fn directories_and_o_directory() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    assert_eq!(t.open("/tmp", O_WRONLY, 0), Err(Errno::EISDIR));
    assert_eq!(t.open("/tmp", O_RDWR, 0), Err(Errno::EISDIR));
    assert_eq!(
        t.open("/tmp", O_CREAT | O_RDONLY, 0o600),
        Err(Errno::EISDIR)
    );
    assert_eq!(t.open("/tmp/f", O_DIRECTORY, 0), Err(Errno::ENOTDIR));
    assert_eq!(t.open("/tmp/f/", O_RDONLY, 0), Err(Errno::ENOTDIR));
    assert_eq!(
        t.open("/tmp/g/", O_CREAT | O_WRONLY, 0o600),
        Err(Errno::EISDIR),
        "open(2): O_CREAT with a trailing slash"
    );
    assert!(t.open("/tmp", O_RDONLY | O_DIRECTORY, 0).is_ok());
    assert_eq!(t.open("/", O_CREAT | O_RDONLY, 0), Err(Errno::EISDIR));
}

#[test]
fn o_creat_follows_a_dangling_symlink_unless_excl() {
    let mut t = T::new();
    let (a, b) = (t.s("/tmp/target"), t.s("/tmp/link"));
    t.ok(nr::SYMLINK, &[a, b]);
    assert_eq!(
        t.open("/tmp/link", O_CREAT | O_EXCL | O_WRONLY, 0o600),
        Err(Errno::EEXIST)
    );
    assert_eq!(
        t.open("/tmp/link", O_CREAT | O_NOFOLLOW | O_WRONLY, 0o600),
        Err(Errno::ELOOP)
    );
    let fd = t.open("/tmp/link", O_CREAT | O_WRONLY, 0o600).unwrap();
    t.write(fd, b"via link").unwrap();
    assert_eq!(t.cat("/tmp/target").unwrap(), b"via link");
}

#[test]
fn o_path_descriptors_only_name_files() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"abc");
    let fd = t.open("/tmp/f", O_PATH | O_RDWR | O_TRUNC, 0).unwrap();
    assert_eq!(t.stat("/tmp/f").unwrap().size, 3, "O_TRUNC is ignored");
    assert_eq!(t.read(fd, 1), Err(Errno::EBADF));
    assert_eq!(t.write(fd, b"x"), Err(Errno::EBADF));
    assert_eq!(t.fstat(fd).unwrap().size, 3);
    assert_eq!(t.sys(nr::FCNTL, &[fd, 3, 0]), Ok(u64::from(O_PATH)));
    assert_eq!(
        t.open("/tmp/f", O_PATH | O_DIRECTORY, 0),
        Err(Errno::ENOTDIR)
    );
}

#[test]
fn o_tmpfile_is_unnamed_until_linked() {
    let mut t = T::new();
    let fd = t.open("/tmp", O_TMPFILE | O_RDWR, 0o600).unwrap();
    assert_eq!(t.names("/tmp"), Vec::<String>::new());
    t.write(fd, b"secret").unwrap();
    assert_eq!(t.fstat(fd).unwrap().nlink, 0);
    let link = t.readlink(&format!("/proc/self/fd/{fd}")).unwrap();
    assert!(
        link.starts_with("/tmp/#") && link.ends_with(" (deleted)"),
        "{link}"
    );
    let (empty, name) = (t.s(""), t.s("/tmp/named"));
    t.ok(
        nr::LINKAT,
        &[fd, empty, AT_FDCWD, name, u64::from(AT_EMPTY_PATH)],
    );
    assert_eq!(t.cat("/tmp/named").unwrap(), b"secret");
    assert_eq!(t.fstat(fd).unwrap().nlink, 1);
    assert_eq!(
        t.open("/tmp", O_TMPFILE | O_RDONLY, 0o600),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        t.open("/tmp/named", O_TMPFILE | O_RDWR, 0o600),
        Err(Errno::ENOTDIR)
    );
}

#[test]
fn cloexec_flags_and_the_descriptor_limit() {
    let mut t = T::new();
    let fd = t.open("/dev/null", O_RDONLY | O_CLOEXEC, 0).unwrap();
    assert_eq!(t.sys(nr::FCNTL, &[fd, 1, 0]), Ok(1), "FD_CLOEXEC");
    assert_eq!(
        t.sys(nr::FCNTL, &[fd, 3, 0]),
        Ok(u64::from(O_LARGEFILE)),
        "F_GETFL drops O_CLOEXEC and shows O_LARGEFILE"
    );
    t.process.limits.lock()[RLIMIT_NOFILE].cur = 6;
    assert_eq!(t.open("/dev/null", O_RDONLY, 0), Ok(4));
    assert_eq!(t.open("/dev/null", O_RDONLY, 0), Ok(5));
    assert_eq!(t.open("/dev/null", O_RDONLY, 0), Err(Errno::EMFILE));
    t.close(4);
    assert_eq!(t.open("/dev/null", O_RDONLY, 0), Ok(4), "reuses the lowest");
}

#[test]
fn close_and_close_range() {
    let mut t = T::new();
    for _ in 0..5 {
        t.open("/dev/null", O_RDONLY, 0).unwrap();
    }
    t.close(3);
    t.fails(nr::CLOSE, &[3], Errno::EBADF);
    t.fails(nr::CLOSE, &[-1i64 as u64], Errno::EBADF);
    t.ok(nr::CLOSE_RANGE, &[5, 6, 4]);
    assert_eq!(t.sys(nr::FCNTL, &[5, 1, 0]), Ok(1), "CLOSE_RANGE_CLOEXEC");
    assert_eq!(t.sys(nr::FCNTL, &[4, 1, 0]), Ok(0));
    t.ok(nr::CLOSE_RANGE, &[5, u64::from(u32::MAX), 0]);
    t.fails(nr::FCNTL, &[5, 1, 0], Errno::EBADF);
    t.fails(nr::FCNTL, &[7, 1, 0], Errno::EBADF);
    assert_eq!(t.sys(nr::FCNTL, &[4, 1, 0]), Ok(0), "outside the range");
    t.fails(nr::CLOSE_RANGE, &[5, 4, 0], Errno::EINVAL);
    t.fails(nr::CLOSE_RANGE, &[0, 1, 1], Errno::EINVAL);
}

#[test]
fn o_creat_with_o_directory_is_einval() {
    let mut t = T::new();
    assert_eq!(
        t.open("/tmp/x", O_CREAT | O_DIRECTORY | O_RDONLY, 0o755),
        Err(Errno::EINVAL)
    );
    assert!(!t.exists("/tmp/x"), "nothing is created");
}
