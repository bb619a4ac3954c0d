//! chmod(2), fchmod(2), fchmodat(2) and fchmodat2(2).

use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, read_path};
use crate::user::UserCStr;
use crate::{Errno, Error, SysResult};

/// fchmodat2(2). A symlink's mode cannot change on Linux: with
/// AT_SYMLINK_NOFOLLOW on one it is EOPNOTSUPP.
pub fn sys_fchmodat2(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    mode: u32,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown fchmodat2 flags"));
    }
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let path = read_path(ctx.platform, path, empty_ok)?;
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let fs = &*ctx.fs();
    let inode = fs.lookup_at(dirfd, &path, follow, empty_ok)?;
    if inode.is_symlink() {
        return Err(Errno::EOPNOTSUPP.into());
    }
    fs.chmod(&inode, mode, now(ctx.platform))?;
    Ok(0)
}

pub fn sys_fchmodat(ctx: &mut Ctx<'_>, dirfd: i32, path: UserCStr, mode: u32) -> SysResult {
    sys_fchmodat2(ctx, dirfd, path, mode, 0)
}

pub fn sys_chmod(ctx: &mut Ctx<'_>, path: UserCStr, mode: u32) -> SysResult {
    sys_fchmodat2(ctx, AT_FDCWD, path, mode, 0)
}

/// fchmod(2): not through an O_PATH descriptor (EBADF).
pub fn sys_fchmod(ctx: &mut Ctx<'_>, fd: i32, mode: u32) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    ctx.fs().chmod(&file.inode, mode, now(ctx.platform))?;
    Ok(0)
}
