//! getcwd(2): the raw call returns the length including the NUL; ERANGE
//! when the buffer is too small, ENOENT once the directory is removed.

use crate::dispatch::Ctx;
use crate::user::UserSlice;
use crate::{Errno, SysResult};

pub fn sys_getcwd(ctx: &mut Ctx<'_>, buf: UserSlice) -> SysResult {
    let fs = &*ctx.fs();
    let mut path = fs.dir_path(&fs.cwd)?;
    path.push(0);
    if path.len() > buf.len {
        return Err(Errno::ERANGE.into());
    }
    buf.write(ctx.platform, &path)?;
    Ok(path.len() as u64)
}
