//! Typed handles to program memory (Redox `usercopy.rs`, Asterinas
//! `VmReader`). Every access goes through the Platform's checked copy; a bad
//! address is `EFAULT`, never a kernel fault.

use crate::platform::Platform;
use crate::{Errno, Error};
use alloc::vec::Vec;
use core::marker::PhantomData;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The end of the program's half of the address space (47-bit, as Linux's
/// TASK_SIZE on x86-64).
pub const USER_END: u64 = 0x0000_8000_0000_0000;
/// Linux's PATH_MAX, including the NUL.
pub const PATH_MAX: usize = 4096;
const PAGE: u64 = 4096;

fn check(addr: u64, len: usize) -> Result<(), Errno> {
    match addr.checked_add(len as u64) {
        Some(end) if end <= USER_END => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// A pointer to one `T` in program memory.
#[derive(Debug)]
pub struct UserPtr<T> {
    addr: u64,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout> UserPtr<T> {
    pub const fn new(addr: u64) -> Self {
        UserPtr {
            addr,
            _type: PhantomData,
        }
    }

    pub fn addr(self) -> u64 {
        self.addr
    }

    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// The `n`th `T` after this one.
    pub fn offset(self, n: u64) -> Self {
        UserPtr::new(
            self.addr
                .wrapping_add(n.wrapping_mul(size_of::<T>() as u64)),
        )
    }

    pub fn read(self, p: &dyn Platform) -> Result<T, Errno> {
        check(self.addr, size_of::<T>())?;
        let mut value = T::new_zeroed();
        p.read_user(self.addr, value.as_mut_bytes())
            .map_err(|_| Errno::EFAULT)?;
        Ok(value)
    }

    pub fn write(self, p: &dyn Platform, value: &T) -> Result<(), Errno> {
        check(self.addr, size_of::<T>())?;
        p.write_user(self.addr, value.as_bytes())
            .map_err(|_| Errno::EFAULT)
    }

    /// Writes `value` unless the pointer is null (optional out-parameters).
    pub fn write_if_some(self, p: &dyn Platform, value: &T) -> Result<(), Errno> {
        if self.is_null() {
            Ok(())
        } else {
            self.write(p, value)
        }
    }
}

/// `len` bytes of program memory at `addr`.
#[derive(Debug, Clone, Copy)]
pub struct UserSlice {
    pub addr: u64,
    pub len: usize,
}

impl UserSlice {
    pub const fn new(addr: u64, len: usize) -> Self {
        UserSlice { addr, len }
    }

    pub fn read_into(self, p: &dyn Platform, buf: &mut [u8]) -> Result<(), Errno> {
        let n = buf.len().min(self.len);
        check(self.addr, n)?;
        p.read_user(self.addr, &mut buf[..n])
            .map_err(|_| Errno::EFAULT)
    }

    pub fn read_to_vec(self, p: &dyn Platform) -> Result<Vec<u8>, Error> {
        check(self.addr, self.len)?;
        let mut v = Vec::new();
        v.try_reserve_exact(self.len).map_err(|_| Errno::ENOMEM)?;
        v.resize(self.len, 0);
        p.read_user(self.addr, &mut v).map_err(|_| Errno::EFAULT)?;
        Ok(v)
    }

    /// Writes `data` at the start of the slice (at most `len` bytes).
    pub fn write(self, p: &dyn Platform, data: &[u8]) -> Result<(), Errno> {
        let n = data.len().min(self.len);
        check(self.addr, n)?;
        p.write_user(self.addr, &data[..n])
            .map_err(|_| Errno::EFAULT)
    }

    /// Checks the whole range is writable without changing it (for calls
    /// that must fail with EFAULT before doing anything).
    pub fn check_writable(self, p: &dyn Platform) -> Result<(), Errno> {
        check(self.addr, self.len)?;
        let mut probe = [0u8; 1];
        let mut at = self.addr;
        let end = self.addr + self.len as u64;
        while at < end {
            p.read_user(at, &mut probe).map_err(|_| Errno::EFAULT)?;
            p.write_user(at, &probe).map_err(|_| Errno::EFAULT)?;
            at = (at & !(PAGE - 1)) + PAGE;
        }
        Ok(())
    }
}

/// A NUL-terminated string in program memory.
#[derive(Debug, Clone, Copy)]
pub struct UserCStr {
    pub addr: u64,
}

impl UserCStr {
    pub const fn new(addr: u64) -> Self {
        UserCStr { addr }
    }

    /// Reads up to `max` bytes including the NUL, without reading past the
    /// page where the NUL is. Too long: `ENAMETOOLONG`.
    pub fn read(self, p: &dyn Platform, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut at = self.addr;
        loop {
            let room = max - out.len();
            let in_page = (PAGE - (at % PAGE)) as usize;
            let n = in_page.min(room);
            check(at, n)?;
            let start = out.len();
            out.resize(start + n, 0);
            p.read_user(at, &mut out[start..])
                .map_err(|_| Errno::EFAULT)?;
            if let Some(nul) = out[start..].iter().position(|&b| b == 0) {
                out.truncate(start + nul);
                return Ok(out);
            }
            if out.len() >= max {
                return Err(Errno::ENAMETOOLONG);
            }
            at += n as u64;
        }
    }

    /// A path argument: at most PATH_MAX bytes; empty is `ENOENT`.
    pub fn read_path(self, p: &dyn Platform) -> Result<Vec<u8>, Errno> {
        let path = self.read(p, PATH_MAX)?;
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        Ok(path)
    }
}
