//! rt_sigsuspend(2) and pause(2): sleep until a signal needs the thread.
//! Both end with EINTR once a handler has run, and are started again if
//! the signal needed none (ERESTARTNOHAND); sigsuspend's temporary mask
//! holds until then, and the handler's frame restores the old one.

use crate::dispatch::Ctx;
use crate::user::UserPtr;
use crate::wait::wait_until;
use crate::{Errno, SysResult};

/// Sleeps until the thread has signal work.
fn wait_for_signal(ctx: &Ctx<'_>) -> SysResult {
    let r = wait_until(ctx, &[], None, || None::<()>);
    debug_assert!(r.is_err());
    Err(Errno::ERESTARTNOHAND.into())
}

pub fn sys_rt_sigsuspend(ctx: &mut Ctx<'_>, mask: UserPtr<u64>, sigsetsize: usize) -> SysResult {
    if sigsetsize != 8 {
        return Err(Errno::EINVAL.into());
    }
    let new = mask.read(ctx.platform)?;
    ctx.process
        .signals
        .lock()
        .set_temporary_mask(ctx.thread.tid, new);
    wait_for_signal(ctx)
}

pub fn sys_pause(ctx: &mut Ctx<'_>) -> SysResult {
    wait_for_signal(ctx)
}
