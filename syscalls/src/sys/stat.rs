//! stat(2), fstat(2), lstat(2) and newfstatat(2).

use crate::dispatch::Ctx;
use crate::fs::path::{AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, read_path};
use crate::fs::stat::{Stat, stat};
use crate::user::{UserCStr, UserPtr};
use crate::{Errno, Error, SysResult};

pub fn sys_newfstatat(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    buf: UserPtr<Stat>,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown newfstatat flags"));
    }
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let path = read_path(ctx.platform, path, empty_ok)?;
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let inode = ctx.fs().lookup_at(dirfd, &path, follow, empty_ok)?;
    buf.write(ctx.platform, &stat(&inode))?;
    Ok(0)
}

pub fn sys_stat(ctx: &mut Ctx<'_>, path: UserCStr, buf: UserPtr<Stat>) -> SysResult {
    sys_newfstatat(ctx, AT_FDCWD, path, buf, 0)
}

pub fn sys_lstat(ctx: &mut Ctx<'_>, path: UserCStr, buf: UserPtr<Stat>) -> SysResult {
    sys_newfstatat(ctx, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW)
}

/// fstat(2); O_PATH descriptors may be asked too.
pub fn sys_fstat(ctx: &mut Ctx<'_>, fd: i32, buf: UserPtr<Stat>) -> SysResult {
    let file = ctx.file(fd)?;
    buf.write(ctx.platform, &stat(&file.inode))?;
    Ok(0)
}
