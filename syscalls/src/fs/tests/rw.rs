//! read(2), write(2), pread64/pwrite64, readv/writev, preadv/pwritev(2),
//! lseek(2).

use super::*;
use crate::fs::io::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};
use crate::sys::readv::Iovec;

fn lseek(t: &mut T, fd: u64, off: i64, whence: i32) -> Result<u64, Errno> {
    t.sys(nr::LSEEK, &[fd, off as u64, whence as u64])
}

/// An iovec array over fresh buffers of these lengths.
fn iov(t: &mut T, lens: &[usize]) -> (u64, Vec<u64>) {
    let bufs: Vec<u64> = lens.iter().map(|&l| t.alloc(l)).collect();
    let v: Vec<u8> = bufs
        .iter()
        .zip(lens)
        .flat_map(|(&b, &l)| {
            let io = Iovec {
                base: b,
                len: l as u64,
            };
            io.as_bytes().to_vec()
        })
        .collect();
    (t.bytes(&v), bufs)
}

#[test]
fn write_then_read_back_moves_the_shared_offset() {
    let mut t = T::new();
    let fd = t.open("/tmp/f", O_CREAT | O_RDWR, 0o644).unwrap();
    assert_eq!(t.write(fd, b"hello "), Ok(6));
    assert_eq!(t.write(fd, b"world"), Ok(5));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(11));
    assert_eq!(t.read(fd, 10).unwrap(), b"", "at the end: 0");
    assert_eq!(lseek(&mut t, fd, 0, SEEK_SET), Ok(0));
    assert_eq!(t.read(fd, 5).unwrap(), b"hello");
    // A dup shares the offset.
    let dup = t.ok(nr::DUP, &[fd]);
    assert_eq!(t.read(dup, 3).unwrap(), b" wo");
    assert_eq!(t.read(fd, 100).unwrap(), b"rld");
    assert_eq!(t.write(fd, b""), Ok(0));
    // A second open has its own.
    let other = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    assert_eq!(t.read(other, 5).unwrap(), b"hello");
}

#[test]
fn access_mode_and_bad_descriptors() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"abc");
    let ro = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    assert_eq!(t.write(ro, b"x"), Err(Errno::EBADF));
    let wo = t.open("/tmp/f", O_WRONLY, 0).unwrap();
    assert_eq!(t.read(wo, 1), Err(Errno::EBADF));
    assert_eq!(t.read(77, 1), Err(Errno::EBADF));
    assert_eq!(t.write(-1i64 as u64, b"x"), Err(Errno::EBADF));
    let dir = t.open("/tmp", O_RDONLY, 0).unwrap();
    assert_eq!(t.read(dir, 1), Err(Errno::EISDIR));
    let path = t.open("/tmp/f", O_PATH, 0).unwrap();
    assert_eq!(t.read(path, 1), Err(Errno::EBADF));
    // A bad buffer is EFAULT and moves nothing.
    t.fails(nr::READ, &[ro, 0x10, 3], Errno::EFAULT);
    assert_eq!(t.read(ro, 3).unwrap(), b"abc");
    t.fails(nr::WRITE, &[wo, 0x10, 3], Errno::EFAULT);
    // A writev whose second buffer is bad writes the first and moves the
    // offset past it.
    let good = t.bytes(b"xy");
    let v = t.bytes([Iovec { base: good, len: 2 }, Iovec { base: 0x10, len: 1 }].as_bytes());
    assert_eq!(t.sys(nr::WRITEV, &[wo, v, 2]), Ok(2));
    assert_eq!(lseek(&mut t, wo, 0, SEEK_CUR), Ok(2));
    assert_eq!(t.cat("/tmp/f").unwrap(), b"xyc");
}

