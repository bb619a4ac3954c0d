//! dup(2), dup2(2) and dup3(2): a new descriptor for the same open file
//! description (shared offset and status flags), without close-on-exec
//! unless dup3 asks for it.

use crate::dispatch::Ctx;
use crate::fs::fdtable::NR_OPEN;
use crate::fs::file::O_CLOEXEC;
use crate::{Errno, Error, SysResult};

pub fn sys_dup(ctx: &mut Ctx<'_>, oldfd: i32) -> SysResult {
    let file = ctx.file(oldfd)?;
    let limit = ctx.process.nofile();
    Ok(ctx.fs().fds.insert(file, false, 0, limit)? as u64)
}

pub fn sys_dup3(ctx: &mut Ctx<'_>, oldfd: i32, newfd: i32, flags: u32) -> SysResult {
    if flags & !O_CLOEXEC != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown dup3 flags"));
    }
    if oldfd == newfd {
        return Err(Errno::EINVAL.into());
    }
    let file = ctx.file(oldfd)?;
    let limit = ctx.process.nofile().min(NR_OPEN);
    if newfd < 0 || newfd as u64 >= limit {
        return Err(Errno::EBADF.into());
    }
    // The old file at newfd is closed silently (dup2(2)).
    let _old = ctx
        .fs()
        .fds
        .install(newfd as usize, file, flags & O_CLOEXEC != 0);
    Ok(newfd as u64)
}

/// dup2(2): the same descriptor twice is a no-op, if it is open.
pub fn sys_dup2(ctx: &mut Ctx<'_>, oldfd: i32, newfd: i32) -> SysResult {
    if oldfd == newfd {
        ctx.file(oldfd)?;
        return Ok(newfd as u64);
    }
    sys_dup3(ctx, oldfd, newfd, 0)
}
