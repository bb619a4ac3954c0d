//! madvise(2).

use crate::SysResult;
use crate::dispatch::Ctx;

pub fn sys_madvise(ctx: &mut Ctx<'_>, addr: u64, len: u64, advice: i32) -> SysResult {
    ctx.process.mm.madvise(ctx.platform, addr, len, advice)?;
    Ok(0)
}
