//! stat(2) family, statx(2), statfs(2).

use super::*;
use crate::fs::inode::{S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG};
use crate::fs::stat::{STATX_BASIC_STATS, STATX_BTIME, Statfs, Statx};

const REALTIME_BASE: i64 = 1_767_225_600;

#[test]
fn stat_reports_what_was_recorded() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"12345");
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!(st.mode, S_IFREG | 0o644);
    assert_eq!((st.size, st.nlink, st.uid, st.gid), (5, 1, 0, 0));
    assert_eq!((st.blksize, st.blocks), (4096, 8));
    assert_eq!(st.mtime, REALTIME_BASE + 1, "the test clock's wall time");
    assert_eq!(st.dev, t.stat("/").unwrap().dev, "same filesystem");
    assert_ne!(st.dev, t.stat("/proc").unwrap().dev);
    assert_ne!(st.ino, t.stat("/tmp").unwrap().ino);
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let fst = t.fstat(fd).unwrap();
    assert_eq!((fst.ino, fst.size), (st.ino, 5));
    t.fails(nr::FSTAT, &[99, t.next], Errno::EBADF);
    let bad = t.s("/tmp/f");
    t.fails(nr::STAT, &[bad, 0x10], Errno::EFAULT);
}

#[test]
fn directories_count_links_and_entries() {
    let mut t = T::new();
    t.mkdir("/d");
    assert_eq!(t.stat("/d").unwrap().nlink, 2);
    t.mkdir("/d/a");
    t.mkdir("/d/b");
    t.mkfile("/d/f", b"");
    let st = t.stat("/d").unwrap();
    assert_eq!(st.mode, S_IFDIR | 0o755);
    assert_eq!(st.nlink, 4, "2 + one per subdirectory");
    assert_eq!(st.size, 5 * 20, "tmpfs: 20 bytes per entry, . and .. too");
}

#[test]
fn devices_and_pipes_have_their_types() {
    let mut t = T::new();
    let st = t.stat("/dev/zero").unwrap();
    assert_eq!(st.mode, S_IFCHR | 0o666);
    assert_eq!(st.rdev, (1 << 8) | 5);
    assert_eq!(
        t.fstat(0).unwrap().rdev,
        (5 << 8) | 1,
        "fd 0 is /dev/console"
    );
    let fds = t.alloc(8);
    t.ok(nr::PIPE, &[fds]);
    let [r, _w]: [i32; 2] = t.obj(fds);
    let st = t.fstat(r as u64).unwrap();
    assert_eq!(st.mode, S_IFIFO | 0o600);
}

#[test]
fn statx_fills_basic_stats_and_birth_time() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"abc");
    let p = t.s("/tmp/f");
    let buf = t.alloc(size_of::<Statx>());
    t.ok(
        nr::STATX,
        &[AT_FDCWD, p, 0, u64::from(STATX_BASIC_STATS), buf],
    );
    let sx: Statx = t.obj(buf);
    let st = t.stat("/tmp/f").unwrap();
    assert_eq!(
        sx.mask & (STATX_BASIC_STATS | STATX_BTIME),
        STATX_BASIC_STATS | STATX_BTIME
    );
    assert_eq!(u32::from(sx.mode), st.mode);
    assert_eq!((sx.size, sx.ino, sx.nlink), (3, st.ino, 1));
    assert_eq!(sx.blksize, 4096);
    assert_eq!(sx.mtime.sec, st.mtime);
    assert_eq!(sx.btime.sec, st.mtime, "born when written");
    assert_eq!(u64::from(sx.dev_minor), st.dev);
    let z = t.s("/dev/zero");
    t.ok(nr::STATX, &[AT_FDCWD, z, 0, 0, buf]);
    let sx: Statx = t.obj(buf);
    assert_eq!((sx.rdev_major, sx.rdev_minor), (1, 5));
    t.fails(nr::STATX, &[AT_FDCWD, p, 0x6000, 0, buf], Errno::EINVAL);
    t.fails(
        nr::STATX,
        &[AT_FDCWD, p, 0, 0x8000_0000, buf],
        Errno::EINVAL,
    );
    t.fails(nr::STATX, &[AT_FDCWD, p, 0x1, 0, buf], Errno::EINVAL);
    // AT_EMPTY_PATH on a descriptor.
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let e = t.s("");
    t.ok(nr::STATX, &[fd, e, u64::from(AT_EMPTY_PATH), 0, buf]);
    assert_eq!(t.obj::<Statx>(buf).size, 3);
}

#[test]
fn statfs_names_each_filesystem() {
    let mut t = T::new();
    let buf = t.alloc(size_of::<Statfs>());
    let fs_of = |t: &mut T, path: &str| {
        let p = t.s(path);
        t.ok(nr::STATFS, &[p, buf]);
        t.obj::<Statfs>(buf)
    };
    let root = fs_of(&mut t, "/tmp");
    assert_eq!(root.f_type, 0x0102_1994, "TMPFS_MAGIC");
    assert_eq!(root.bsize, 4096);
    assert_eq!(root.blocks, (128 << 20) / 2 / 4096, "half of RAM");
    assert_eq!(root.namelen, 255);
    let before = root.bfree;
    t.mkfile("/tmp/f", &[1u8; 3 * 4096]);
    assert_eq!(fs_of(&mut t, "/").bfree, before - 3);
    assert_eq!(
        fs_of(&mut t, "/proc/self").f_type,
        0x9fa0,
        "PROC_SUPER_MAGIC"
    );
    assert_eq!(fs_of(&mut t, "/dev/null").f_type, 0x0102_1994);
    t.ok(nr::FSTATFS, &[1, buf]);
    assert_eq!(
        t.obj::<Statfs>(buf).f_type,
        0x0102_1994,
        "the console is in /dev"
    );
    let fds = t.alloc(8);
    t.ok(nr::PIPE, &[fds]);
    let [r, _]: [i32; 2] = t.obj(fds);
    t.ok(nr::FSTATFS, &[r as u64, buf]);
    assert_eq!(t.obj::<Statfs>(buf).f_type, 0x5049_5045, "PIPEFS_MAGIC");
    let p = t.s("/nope");
    t.fails(nr::STATFS, &[p, buf], Errno::ENOENT);
    t.fails(nr::FSTATFS, &[42, buf], Errno::EBADF);
}
