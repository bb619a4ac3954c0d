//! statfs(2) and fstatfs(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::fs::stat::{Statfs, statfs};
use crate::user::{UserCStr, UserPtr};

pub fn sys_statfs(ctx: &mut Ctx<'_>, path: UserCStr, buf: UserPtr<Statfs>) -> SysResult {
    let path = read_path(ctx.platform, path, false)?;
    let inode = ctx.fs().lookup_at(AT_FDCWD, &path, true, false)?;
    buf.write(ctx.platform, &statfs(&inode.sb, &ctx.platform.machine()))?;
    Ok(0)
}

pub fn sys_fstatfs(ctx: &mut Ctx<'_>, fd: i32, buf: UserPtr<Statfs>) -> SysResult {
    let file = ctx.file(fd)?;
    buf.write(
        ctx.platform,
        &statfs(&file.inode.sb, &ctx.platform.machine()),
    )?;
    Ok(0)
}
