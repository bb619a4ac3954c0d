//! chown(2), fchown(2), lchown(2) and fchownat(2). Owners are recorded
//! and reported; the program is root, so any ids may be given.

use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, read_path};
use crate::user::UserCStr;
use crate::{Errno, Error, SysResult};

pub fn sys_fchownat(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    uid: u32,
    gid: u32,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown fchownat flags"));
    }
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let path = read_path(ctx.platform, path, empty_ok)?;
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let fs = &*ctx.fs();
    let inode = fs.lookup_at(dirfd, &path, follow, empty_ok)?;
    fs.chown(&inode, uid, gid, now(ctx.platform))?;
    Ok(0)
}

pub fn sys_chown(ctx: &mut Ctx<'_>, path: UserCStr, uid: u32, gid: u32) -> SysResult {
    sys_fchownat(ctx, AT_FDCWD, path, uid, gid, 0)
}

pub fn sys_lchown(ctx: &mut Ctx<'_>, path: UserCStr, uid: u32, gid: u32) -> SysResult {
    sys_fchownat(ctx, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)
}

/// fchown(2): not through an O_PATH descriptor (EBADF).
pub fn sys_fchown(ctx: &mut Ctx<'_>, fd: i32, uid: u32, gid: u32) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    ctx.fs().chown(&file.inode, uid, gid, now(ctx.platform))?;
    Ok(0)
}
