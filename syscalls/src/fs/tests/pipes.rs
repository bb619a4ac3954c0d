//! pipe(2), pipe2(2) and pipe(7) semantics; poll(2), ppoll(2), select(2),
//! pselect6(2).

use super::*;
use crate::abi::{Timespec, Timeval};
use crate::fs::pipe::*;
use crate::sys::fcntl::{F_GETPIPE_SZ, F_SETPIPE_SZ};
use crate::sys::ioctl::FIONREAD;
use crate::sys::poll::PollFd;

fn pipe2(t: &mut T, flags: u32) -> (u64, u64) {
    let fds = t.alloc(8);
    t.ok(nr::PIPE2, &[fds, u64::from(flags)]);
    let [r, w]: [i32; 2] = t.obj(fds);
    (r as u64, w as u64)
}

fn poll1(t: &mut T, fd: u64, events: u16, timeout: i32) -> (u64, u16) {
    let p = t.bytes(
        PollFd {
            fd: fd as i32,
            events: events as i16,
            revents: 0,
        }
        .as_bytes(),
    );
    let n = t.ok(nr::POLL, &[p, 1, timeout as u64]);
    (n, t.obj::<PollFd>(p).revents as u16)
}

#[test]
fn data_flows_from_the_write_end_to_the_read_end() {
    let mut t = T::new();
    let fds = t.alloc(8);
    t.ok(nr::PIPE, &[fds]);
    let [r, w]: [i32; 2] = t.obj(fds);
    assert_eq!((r, w), (3, 4));
    let (r, w) = (r as u64, w as u64);
    assert_eq!(t.write(w, b"hello"), Ok(5));
    let n = t.alloc(4);
    t.ok(nr::IOCTL, &[r, u64::from(FIONREAD), n]);
    assert_eq!(t.obj::<i32>(n), 5);
    assert_eq!(t.read(r, 3).unwrap(), b"hel");
    assert_eq!(t.read(r, 10).unwrap(), b"lo");
    assert_eq!(t.read(w, 1), Err(Errno::EBADF), "the write end");
    assert_eq!(t.write(r, b"x"), Err(Errno::EBADF), "the read end");
    // Once every write end is closed, an empty pipe reads as end of file.
    t.write(w, b"last").unwrap();
    t.close(w);
    assert_eq!(t.read(r, 10).unwrap(), b"last");
    assert_eq!(t.read(r, 10).unwrap(), b"");
    assert_eq!(
        t.stat(&format!("/proc/self/fd/{r}")).unwrap().mode,
        0o010600
    );
    let link = t.readlink(&format!("/proc/self/fd/{r}")).unwrap();
    assert_eq!(link, format!("pipe:[{}]", t.fstat(r).unwrap().ino));
    t.fails(nr::PIPE, &[0x10], Errno::EFAULT);
    assert!(t.fstat(5).is_err(), "no descriptors leak on EFAULT");
}

#[test]
fn no_reader_is_epipe_and_a_full_pipe_is_eagain() {
    let mut t = T::new();
    let (r, w) = pipe2(&mut t, O_NONBLOCK | O_CLOEXEC);
    assert_eq!(t.sys(nr::FCNTL, &[r, 1, 0]), Ok(1), "O_CLOEXEC");
    let getfl = |t: &mut T, fd| t.sys(nr::FCNTL, &[fd, 3, 0]);
    assert_eq!(getfl(&mut t, r), Ok(u64::from(O_RDONLY | O_NONBLOCK)));
    assert_eq!(getfl(&mut t, w), Ok(u64::from(O_WRONLY | O_NONBLOCK)));
    assert_eq!(t.read(r, 1), Err(Errno::EAGAIN), "empty, O_NONBLOCK");
    assert_eq!(t.sys(nr::FCNTL, &[w, F_GETPIPE_SZ as u64, 0]), Ok(65536));
    let big = vec![7u8; 70_000];
    assert_eq!(t.write(w, &big), Ok(65536), "a partial write fills it");
    assert_eq!(t.write(w, b"x"), Err(Errno::EAGAIN));
    // A PIPE_BUF write is all or nothing.
    assert_eq!(t.read(r, 100).unwrap().len(), 100);
    assert_eq!(t.write(w, &[1u8; PIPE_BUF]), Err(Errno::EAGAIN));
    assert_eq!(t.write(w, &[1u8; 100]), Ok(100));
    t.close(r);
    assert_eq!(t.write(w, b"x"), Err(Errno::EPIPE));
    assert_eq!(t.write(w, b""), Ok(0));
    t.fails(nr::PIPE2, &[t.next, 1], Errno::EINVAL);
    t.fails(nr::PIPE2, &[t.next, u64::from(O_DIRECT)], Errno::EINVAL);
}

