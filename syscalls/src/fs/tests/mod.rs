//! Host tests of the files syscalls, through `dispatch` on the TestPlatform:
//! arguments go into scratch program memory, calls go by number, and the
//! results, errnos and memory are checked against the man pages.

mod attrs;
mod dirs;
mod disk;
mod fds;
mod initrd;
mod links;
mod missing;
mod mmap;
mod on_disk;
mod open;
mod path;
mod pipes;
mod procdev;
mod rename;
mod rw;
mod stat;

use crate::Errno;
use crate::fs::stat::Stat;
use crate::nr;
use crate::platform::Platform;
use crate::testing::{self, Harness};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use zerocopy::{FromBytes, IntoBytes};

pub use crate::fs::file::*;
pub use crate::fs::path::{AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW};

pub const AT_FDCWD: u64 = -100i64 as u64;
const SCRATCH: u64 = 4 << 20;

/// A process, its platform, and a bump allocator over scratch memory.
pub struct T {
    pub h: Harness,
    next: u64,
    end: u64,
}

impl core::ops::Deref for T {
    type Target = Harness;
    fn deref(&self) -> &Harness {
        &self.h
    }
}

impl core::ops::DerefMut for T {
    fn deref_mut(&mut self) -> &mut Harness {
        &mut self.h
    }
}

/// A raw syscall result as Result.
pub fn res(r: i64) -> Result<u64, Errno> {
    if r < 0 {
        Err(Errno::from_raw(-r as i32).expect("a known errno"))
    } else {
        Ok(r as u64)
    }
}

impl T {
    /// A process whose root is the rootfs of a fresh 64 MiB memory disk,
    /// /tmp included.
    pub fn on_disk() -> Self {
        let dev = disk::fresh_device(16 * 1024);
        let fs = crate::fs::FsContext::with_disk_and(alloc::boxed::Box::new(dev), Some(false))
            .expect("mount");
        Self::with(testing::harness_with(fs))
    }

    pub fn new() -> Self {
        Self::with(testing::harness())
    }

    fn with(mut h: Harness) -> Self {
        let next = testing::scratch(&h.process, &h.platform, SCRATCH);
        // A stack for signal frames.
        h.stack = testing::scratch(&h.process, &h.platform, 64 * 1024) + 64 * 1024;
        T {
            h,
            next,
            end: next + SCRATCH,
        }
    }

    pub fn sys(&mut self, nr: usize, args: &[u64]) -> Result<u64, Errno> {
        res(self.call(nr, args))
    }

    /// Calls and expects success.
    pub fn ok(&mut self, nr: usize, args: &[u64]) -> u64 {
        match self.sys(nr, args) {
            Ok(v) => v,
            Err(e) => panic!("{} failed: {e}", nr::name(nr).unwrap_or("?")),
        }
    }

    /// Calls and expects this error.
    pub fn fails(&mut self, nr: usize, args: &[u64], want: Errno) {
        match self.sys(nr, args) {
            Ok(v) => panic!(
                "{} succeeded with {v}, expected {want}",
                nr::name(nr).unwrap_or("?")
            ),
            Err(e) => assert_eq!(e, want, "{}", nr::name(nr).unwrap_or("?")),
        }
    }

    /// `len` bytes of scratch memory (zeroed).
    pub fn alloc(&mut self, len: usize) -> u64 {
        let at = self.next.next_multiple_of(16);
        self.next = at + len.max(1) as u64;
        assert!(self.next <= self.end, "scratch memory exhausted");
        self.put(at, &vec![0u8; len]);
        at
    }

    pub fn put(&self, addr: u64, data: &[u8]) {
        self.platform.write_user(addr, data).expect("scratch write");
    }

    pub fn bytes(&mut self, data: &[u8]) -> u64 {
        let at = self.alloc(data.len());
        self.put(at, data);
        at
    }

    /// A NUL-terminated copy of `s`.
    pub fn s(&mut self, s: &str) -> u64 {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.bytes(&v)
    }

    pub fn mem(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.platform.read_user(addr, &mut v).expect("scratch read");
        v
    }

    pub fn obj<O: FromBytes + IntoBytes>(&self, addr: u64) -> O {
        let mut o = O::new_zeroed();
        self.platform
            .read_user(addr, o.as_mut_bytes())
            .expect("scratch read");
        o
    }

