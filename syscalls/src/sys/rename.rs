//! rename(2), renameat(2) and renameat2(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::UserCStr;

pub fn sys_renameat2(
    ctx: &mut Ctx<'_>,
    olddirfd: i32,
    oldpath: UserCStr,
    newdirfd: i32,
    newpath: UserCStr,
    flags: u32,
) -> SysResult {
    let old = read_path(ctx.platform, oldpath, false)?;
    let new = read_path(ctx.platform, newpath, false)?;
    let now = now(ctx.platform);
    ctx.fs()
        .rename(olddirfd, &old, newdirfd, &new, flags, now)?;
    Ok(0)
}

pub fn sys_renameat(
    ctx: &mut Ctx<'_>,
    olddirfd: i32,
    oldpath: UserCStr,
    newdirfd: i32,
    newpath: UserCStr,
) -> SysResult {
    sys_renameat2(ctx, olddirfd, oldpath, newdirfd, newpath, 0)
}

pub fn sys_rename(ctx: &mut Ctx<'_>, oldpath: UserCStr, newpath: UserCStr) -> SysResult {
    sys_renameat2(ctx, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0)
}
