//! mmap(2), anonymous mappings. File mappings come with the dynamic-programs
//! issue and are refused with ENODEV until then.

use crate::dispatch::Ctx;
use crate::mm::{MapFlags, PAGE_SIZE, Prot};
use crate::{Errno, Error, SysResult};

pub fn sys_mmap(
    ctx: &mut Ctx<'_>,
    addr: u64,
    len: u64,
    prot: u32,
    flags: u32,
    fd: i32,
    offset: u64,
) -> SysResult {
    let prot = Prot::from_bits(prot).ok_or(Error::new(Errno::EINVAL, "unknown PROT_ bits"))?;
    let flags =
        MapFlags::from_bits(flags).ok_or(Error::new(Errno::EINVAL, "unknown MAP_ flags"))?;
    let sharing = flags & (MapFlags::SHARED | MapFlags::PRIVATE);
    // MAP_SHARED_VALIDATE (3) is both bits.
    if sharing.is_empty() || !offset.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL.into());
    }
    if !flags.contains(MapFlags::ANONYMOUS) {
        if fd < 0 {
            return Err(Errno::EBADF.into());
        }
        return Err(Error::new(
            Errno::ENODEV,
            "file-backed mmap is not supported yet",
        ));
    }
    // MAP_SHARED and MAP_PRIVATE anonymous memory behave alike in a process
    // that cannot fork.
    ctx.process
        .mm
        .mmap_anonymous(ctx.platform, addr, len, prot, flags)
}
