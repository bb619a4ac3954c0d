//! statx(2).

use crate::dispatch::Ctx;
use crate::fs::path::{AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, read_path};
use crate::fs::stat::{STATX_RESERVED, Statx, statx};
use crate::user::{UserCStr, UserPtr};
use crate::{Errno, Error, SysResult};

/// AT_STATX_SYNC_TYPE: FORCE_SYNC (0x2000) and DONT_SYNC (0x4000) mean
/// nothing for files in memory; both together are invalid.
const AT_STATX_SYNC_TYPE: u32 = 0x6000;

pub fn sys_statx(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    flags: u32,
    mask: u32,
    buf: UserPtr<Statx>,
) -> SysResult {
    let known = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE;
    if flags & !known != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown statx flags"));
    }
    if flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE || mask & STATX_RESERVED != 0 {
        return Err(Errno::EINVAL.into());
    }
    let empty_ok = flags & AT_EMPTY_PATH != 0;
    let path = read_path(ctx.platform, path, empty_ok)?;
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    let inode = ctx.fs().lookup_at(dirfd, &path, follow, empty_ok)?;
    buf.write(ctx.platform, &statx(&inode))?;
    Ok(0)
}
