//! close(2) and close_range(2).

use crate::dispatch::Ctx;
use crate::{Errno, Error, SysResult};

const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;

pub fn sys_close(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    ctx.fs().fds.remove(fd)?;
    Ok(0)
}

/// close_range(2): closes (or, with CLOSE_RANGE_CLOEXEC, marks
/// close-on-exec) every open descriptor in `[first, last]`. The table is
/// never shared, so CLOSE_RANGE_UNSHARE has nothing to do.
pub fn sys_close_range(ctx: &mut Ctx<'_>, first: u32, last: u32, flags: u32) -> SysResult {
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown close_range flags"));
    }
    if first > last {
        return Err(Errno::EINVAL.into());
    }
    let fds = &mut ctx.fs().fds;
    let end = (last as usize).saturating_add(1).min(fds.end());
    for fd in first as usize..end {
        let fd = fd as i32;
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            if let Ok(e) = fds.entry_mut(fd) {
                e.cloexec = true;
            }
        } else {
            let _ = fds.remove(fd);
        }
    }
    Ok(0)
}
