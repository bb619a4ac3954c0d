//! rt_sigprocmask(2) and rt_sigpending(2): the calling thread's mask, and
//! what is pending for it while blocked.

use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, SysResult};

const SIG_BLOCK: i32 = 0;
const SIG_UNBLOCK: i32 = 1;
const SIG_SETMASK: i32 = 2;

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
    let tid = ctx.thread.tid;
    let old = ctx.process.signals.lock().mask(tid);
    let mask = match (how, new) {
        (_, None) => old,
        (SIG_BLOCK, Some(s)) => old | s,
        (SIG_UNBLOCK, Some(s)) => old & !s,
        (SIG_SETMASK, Some(s)) => s,
        _ => return Err(Errno::EINVAL.into()),
    };
    oldset.write_if_some(ctx.platform, &old)?;
    if new.is_some() {
        ctx.process.signals.lock().set_mask(tid, mask);
    }
    Ok(0)
}

/// rt_sigpending(2): signals pending for the thread or the process that
/// the thread blocks.
pub fn sys_rt_sigpending(ctx: &mut Ctx<'_>, set: UserPtr<u64>, sigsetsize: usize) -> SysResult {
    if sigsetsize > 8 {
        return Err(Errno::EINVAL.into());
    }
    let tid = ctx.thread.tid;
    let pending = {
        let s = ctx.process.signals.lock();
        s.pending(tid) & s.mask(tid)
    };
    let bytes = pending.to_le_bytes();
    crate::user::UserSlice::new(set.addr(), sigsetsize)
        .write(ctx.platform, &bytes[..sigsetsize])?;
    Ok(0)
}
