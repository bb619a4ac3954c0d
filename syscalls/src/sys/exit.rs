//! exit(2), exit_group(2), and what a thread leaves behind: its robust
//! futexes are marked as their owner died, its CLONE_CHILD_CLEARTID word
//! is zeroed and woken (pthread_join waits on it), and when the last
//! thread goes the process ends.

use crate::SysResult;
use crate::dispatch::{Ctx, Exit, Outcome};
use crate::futex::{self, FUTEX_BITSET_MATCH_ANY};
use crate::process::ExitStatus;
use crate::user::UserPtr;
use core::sync::atomic::Ordering;

/// exit(2): only the calling thread ends.
pub fn sys_exit(ctx: &mut Ctx<'_>, status: i32) -> SysResult {
    ctx.exit = Some(Exit::Thread(status as u8));
    Ok(0)
}

/// exit_group(2): every thread ends; the process exits with `status`.
pub fn sys_exit_group(ctx: &mut Ctx<'_>, status: i32) -> SysResult {
    let status = ExitStatus::Code(status as u8);
    let mut s = ctx.process.signals.lock();
    s.begin_group_exit(status);
    // Another thread's exit_group or a fatal signal may have come first.
    let status = s.group_exit.unwrap_or(status);
    ctx.exit = Some(Exit::Group(status));
    Ok(0)
}

/// The calling thread leaves with `status` (Linux's exit_mm_release and
/// exit_notify, in that order).
pub fn thread_exit(ctx: &mut Ctx<'_>, status: u8) -> Outcome {
    let tid = ctx.thread.tid;
    let (head, _) = *ctx.thread.robust_list.lock();
    futex::exit_robust_list(&ctx.process.futexes, ctx.platform, tid, head);
    let ctid = ctx.thread.clear_child_tid.swap(0, Ordering::AcqRel);
    if ctid != 0 && UserPtr::<u32>::new(ctid).write(ctx.platform, &0).is_ok() {
        ctx.process.futexes.wake(ctid, 1, FUTEX_BITSET_MATCH_ANY);
    }
    let cpu = ctx.platform.thread_cpu_ns(tid).unwrap_or(0);
    if !ctx.process.remove_thread(tid, status, cpu) {
        return Outcome::ThreadExit;
    }
    let group = ctx.process.signals.lock().group_exit;
    Outcome::Exit(group.unwrap_or(ExitStatus::Code(ctx.process.leader_status())))
}
