//! symlink(2) and symlinkat(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::UserCStr;

pub fn sys_symlinkat(
    ctx: &mut Ctx<'_>,
    target: UserCStr,
    newdirfd: i32,
    linkpath: UserCStr,
) -> SysResult {
    let target = read_path(ctx.platform, target, false)?;
    let link = read_path(ctx.platform, linkpath, false)?;
    let now = now(ctx.platform);
    ctx.fs().symlink(&target, newdirfd, &link, now)?;
    Ok(0)
}

pub fn sys_symlink(ctx: &mut Ctx<'_>, target: UserCStr, linkpath: UserCStr) -> SysResult {
    sys_symlinkat(ctx, target, AT_FDCWD, linkpath)
}
