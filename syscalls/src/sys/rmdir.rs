//! rmdir(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::UserCStr;

pub fn sys_rmdir(ctx: &mut Ctx<'_>, path: UserCStr) -> SysResult {
    let path = read_path(ctx.platform, path, false)?;
    ctx.fs().rmdir(AT_FDCWD, &path, now(ctx.platform))?;
    Ok(0)
}
