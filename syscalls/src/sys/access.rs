//! access(2), faccessat(2) and faccessat2(2). The program is root: reading
//! and writing are allowed (except writing in /proc, which nothing may
//! change); executing needs an execute bit somewhere on a non-directory,
//! as for root on Linux (generic_permission).

use crate::dispatch::Ctx;
use crate::fs::path::{AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, read_path};
use crate::user::UserCStr;
use crate::{Errno, Error, SysResult};

const X_OK: u32 = 1;
const W_OK: u32 = 2;
const R_OK: u32 = 4;

pub fn sys_faccessat2(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    mode: u32,
    flags: u32,
) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown faccessat2 flags"));
    }
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let path = read_path(ctx.platform, path, empty_ok)?;
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let inode = ctx.fs().lookup_at(dirfd, &path, follow, empty_ok)?;
    if mode & W_OK != 0 && inode.sb.is_proc() {
        return Err(Errno::EACCES.into());
    }
    if mode & X_OK != 0 && !inode.is_dir() && inode.mode() & 0o111 == 0 {
        return Err(Errno::EACCES.into());
    }
    Ok(0)
}

pub fn sys_faccessat(ctx: &mut Ctx<'_>, dirfd: i32, path: UserCStr, mode: u32) -> SysResult {
    sys_faccessat2(ctx, dirfd, path, mode, 0)
}

pub fn sys_access(ctx: &mut Ctx<'_>, path: UserCStr, mode: u32) -> SysResult {
    sys_faccessat2(ctx, AT_FDCWD, path, mode, 0)
}
