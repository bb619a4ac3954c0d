//! futex(2) for one thread: WAIT checks the value and sleeps out its
//! timeout (nobody else can wake it); WAKE has no waiters to wake. The
//! threads issue brings the wait queues.

use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_PRIVATE_FLAG: i32 = 128;
const FUTEX_CLOCK_REALTIME: i32 = 256;

pub fn sys_futex(
    ctx: &mut Ctx<'_>,
    uaddr: UserPtr<u32>,
    op: i32,
    val: u32,
    timeout: UserPtr<Timespec>,
    _uaddr2: u64,
    val3: u32,
) -> SysResult {
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if !uaddr.addr().is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            if cmd == FUTEX_WAIT_BITSET && val3 == 0 {
                return Err(Errno::EINVAL.into());
            }
            if cmd == FUTEX_WAIT && op & FUTEX_CLOCK_REALTIME != 0 {
                return Err(Errno::ENOSYS.into()); // as Linux: WAIT takes no clock flag
            }
            if uaddr.read(ctx.platform)? != val {
                return Err(Errno::EAGAIN.into());
            }
            let deadline = if timeout.is_null() {
                u64::MAX
            } else {
                let t = timeout.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?;
                let mono = ctx.platform.monotonic_ns();
                if cmd == FUTEX_WAIT {
                    mono.saturating_add(t) // relative
                } else if op & FUTEX_CLOCK_REALTIME != 0 {
                    let real = ctx.platform.realtime_ns().unwrap_or(0);
                    mono.saturating_add(t.saturating_sub(real))
                } else {
                    t // absolute on CLOCK_MONOTONIC
                }
            };
            ctx.platform.sleep_until(deadline);
            Err(Errno::ETIMEDOUT.into())
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            if cmd == FUTEX_WAKE_BITSET && val3 == 0 {
                return Err(Errno::EINVAL.into());
            }
            Ok(0)
        }
        _ => Err(Error::new(
            Errno::ENOSYS,
            "futex operation not supported yet",
        )),
    }
}
