//! dup(2), dup2(2), dup3(2), fcntl(2), flock(2), ioctl(2).

use super::*;
use crate::fs::tty::{Termios, Winsize};
use crate::process::RLIMIT_NOFILE;
use crate::sys::fcntl::*;
use crate::sys::ioctl::*;

#[test]
fn dup_family() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"abcdef");
    let fd = t.open("/tmp/f", O_RDONLY | O_CLOEXEC, 0).unwrap();
    let d = t.ok(nr::DUP, &[fd]);
    assert_eq!(d, 4);
    assert_eq!(
        t.sys(nr::FCNTL, &[d, F_GETFD as u64, 0]),
        Ok(0),
        "dup clears FD_CLOEXEC"
    );
    t.fails(nr::DUP, &[99], Errno::EBADF);
    // dup2 onto an open descriptor closes it quietly.
    let other = t.open("/dev/null", O_RDONLY, 0).unwrap();
    assert_eq!(t.sys(nr::DUP2, &[fd, other]), Ok(other));
    assert_eq!(t.read(other, 2).unwrap(), b"ab");
    assert_eq!(t.read(fd, 2).unwrap(), b"cd", "one shared offset");
    assert_eq!(t.sys(nr::DUP2, &[fd, fd]), Ok(fd));
    t.fails(nr::DUP2, &[99, 99], Errno::EBADF);
    t.fails(nr::DUP2, &[fd, -1i64 as u64], Errno::EBADF);
    t.fails(nr::DUP2, &[fd, 1024], Errno::EBADF);
    assert_eq!(t.sys(nr::DUP2, &[fd, 100]), Ok(100));
    // dup3.
    assert_eq!(t.sys(nr::DUP3, &[fd, 50, u64::from(O_CLOEXEC)]), Ok(50));
    assert_eq!(t.sys(nr::FCNTL, &[50, F_GETFD as u64, 0]), Ok(1));
    t.fails(nr::DUP3, &[fd, fd, 0], Errno::EINVAL);
    t.fails(nr::DUP3, &[fd, 51, 1], Errno::EINVAL);
    // Shared status flags.
    t.ok(nr::FCNTL, &[fd, F_SETFL as u64, u64::from(O_NONBLOCK)]);
    let fl = t.ok(nr::FCNTL, &[50, F_GETFL as u64, 0]);
    assert_ne!(fl & u64::from(O_NONBLOCK), 0);
}

#[test]
fn fcntl_dupfd_fd_flags_and_status_flags() {
    let mut t = T::new();
    let fd = t.open("/dev/null", O_RDWR, 0).unwrap();
    assert_eq!(t.sys(nr::FCNTL, &[fd, F_DUPFD as u64, 10]), Ok(10));
    assert_eq!(t.sys(nr::FCNTL, &[fd, F_DUPFD as u64, 10]), Ok(11));
    assert_eq!(t.sys(nr::FCNTL, &[fd, F_DUPFD_CLOEXEC as u64, 0]), Ok(4));
    assert_eq!(t.sys(nr::FCNTL, &[4, F_GETFD as u64, 0]), Ok(FD_CLOEXEC));
    t.fails(nr::FCNTL, &[fd, F_DUPFD as u64, 1024], Errno::EINVAL);
    t.fails(
        nr::FCNTL,
        &[fd, F_DUPFD as u64, -1i64 as u64],
        Errno::EINVAL,
    );
    t.process.limits.lock()[RLIMIT_NOFILE].cur = 12;
    t.fails(nr::FCNTL, &[fd, F_DUPFD as u64, 11], Errno::EMFILE);
    t.ok(nr::FCNTL, &[4, F_SETFD as u64, 0]);
    assert_eq!(t.sys(nr::FCNTL, &[4, F_GETFD as u64, 0]), Ok(0));
    assert_eq!(
        t.sys(nr::FCNTL, &[fd, F_GETFL as u64, 0]),
        Ok(u64::from(O_RDWR | O_LARGEFILE))
    );
    // F_SETFL changes O_APPEND and O_NONBLOCK, ignores the access mode.
    t.ok(
        nr::FCNTL,
        &[
            fd,
            F_SETFL as u64,
            u64::from(O_APPEND | O_NONBLOCK | O_WRONLY | O_CREAT),
        ],
    );
    assert_eq!(
        t.sys(nr::FCNTL, &[fd, F_GETFL as u64, 0]),
        Ok(u64::from(O_RDWR | O_LARGEFILE | O_APPEND | O_NONBLOCK))
    );
    t.fails(
        nr::FCNTL,
        &[fd, F_SETFL as u64, u64::from(O_ASYNC)],
        Errno::EINVAL,
    );
    t.fails(nr::FCNTL, &[fd, 9999, 0], Errno::EINVAL);
    t.fails(nr::FCNTL, &[77, F_GETFD as u64, 0], Errno::EBADF);
}