    pub fn open(&mut self, path: &str, flags: u32, mode: u32) -> Result<u64, Errno> {
        let p = self.s(path);
        self.sys(
            nr::OPENAT,
            &[AT_FDCWD, p, u64::from(flags), u64::from(mode)],
        )
    }

    pub fn close(&mut self, fd: u64) {
        self.ok(nr::CLOSE, &[fd]);
    }

    pub fn write(&mut self, fd: u64, data: &[u8]) -> Result<u64, Errno> {
        let b = self.bytes(data);
        self.sys(nr::WRITE, &[fd, b, data.len() as u64])
    }

    pub fn read(&mut self, fd: u64, len: usize) -> Result<Vec<u8>, Errno> {
        let b = self.alloc(len);
        let n = self.sys(nr::READ, &[fd, b, len as u64])?;
        Ok(self.mem(b, n as usize))
    }

    /// Creates (or truncates) a file holding `data`.
    pub fn mkfile(&mut self, path: &str, data: &[u8]) {
        let fd = self
            .open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
            .expect("create");
        assert_eq!(self.write(fd, data), Ok(data.len() as u64));
        self.close(fd);
    }

    /// The whole contents of a file, read through open and read.
    pub fn cat(&mut self, path: &str) -> Result<Vec<u8>, Errno> {
        let fd = self.open(path, O_RDONLY, 0)?;
        let mut out = Vec::new();
        loop {
            let chunk = self.read(fd, 4096)?;
            if chunk.is_empty() {
                break;
            }
            out.extend_from_slice(&chunk);
        }
        self.close(fd);
        Ok(out)
    }

    pub fn mkdir(&mut self, path: &str) {
        let p = self.s(path);
        self.ok(nr::MKDIR, &[p, 0o755]);
    }

    pub fn stat(&mut self, path: &str) -> Result<Stat, Errno> {
        let p = self.s(path);
        let buf = self.alloc(size_of::<Stat>());
        self.sys(nr::STAT, &[p, buf])?;
        Ok(self.obj(buf))
    }

    pub fn lstat(&mut self, path: &str) -> Result<Stat, Errno> {
        let p = self.s(path);
        let buf = self.alloc(size_of::<Stat>());
        self.sys(nr::LSTAT, &[p, buf])?;
        Ok(self.obj(buf))
    }

    pub fn fstat(&mut self, fd: u64) -> Result<Stat, Errno> {
        let buf = self.alloc(size_of::<Stat>());
        self.sys(nr::FSTAT, &[fd, buf])?;
        Ok(self.obj(buf))
    }

    pub fn readlink(&mut self, path: &str) -> Result<String, Errno> {
        let p = self.s(path);
        let buf = self.alloc(4096);
        let n = self.sys(nr::READLINK, &[p, buf, 4096])?;
        Ok(String::from_utf8(self.mem(buf, n as usize)).expect("utf-8"))
    }

    /// Names in a directory, as getdents64 lists them (with "." and "..").
    pub fn ls(&mut self, path: &str) -> Result<Vec<String>, Errno> {
        let fd = self.open(path, O_RDONLY | O_DIRECTORY, 0)?;
        let names = self.dents(fd).into_iter().map(|(n, _)| n).collect();
        self.close(fd);
        Ok(names)
    }

    /// Every remaining entry of a directory fd: (name, d_type).
    pub fn dents(&mut self, fd: u64) -> Vec<(String, u8)> {
        let buf = self.alloc(512);
        let mut out = Vec::new();
        loop {
            let n = self.ok(nr::GETDENTS64, &[fd, buf, 512]) as usize;
            if n == 0 {
                return out;
            }
            let data = self.mem(buf, n);
            let mut at = 0;
            while at < n {
                let reclen = u16::from_ne_bytes([data[at + 16], data[at + 17]]) as usize;
                let dtype = data[at + 18];
                let name = &data[at + 19..at + reclen];
                let len = name.iter().position(|&b| b == 0).expect("NUL");
                out.push((String::from_utf8_lossy(&name[..len]).into_owned(), dtype));
                at += reclen;
            }
        }
    }

    /// The directory's entries without "." and "..", sorted.
    pub fn names(&mut self, path: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .ls(path)
            .expect("ls")
            .into_iter()
            .filter(|n| n != "." && n != "..")
            .collect();
        v.sort();
        v
    }

    pub fn exists(&mut self, path: &str) -> bool {
        self.lstat(path).is_ok()
    }
}
