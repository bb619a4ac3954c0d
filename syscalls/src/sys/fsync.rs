//! fsync(2), fdatasync(2), sync(2) and syncfs(2). Every file lives in
//! memory (tmpfs, devtmpfs, procfs), so there is nothing to write back;
//! as on Linux, descriptors whose files have no fsync (pipes, terminals,
//! devices, /proc files) get EINVAL.

use crate::dispatch::Ctx;
use crate::fs::inode::Node;
use crate::{Errno, SysResult};

fn sync_fd(ctx: &Ctx<'_>, fd: i32) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    match &file.inode.node {
        Node::File(_) | Node::Dir(_) => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}

pub fn sys_fsync(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    sync_fd(ctx, fd)
}

pub fn sys_fdatasync(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    sync_fd(ctx, fd)
}

pub fn sys_sync(_ctx: &mut Ctx<'_>) -> SysResult {
    Ok(0)
}

/// syncfs(2): any open descriptor names a filesystem.
pub fn sys_syncfs(ctx: &mut Ctx<'_>, fd: i32) -> SysResult {
    ctx.file(fd)?;
    Ok(0)
}
