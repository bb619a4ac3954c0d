//! Scheduling calls: sched_yield(2), sched_getaffinity(2) and
//! sched_setaffinity(2), getcpu(2), and the policy calls
//! (sched_setscheduler(2) and friends, getpriority(2), setpriority(2)).
//!
//! Sole's scheduler runs every thread alike, round robin with time slices.
//! Policies, priorities and nice values are checked as Linux checks them
//! (the program is root, so real-time policies are allowed), recorded and
//! reported back, but they do not change the order threads run in.

use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::platform::{CpuMask, MAX_CPUS};
use crate::thread::{SCHED_BATCH, SCHED_FIFO, SCHED_IDLE, SCHED_OTHER, SCHED_RR, Thread};
use crate::user::{UserPtr, UserSlice};
use crate::{Errno, SysResult};
use alloc::sync::Arc;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The time slice, for sched_rr_get_interval(2).
pub const TIME_SLICE_NS: u64 = 10_000_000;
/// SCHED_RESET_ON_FORK, or'ed into the policy.
const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

pub fn sys_sched_yield(ctx: &mut Ctx<'_>) -> SysResult {
    ctx.platform.yield_now();
    Ok(0)
}

/// The thread `pid` names (0: the caller).
fn target(ctx: &Ctx<'_>, pid: i32) -> Result<Arc<Thread>, Errno> {
    match pid {
        0 => Ok(ctx.thread.clone()),
        p if p < 0 => Err(Errno::EINVAL),
        p => ctx.process.thread(p as u32).ok_or(Errno::ESRCH),
    }
}

/// The bytes of a cpumask the kernel uses: whole longs covering the CPUs
/// it can have (nr_cpu_ids).
fn mask_bytes(ctx: &Ctx<'_>) -> usize {
    (ctx.platform.machine().cpus.max(1) as usize).div_ceil(64) * 8
}

pub fn sys_sched_getaffinity(ctx: &mut Ctx<'_>, pid: i32, mask: UserSlice) -> SysResult {
    let t = target(ctx, pid)?;
    let bytes = mask_bytes(ctx);
    if mask.len < bytes || !mask.len.is_multiple_of(8) {
        return Err(Errno::EINVAL.into());
    }
    let set = ctx.platform.affinity(t.tid).ok_or(Errno::ESRCH)?;
    let raw: alloc::vec::Vec<u8> = set.iter().flat_map(|w| w.to_le_bytes()).collect();
    mask.write(ctx.platform, &raw[..bytes])?;
    Ok(bytes as u64)
}

pub fn sys_sched_setaffinity(ctx: &mut Ctx<'_>, pid: i32, mask: UserSlice) -> SysResult {
    let t = target(ctx, pid)?;
    let mut raw = [0u8; MAX_CPUS / 8];
    let n = mask.len.min(raw.len());
    UserSlice::new(mask.addr, n).read_into(ctx.platform, &mut raw[..n])?;
    let mut set: CpuMask = [0; MAX_CPUS / 64];
    let cpus = ctx.platform.machine().cpus.max(1) as usize;
    for cpu in 0..cpus {
        if raw[cpu / 8] & (1 << (cpu % 8)) != 0 {
            set[cpu / 64] |= 1 << (cpu % 64);
        }
    }
    // No online CPU in the mask.
    if set.iter().all(|&w| w == 0) {
        return Err(Errno::EINVAL.into());
    }
    ctx.platform.set_affinity(t.tid, &set)?;
    Ok(0)
}

/// getcpu(2): the CPU and NUMA node (always 0) the caller runs on.
pub fn sys_getcpu(ctx: &mut Ctx<'_>, cpu: UserPtr<u32>, node: UserPtr<u32>) -> SysResult {
    cpu.write_if_some(ctx.platform, &ctx.platform.current_cpu())?;
    node.write_if_some(ctx.platform, &0)?;
    Ok(0)
}

