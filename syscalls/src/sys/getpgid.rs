//! Process groups and sessions: the program is process 1, the leader of its
//! own group and session, which own the console (TIOCGPGRP says 1). There are
//! no other processes to move between groups.

use crate::dispatch::Ctx;
use crate::{Errno, SysResult};

/// `pid` names this process (0 means "the caller").
fn is_self(ctx: &Ctx<'_>, pid: i32) -> bool {
    pid == 0 || pid as u32 == ctx.process.pid
}

pub fn sys_getpgrp(ctx: &mut Ctx<'_>) -> SysResult {
    Ok(u64::from(ctx.process.pid))
}

pub fn sys_getpgid(ctx: &mut Ctx<'_>, pid: i32) -> SysResult {
    if pid < 0 {
        return Err(Errno::EINVAL.into());
    }
    if !is_self(ctx, pid) {
        return Err(Errno::ESRCH.into());
    }
    Ok(u64::from(ctx.process.pid))
}

pub fn sys_getsid(ctx: &mut Ctx<'_>, pid: i32) -> SysResult {
    sys_getpgid(ctx, pid)
}

/// setpgid(2): the only group there is to join is our own.
pub fn sys_setpgid(ctx: &mut Ctx<'_>, pid: i32, pgid: i32) -> SysResult {
    if pgid < 0 {
        return Err(Errno::EINVAL.into());
    }
    if !is_self(ctx, pid) {
        return Err(Errno::ESRCH.into());
    }
    // A session leader cannot change its group (EPERM), unless it stays.
    if pgid == 0 || pgid as u32 == ctx.process.pid {
        Ok(0)
    } else {
        Err(Errno::EPERM.into())
    }
}

/// setsid(2): a process group leader cannot start a new session.
pub fn sys_setsid(_ctx: &mut Ctx<'_>) -> SysResult {
    Err(Errno::EPERM.into())
}
