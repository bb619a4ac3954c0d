//! rt_sigaction(2): the process's dispositions. Flags Linux does not know
//! are dropped (so a program can probe with SA_UNSUPPORTED, as the man
//! page describes); making a pending signal ignored discards it (POSIX).

use crate::dispatch::Ctx;
use crate::signal::{
    DefaultAction, NSIG, SA_KNOWN, SIG_DFL, SIG_IGN, SigAction, UNBLOCKABLE, bit, default_action,
    generate::unblockable,
};
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
    let sig = signum as usize;
    let new = if act.is_null() {
        None
    } else {
        Some(act.read(ctx.platform)?)
    };
    if new.is_some() && unblockable(sig) {
        return Err(Errno::EINVAL.into());
    }
    let old = ctx.process.signals.lock().actions[sig - 1];
    oldact.write_if_some(ctx.platform, &old)?;
    if let Some(mut a) = new {
        a.flags &= SA_KNOWN;
        a.mask &= !UNBLOCKABLE;
        let mut s = ctx.process.signals.lock();
        s.actions[sig - 1] = a;
        let ignored = a.handler == SIG_IGN
            || (a.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore);
        if ignored {
            s.discard_pending(bit(sig));
        }
    }
    Ok(0)
}
