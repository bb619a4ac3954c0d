//! exit(2) and exit_group(2). With one thread they are the same: the program
//! ends with the low 8 bits of the status.

use crate::SysResult;
use crate::dispatch::Ctx;

pub fn sys_exit(ctx: &mut Ctx<'_>, status: i32) -> SysResult {
    ctx.exit = Some(status & 0xff);
    Ok(0)
}

pub fn sys_exit_group(ctx: &mut Ctx<'_>, status: i32) -> SysResult {
    sys_exit(ctx, status)
}
