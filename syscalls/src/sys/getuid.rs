//! getuid(2) and friends, getgroups(2), and the set*id calls. Single user:
//! setting an id succeeds only when it keeps the current one (-1 means
//! "unchanged"); anything else is EPERM.

use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, SysResult};

pub fn sys_getuid(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.process.creds.uid))
}
pub fn sys_geteuid(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.process.creds.uid))
}
pub fn sys_getgid(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.process.creds.gid))
}
pub fn sys_getegid(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.process.creds.gid))
}

/// getgroups(2): no supplementary groups.
pub fn sys_getgroups(_ctx: &mut Ctx<'_>, size: i32, _list: u64) -> SysResult {
    if size < 0 {
        return Err(Errno::EINVAL.into());
    }
    Ok(0)
}

/// setgroups(2): only the empty list (what there is) is accepted.
pub fn sys_setgroups(_ctx: &mut Ctx<'_>, size: usize, _list: u64) -> SysResult {
    if size == 0 {
        Ok(0)
    } else {
        Err(Errno::EPERM.into())
    }
}

fn keep(ids: &[u32], current: u32) -> SysResult {
    if ids.iter().all(|&id| id == u32::MAX || id == current) {
        Ok(0)
    } else {
        Err(Errno::EPERM.into())
    }
}

pub fn sys_setuid(ctx: &mut Ctx<'_>, uid: u32) -> SysResult {
    if uid == u32::MAX {
        return Err(Errno::EINVAL.into());
    }
    keep(&[uid], ctx.process.creds.uid)
}
pub fn sys_setgid(ctx: &mut Ctx<'_>, gid: u32) -> SysResult {
    if gid == u32::MAX {
        return Err(Errno::EINVAL.into());
    }
    keep(&[gid], ctx.process.creds.gid)
}
pub fn sys_setreuid(ctx: &mut Ctx<'_>, r: u32, e: u32) -> SysResult {
    keep(&[r, e], ctx.process.creds.uid)
}
pub fn sys_setregid(ctx: &mut Ctx<'_>, r: u32, e: u32) -> SysResult {
    keep(&[r, e], ctx.process.creds.gid)
}
pub fn sys_setresuid(ctx: &mut Ctx<'_>, r: u32, e: u32, s: u32) -> SysResult {
    keep(&[r, e, s], ctx.process.creds.uid)
}
pub fn sys_setresgid(ctx: &mut Ctx<'_>, r: u32, e: u32, s: u32) -> SysResult {
    keep(&[r, e, s], ctx.process.creds.gid)
}

pub fn sys_getresuid(
    ctx: &mut Ctx<'_>,
    r: UserPtr<u32>,
    e: UserPtr<u32>,
    s: UserPtr<u32>,
) -> SysResult {
    let id = ctx.process.creds.uid;
    for p in [r, e, s] {
        p.write(ctx.platform, &id)?;
    }
    Ok(0)
}
pub fn sys_getresgid(
    ctx: &mut Ctx<'_>,
    r: UserPtr<u32>,
    e: UserPtr<u32>,
    s: UserPtr<u32>,
) -> SysResult {
    let id = ctx.process.creds.gid;
    for p in [r, e, s] {
        p.write(ctx.platform, &id)?;
    }
    Ok(0)
}
