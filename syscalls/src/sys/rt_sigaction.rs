//! rt_sigaction(2): dispositions are recorded and read back; delivery comes
//! with the signals issue.

use crate::dispatch::Ctx;
use crate::signal::{NSIG, SIGKILL, SIGSTOP, SigAction};
use crate::user::UserPtr;
use crate::{Errno, SysResult};

pub fn sys_rt_sigaction(
    ctx: &mut Ctx<'_>,
    signum: i32,
    act: UserPtr<SigAction>,
    oldact: UserPtr<SigAction>,
    sigsetsize: usize,
) -> SysResult {
    if sigsetsize != 8 || !(1..=NSIG as i32).contains(&signum) {
        return Err(Errno::EINVAL.into());
    }
    let i = signum as usize - 1;
    let new = if act.is_null() {
        None
    } else {
        Some(act.read(ctx.platform)?)
    };
    if new.is_some() && (signum as usize == SIGKILL || signum as usize == SIGSTOP) {
        return Err(Errno::EINVAL.into());
    }
    oldact.write_if_some(ctx.platform, &ctx.process.signals.actions[i])?;
    if let Some(mut a) = new {
        // SIGKILL and SIGSTOP can never be blocked.
        a.mask &= !((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));
        ctx.process.signals.actions[i] = a;
    }
    Ok(0)
}
