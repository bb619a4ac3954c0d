//! readlink(2) and readlinkat(2).

use crate::dispatch::Ctx;
use crate::fs::path::{AT_FDCWD, read_path};
use crate::user::{UserCStr, UserSlice};
use crate::{Errno, SysResult};

/// Copies the link's text, truncated to the buffer, without a NUL. An
/// empty path reads the symlink dirfd names (one opened O_PATH|O_NOFOLLOW).
pub fn sys_readlinkat(
    ctx: &mut Ctx<'_>,
    dirfd: i32,
    path: UserCStr,
    buf: u64,
    bufsiz: i32,
) -> SysResult {
    let path = read_path(ctx.platform, path, true)?;
    if bufsiz <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let fs = &*ctx.fs();
    let inode = if path.is_empty() {
        let inode = fs.dirfd_inode(dirfd)?;
        if !inode.is_symlink() {
            return Err(Errno::ENOENT.into());
        }
        inode
    } else {
        fs.lookup_at(dirfd, &path, false, false)?
    };
    let text = fs.link_text(&inode)?;
    let n = text.len().min(bufsiz as usize);
    UserSlice::new(buf, n).write(ctx.platform, &text[..n])?;
    Ok(n as u64)
}

pub fn sys_readlink(ctx: &mut Ctx<'_>, path: UserCStr, buf: u64, bufsiz: i32) -> SysResult {
    sys_readlinkat(ctx, AT_FDCWD, path, buf, bufsiz)
}
