//! truncate(2) and ftruncate(2).

use crate::dispatch::Ctx;
use crate::fs::now;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::sys::mmap::after_truncate;
use crate::user::UserCStr;
use crate::{Errno, SysResult};

pub fn sys_truncate(ctx: &mut Ctx<'_>, path: UserCStr, length: i64) -> SysResult {
    let path = read_path(ctx.platform, path, false)?;
    let inode = {
        let fs = &*ctx.fs();
        let inode = fs.lookup_at(AT_FDCWD, &path, true, false)?;
        if inode.sb.is_proc() {
            return Err(Errno::EACCES.into());
        }
        fs.truncate(&inode, length, now(ctx.platform))?;
        inode
    };
    after_truncate(ctx, &inode);
    Ok(0)
}

/// ftruncate(2): the descriptor must be open for writing and name a
/// regular file, else EINVAL (EBADF for O_PATH).
pub fn sys_ftruncate(ctx: &mut Ctx<'_>, fd: i32, length: i64) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    if length < 0 || !file.writable() || !file.inode.is_regular() {
        return Err(Errno::EINVAL.into());
    }
    ctx.fs().truncate(&file.inode, length, now(ctx.platform))?;
    after_truncate(ctx, &file.inode);
    Ok(0)
}
