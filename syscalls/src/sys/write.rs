//! write(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::user::UserSlice;

pub fn sys_write(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice) -> SysResult {
    let data = buf.read_to_vec(ctx.platform)?;
    Ok(ctx.process.fs.write(ctx.platform, fd, &data)? as u64)
}
