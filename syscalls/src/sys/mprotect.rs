//! mprotect(2). PROT_GROWSDOWN/GROWSUP are refused.

use crate::dispatch::Ctx;
use crate::mm::Prot;
use crate::{Errno, Error, SysResult};

pub fn sys_mprotect(ctx: &mut Ctx<'_>, addr: u64, len: u64, prot: u32) -> SysResult {
    let prot = Prot::from_bits(prot).ok_or(Error::new(
        Errno::EINVAL,
        "unknown or unsupported PROT_ bits",
    ))?;
    ctx.process.mm.mprotect(ctx.platform, addr, len, prot)?;
    Ok(0)
}
