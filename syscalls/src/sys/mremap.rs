//! mremap(2), anonymous mappings.

use crate::dispatch::Ctx;
use crate::mm::MremapFlags;
use crate::{Errno, Error, SysResult};

pub fn sys_mremap(
    ctx: &mut Ctx<'_>,
    old: u64,
    old_len: u64,
    new_len: u64,
    flags: u32,
    new_addr: u64,
) -> SysResult {
    let flags =
        MremapFlags::from_bits(flags).ok_or(Error::new(Errno::EINVAL, "unknown MREMAP_ flags"))?;
    ctx.process
        .mm
        .mremap(ctx.platform, old, old_len, new_len, flags, new_addr)
}