#[test]
fn large_writes_cross_pages_and_reads_stop_at_a_fault() {
    let mut t = T::new();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    t.mkfile("/tmp/big", &data);
    assert_eq!(t.stat("/tmp/big").unwrap().size, 300_000);
    assert_eq!(
        t.stat("/tmp/big").unwrap().blocks,
        300_000u64.div_ceil(4096) as i64 * 8
    );
    assert_eq!(t.cat("/tmp/big").unwrap(), data);
    // A read into a buffer that runs into unmapped memory returns what fit.
    let fd = t.open("/tmp/big", O_RDONLY, 0).unwrap();
    let end = crate::testing::scratch(&t.process, &t.platform, 8192);
    t.ok(nr::MUNMAP, &[end + 4096, 4096]);
    let r = t.call(nr::READ, &[fd, end, 200_000]);
    assert_eq!(r, 4096, "stopped at the fault");
    assert_eq!(t.mem(end, 4096), data[..4096]);
}

#[test]
fn pread_and_pwrite_leave_the_offset_alone() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"0123456789");
    let fd = t.open("/tmp/f", O_RDWR, 0).unwrap();
    let buf = t.alloc(4);
    assert_eq!(t.sys(nr::PREAD64, &[fd, buf, 4, 3]), Ok(4));
    assert_eq!(t.mem(buf, 4), b"3456");
    let x = t.bytes(b"XY");
    assert_eq!(t.sys(nr::PWRITE64, &[fd, x, 2, 8]), Ok(2));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(0));
    assert_eq!(t.read(fd, 20).unwrap(), b"01234567XY");
    // Past the end: pwrite leaves a hole of zeroes.
    assert_eq!(t.sys(nr::PWRITE64, &[fd, x, 2, 14]), Ok(2));
    assert_eq!(t.cat("/tmp/f").unwrap(), b"01234567XY\0\0\0\0XY");
    assert_eq!(t.sys(nr::PREAD64, &[fd, buf, 4, 100]), Ok(0));
    t.fails(nr::PREAD64, &[fd, buf, 4, -1i64 as u64], Errno::EINVAL);
    t.fails(nr::PWRITE64, &[fd, x, 2, -1i64 as u64], Errno::EINVAL);
    // Not on pipes or terminals.
    t.fails(nr::PREAD64, &[0, buf, 4, 0], Errno::ESPIPE);
    t.fails(nr::PWRITE64, &[1, x, 2, 0], Errno::ESPIPE);
}

#[test]
fn o_append_writes_at_the_end_even_with_pwrite() {
    let mut t = T::new();
    t.mkfile("/tmp/log", b"one\n");
    let fd = t.open("/tmp/log", O_WRONLY | O_APPEND, 0).unwrap();
    assert_eq!(lseek(&mut t, fd, 0, SEEK_SET), Ok(0));
    assert_eq!(t.write(fd, b"two\n"), Ok(4));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(8));
    // pwrite(2) BUGS: Linux appends regardless of the offset.
    lseek(&mut t, fd, 1, SEEK_SET).unwrap();
    let b = t.bytes(b"3\n");
    t.ok(nr::PWRITE64, &[fd, b, 2, 0]);
    assert_eq!(t.cat("/tmp/log").unwrap(), b"one\ntwo\n3\n");
    assert_eq!(
        lseek(&mut t, fd, 0, SEEK_CUR),
        Ok(1),
        "pwrite leaves the offset"
    );
}

