//! write(2) and pwrite64(2).

use crate::dispatch::Ctx;
use crate::fs::io;
use crate::fs::iov::{Source, UserIov};
use crate::user::UserSlice;
use crate::{Errno, SysResult};

pub fn sys_write(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice) -> SysResult {
    let file = ctx.file(fd)?;
    Ok(io::write(ctx, &file, &Source::User(&UserIov::one(buf)), None)? as u64)
}

/// pwrite64(2): at `offset`, leaving the file offset alone (but see
/// O_APPEND in io::write); ESPIPE on pipes and terminals, EINVAL for a
/// negative offset.
pub fn sys_pwrite64(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice, offset: i64) -> SysResult {
    if offset < 0 {
        return Err(Errno::EINVAL.into());
    }
    let file = ctx.file(fd)?;
    Ok(io::write(
        ctx,
        &file,
        &Source::User(&UserIov::one(buf)),
        Some(offset as u64),
    )? as u64)
}
