//! prlimit64(2), getrlimit(2), setrlimit(2): limits are recorded and reported
//! back; the kernel enforces RLIMIT_NOFILE and RLIMIT_STACK's default.

use crate::abi::Rlimit64;
use crate::dispatch::Ctx;
use crate::process::{RLIMIT_COUNT, Rlimit};
use crate::user::UserPtr;
use crate::{Errno, SysResult};

pub fn sys_prlimit64(
    ctx: &mut Ctx<'_>,
    pid: i32,
    resource: u32,
    new: UserPtr<Rlimit64>,
    old: UserPtr<Rlimit64>,
) -> SysResult {
    if pid != 0 && pid as u32 != ctx.process.pid {
        return Err(Errno::ESRCH.into());
    }
    let r = resource as usize;
    if r >= RLIMIT_COUNT {
        return Err(Errno::EINVAL.into());
    }
    let replacement = if new.is_null() {
        None
    } else {
        Some(new.read(ctx.platform)?)
    };
    let current = ctx.process.limits.lock()[r];
    if let Some(n) = replacement
        && n.cur > n.max
    {
        return Err(Errno::EINVAL.into());
    }
    old.write_if_some(
        ctx.platform,
        &Rlimit64 {
            cur: current.cur,
            max: current.max,
        },
    )?;
    if let Some(n) = replacement {
        // Root may raise hard limits; we are root.
        ctx.process.limits.lock()[r] = Rlimit {
            cur: n.cur,
            max: n.max,
        };
    }
    Ok(0)
}

pub fn sys_getrlimit(ctx: &mut Ctx<'_>, resource: u32, old: UserPtr<Rlimit64>) -> SysResult {
    if old.is_null() {
        return Err(Errno::EFAULT.into());
    }
    sys_prlimit64(ctx, 0, resource, UserPtr::new(0), old)
}

pub fn sys_setrlimit(ctx: &mut Ctx<'_>, resource: u32, new: UserPtr<Rlimit64>) -> SysResult {
    if new.is_null() {
        return Err(Errno::EFAULT.into());
    }
    sys_prlimit64(ctx, 0, resource, new, UserPtr::new(0))
}
