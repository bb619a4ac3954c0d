//! sigaltstack(2): the calling thread's alternate signal stack. It cannot
//! be changed while the thread runs on it (EPERM); reading it back shows
//! SS_ONSTACK then.

use crate::dispatch::Ctx;
use crate::signal::{SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, StackT};
use crate::user::UserPtr;
use crate::{Errno, SysResult};

/// MINSIGSTKSZ on x86-64 (also AT_MINSIGSTKSZ's floor).
pub const MINSIGSTKSZ: u64 = 2048;

/// Checks a new stack_t: a known mode, and room enough unless disabled.
pub fn valid(n: &StackT) -> Result<(), Errno> {
    let mode = n.flags & !SS_AUTODISARM;
    if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
        return Err(Errno::EINVAL);
    }
    if mode != SS_DISABLE && n.size < MINSIGSTKSZ {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// How a valid stack_t is kept: disabled, or enabled with SS_AUTODISARM
/// if asked (SS_ONSTACK when setting is the old ABI's "enable").
pub fn stored(n: StackT) -> StackT {
    if n.flags & SS_DISABLE != 0 {
        StackT::disabled()
    } else {
        StackT {
            flags: n.flags & SS_AUTODISARM,
            ..n
        }
    }
}

pub fn sys_sigaltstack(ctx: &mut Ctx<'_>, ss: UserPtr<StackT>, old: UserPtr<StackT>) -> SysResult {
    let new = if ss.is_null() {
        None
    } else {
        Some(ss.read(ctx.platform)?)
    };
    let tid = ctx.thread.tid;
    let rsp = ctx.regs.rsp;
    let current = ctx
        .process
        .signals
        .lock()
        .thread(tid)
        .map_or(StackT::disabled(), |t| t.altstack);
    let on_it = current.contains(rsp);
    if !old.is_null() {
        let mut shown = current;
        if on_it {
            shown.flags |= SS_ONSTACK;
        }
        old.write(ctx.platform, &shown)?;
    }
    if let Some(n) = new {
        if on_it {
            return Err(Errno::EPERM.into());
        }
        valid(&n)?;
        if let Some(t) = ctx.process.signals.lock().thread_mut(tid) {
            t.altstack = stored(n);
        }
    }
    Ok(0)
}
