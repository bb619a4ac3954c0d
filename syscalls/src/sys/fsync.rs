//! fsync(2), fdatasync(2), sync(2) and syncfs(2). Files in memory (tmpfs,
//! devtmpfs, procfs) have nothing to write back; on a disk's rootfs each
//! of them writes back and commits everything (`disk::sync`), so the data
//! is durable when they return. As on Linux, descriptors whose files have
//! no fsync (pipes, terminals, devices, /proc files) get EINVAL.

use crate::dispatch::Ctx;
use crate::fs::disk;
use crate::fs::inode::Node;
use crate::{Errno, SysResult};

fn sync_fd(ctx: &Ctx<'_>, fd: i32) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    match &file.inode.node {
        Node::File(_) | Node::Dir(_) => {
            disk::sync(&file.inode.sb)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL.into()),
    }
}

pub fn sys_fsync(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    sync_fd(ctx, fd)
}

pub fn sys_fdatasync(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    sync_fd(ctx, fd)
}

/// sync(2) cannot fail; what could not be written is logged.
pub fn sys_sync(ctx: &mut Ctx<'_>) -> SysResult {
    if let Err(e) = ctx.process.fs.lock().sync() {
        log::warn!("sync: {e}");
    }
    Ok(0)
}

/// syncfs(2): any open descriptor names a filesystem.
pub fn sys_syncfs(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    let file = ctx.file(fd)?;
    disk::sync(&file.inode.sb)?;
    Ok(0)
}
