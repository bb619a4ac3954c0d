//! getpid(2), gettid(2), getppid(2). The program is process 1 (its main
//! thread's id is 1 too); like init, its parent is 0.

use crate::SysResult;
use crate::dispatch::Ctx;

pub fn sys_getpid(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.process.pid))
}

pub fn sys_gettid(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.thread.tid))
}

pub fn sys_getppid(_ctx: &mut Ctx<'_>) -> SysResult {
    Ok(0)
}
