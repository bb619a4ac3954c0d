//! utimensat(2), and the older futimesat(2), utimes(2) and utime(2).
//! UTIME_NOW sets a time to now, UTIME_OMIT leaves it; the change time
//! always becomes now (unless both are omitted: then nothing happens).

use crate::abi::{Timespec, Timeval};
use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, read_path};
use crate::user::{UserCStr, UserPtr};
use crate::{Errno, Error, SysResult};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const UTIME_NOW: i64 = (1 << 30) - 1;
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

/// `struct utimbuf`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Utimbuf {
    pub actime: i64,
    pub modtime: i64,
}

/// Sets the times of what `path` (NULL: `dirfd` itself) names.
fn set_times(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    times: Option<(Option<Timespec>, Option<Timespec>)>,
    flags: u32,
) -> SysResult {
    let now = now(ctx.platform);
    let (atime, mtime) = times.unwrap_or((Some(now), Some(now)));
    let fs = &*ctx.fs();
    let inode = if path.addr == 0 && dirfd != AT_FDCWD {
        // utimensat(2): a NULL path means the file dirfd refers to.
        if flags & AT_SYMLINK_NOFOLLOW != 0 {
            return Err(Errno::EINVAL.into());
        }
        fs.file(dirfd)?.inode.clone()
    } else {
        let empty_ok = flags & AT_EMPTY_PATH != 0;
        let path = read_path(ctx.platform, path, empty_ok)?;
        let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
        fs.lookup_at(dirfd, &path, follow, empty_ok)?
    };
    fs.set_times(&inode, atime, mtime, now)?;
    Ok(0)
}

pub fn sys_utimensat(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    times: UserPtr<[Timespec; 2]>,
    flags: u32,
) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown utimensat flags"));
    }
    let wanted = if times.is_null() {
        None
    } else {
        let t = times.read(ctx.platform)?;
        if t[0].nsec == UTIME_OMIT && t[1].nsec == UTIME_OMIT {
            return Ok(0);
        }
        let now = now(ctx.platform);
        let one = |ts: Timespec| match ts.nsec {
            UTIME_NOW => Ok(Some(now)),
            UTIME_OMIT => Ok(None),
            n if (0..1_000_000_000).contains(&n) => Ok(Some(ts)),
            _ => Err(Errno::EINVAL),
        };
        Some((one(t[0])?, one(t[1])?))
    };
    set_times(ctx, dirfd, path, wanted, flags)
}

fn from_timeval(t: Timeval) -> Result<Option<Timespec>, Errno> {
    if !(0..1_000_000).contains(&t.usec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(Timespec {
        sec: t.sec,
        nsec: t.usec * 1000,
    }))
}

pub fn sys_futimesat(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    times: UserPtr<[Timeval; 2]>,
) -> SysResult {
    let wanted = if times.is_null() {
        None
    } else {
        let t = times.read(ctx.platform)?;
        Some((from_timeval(t[0])?, from_timeval(t[1])?))
    };
    set_times(ctx, dirfd, path, wanted, 0)
}

pub fn sys_utimes(ctx: &mut Ctx<'_>, path: UserCStr, times: UserPtr<[Timeval; 2]>) -> SysResult {
    sys_futimesat(ctx, AT_FDCWD, path, times)
}

pub fn sys_utime(ctx: &mut Ctx<'_>, path: UserCStr, times: UserPtr<Utimbuf>) -> SysResult {
    let wanted = if times.is_null() {
        None
    } else {
        let t = times.read(ctx.platform)?;
        let ts = |sec| Some(Timespec { sec, nsec: 0 });
        Some((ts(t.actime), ts(t.modtime)))
    };
    set_times(ctx, AT_FDCWD, path, wanted, 0)
}
