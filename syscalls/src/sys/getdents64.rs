//! getdents64(2) and the older getdents(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::dirent::getdents;
use crate::user::UserSlice;

pub fn sys_getdents64(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice) -> SysResult {
    let file = ctx.file(fd)?;
    Ok(getdents(ctx, &file, buf, false)? as u64)
}

pub fn sys_getdents(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice) -> SysResult {
    let file = ctx.file(fd)?;
    Ok(getdents(ctx, &file, buf, true)? as u64)
}
