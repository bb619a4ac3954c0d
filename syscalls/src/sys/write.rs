//! write(2).

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::user::UserSlice;

pub fn sys_write(ctx: &mut Ctx<'_>, fd: i32, buf: UserSlice) -> SysResult {
    let data = buf.read_to_vec(ctx.platform)?;
    Ok(ctx.process.fs.write(ctx.platform, fd, &data)? as u64)
}

/// One `struct iovec`.
#[repr(C)]
#[derive(
    Debug,
    Clone,
    Copy,
    zerocopy::FromBytes,
    zerocopy::IntoBytes,
    zerocopy::Immutable,
    zerocopy::KnownLayout,
)]
pub struct Iovec {
    pub base: u64,
    pub len: u64,
}

/// IOV_MAX.
const IOV_MAX: usize = 1024;

pub fn sys_writev(
    ctx: &mut Ctx<'_>,
    fd: i32,
    iov: crate::user::UserPtr<Iovec>,
    count: i32,
) -> SysResult {
    if !(0..=IOV_MAX as i32).contains(&count) {
        return Err(crate::Errno::EINVAL.into());
    }
    let mut total = 0u64;
    for i in 0..count as u64 {
        let v = iov.offset(i).read(ctx.platform)?;
        let data = UserSlice::new(v.base, v.len as usize).read_to_vec(ctx.platform)?;
        total += ctx.process.fs.write(ctx.platform, fd, &data)? as u64;
    }
    Ok(total)
}
