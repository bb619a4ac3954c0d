//! clone(2) and clone3(2) for threads: the flag sets glibc and musl use
//! (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, with
//! CLONE_SYSVSEM, CLONE_SETTLS and the tid flags). Sole runs one process,
//! so a request for a new process (fork, vfork, posix_spawn) or a thread
//! with its own files or filesystem context is refused with ENOSYS, which
//! the libcs report as "Function not implemented".

use crate::dispatch::Ctx;
use crate::platform::ThreadSpec;
use crate::user::{USER_END, UserPtr};
use crate::{Errno, Error, SysResult};
use core::sync::atomic::Ordering;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const CLONE_VM: u64 = 0x100;
pub const CLONE_FS: u64 = 0x200;
pub const CLONE_FILES: u64 = 0x400;
pub const CLONE_SIGHAND: u64 = 0x800;
pub const CLONE_PIDFD: u64 = 0x1000;
pub const CLONE_PTRACE: u64 = 0x2000;
pub const CLONE_VFORK: u64 = 0x4000;
pub const CLONE_PARENT: u64 = 0x8000;
pub const CLONE_THREAD: u64 = 0x1_0000;
pub const CLONE_NEWNS: u64 = 0x2_0000;
pub const CLONE_SYSVSEM: u64 = 0x4_0000;
pub const CLONE_SETTLS: u64 = 0x8_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x10_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
pub const CLONE_DETACHED: u64 = 0x40_0000;
pub const CLONE_UNTRACED: u64 = 0x80_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x100_0000;
pub const CLONE_NEWCGROUP: u64 = 0x200_0000;
pub const CLONE_NEWUTS: u64 = 0x400_0000;
pub const CLONE_NEWIPC: u64 = 0x800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// Every flag clone3 knows (legacy clone has the low 32 bits; its low
/// byte is the exit signal).
const KNOWN: u64 = 0x3_ffff_ff00;
/// What makes a thread of this process.
const THREAD: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
/// What a thread may add, with no effect beyond the tids and TLS (Sole
/// has no System V semaphores to undo, no ptrace, no I/O contexts).
const THREAD_EXTRAS: u64 = CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_CHILD_SETTID
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CLONE_IO
    | CLONE_PTRACE;

/// `struct clone_args` (include/uapi/linux/sched.h), version 2.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}

/// CLONE_ARGS_SIZE_VER0: the smallest struct clone3 accepts.
const ARGS_SIZE_VER0: usize = 64;

pub fn sys_clone(
    ctx: &mut Ctx<'_>,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
) -> SysResult {
    let args = CloneArgs {
        flags: flags & 0xffff_ff00,
        exit_signal: flags & 0xff,
        child_tid,
        parent_tid,
        stack,
        tls,
        ..CloneArgs::default()
    };
    clone(ctx, &args, false)
}

pub fn sys_clone3(ctx: &mut Ctx<'_>, uargs: u64, size: usize) -> SysResult {
    if size < ARGS_SIZE_VER0 {
        return Err(Errno::EINVAL.into());
    }
    if size > 4096 {
        return Err(Errno::E2BIG.into());
    }
    let mut bytes = alloc::vec![0u8; size];
    crate::user::UserSlice::new(uargs, size).read_into(ctx.platform, &mut bytes)?;
    let known = size.min(size_of::<CloneArgs>());
    // A newer struct is fine only if what Sole does not know is zero.
    if bytes[known..].iter().any(|&b| b != 0) {
        return Err(Errno::E2BIG.into());
    }
    let mut args = CloneArgs::default();
    args.as_mut_bytes()[..known].copy_from_slice(&bytes[..known]);
    if args.flags & !KNOWN != 0 || args.exit_signal > 64 || args.set_tid_size > 32 {
        return Err(Errno::EINVAL.into());
    }
    if (args.stack == 0) != (args.stack_size == 0) {
        return Err(Errno::EINVAL.into());
    }
    if args.flags & (CLONE_THREAD | CLONE_PARENT) != 0 && args.exit_signal != 0 {
        return Err(Errno::EINVAL.into());
    }
    clone(ctx, &args, true)
}

fn clone(ctx: &mut Ctx<'_>, a: &CloneArgs, is_clone3: bool) -> SysResult {
    let f = a.flags;
    // copy_process's consistency checks, in its order.
    if f & (CLONE_NEWNS | CLONE_FS) == CLONE_NEWNS | CLONE_FS
        || f & (CLONE_NEWUSER | CLONE_FS) == CLONE_NEWUSER | CLONE_FS
        || (f & CLONE_THREAD != 0 && f & CLONE_SIGHAND == 0)
        || (f & CLONE_SIGHAND != 0 && f & CLONE_VM == 0)
        || (f & CLONE_PIDFD != 0 && f & CLONE_THREAD != 0)
        || (f & CLONE_CLEAR_SIGHAND != 0 && f & CLONE_SIGHAND != 0)
    {
        return Err(Errno::EINVAL.into());
    }
    if f & THREAD != THREAD || f & !(THREAD | THREAD_EXTRAS) != 0 {
        return Err(Error::new(
            Errno::ENOSYS,
            "only threads can be created: Sole runs one process (no fork, vfork or spawn)",
        ));
    }
    if a.set_tid_size != 0 {
        return Err(Error::new(Errno::EINVAL, "clone3 set_tid is not supported"));
    }
    let tls = if f & CLONE_SETTLS != 0 {
        if a.tls >= USER_END {
            return Err(Errno::EPERM.into());
        }
        Some(a.tls)
    } else {
        None
    };
    let mut regs = *ctx.regs;
    regs.rax = 0;
    let stack = if is_clone3 && a.stack != 0 {
        a.stack.wrapping_add(a.stack_size)
    } else {
        a.stack
    };
    if stack != 0 {
        regs.rsp = stack;
    }
    let process = ctx.process;
    let parent = ctx.thread;
    let p = ctx.platform;
    let tid = process.alloc_tid();
    let mask = process.signals.lock().mask(parent.tid);
    let comm = *parent.comm.lock();
    // Scheduling parameters are inherited (sched(7)); SCHED_RESET_ON_FORK
    // gives the child the default policy and no negative nice value.
    let mut sched = *parent.sched.lock();
    if sched.reset_on_fork {
        sched = crate::thread::SchedParams {
            nice: sched.nice.max(0),
            ..crate::thread::SchedParams::default()
        };
    }
    let mut register = |t: &alloc::sync::Arc<crate::thread::Thread>| {
        *t.sched.lock() = sched;
        process.add_thread(t, mask)?;
        if f & CLONE_CHILD_CLEARTID != 0 {
            t.clear_child_tid.store(a.child_tid, Ordering::Release);
        }
        // Linux writes the tids before the child runs and ignores faults.
        if f & CLONE_PARENT_SETTID != 0 {
            let _ = UserPtr::<u32>::new(a.parent_tid).write(p, &tid);
        }
        if f & CLONE_CHILD_SETTID != 0 {
            let _ = UserPtr::<u32>::new(a.child_tid).write(p, &tid);
        }
        Ok(())
    };
    p.spawn_thread(
        ThreadSpec {
            tid,
            comm,
            regs: &regs,
            tls,
        },
        &mut register,
    )?;
    Ok(u64::from(tid))
}