#[test]
fn readv_and_writev_gather_and_scatter() {
    let mut t = T::new();
    let fd = t.open("/tmp/v", O_CREAT | O_RDWR, 0o600).unwrap();
    let (v, bufs) = iov(&mut t, &[3, 0, 4]);
    t.put(bufs[0], b"abc");
    t.put(bufs[2], b"defg");
    assert_eq!(t.sys(nr::WRITEV, &[fd, v, 3]), Ok(7));
    assert_eq!(t.cat("/tmp/v").unwrap(), b"abcdefg");
    let (r, rbufs) = iov(&mut t, &[2, 10]);
    lseek(&mut t, fd, 0, SEEK_SET).unwrap();
    assert_eq!(t.sys(nr::READV, &[fd, r, 2]), Ok(7));
    assert_eq!(t.mem(rbufs[0], 2), b"ab");
    assert_eq!(t.mem(rbufs[1], 5), b"cdefg");
    // preadv/pwritev at an offset; the file offset stays.
    assert_eq!(t.sys(nr::PREADV, &[fd, r, 2, 4]), Ok(3));
    assert_eq!(t.mem(rbufs[0], 2), b"ef");
    assert_eq!(t.sys(nr::PWRITEV, &[fd, v, 3, 7]), Ok(7));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(7));
    assert_eq!(t.cat("/tmp/v").unwrap(), b"abcdefgabcdefg");
    // preadv2 with offset -1 uses and moves the file offset.
    lseek(&mut t, fd, 12, SEEK_SET).unwrap();
    assert_eq!(t.sys(nr::PREADV2, &[fd, r, 2, -1i64 as u64, 0]), Ok(2));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(14));
    t.fails(nr::PREADV2, &[fd, r, 2, 0, 0, 0x100], Errno::EOPNOTSUPP);
    // Bad counts and lengths.
    t.fails(nr::READV, &[fd, r, -1i64 as u64], Errno::EINVAL);
    t.fails(nr::READV, &[fd, r, 1025], Errno::EINVAL);
    let huge = t.bytes(
        [
            Iovec {
                base: 0,
                len: 1 << 62,
            },
            Iovec {
                base: 0,
                len: 1 << 62,
            },
        ]
        .as_bytes(),
    );
    t.fails(nr::WRITEV, &[fd, huge, 2], Errno::EINVAL);
    t.fails(nr::WRITEV, &[fd, 0x10, 1], Errno::EFAULT);
    assert_eq!(t.sys(nr::WRITEV, &[fd, r, 0]), Ok(0));
    // writev to the console goes out whole.
    assert_eq!(t.sys(nr::WRITEV, &[1, v, 3]), Ok(7));
    assert!(t.platform.console_text().ends_with("abcdefg"));
}

#[test]
fn lseek_whences_and_errors() {
    let mut t = T::new();
    t.mkfile("/tmp/f", b"0123456789");
    let fd = t.open("/tmp/f", O_RDONLY, 0).unwrap();
    assert_eq!(lseek(&mut t, fd, -3, SEEK_END), Ok(7));
    assert_eq!(lseek(&mut t, fd, 2, SEEK_CUR), Ok(9));
    assert_eq!(
        lseek(&mut t, fd, 100, SEEK_SET),
        Ok(100),
        "past the end is fine"
    );
    assert_eq!(lseek(&mut t, fd, -1, SEEK_SET), Err(Errno::EINVAL));
    assert_eq!(lseek(&mut t, fd, -200, SEEK_CUR), Err(Errno::EINVAL));
    assert_eq!(lseek(&mut t, fd, 0, 7), Err(Errno::EINVAL));
    assert_eq!(lseek(&mut t, fd, i64::MAX, SEEK_END), Err(Errno::EINVAL));
    assert_eq!(lseek(&mut t, 0, 0, SEEK_SET), Err(Errno::ESPIPE), "tty");
    assert_eq!(lseek(&mut t, 99, 0, SEEK_SET), Err(Errno::EBADF));
    let null = t.open("/dev/null", O_RDWR, 0).unwrap();
    assert_eq!(lseek(&mut t, null, 55, SEEK_SET), Ok(0));
    let dir = t.open("/tmp", O_RDONLY, 0).unwrap();
    assert_eq!(lseek(&mut t, dir, 0, SEEK_END), Err(Errno::EINVAL));
}

#[test]
fn seek_data_and_seek_hole_see_sparse_files() {
    let mut t = T::new();
    let fd = t.open("/tmp/sparse", O_CREAT | O_RDWR, 0o600).unwrap();
    let b = t.bytes(b"x");
    t.ok(nr::PWRITE64, &[fd, b, 1, 3 * 4096 + 10]);
    assert_eq!(t.fstat(fd).unwrap().blocks, 8, "one page held");
    assert_eq!(lseek(&mut t, fd, 0, SEEK_DATA), Ok(3 * 4096));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_HOLE), Ok(0));
    assert_eq!(
        lseek(&mut t, fd, 3 * 4096, SEEK_HOLE),
        Ok(3 * 4096 + 11),
        "end of file"
    );
    assert_eq!(
        lseek(&mut t, fd, 3 * 4096 + 11, SEEK_DATA),
        Err(Errno::ENXIO)
    );
    assert_eq!(lseek(&mut t, fd, -1, SEEK_HOLE), Err(Errno::ENXIO));
    let buf = t.alloc(4);
    assert_eq!(t.sys(nr::PREAD64, &[fd, buf, 4, 100]), Ok(4));
    assert_eq!(t.mem(buf, 4), [0, 0, 0, 0], "holes read as zeroes");
}

