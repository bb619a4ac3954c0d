//! link(2) and linkat(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_EMPTY_PATH, AT_FDCWD, read_path};
use crate::user::UserCStr;

pub fn sys_linkat(
    ctx: &mut Ctx<'_>,
    olddirfd: i32,
    oldpath: UserCStr,
    newdirfd: i32,
    newpath: UserCStr,
    flags: u32,
) -> SysResult {
    let old = read_path(ctx.platform, oldpath, flags & AT_EMPTY_PATH != 0)?;
    let new = read_path(ctx.platform, newpath, false)?;
    let now = now(ctx.platform);
    ctx.fs().link(olddirfd, &old, newdirfd, &new, flags, now)?;
    Ok(0)
}

pub fn sys_link(ctx: &mut Ctx<'_>, oldpath: UserCStr, newpath: UserCStr) -> SysResult {
    sys_linkat(ctx, AT_FDCWD, oldpath, AT_FDCWD, newpath, 0)
}
