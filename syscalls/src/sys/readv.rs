//! readv(2), preadv(2) and preadv2(2); `read_iovec` is shared with the
//! writev family.

use crate::dispatch::Ctx;
use crate::fs::io;
use crate::fs::iov::UserIov;
use crate::user::{UserPtr, UserSlice};
use crate::{Errno, Error, SysResult};
use alloc::vec::Vec;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct iovec`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Iovec {
    pub base: u64,
    pub len: u64,
}

/// Linux's UIO_MAXIOV.
pub const UIO_MAXIOV: i32 = 1024;

// preadv2/pwritev2 flags (RWF_* in linux/fs.h).
pub const RWF_HIPRI: u32 = 0x1;
pub const RWF_DSYNC: u32 = 0x2;
pub const RWF_SYNC: u32 = 0x4;
pub const RWF_NOWAIT: u32 = 0x8;
pub const RWF_APPEND: u32 = 0x10;

/// Reads an iovec array: EINVAL for a count outside 0..=UIO_MAXIOV or
/// lengths whose sum overflows ssize_t.
pub fn read_iovec(ctx: &Ctx<'_>, iov: u64, iovcnt: i32) -> Result<UserIov, Error> {
    if !(0..=UIO_MAXIOV).contains(&iovcnt) {
        return Err(Errno::EINVAL.into());
    }
    let mut segs = Vec::with_capacity(iovcnt as usize);
    let mut total: u64 = 0;
    for i in 0..iovcnt as u64 {
        let v = UserPtr::<Iovec>::new(iov).offset(i).read(ctx.platform)?;
        total = total
            .checked_add(v.len)
            .filter(|&t| t <= isize::MAX as u64)
            .ok_or(Errno::EINVAL)?;
        segs.push(UserSlice::new(v.base, v.len as usize));
    }
    Ok(UserIov::many(segs))
}

/// The offset of a p*v2 call: -1 means the file offset.
pub fn offset_v2(offset: i64) -> Result<Option<u64>, Error> {
    match offset {
        -1 => Ok(None),
        o if o < 0 => Err(Errno::EINVAL.into()),
        o => Ok(Some(o as u64)),
    }
}

/// RWF_* flags Sole honours: HIPRI (a hint), DSYNC and SYNC (memory is as
/// durable as tmpfs gets; reads ignore them, as Linux does); NOWAIT only
/// where nothing can block anyway.
pub fn check_rwf(file: &crate::fs::file::OpenFile, flags: u32, write: bool) -> Result<(), Error> {
    let known = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND;
    if flags & !known != 0 {
        return Err(Error::new(Errno::EOPNOTSUPP, "unknown RWF_ flags"));
    }
    if write && flags & RWF_APPEND != 0 {
        return Err(Error::new(Errno::EOPNOTSUPP, "RWF_APPEND is not supported"));
    }
    if flags & RWF_NOWAIT != 0 && !file.inode.is_regular() {
        return Err(Error::new(Errno::EOPNOTSUPP, "RWF_NOWAIT on a stream"));
    }
    Ok(())
}

pub fn sys_readv(ctx: &mut Ctx<'_>, fd: i32, iov: u64, iovcnt: i32) -> SysResult {
    let file = ctx.file(fd)?;
    let iov = read_iovec(ctx, iov, iovcnt)?;
    Ok(io::read(ctx, &file, &iov, None)? as u64)
}

pub fn sys_preadv(ctx: &mut Ctx<'_>, fd: i32, iov: u64, iovcnt: i32, offset: i64) -> SysResult {
    if offset < 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = ctx.file(fd)?;
    let iov = read_iovec(ctx, iov, iovcnt)?;
    Ok(io::read(ctx, &file, &iov, Some(offset as u64))? as u64)
}

pub fn sys_preadv2(
    ctx: &mut Ctx<'_>,
    fd: i32,
    iov: u64,
    iovcnt: i32,
    offset: i64,
    flags: u32,
) -> SysResult {
    let at = offset_v2(offset)?;
    let file = ctx.file(fd)?;
    check_rwf(&file, flags, false)?;
    let iov = read_iovec(ctx, iov, iovcnt)?;
    Ok(io::read(ctx, &file, &iov, at)? as u64)
}
