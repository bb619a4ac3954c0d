//! chmod(2), chown(2), truncate(2), fallocate(2), utimensat(2), fsync(2),
//! access(2) and their relatives.

use super::*;
use crate::abi::{Timespec, Timeval};
use crate::fs::inode::{S_IFLNK, S_IFREG};
use crate::sys::utimensat::{UTIME_NOW, UTIME_OMIT, Utimbuf};

#[test]
fn chmod_changes_permission_bits_and_ctime() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let p = t.s("/tmp/f");
    t.platform.sleep_until(5_000_000_000);
    t.ok(nr::CHMOD, &[p, 0o104755]);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!(st.mode, S_IFREG | 0o4755, "the type bits stay");
    assert!(st.ctime > st.mtime);
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    t.ok(nr::FCHMOD, &[fd, 0o600]);
    assert_eq!(t.stat("/tmp/f").unwrap().mode, S_IFREG | 0o600);
    let dfd = t.open("/tmp", O_RDONLY, 0).unwrap();
    let rel = t.s("f");
    t.ok(nr::FCHMODAT, &[dfd, rel, 0o640]);
    assert_eq!(t.stat("/tmp/f").unwrap().mode, S_IFREG | 0o640);
    // A symlink's own mode cannot change (fchmodat2 AT_SYMLINK_NOFOLLOW).
    let (target, link) = (t.s("/tmp/f"), t.s("/tmp/l"));
    t.ok(nr::SYMLINK, &[target, link]);
    t.fails(
        nr::FCHMODAT2,
        &[AT_FDCWD, link, 0o600, u64::from(AT_SYMLINK_NOFOLLOW)],
        Errno::EOPNOTSUPP,
    );
    t.ok(nr::FCHMODAT2, &[AT_FDCWD, link, 0o644, 0]);
    assert_eq!(t.stat("/tmp/f").unwrap().mode, S_IFREG | 0o644);
    t.fails(nr::FCHMODAT2, &[AT_FDCWD, link, 0o644, 0x2], Errno::EINVAL);
    let path_fd = t.open("/tmp/f", O_PATH, 0).unwrap();
    t.fails(nr::FCHMOD, &[path_fd, 0o600], Errno::EBADF);
    let cpuinfo = t.s("/proc/cpuinfo");
    t.fails(nr::CHMOD, &[cpuinfo, 0o777], Errno::EPERM);
    let none = t.s("/none");
    t.fails(nr::CHMOD, &[none, 0o777], Errno::ENOENT);
}

#[test]
fn chown_records_owners_and_clears_set_id_bits() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let p = t.s("/tmp/f");
    t.ok(nr::CHMOD, &[p, 0o6755]);
    t.ok(nr::CHOWN, &[p, 1000, 100]);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!((st.uid, st.gid), (1000, 100));
    assert_eq!(
        st.mode,
        S_IFREG | 0o755,
        "suid and (group-exec) sgid cleared"
    );
    t.ok(nr::CHOWN, &[p, u64::from(u32::MAX), 7]);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!((st.uid, st.gid), (1000, 7), "-1 keeps the uid");
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    t.ok(nr::FCHOWN, &[fd, 0, 0]);
    assert_eq!(t.stat("/tmp/f").unwrap().uid, 0);
    // lchown and AT_SYMLINK_NOFOLLOW change the link, not its target.
    let (target, link) = (t.s("/tmp/f"), t.s("/tmp/l"));
    t.ok(nr::SYMLINK, &[target, link]);
    t.ok(nr::LCHOWN, &[link, 5, 5]);
    assert_eq!(t.lstat("/tmp/l").unwrap().uid, 5);
    assert_eq!(t.stat("/tmp/l").unwrap().uid, 0);
    t.ok(
        nr::FCHOWNAT,
        &[AT_FDCWD, link, 6, 6, u64::from(AT_SYMLINK_NOFOLLOW)],
    );
    assert_eq!(t.lstat("/tmp/l").unwrap().gid, 6);
    t.fails(nr::FCHOWNAT, &[AT_FDCWD, link, 6, 6, 0x2], Errno::EINVAL);
    let proc = t.s("/proc/uptime");
    t.fails(nr::CHOWN, &[proc, 1, 1], Errno::EPERM);
}