#[test]
fn sendfile_copies_between_descriptors() {
    let mut t = T::new();
    let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    t.mkfile("/tmp/src", &data);
    let input = t.open("/tmp/src", O_RDONLY, 0).unwrap();
    let output = t.open("/tmp/dst", O_CREAT | O_WRONLY, 0o600).unwrap();
    assert_eq!(t.sys(nr::SENDFILE, &[output, input, 0, 70_000]), Ok(70_000));
    assert_eq!(lseek(&mut t, input, 0, SEEK_CUR), Ok(70_000));
    assert_eq!(t.sys(nr::SENDFILE, &[output, input, 0, 70_000]), Ok(30_000));
    assert_eq!(
        t.sys(nr::SENDFILE, &[output, input, 0, 10]),
        Ok(0),
        "at the end"
    );
    assert_eq!(t.cat("/tmp/dst").unwrap(), data);
    // With an offset pointer: it moves, the file offset does not.
    let off = t.bytes(&5i64.to_ne_bytes());
    assert_eq!(t.sys(nr::SENDFILE, &[1, input, off, 3]), Ok(3));
    assert_eq!(t.obj::<i64>(off), 8);
    assert_eq!(lseek(&mut t, input, 0, SEEK_CUR), Ok(100_000));
    assert!(t.platform.console_text().ends_with("\x05\x06\x07"));
    // Errors: the input must be a readable regular file; no O_APPEND out.
    t.fails(nr::SENDFILE, &[output, 0, 0, 1], Errno::EINVAL);
    t.fails(nr::SENDFILE, &[input, input, 0, 1], Errno::EBADF);
    let app = t.open("/tmp/dst", O_WRONLY | O_APPEND, 0).unwrap();
    t.fails(nr::SENDFILE, &[app, input, 0, 1], Errno::EINVAL);
    t.put(off, &(-1i64).to_ne_bytes());
    t.fails(nr::SENDFILE, &[output, input, off, 1], Errno::EINVAL);
}

#[test]
fn pwritev2_offsets_and_flags() {
    let mut t = T::new();
    let fd = t.open("/tmp/f", O_CREAT | O_RDWR, 0o600).unwrap();
    let (v, bufs) = iov(&mut t, &[2, 2]);
    t.put(bufs[0], b"ab");
    t.put(bufs[1], b"cd");
    // RWF_DSYNC is honoured (memory is as durable as it gets).
    assert_eq!(t.sys(nr::PWRITEV2, &[fd, v, 2, 3, 0, 0x2]), Ok(4));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(0));
    assert_eq!(t.sys(nr::PWRITEV2, &[fd, v, 1, -1i64 as u64, 0, 0]), Ok(2));
    assert_eq!(lseek(&mut t, fd, 0, SEEK_CUR), Ok(2), "-1: the file offset");
    assert_eq!(t.cat("/tmp/f").unwrap(), b"ab\0abcd");
    t.fails(nr::PWRITEV2, &[fd, v, 2, 0, 0, 0x10], Errno::EOPNOTSUPP);
    t.fails(nr::PWRITEV2, &[fd, v, 2, -2i64 as u64, 0, 0], Errno::EINVAL);
    let fds = t.alloc(8);
    t.ok(nr::PIPE, &[fds]);
    let [_, w]: [i32; 2] = t.obj(fds);
    t.fails(
        nr::PWRITEV2,
        &[w as u64, v, 2, -1i64 as u64, 0, 0x8],
        Errno::EOPNOTSUPP,
    );
    assert_eq!(
        t.sys(nr::PWRITEV2, &[w as u64, v, 2, -1i64 as u64, 0, 0]),
        Ok(4)
    );
    t.fails(nr::PWRITEV2, &[w as u64, v, 2, 0, 0, 0], Errno::ESPIPE);
}
