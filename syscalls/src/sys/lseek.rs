//! lseek(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::fs::io;

pub fn sys_lseek(ctx: &mut Ctx<'_>, fd: i32, offset: i64, whence: i32) -> SysResult {
    let file = ctx.file(fd)?;
    io::lseek(&file, offset, whence)
}