#[test]
fn truncate_and_ftruncate() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"0123456789");
    let p = t.s("/tmp/f");
    t.ok(nr::TRUNCATE, &[p, 4]);
    assert_eq!(t.cat("/tmp/f").unwrap(), b"0123");
    t.ok(nr::TRUNCATE, &[p, 6]);
    assert_eq!(t.cat("/tmp/f").unwrap(), b"0123\0\0", "grows with zeroes");
    t.fails(nr::TRUNCATE, &[p, -1i64 as u64], Errno::EINVAL);
    let d = t.s("/tmp");
    t.fails(nr::TRUNCATE, &[d, 0], Errno::EISDIR);
    let fd = t.open("/tmp/f", O_RDWR, 0).unwrap();
    t.ok(nr::FTRUNCATE, &[fd, 1]);
    assert_eq!(t.fstat(fd).unwrap().size, 1);
    let ro = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    t.fails(nr::FTRUNCATE, &[ro, 0], Errno::EINVAL);
    t.fails(nr::FTRUNCATE, &[fd, -1i64 as u64], Errno::EINVAL);
    t.fails(nr::FTRUNCATE, &[1, 0], Errno::EINVAL);
    t.fails(nr::FTRUNCATE, &[55, 0], Errno::EBADF);
}

#[test]
fn fallocate_modes() {
    let mut t = T::new();
    let fd = t.open("/tmp/f", O_CREAT | O_RDWR, 0o600).unwrap();
    t.ok(nr::FALLOCATE, &[fd, 0, 0, 10_000]);
    let st = t.fstat(fd).unwrap();
    assert_eq!((st.size, st.blocks), (10_000, 3 * 8));
    t.ok(nr::FALLOCATE, &[fd, 1, 10_000, 10_000]);
    let st = t.fstat(fd).unwrap();
    assert_eq!((st.size, st.blocks), (10_000, 5 * 8), "KEEP_SIZE");
    // PUNCH_HOLE|KEEP_SIZE frees the pages wholly inside the range.
    t.ok(nr::FALLOCATE, &[fd, 3, 4096, 8192]);
    assert_eq!(t.fstat(fd).unwrap().blocks, 3 * 8);
    t.fails(nr::FALLOCATE, &[fd, 2, 0, 10], Errno::EOPNOTSUPP);
    t.fails(nr::FALLOCATE, &[fd, 0x10, 0, 10], Errno::EOPNOTSUPP);
    t.fails(nr::FALLOCATE, &[fd, 0, 0, 0], Errno::EINVAL);
    t.fails(nr::FALLOCATE, &[fd, 0, 0, 1 << 40], Errno::ENOSPC);
    assert_eq!(t.fstat(fd).unwrap().blocks, 3 * 8, "nothing was kept");
    t.fails(nr::FALLOCATE, &[fd, 0, -1i64 as u64, 1], Errno::EINVAL);
    let ro = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    t.fails(nr::FALLOCATE, &[ro, 0, 0, 1], Errno::EBADF);
    t.fails(nr::FALLOCATE, &[1, 0, 0, 1], Errno::ENODEV);
    let fds = t.alloc(8);
    t.ok(nr::PIPE, &[fds]);
    let [_, w]: [i32; 2] = t.obj(fds);
    t.fails(nr::FALLOCATE, &[w as u64, 0, 0, 1], Errno::ESPIPE);
}

#[test]
fn utimensat_sets_omits_and_nows() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    t.platform.sleep_until(9_000_000_000);
    let p = t.s("/tmp/f");
    let times = t.bytes(
        [
            Timespec { sec: 100, nsec: 5 },
            Timespec {
                sec: 200,
                nsec: UTIME_OMIT,
            },
        ]
        .as_bytes(),
    );
    let before = t.stat("/tmp/f").unwrap();
    t.ok(nr::UTIMENSAT, &[AT_FDCWD, p, times, 0]);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!((st.atime, st.atime_nsec), (100, 5));
    assert_eq!(st.mtime, before.mtime, "UTIME_OMIT");
    assert_eq!(st.ctime, 1_767_225_600 + 9, "ctime is now");
    let now = t.bytes(
        [
            Timespec {
                sec: 0,
                nsec: UTIME_OMIT,
            },
            Timespec {
                sec: 0,
                nsec: UTIME_NOW,
            },
        ]
        .as_bytes(),
    );
    t.ok(nr::UTIMENSAT, &[AT_FDCWD, p, now, 0]);
    assert_eq!(t.stat("/tmp/f").unwrap().mtime, 1_767_225_600 + 9);
    // NULL times: both now; NULL path: the descriptor.
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    t.ok(nr::UTIMENSAT, &[fd, 0, 0, 0]);
    assert_eq!(t.stat("/tmp/f").unwrap().atime, 1_767_225_600 + 9);
    let bad = t.bytes([Timespec { sec: 0, nsec: -1 }, Timespec::default()].as_bytes());
    t.fails(nr::UTIMENSAT, &[AT_FDCWD, p, bad, 0], Errno::EINVAL);
    t.fails(nr::UTIMENSAT, &[AT_FDCWD, p, times, 0x4], Errno::EINVAL);
    t.fails(
        nr::UTIMENSAT,
        &[fd, 0, times, u64::from(AT_SYMLINK_NOFOLLOW)],
        Errno::EINVAL,
    );
    // AT_SYMLINK_NOFOLLOW sets the link's own times.
    let (target, link) = (t.s("/tmp/f"), t.s("/tmp/l"));
    t.ok(nr::SYMLINK, &[target, link]);
    t.ok(
        nr::UTIMENSAT,
        &[AT_FDCWD, link, times, u64::from(AT_SYMLINK_NOFOLLOW)],
    );
    assert_eq!(t.lstat("/tmp/l").unwrap().mode, S_IFLNK | 0o777);
    assert_eq!(t.lstat("/tmp/l").unwrap().atime, 100);
    assert_ne!(t.stat("/tmp/l").unwrap().atime, 100);
}

