//! set_tid_address(2) and set_robust_list(2): recorded for thread exit.

use crate::dispatch::Ctx;
use crate::{Errno, SysResult};

pub fn sys_set_tid_address(ctx: &mut Ctx<'_>, tidptr: u64) -> SysResult {
    ctx.process.clear_child_tid = tidptr;
    Ok(u64::from(ctx.process.pid))
}

/// sizeof(struct robust_list_head) on x86-64.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

pub fn sys_set_robust_list(ctx: &mut Ctx<'_>, head: u64, len: u64) -> SysResult {
    if len != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL.into());
    }
    ctx.process.robust_list = (head, len);
    Ok(0)
}
