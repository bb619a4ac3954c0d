//! rt_sigprocmask(2).

use crate::dispatch::Ctx;
use crate::signal::{SIGKILL, SIGSTOP};
use crate::user::UserPtr;
use crate::{Errno, SysResult};

const SIG_BLOCK: i32 = 0;
const SIG_UNBLOCK: i32 = 1;
const SIG_SETMASK: i32 = 2;
const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

pub fn sys_rt_sigprocmask(
    ctx: &mut Ctx<'_>,
    how: i32,
    set: UserPtr<u64>,
    oldset: UserPtr<u64>,
    sigsetsize: usize,
) -> SysResult {
    if sigsetsize != 8 {
        return Err(Errno::EINVAL.into());
    }
    let new = if set.is_null() {
        None
    } else {
        Some(set.read(ctx.platform)?)
    };
    let old = ctx.process.signals.mask;
    let mask = match (how, new) {
        (_, None) => old,
        (SIG_BLOCK, Some(s)) => old | s,
        (SIG_UNBLOCK, Some(s)) => old & !s,
        (SIG_SETMASK, Some(s)) => s,
        _ => return Err(Errno::EINVAL.into()),
    };
    oldset.write_if_some(ctx.platform, &old)?;
    ctx.process.signals.mask = mask & !UNBLOCKABLE;
    Ok(0)
}
