//! open(2), openat(2) and creat(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::file::{O_CREAT, O_TRUNC, O_WRONLY};
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::UserCStr;

pub fn sys_openat(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    flags: u32,
    mode: u32,
) -> SysResult {
    let path = read_path(ctx.platform, path, false)?;
    let now = now(ctx.platform);
    let limit = ctx.process.nofile();
    let fd = ctx.fs().open(dirfd, &path, flags, mode, now, limit)?;
    if flags & O_TRUNC != 0
        && let Ok(file) = ctx.file(fd)
    {
        crate::sys::mmap::after_truncate(ctx, &file.inode);
    }
    Ok(fd as u64)
}

pub fn sys_open(ctx: &mut Ctx<'_>, path: UserCStr, flags: u32, mode: u32) -> SysResult {
    sys_openat(ctx, AT_FDCWD, path, flags, mode)
}

/// creat(2) is open(O_CREAT | O_WRONLY | O_TRUNC).
pub fn sys_creat(ctx: &mut Ctx<'_>, path: UserCStr, mode: u32) -> SysResult {
    sys_openat(ctx, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)
}
