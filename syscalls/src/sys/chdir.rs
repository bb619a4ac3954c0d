//! chdir(2) and fchdir(2).

use crate::dispatch::Ctx;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::UserCStr;
use crate::{Errno, SysResult};

pub fn sys_chdir(ctx: &mut Ctx<'_>, path: UserCStr) -> SysResult {
    let path = read_path(ctx.platform, path, false)?;
    let dir = ctx.fs().lookup_at(AT_FDCWD, &path, true, false)?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    ctx.fs().cwd = dir;
    Ok(0)
}

pub fn sys_fchdir(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    let file = ctx.file(fd)?;
    if !file.inode.is_dir() {
        return Err(Errno::ENOTDIR.into());
    }
    ctx.fs().cwd = file.inode.clone();
    Ok(0)
}
