//! mmap(2): anonymous memory, and private mappings of regular files (what
//! `ld.so` makes of every library). Shared file mappings are refused with
//! ENODEV for now, and said so once.

use crate::dispatch::Ctx;
use crate::fs::inode::{Device, Node};
use crate::mm::{FileMap, MapFlags, PAGE_SIZE, Prot};
use crate::{Errno, Error, SysResult};
use alloc::sync::Arc;

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
    if flags.contains(MapFlags::ANONYMOUS) {
        // MAP_SHARED and MAP_PRIVATE anonymous memory behave alike in a
        // process that cannot fork.
        return ctx
            .process
            .mm
            .mmap_anonymous(ctx.platform, addr, len, prot, flags);
    }
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    match &file.inode.node {
        Node::File(_) => {}
        // /dev/zero maps as anonymous memory, as Linux's shmem_zero_setup.
        Node::Device(Device::Zero) => {
            return ctx
                .process
                .mm
                .mmap_anonymous(ctx.platform, addr, len, prot, flags);
        }
        _ => return Err(Error::new(Errno::ENODEV, "this file cannot be mapped")),
    }
    if !file.readable() {
        return Err(Errno::EACCES.into());
    }
    if sharing != MapFlags::PRIVATE {
        if prot.contains(Prot::WRITE) && !file.writable() {
            return Err(Errno::EACCES.into());
        }
        return Err(Error::new(
            Errno::ENODEV,
            "shared file mappings are not supported yet",
        ));
    }
    let path = file.path(&ctx.fs());
    let map = FileMap {
        source: file.inode.clone(),
        offset,
        path: Arc::from(path),
    };
    ctx.process
        .mm
        .mmap_file(ctx.platform, addr, len, prot, flags, map)
}
