//! unlink(2) and unlinkat(2).

use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, AT_REMOVEDIR, read_path};
use crate::user::UserCStr;
use crate::{Errno, Error, SysResult};

pub fn sys_unlinkat(ctx: &mut Ctx<'_>, dirfd: i32, path: UserCStr, flags: u32) -> SysResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown unlinkat flags"));
    }
    let path = read_path(ctx.platform, path, false)?;
    let now = now(ctx.platform);
    if flags & AT_REMOVEDIR != 0 {
        ctx.fs().rmdir(dirfd, &path, now)?;
    } else {
        ctx.fs().unlink(dirfd, &path, now)?;
    }
    Ok(0)
}

pub fn sys_unlink(ctx: &mut Ctx<'_>, path: UserCStr) -> SysResult {
    sys_unlinkat(ctx, AT_FDCWD, path, 0)
}
