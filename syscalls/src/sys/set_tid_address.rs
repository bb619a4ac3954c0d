//! set_tid_address(2) and set_robust_list(2): recorded for thread exit.

use crate::dispatch::Ctx;
use crate::{Errno, SysResult};
use core::sync::atomic::Ordering;

pub fn sys_set_tid_address(ctx: &mut Ctx<'_>, tidptr: u64) -> SysResult {
    ctx.thread.clear_child_tid.store(tidptr, Ordering::Release);
    Ok(u64::from(ctx.thread.tid))
}

/// sizeof(struct robust_list_head) on x86-64.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

pub fn sys_set_robust_list(ctx: &mut Ctx<'_>, head: u64, len: u64) -> SysResult {
    if len != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL.into());
    }
    *ctx.thread.robust_list.lock() = (head, len);
    Ok(0)
}

/// get_robust_list(2): a thread's list head and its size.
pub fn sys_get_robust_list(ctx: &mut Ctx<'_>, pid: i32, head: u64, len: u64) -> SysResult {
    let t = match pid {
        0 => ctx.thread.clone(),
        p if p > 0 => ctx.process.thread(p as u32).ok_or(Errno::ESRCH)?,
        _ => return Err(Errno::ESRCH.into()),
    };
    let (h, l) = *t.robust_list.lock();
    crate::user::UserPtr::<u64>::new(head).write(ctx.platform, &h)?;
    crate::user::UserPtr::<u64>::new(len).write(ctx.platform, &l)?;
    Ok(0)
}