#[test]
fn record_locks_are_granted_and_getlk_reports_unlocked() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"");
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let lock = Flock {
        l_type: F_WRLCK,
        l_whence: 0,
        l_start: 0,
        l_len: 10,
        ..Flock::default()
    };
    let p = t.bytes(lock.as_bytes());
    t.ok(nr::FCNTL, &[fd, F_GETLK as u64, p]);
    let got: Flock = t.obj(p);
    assert_eq!(
        got,
        Flock {
            l_type: F_UNLCK,
            ..lock
        }
    );
    // A write lock needs the file open for writing.
    t.put(p, lock.as_bytes());
    t.fails(nr::FCNTL, &[fd, F_SETLK as u64, p], Errno::EBADF);
    let rd = Flock {
        l_type: F_RDLCK,
        ..lock
    };
    t.put(p, rd.as_bytes());
    t.ok(nr::FCNTL, &[fd, F_SETLKW as u64, p]);
    t.ok(nr::FCNTL, &[fd, F_OFD_SETLK as u64, p]);
    let with_pid = Flock { l_pid: 1, ..rd };
    t.put(p, with_pid.as_bytes());
    t.fails(nr::FCNTL, &[fd, F_OFD_SETLK as u64, p], Errno::EINVAL);
    let bad = Flock { l_type: 9, ..lock };
    t.put(p, bad.as_bytes());
    t.fails(nr::FCNTL, &[fd, F_SETLK as u64, p], Errno::EINVAL);
    t.fails(nr::FCNTL, &[fd, F_SETLK as u64, 0x10], Errno::EFAULT);
    // flock(2).
    t.ok(nr::FLOCK, &[fd, 2 | 4]);
    t.ok(nr::FLOCK, &[fd, 8]);
    t.fails(nr::FLOCK, &[fd, 3], Errno::EINVAL);
    t.fails(nr::FLOCK, &[99, 2], Errno::EBADF);
}

#[test]
fn the_console_is_a_terminal() {
    let mut t = T::new();
    assert_eq!(
        t.sys(nr::FCNTL, &[2, F_GETFL as u64, 0]),
        Ok(u64::from(O_RDWR))
    );
    let buf = t.alloc(size_of::<Termios>());
    t.ok(nr::IOCTL, &[0, u64::from(TCGETS), buf]);
    let tio: Termios = t.obj(buf);
    assert_eq!(tio, Termios::console_default());
    assert_ne!(tio.lflag & 0o2, 0, "ICANON");
    // tcsetattr round-trips (cfmakeraw clears ICANON and ECHO).
    let raw = Termios {
        lflag: tio.lflag & !0o12,
        ..tio
    };
    t.put(buf, raw.as_bytes());
    t.ok(nr::IOCTL, &[1, u64::from(TCSETSW), buf]);
    t.ok(nr::IOCTL, &[2, u64::from(TCGETS), buf]);
    assert_eq!(t.obj::<Termios>(buf), raw, "one terminal behind 0, 1, 2");
    let ws = t.alloc(8);
    t.ok(nr::IOCTL, &[1, u64::from(TIOCGWINSZ), ws]);
    assert_eq!(
        t.obj::<Winsize>(ws),
        Winsize {
            row: 24,
            col: 80,
            xpixel: 0,
            ypixel: 0
        }
    );
    t.put(
        ws,
        Winsize {
            row: 50,
            col: 132,
            xpixel: 0,
            ypixel: 0,
        }
        .as_bytes(),
    );
    t.ok(nr::IOCTL, &[1, u64::from(TIOCSWINSZ), ws]);
    let tty = t.open("/dev/tty", O_RDWR, 0).unwrap();
    let ws2 = t.alloc(8);
    t.ok(nr::IOCTL, &[tty, u64::from(TIOCGWINSZ), ws2]);
    assert_eq!(t.obj::<Winsize>(ws2).col, 132, "/dev/tty is the console");
    let pg = t.alloc(4);
    t.ok(nr::IOCTL, &[0, u64::from(TIOCGPGRP), pg]);
    assert_eq!(t.obj::<i32>(pg), 1);
    t.ok(nr::IOCTL, &[0, u64::from(TIOCSPGRP), pg]);
    t.put(pg, &5i32.to_ne_bytes());
    t.fails(nr::IOCTL, &[0, u64::from(TIOCSPGRP), pg], Errno::EPERM);
    t.fails(nr::IOCTL, &[0, 0x5480, 0], Errno::ENOTTY);
    t.fails(nr::IOCTL, &[0, u64::from(TCGETS), 0x10], Errno::EFAULT);
}

#[test]
fn ioctls_on_other_files() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"0123456789");
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    let buf = t.alloc(64);
    t.fails(nr::IOCTL, &[fd, u64::from(TCGETS), buf], Errno::ENOTTY);
    let null = t.open("/dev/null", O_RDONLY, 0).unwrap();
    t.fails(nr::IOCTL, &[null, u64::from(TCGETS), buf], Errno::ENOTTY);
    // FIONREAD on a regular file: what is left past the offset.
    t.read(fd, 3).unwrap();
    t.ok(nr::IOCTL, &[fd, u64::from(FIONREAD), buf]);
    assert_eq!(t.obj::<i32>(buf), 7);
    // FIOCLEX / FIONCLEX / FIONBIO.
    t.ok(nr::IOCTL, &[fd, u64::from(FIOCLEX), 0]);
    assert_eq!(t.sys(nr::FCNTL, &[fd, F_GETFD as u64, 0]), Ok(1));
    t.ok(nr::IOCTL, &[fd, u64::from(FIONCLEX), 0]);
    assert_eq!(t.sys(nr::FCNTL, &[fd, F_GETFD as u64, 0]), Ok(0));
    t.put(buf, &1i32.to_ne_bytes());
    t.ok(nr::IOCTL, &[fd, u64::from(FIONBIO), buf]);
    let fl = t.ok(nr::FCNTL, &[fd, F_GETFL as u64, 0]);
    assert_ne!(fl & u64::from(O_NONBLOCK), 0);
    t.fails(nr::IOCTL, &[99, u64::from(FIOCLEX), 0], Errno::EBADF);
    let dir = t.open("/tmp", O_RDONLY, 0).unwrap();
    t.fails(nr::IOCTL, &[dir, u64::from(FIONREAD), buf], Errno::ENOTTY);
}