#[test]
fn pipe_size_can_change() {
    let mut t = T::new();
    let (r, w) = pipe2(&mut t, O_NONBLOCK);
    assert_eq!(t.sys(nr::FCNTL, &[r, F_SETPIPE_SZ as u64, 5000]), Ok(8192));
    assert_eq!(t.write(w, &[0u8; 9000]), Ok(8192));
    t.fails(nr::FCNTL, &[r, F_SETPIPE_SZ as u64, 4096], Errno::EBUSY);
    t.fails(nr::FCNTL, &[r, F_SETPIPE_SZ as u64, 2 << 20], Errno::EPERM);
    t.fails(nr::FCNTL, &[0, F_GETPIPE_SZ as u64, 0], Errno::EBADF);
}

#[test]
fn a_blocking_read_of_an_empty_pipe_is_interrupted_by_a_signal() {
    use crate::signal::{SA_RESTART, SIGUSR1, frame::RtSigFrame};
    let mut t = T::new();
    let (r, _w) = pipe2(&mut t, 0);
    t.interrupt_with(SIGUSR1, 0);
    assert_eq!(t.read(r, 1), Err(Errno::EINTR));
    assert_eq!(t.regs.rip, testing::TEST_HANDLER, "the handler runs");
    // The handler would unblock SIGUSR1 by returning.
    let tid = t.thread.tid;
    t.process.signals.lock().set_mask(tid, 0);
    // With SA_RESTART the read starts again after the handler: the frame
    // returns to the `syscall` instruction with the number in RAX.
    t.interrupt_with(SIGUSR1, SA_RESTART);
    let buf = t.alloc(1);
    let _ = t.call(nr::READ, &[r, buf, 1]);
    assert_eq!(t.regs.rip, testing::TEST_HANDLER);
    let frame: RtSigFrame = t.obj(t.regs.rsp);
    assert_eq!(frame.uc.mcontext.rax, nr::READ as u64);
    assert_eq!(frame.uc.mcontext.rip, 0x40_1000, "back at the syscall");
    assert_eq!(frame.pretcode, testing::TEST_RESTORER);
}

#[test]
fn reopening_a_pipe_through_proc_self_fd() {
    let mut t = T::new();
    let (r, w) = pipe2(&mut t, 0);
    let w2 = t.open(&format!("/proc/self/fd/{w}"), O_WRONLY, 0).unwrap();
    t.close(w);
    t.write(w2, b"via /proc").unwrap();
    assert_eq!(t.read(r, 20).unwrap(), b"via /proc");
    t.close(w2);
    assert_eq!(t.read(r, 20).unwrap(), b"", "the last writer is gone");
}

#[test]
fn poll_reports_pipe_readiness() {
    let mut t = T::new();
    let (r, w) = pipe2(&mut t, 0);
    assert_eq!(poll1(&mut t, r, POLLIN, 0), (0, 0));
    assert_eq!(poll1(&mut t, w, POLLOUT, 0), (1, POLLOUT));
    t.write(w, b"x").unwrap();
    assert_eq!(poll1(&mut t, r, POLLIN, 0), (1, POLLIN));
    t.close(w);
    assert_eq!(poll1(&mut t, r, POLLIN, 0), (1, POLLIN | POLLHUP));
    t.read(r, 1).unwrap();
    assert_eq!(poll1(&mut t, r, 0, 0), (1, POLLHUP), "always reported");
    let (r2, w2) = pipe2(&mut t, 0);
    t.close(r2);
    assert_eq!(poll1(&mut t, w2, POLLOUT, 0), (1, POLLOUT | POLLERR));
    // Regular files and the console are always ready.
    t.mkfile("/tmp/f", b"");
    let f = t.open("/tmp/f", O_RDWR, 0).unwrap();
    assert_eq!(
        poll1(&mut t, f, POLLIN | POLLOUT, -1),
        (1, POLLIN | POLLOUT)
    );
    assert_eq!(poll1(&mut t, 0, POLLIN, -1), (1, POLLIN));
    assert_eq!(poll1(&mut t, 99, POLLIN, 0), (1, POLLNVAL));
}

#[test]
fn poll_sleeps_out_its_timeout_or_forever() {
    let mut t = T::new();
    let (r, _w) = pipe2(&mut t, 0);
    let start = t.platform.monotonic_ns();
    assert_eq!(poll1(&mut t, r, POLLIN, 250), (0, 0));
    assert_eq!(t.platform.monotonic_ns() - start, 250_000_000);
    // Negative fds are skipped.
    let p = t.bytes(
        PollFd {
            fd: -1,
            events: POLLIN as i16,
            revents: 7,
        }
        .as_bytes(),
    );
    assert_eq!(t.sys(nr::POLL, &[p, 1, 0]), Ok(0));
    assert_eq!(t.obj::<PollFd>(p).revents, 0);
    t.fails(nr::POLL, &[p, 5000, 0], Errno::EINVAL);
    t.fails(nr::POLL, &[0x10, 1, 0], Errno::EFAULT);
    // No timeout and nothing can become ready: a wait until a signal.
    let p = t.bytes(
        PollFd {
            fd: r as i32,
            events: POLLIN as i16,
            revents: 0,
        }
        .as_bytes(),
    );
    // No timeout and nothing ready: a wait that a signal ends, with EINTR
    // even under SA_RESTART (signal(7)).
    t.interrupt_with(crate::signal::SIGUSR1, crate::signal::SA_RESTART);
    t.fails(nr::POLL, &[p, 1, -1i64 as u64], Errno::EINTR);
}

