//! sigaltstack(2): recorded; used when signal delivery arrives.

use crate::dispatch::Ctx;
use crate::signal::{SS_DISABLE, SS_ONSTACK, StackT};
use crate::user::UserPtr;
use crate::{Errno, SysResult};

/// MINSIGSTKSZ on x86-64 (also AT_MINSIGSTKSZ's floor).
pub const MINSIGSTKSZ: u64 = 2048;
const SS_AUTODISARM: i32 = 1 << 31;

pub fn sys_sigaltstack(ctx: &mut Ctx<'_>, ss: UserPtr<StackT>, old: UserPtr<StackT>) -> SysResult {
    let new = if ss.is_null() {
        None
    } else {
        Some(ss.read(ctx.platform)?)
    };
    if let Some(n) = new {
        let mode = n.flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL.into());
        }
        if mode != SS_DISABLE && n.size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM.into());
        }
    }
    old.write_if_some(ctx.platform, &ctx.process.signals.altstack)?;
    if let Some(mut n) = new {
        if n.flags & SS_DISABLE != 0 {
            n = StackT {
                flags: SS_DISABLE,
                ..StackT::default()
            };
        } else {
            // SS_ONSTACK when setting means "enable" (old kernels' ABI);
            // reading back reports SS_ONSTACK only while running on it.
            n.flags &= SS_AUTODISARM;
        }
        ctx.process.signals.altstack = n;
    }
    Ok(0)
}