#[test]
fn utimes_futimesat_and_utime() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let p = t.s("/tmp/f");
    let tv = t.bytes([Timeval { sec: 10, usec: 3 }, Timeval { sec: 20, usec: 4 }].as_bytes());
    t.ok(nr::UTIMES, &[p, tv]);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!(
        (st.atime, st.atime_nsec, st.mtime, st.mtime_nsec),
        (10, 3000, 20, 4000)
    );
    let bad = t.bytes(
        [
            Timeval {
                sec: 1,
                usec: 1_000_000,
            },
            Timeval::default(),
        ]
        .as_bytes(),
    );
    t.fails(nr::UTIMES, &[p, bad], Errno::EINVAL);
    let dfd = t.open("/tmp", O_RDONLY, 0).unwrap();
    let rel = t.s("f");
    t.ok(nr::FUTIMESAT, &[dfd, rel, tv]);
    let ub = t.bytes(
        Utimbuf {
            actime: 30,
            modtime: 40,
        }
        .as_bytes(),
    );
    t.ok(nr::UTIME, &[p, ub]);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!((st.atime, st.mtime), (30, 40));
    t.ok(nr::UTIME, &[p, 0]);
    assert_eq!(t.stat("/tmp/f").unwrap().mtime, 1_767_225_600 + 1);
}

#[test]
fn sync_calls() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    t.ok(nr::FSYNC, &[fd]);
    t.ok(nr::FDATASYNC, &[fd]);
    let dir = t.open("/tmp", O_RDONLY, 0).unwrap();
    t.ok(nr::FSYNC, &[dir]);
    t.ok(nr::SYNC, &[]);
    t.ok(nr::SYNCFS, &[fd]);
    t.fails(nr::FSYNC, &[1], Errno::EINVAL);
    t.fails(nr::FSYNC, &[99], Errno::EBADF);
    t.fails(nr::SYNCFS, &[99], Errno::EBADF);
    let path = t.open("/tmp/f", O_PATH, 0).unwrap();
    t.fails(nr::FDATASYNC, &[path], Errno::EBADF);
}

#[test]
fn access_as_root_checks_only_execute() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let p = t.s("/tmp/f");
    t.ok(nr::CHMOD, &[p, 0o000]);
    t.ok(nr::ACCESS, &[p, 4 | 2]);
    t.fails(nr::ACCESS, &[p, 1], Errno::EACCES);
    t.ok(nr::CHMOD, &[p, 0o010]);
    t.ok(nr::ACCESS, &[p, 1]);
    t.ok(nr::ACCESS, &[p, 0]);
    let d = t.s("/tmp");
    t.ok(nr::ACCESS, &[d, 7]);
    t.fails(nr::ACCESS, &[p, 8], Errno::EINVAL);
    let none = t.s("/tmp/none");
    t.fails(nr::ACCESS, &[none, 0], Errno::ENOENT);
    let cpu = t.s("/proc/cpuinfo");
    t.ok(nr::ACCESS, &[cpu, 4]);
    t.fails(nr::ACCESS, &[cpu, 2], Errno::EACCES);
    let dfd = t.open("/tmp", O_RDONLY, 0).unwrap();
    let rel = t.s("f");
    t.ok(nr::FACCESSAT, &[dfd, rel, 1]);
    let (target, link) = (t.s("/tmp/none"), t.s("/tmp/dangling"));
    t.ok(nr::SYMLINK, &[target, link]);
    t.fails(nr::FACCESSAT2, &[AT_FDCWD, link, 0, 0], Errno::ENOENT);
    t.ok(
        nr::FACCESSAT2,
        &[AT_FDCWD, link, 0, u64::from(AT_SYMLINK_NOFOLLOW)],
    );
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let empty = t.s("");
    t.ok(nr::FACCESSAT2, &[fd, empty, 1, u64::from(AT_EMPTY_PATH)]);
    t.fails(nr::FACCESSAT2, &[fd, empty, 0, 0x4], Errno::EINVAL);
}