#[test]
fn ppoll_takes_a_timespec_and_writes_back_the_time_left() {
    let mut t = T::new();
    let (r, w) = pipe2(&mut t, 0);
    let p = t.bytes(
        PollFd {
            fd: r as i32,
            events: POLLIN as i16,
            revents: 0,
        }
        .as_bytes(),
    );
    let ts = t.bytes(Timespec { sec: 1, nsec: 500 }.as_bytes());
    let start = t.platform.monotonic_ns();
    assert_eq!(t.sys(nr::PPOLL, &[p, 1, ts, 0, 8]), Ok(0));
    assert_eq!(t.platform.monotonic_ns() - start, 1_000_000_500);
    assert_eq!(t.obj::<Timespec>(ts), Timespec::default());
    t.write(w, b"x").unwrap();
    t.put(ts, Timespec { sec: 3, nsec: 0 }.as_bytes());
    assert_eq!(t.sys(nr::PPOLL, &[p, 1, ts, 0, 8]), Ok(1));
    assert_eq!(t.obj::<Timespec>(ts).sec, 3, "nothing waited");
    let mask = t.alloc(8);
    t.fails(nr::PPOLL, &[p, 1, ts, mask, 4], Errno::EINVAL);
    t.put(
        ts,
        Timespec {
            sec: 0,
            nsec: 2_000_000_000,
        }
        .as_bytes(),
    );
    t.fails(nr::PPOLL, &[p, 1, ts, 0, 8], Errno::EINVAL);
}

#[test]
fn select_and_pselect6_use_fd_sets() {
    let mut t = T::new();
    let (r, w) = pipe2(&mut t, 0);
    let set = |t: &mut T, fds: &[u64]| {
        let bits = fds.iter().fold(0u64, |acc, &fd| acc | (1 << fd));
        t.bytes(&bits.to_ne_bytes())
    };
    let rs = set(&mut t, &[r, 0]);
    let ws = set(&mut t, &[w]);
    let tv = t.bytes(Timeval { sec: 0, usec: 0 }.as_bytes());
    assert_eq!(t.sys(nr::SELECT, &[8, rs, ws, 0, tv]), Ok(2));
    assert_eq!(t.obj::<u64>(rs), 1, "only the console (fd 0) is readable");
    assert_eq!(t.obj::<u64>(ws), 1 << w);
    // Waiting on the empty pipe alone sleeps out the timeout.
    let rs = set(&mut t, &[r]);
    t.put(tv, Timeval { sec: 2, usec: 0 }.as_bytes());
    let start = t.platform.monotonic_ns();
    assert_eq!(t.sys(nr::SELECT, &[8, rs, 0, 0, tv]), Ok(0));
    assert_eq!(t.platform.monotonic_ns() - start, 2_000_000_000);
    assert_eq!(t.obj::<u64>(rs), 0);
    assert_eq!(t.obj::<Timeval>(tv), Timeval::default());
    // A closed descriptor in a set is EBADF; bits past nfds are ignored.
    let bad = set(&mut t, &[9]);
    t.fails(nr::SELECT, &[10, bad, 0, 0, tv], Errno::EBADF);
    assert_eq!(t.sys(nr::SELECT, &[9, bad, 0, 0, tv]), Ok(0));
    t.fails(nr::SELECT, &[-1i64 as u64, 0, 0, 0, tv], Errno::EINVAL);
    t.put(tv, Timeval { sec: -1, usec: 0 }.as_bytes());
    t.fails(nr::SELECT, &[1, 0, 0, 0, tv], Errno::EINVAL);
    // pselect6 with a timespec and a { mask, size } pair.
    t.write(w, b"x").unwrap();
    let rs = set(&mut t, &[r]);
    let ts = t.bytes(Timespec { sec: 5, nsec: 0 }.as_bytes());
    let mask = t.alloc(8);
    let sig = t.bytes([mask, 8u64].as_bytes());
    assert_eq!(t.sys(nr::PSELECT6, &[8, rs, 0, 0, ts, sig]), Ok(1));
    assert_eq!(t.obj::<u64>(rs), 1 << r);
    let badsig = t.bytes([mask, 16u64].as_bytes());
    t.fails(nr::PSELECT6, &[8, rs, 0, 0, ts, badsig], Errno::EINVAL);
    // No timeout, nothing ready: a wait until a signal.
    t.read(r, 1).unwrap();
    let rs = set(&mut t, &[r]);
    t.interrupt_with(crate::signal::SIGUSR1, 0);
    t.fails(nr::PSELECT6, &[8, rs, 0, 0, 0, 0], Errno::EINTR);
}
