//! mmap(2): anonymous memory, and mappings of regular files: private
//! ones (what `ld.so` makes of every library) get copies of the file's
//! pages, shared ones map the file's own pages, so writes reach the file
//! and `read`/`write` see the same bytes as the mapping.

use crate::dispatch::Ctx;
use crate::fs::inode::{Device, Inode, Node};
use crate::mm::{FileMap, MapFlags, MapSource, PAGE_SIZE, Prot, page_ceil};
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
        let at = ctx
            .process
            .mm
            .mmap_anonymous(ctx.platform, addr, len, prot, flags)?;
        if flags.contains(MapFlags::POPULATE) {
            populate(ctx, at, len, prot);
        }
        return Ok(at);
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
    let shared = sharing != MapFlags::PRIVATE;
    if shared && prot.contains(Prot::WRITE) && !file.writable() {
        return Err(Errno::EACCES.into());
    }
    let path = file.path(&ctx.fs());
    let map = FileMap {
        source: file.inode.clone(),
        offset,
        path: Arc::from(path),
        shared,
        writable: file.writable(),
    };
    let at = ctx
        .process
        .mm
        .mmap_file(ctx.platform, addr, len, prot, flags, map)?;
    if flags.contains(MapFlags::POPULATE) {
        populate(ctx, at, len, prot);
    }
    Ok(at)
}

/// MAP_POPULATE: faults the pages in now (reading one byte of each, as far
/// as the file reaches), so later accesses do not fault.
fn populate(ctx: &Ctx<'_>, at: u64, len: u64, prot: Prot) {
    if prot.is_empty() {
        return;
    }
    let mut page = at;
    let mut byte = [0u8];
    while page < at.saturating_add(len) {
        if ctx.platform.read_user(page, &mut byte).is_err() {
            break;
        }
        page += PAGE_SIZE;
    }
}

/// After `inode` shrank (truncate, O_TRUNC): its mappings let go of the
/// pages past the new end, private copies included, as Linux's
/// truncate_pagecache does; touching them then raises SIGBUS.
pub fn after_truncate(ctx: &Ctx<'_>, inode: &Arc<Inode>) {
    let end = page_ceil(inode.size()).unwrap_or(u64::MAX);
    let source: Arc<dyn MapSource> = inode.clone();
    ctx.process
        .mm
        .file_changed(ctx.platform, &source, end, u64::MAX, true);
}

/// After a hole was punched in `[start, end)` of `inode`: shared mappings
/// of those pages map the (zeroed) file again; private copies stay.
pub fn after_punch(ctx: &Ctx<'_>, inode: &Arc<Inode>, start: u64, end: u64) {
    let source: Arc<dyn MapSource> = inode.clone();
    ctx.process
        .mm
        .file_changed(ctx.platform, &source, start, end, false);
}

/// msync(2): see `Mm::msync`.
pub fn sys_msync(ctx: &mut Ctx<'_>, addr: u64, len: u64, flags: u32) -> SysResult {
    ctx.process.mm.msync(addr, len, flags)?;
    Ok(0)
}

/// mincore(2): a byte per page, 1 where the page is resident.
pub fn sys_mincore(ctx: &mut Ctx<'_>, addr: u64, len: u64, vec: u64) -> SysResult {
    let resident = ctx.process.mm.mincore(ctx.platform, addr, len)?;
    ctx.platform
        .write_user(vec, &resident)
        .map_err(|_| Errno::EFAULT)?;
    Ok(0)
}
