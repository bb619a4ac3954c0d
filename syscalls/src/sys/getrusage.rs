//! getrusage(2) and times(2). All time since the program started counts as
//! user time: in Sole the program's syscalls are function calls in its own
//! context, and nothing else runs on its behalf.

use crate::abi::{CLK_TCK, Rusage, Timeval, Tms};
use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::{Errno, SysResult};

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

fn elapsed_ns(ctx: &Ctx<'_>) -> u64 {
    ctx.platform
        .monotonic_ns()
        .saturating_sub(ctx.process.start_ns)
}

pub fn sys_getrusage(ctx: &mut Ctx<'_>, who: i32, usage: UserPtr<Rusage>) -> SysResult {
    let mut r = Rusage::default();
    match who {
        RUSAGE_SELF | RUSAGE_THREAD => r.utime = Timeval::from_ns(elapsed_ns(ctx)),
        RUSAGE_CHILDREN => {}
        _ => return Err(Errno::EINVAL.into()),
    }
    usage.write(ctx.platform, &r)?;
    Ok(0)
}

pub fn sys_times(ctx: &mut Ctx<'_>, buf: UserPtr<Tms>) -> SysResult {
    let ticks = ctx.platform.monotonic_ns() / (1_000_000_000 / CLK_TCK);
    let user = elapsed_ns(ctx) / (1_000_000_000 / CLK_TCK);
    buf.write_if_some(
        ctx.platform,
        &Tms {
            utime: user as i64,
            ..Tms::default()
        },
    )?;
    Ok(ticks)
}
