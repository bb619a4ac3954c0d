//! mkdir(2) and mkdirat(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::UserCStr;

pub fn sys_mkdirat(ctx: &mut Ctx<'_>, dirfd: i32, path: UserCStr, mode: u32) -> SysResult {
    let path = read_path(ctx.platform, path, false)?;
    ctx.fs().mkdir(dirfd, &path, mode, now(ctx.platform))?;
    Ok(0)
}

pub fn sys_mkdir(ctx: &mut Ctx<'_>, path: UserCStr, mode: u32) -> SysResult {
    sys_mkdirat(ctx, AT_FDCWD, path, mode)
}
