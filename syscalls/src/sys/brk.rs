//! brk(2): the raw syscall returns the new break, or the old one on failure.

use crate::SysResult;
use crate::dispatch::Ctx;

pub fn sys_brk(ctx: &mut Ctx<'_>, addr: u64) -> SysResult {
    Ok(ctx.process.mm.brk(ctx.platform, addr))
}