/// sched_get_priority_max(2) / _min(2): 1..99 for the real-time policies,
/// 0 for the others.
fn priority_range(policy: i32) -> Result<(i32, i32), Errno> {
    match policy {
        SCHED_FIFO | SCHED_RR => Ok((1, 99)),
        SCHED_OTHER | SCHED_BATCH | SCHED_IDLE => Ok((0, 0)),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sched_get_priority_max(_ctx: &mut Ctx<'_>, policy: i32) -> SysResult {
    Ok(priority_range(policy)?.1 as u64)
}

pub fn sys_sched_get_priority_min(_ctx: &mut Ctx<'_>, policy: i32) -> SysResult {
    Ok(priority_range(policy)?.0 as u64)
}

/// `struct sched_param`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SchedParam {
    pub priority: i32,
}

fn set_policy(t: &Thread, policy: i32, priority: i32) -> Result<(), Errno> {
    let reset = policy & SCHED_RESET_ON_FORK != 0;
    let policy = policy & !SCHED_RESET_ON_FORK;
    let (lo, hi) = priority_range(policy)?;
    if !(lo..=hi).contains(&priority) {
        return Err(Errno::EINVAL);
    }
    let mut s = t.sched.lock();
    s.policy = policy;
    s.priority = priority;
    s.reset_on_fork = reset;
    Ok(())
}

pub fn sys_sched_setscheduler(
    ctx: &mut Ctx<'_>,
    pid: i32,
    policy: i32,
    param: UserPtr<SchedParam>,
) -> SysResult {
    if param.is_null() || policy < 0 {
        return Err(Errno::EINVAL.into());
    }
    let t = target(ctx, pid)?;
    let p = param.read(ctx.platform)?;
    set_policy(&t, policy, p.priority)?;
    Ok(0)
}

pub fn sys_sched_getscheduler(ctx: &mut Ctx<'_>, pid: i32) -> SysResult {
    let t = target(ctx, pid)?;
    let s = *t.sched.lock();
    let reset = if s.reset_on_fork {
        SCHED_RESET_ON_FORK
    } else {
        0
    };
    Ok((s.policy | reset) as u64)
}

pub fn sys_sched_setparam(ctx: &mut Ctx<'_>, pid: i32, param: UserPtr<SchedParam>) -> SysResult {
    if param.is_null() {
        return Err(Errno::EINVAL.into());
    }
    let t = target(ctx, pid)?;
    let p = param.read(ctx.platform)?;
    let policy = t.sched.lock().policy;
    set_policy(&t, policy, p.priority)?;
    Ok(0)
}

pub fn sys_sched_getparam(ctx: &mut Ctx<'_>, pid: i32, param: UserPtr<SchedParam>) -> SysResult {
    if param.is_null() {
        return Err(Errno::EINVAL.into());
    }
    let t = target(ctx, pid)?;
    let priority = t.sched.lock().priority;
    param.write(ctx.platform, &SchedParam { priority })?;
    Ok(0)
}

pub fn sys_sched_rr_get_interval(ctx: &mut Ctx<'_>, pid: i32, tp: UserPtr<Timespec>) -> SysResult {
    let t = target(ctx, pid)?;
    // Linux reports 0 for SCHED_FIFO (no slices) and the slice otherwise.
    let ns = if t.sched.lock().policy == SCHED_FIFO {
        0
    } else {
        TIME_SLICE_NS
    };
    tp.write(ctx.platform, &Timespec::from_ns(ns))?;
    Ok(0)
}

/// `struct sched_attr` (the fields up to sched_period, 56 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SchedAttr {
    pub size: u32,
    pub policy: u32,
    pub flags: u64,
    pub nice: i32,
    pub priority: u32,
    pub runtime: u64,
    pub deadline: u64,
    pub period: u64,
}

const SCHED_ATTR_SIZE_VER0: u32 = 48;
const SCHED_DEADLINE: u32 = 6;
const SCHED_FLAG_RESET_ON_FORK: u64 = 1;

