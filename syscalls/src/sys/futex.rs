//! futex(2): the operations glibc and musl use for mutexes, condition
//! variables, barriers, thread joins and PI mutexes. FUTEX_WAIT_REQUEUE_PI
//! and FUTEX_CMP_REQUEUE_PI (used by no current libc's default paths) are
//! refused with ENOSYS.

use super::clock_gettime::realtime_to_monotonic;
use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::futex::FUTEX_BITSET_MATCH_ANY;
use crate::signal::RestartBlock;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

pub const FUTEX_WAIT: i32 = 0;
pub const FUTEX_WAKE: i32 = 1;
pub const FUTEX_FD: i32 = 2;
pub const FUTEX_REQUEUE: i32 = 3;
pub const FUTEX_CMP_REQUEUE: i32 = 4;
pub const FUTEX_WAKE_OP: i32 = 5;
pub const FUTEX_LOCK_PI: i32 = 6;
pub const FUTEX_UNLOCK_PI: i32 = 7;
pub const FUTEX_TRYLOCK_PI: i32 = 8;
pub const FUTEX_WAIT_BITSET: i32 = 9;
pub const FUTEX_WAKE_BITSET: i32 = 10;
pub const FUTEX_WAIT_REQUEUE_PI: i32 = 11;
pub const FUTEX_CMP_REQUEUE_PI: i32 = 12;
pub const FUTEX_LOCK_PI2: i32 = 13;
pub const FUTEX_PRIVATE_FLAG: i32 = 128;
pub const FUTEX_CLOCK_REALTIME: i32 = 256;

pub fn sys_futex(
    ctx: &mut Ctx<'_>,
    uaddr: u64,
    op: i32,
    val: u32,
    timeout: u64,
    uaddr2: u64,
    val3: u32,
) -> SysResult {
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    if realtime
        && !matches!(
            cmd,
            FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI | FUTEX_LOCK_PI2
        )
    {
        return Err(Errno::ENOSYS.into()); // as Linux: no clock for the others
    }
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    // For the requeue and wake-op commands the timeout slot is a count.
    let val2 = timeout as u32;
    let futexes = &ctx.process.futexes;
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT {
                FUTEX_BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL.into());
            }
            let deadline = match read_timeout(ctx, timeout)? {
                None => None,
                Some(t) if cmd == FUTEX_WAIT => Some(ctx.platform.monotonic_ns().saturating_add(t)),
                Some(t) if realtime => Some(realtime_to_monotonic(ctx.platform, t)),
                Some(t) => Some(t),
            };
            wait(ctx, uaddr, val, bitset, deadline)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE {
                FUTEX_BITSET_MATCH_ANY
            } else {
                val3
            };
            if bitset == 0 {
                return Err(Errno::EINVAL.into());
            }
            Ok(u64::from(futexes.wake(uaddr, val, bitset)))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if !uaddr2.is_multiple_of(4) || (val as i32) < 0 || (val2 as i32) < 0 {
                return Err(Errno::EINVAL.into());
            }
            let expect = (cmd == FUTEX_CMP_REQUEUE).then_some(val3);
            Ok(u64::from(futexes.requeue(
                ctx.platform,
                uaddr,
                uaddr2,
                val,
                val2,
                expect,
            )?))
        }
        FUTEX_WAKE_OP => Ok(u64::from(futexes.wake_op(
            ctx.platform,
            uaddr,
            uaddr2,
            val,
            val2,
            val3,
        )?)),
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_TRYLOCK_PI => {
            let deadline = if cmd == FUTEX_TRYLOCK_PI {
                None
            } else {
                // Absolute: CLOCK_REALTIME for LOCK_PI, the flag's clock
                // (monotonic by default) for LOCK_PI2.
                read_timeout(ctx, timeout)?.map(|t| {
                    if cmd == FUTEX_LOCK_PI || realtime {
                        realtime_to_monotonic(ctx.platform, t)
                    } else {
                        t
                    }
                })
            };
            futexes.lock_pi(ctx, uaddr, deadline, cmd == FUTEX_TRYLOCK_PI)?;
            Ok(0)
        }
        FUTEX_UNLOCK_PI => {
            futexes.unlock_pi(ctx, uaddr)?;
            Ok(0)
        }
        FUTEX_WAIT_REQUEUE_PI | FUTEX_CMP_REQUEUE_PI => Err(Error::new(
            Errno::ENOSYS,
            "PI condition-variable requeueing is not supported",
        )),
        FUTEX_FD => Err(Errno::ENOSYS.into()), // gone since Linux 2.6.26
        _ => Err(Error::new(Errno::ENOSYS, "unknown futex operation")),
    }
}

fn read_timeout(ctx: &Ctx<'_>, addr: u64) -> Result<Option<u64>, Error> {
    if addr == 0 {
        return Ok(None);
    }
    let t = UserPtr::<Timespec>::new(addr).read(ctx.platform)?;
    Ok(Some(t.to_ns().ok_or(Errno::EINVAL)?))
}

/// A wait, and what an interruption leaves behind: an untimed wait is
/// restarted after a handler with SA_RESTART (ERESTARTSYS); a timed one
/// returns EINTR after any handler, or resumes with its deadline through
/// restart_syscall(2) when no handler runs (Linux's futex_wait_restart).
pub fn wait(ctx: &Ctx<'_>, uaddr: u64, val: u32, bitset: u32, deadline: Option<u64>) -> SysResult {
    match ctx.process.futexes.wait(ctx, uaddr, val, bitset, deadline) {
        Ok(()) => Ok(0),
        Err(e) if e.errno == Errno::ERESTARTSYS && deadline.is_some() => {
            if let Some(t) = ctx.process.signals.lock().thread_mut(ctx.thread.tid) {
                t.restart = Some(RestartBlock::FutexWait {
                    uaddr,
                    val,
                    bitset,
                    deadline: deadline.unwrap_or(u64::MAX),
                });
            }
            Err(Errno::ERESTART_RESTARTBLOCK.into())
        }
        Err(e) => Err(e),
    }
}
