//! writev(2), pwritev(2) and pwritev2(2).

use super::readv::{check_rwf, offset_v2, read_iovec};
use crate::dispatch::Ctx;
use crate::fs::io;
use crate::fs::iov::Source;
use crate::{Errno, SysResult};

pub fn sys_writev(ctx: &mut Ctx<'_>, fd: i32, iov: u64, iovcnt: i32) -> SysResult {
    let file = ctx.file(fd)?;
    let iov = read_iovec(ctx, iov, iovcnt)?;
    Ok(io::write(ctx, &file, &Source::User(&iov), None)? as u64)
}

pub fn sys_pwritev(ctx: &mut Ctx<'_>, fd: i32, iov: u64, iovcnt: i32, offset: i64) -> SysResult {
    if offset < 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = ctx.file(fd)?;
    let iov = read_iovec(ctx, iov, iovcnt)?;
    Ok(io::write(ctx, &file, &Source::User(&iov), Some(offset as u64))? as u64)
}

pub fn sys_pwritev2(
    ctx: &mut Ctx<'_>,
    fd: i32,
    iov: u64,
    iovcnt: i32,
    offset: i64,
    flags: u32,
) -> SysResult {
    let at = offset_v2(offset)?;
    let file = ctx.file(fd)?;
    check_rwf(&file, flags, true)?;
    let iov = read_iovec(ctx, iov, iovcnt)?;
    Ok(io::write(ctx, &file, &Source::User(&iov), at)? as u64)
}
