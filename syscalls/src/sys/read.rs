//! read(2) and pread64(2).

use crate::dispatch::Ctx;
use crate::fs::io;
use crate::fs::iov::UserIov;
use crate::user::UserSlice;
use crate::{Errno, SysResult};

pub fn sys_read(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice) -> SysResult {
    let file = ctx.file(fd)?;
    Ok(io::read(ctx, &file, &UserIov::one(buf), None)? as u64)
}

/// pread64(2): at `offset`, leaving the file offset alone; ESPIPE on pipes
/// and terminals, EINVAL for a negative offset.
pub fn sys_pread64(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice, offset: i64) -> SysResult {
    if offset < 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = ctx.file(fd)?;
    Ok(io::read(ctx, &file, &UserIov::one(buf), Some(offset as u64))? as u64)
}
