//! sched_yield(2), sched_getaffinity(2), getpriority(2).

use crate::dispatch::Ctx;
use crate::user::UserSlice;
use crate::{Errno, SysResult};

pub fn sys_sched_yield(_ctx: &mut Ctx<'_>) -> SysResult {
    // One thread: nothing else to run.
    Ok(0)
}

pub fn sys_sched_getaffinity(ctx: &mut Ctx<'_>, pid: i32, mask: UserSlice) -> SysResult {
    if pid != 0 && pid as u32 != ctx.process.pid {
        return Err(Errno::ESRCH.into());
    }
    let cpus = ctx.platform.machine().cpus.max(1) as usize;
    // The kernel's cpumask is whole longs covering the CPUs it can have.
    let bytes = cpus.div_ceil(64) * 8;
    if mask.len < bytes || !mask.len.is_multiple_of(8) {
        return Err(Errno::EINVAL.into());
    }
    let mut buf = alloc::vec![0u8; bytes];
    for cpu in 0..cpus {
        buf[cpu / 8] |= 1 << (cpu % 8);
    }
    mask.write(ctx.platform, &buf)?;
    Ok(bytes as u64)
}

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

/// getpriority(2): the raw syscall returns 20 - nice; the nice value is 0.
pub fn sys_getpriority(ctx: &mut Ctx<'_>, which: i32, who: i32) -> SysResult {
    match which {
        PRIO_PROCESS | PRIO_PGRP if who == 0 || who as u32 == ctx.process.pid => Ok(20),
        PRIO_USER if who == 0 || who as u32 == ctx.process.creds.uid => Ok(20),
        PRIO_PROCESS | PRIO_PGRP | PRIO_USER => Err(Errno::ESRCH.into()),
        _ => Err(Errno::EINVAL.into()),
    }
}