pub fn sys_sched_setattr(ctx: &mut Ctx<'_>, pid: i32, attr: u64, flags: u32) -> SysResult {
    if attr == 0 || flags != 0 || pid < 0 {
        return Err(Errno::EINVAL.into());
    }
    let t = target(ctx, pid)?;
    let size = UserPtr::<u32>::new(attr).read(ctx.platform)?;
    let size = if size == 0 {
        SCHED_ATTR_SIZE_VER0
    } else {
        size
    };
    if !(SCHED_ATTR_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::E2BIG.into());
    }
    let mut a = SchedAttr::default();
    let n = (size as usize).min(size_of::<SchedAttr>());
    UserSlice::new(attr, n).read_into(ctx.platform, &mut a.as_mut_bytes()[..n])?;
    if a.policy == SCHED_DEADLINE {
        return Err(crate::Error::new(
            Errno::EINVAL,
            "SCHED_DEADLINE is not supported",
        ));
    }
    if a.flags & !SCHED_FLAG_RESET_ON_FORK != 0 {
        return Err(Errno::EINVAL.into());
    }
    let reset = if a.flags & SCHED_FLAG_RESET_ON_FORK != 0 {
        SCHED_RESET_ON_FORK
    } else {
        0
    };
    set_policy(&t, a.policy as i32 | reset, a.priority as i32)?;
    if matches!(a.policy as i32, SCHED_OTHER | SCHED_BATCH) {
        t.sched.lock().nice = a.nice.clamp(-20, 19);
    }
    Ok(0)
}

pub fn sys_sched_getattr(
    ctx: &mut Ctx<'_>,
    pid: i32,
    attr: u64,
    size: u32,
    flags: u32,
) -> SysResult {
    if attr == 0 || flags != 0 || pid < 0 || !(SCHED_ATTR_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL.into());
    }
    let t = target(ctx, pid)?;
    let s = *t.sched.lock();
    let a = SchedAttr {
        size: SCHED_ATTR_SIZE_VER0,
        policy: s.policy as u32,
        flags: if s.reset_on_fork {
            SCHED_FLAG_RESET_ON_FORK
        } else {
            0
        },
        nice: s.nice,
        priority: s.priority as u32,
        ..SchedAttr::default()
    };
    let n = (size as usize).min(SCHED_ATTR_SIZE_VER0 as usize);
    UserSlice::new(attr, n).write(ctx.platform, &a.as_bytes()[..n])?;
    Ok(0)
}

const PRIO_PROCESS: i32 = 0;
const PRIO_PGRP: i32 = 1;
const PRIO_USER: i32 = 2;

/// The threads `which`/`who` name (setpriority(2)): a thread id for
/// PRIO_PROCESS (as Linux, which treats it per thread), the whole process
/// for its group or user.
fn prio_targets(
    ctx: &Ctx<'_>,
    which: i32,
    who: i32,
) -> Result<alloc::vec::Vec<Arc<Thread>>, Errno> {
    let me = ctx.process.pid as i32;
    match which {
        PRIO_PROCESS if who == 0 => Ok(alloc::vec![ctx.thread.clone()]),
        PRIO_PROCESS => ctx
            .process
            .thread(who as u32)
            .map(|t| alloc::vec![t])
            .ok_or(Errno::ESRCH),
        PRIO_PGRP if who == 0 || who == me => Ok(ctx.process.threads()),
        PRIO_USER if who == 0 || who as u32 == ctx.process.creds.uid => Ok(ctx.process.threads()),
        PRIO_PGRP | PRIO_USER => Err(Errno::ESRCH),
        _ => Err(Errno::EINVAL),
    }
}

/// getpriority(2): the raw syscall returns 20 - nice (of the highest
/// priority among the targets).
pub fn sys_getpriority(ctx: &mut Ctx<'_>, which: i32, who: i32) -> SysResult {
    let targets = prio_targets(ctx, which, who)?;
    let nice = targets
        .iter()
        .map(|t| t.sched.lock().nice)
        .min()
        .unwrap_or(0);
    Ok((20 - nice) as u64)
}

pub fn sys_setpriority(ctx: &mut Ctx<'_>, which: i32, who: i32, nice: i32) -> SysResult {
    let nice = nice.clamp(-20, 19);
    for t in prio_targets(ctx, which, who)? {
        t.sched.lock().nice = nice;
    }
    Ok(0)
}
