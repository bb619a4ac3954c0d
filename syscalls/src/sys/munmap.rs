//! munmap(2).

use crate::SysResult;
use crate::dispatch::Ctx;

pub fn sys_munmap(ctx: &mut Ctx<'_>, addr: u64, len: u64) -> SysResult {
    ctx.process.mm.munmap(ctx.platform, addr, len)?;
    Ok(0)
}
