//! umask(2).

use crate::SysResult;
use crate::dispatch::Ctx;

pub fn sys_umask(ctx: &mut Ctx<'_>, mask: u32) -> SysResult {
    let old = ctx.fs().umask;
    ctx.fs().umask = mask & 0o777;
    Ok(u64::from(old))
}
