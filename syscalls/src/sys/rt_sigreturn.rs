//! rt_sigreturn(2): the handler's restorer calls it with RSP just above
//! the frame's return address. Everything the frame saved comes back: the
//! registers, the signal mask, the FPU state and the alternate stack. A
//! frame that cannot be read, or whose FPU image is malformed, kills the
//! thread with SIGSEGV, as on Linux.

use crate::SysResult;
use crate::dispatch::Ctx;
use crate::signal::frame::{self, FXSAVE_SIZE, RtSigFrame};
use crate::signal::generate::force_fault;
use crate::signal::{FaultInfo, SIGSEGV, SigInfo, UNBLOCKABLE};
use crate::user::{UserPtr, UserSlice};

pub fn sys_rt_sigreturn(ctx: &mut Ctx<'_>) -> SysResult {
    let at = ctx.regs.rsp.wrapping_sub(8);
    match restore(ctx, at) {
        Some(()) => Ok(ctx.regs.rax),
        None => {
            force_fault(
                ctx.process,
                ctx.thread.tid,
                SigInfo::kernel(SIGSEGV),
                FaultInfo::default(),
            );
            // The registers are whatever they were; the signal ends it.
            ctx.regs.orig_rax = u64::MAX;
            Ok(ctx.regs.rax)
        }
    }
}

fn restore(ctx: &mut Ctx<'_>, at: u64) -> Option<()> {
    let f = UserPtr::<RtSigFrame>::new(at).read(ctx.platform).ok()?;
    let sc = &f.uc.mcontext;
    restore_fpu(ctx, sc.fpstate)?;
    frame::restore_regs(ctx.regs, sc);
    let tid = ctx.thread.tid;
    let mut s = ctx.process.signals.lock();
    s.set_mask(tid, f.uc.sigmask & !UNBLOCKABLE);
    if let Some(t) = s.thread_mut(tid) {
        // restore_altstack: errors (a bad uc_stack) are ignored, as Linux
        // does here.
        if crate::sys::sigaltstack::valid(&f.uc.stack).is_ok() {
            t.altstack = crate::sys::sigaltstack::stored(f.uc.stack);
        }
    }
    Some(())
}

/// Loads the FPU state at `addr` (0: the initial state).
fn restore_fpu(ctx: &Ctx<'_>, addr: u64) -> Option<()> {
    let p = ctx.platform;
    let len = p.xstate_size();
    if addr == 0 {
        // Linux's fpu__clear: back to the initial state.
        return p.restore_fpu(&frame::initial_fpu_image(len)).then_some(());
    }
    let mut image = alloc::vec![0u8; len];
    if !addr.is_multiple_of(16) {
        return None;
    }
    UserSlice::new(addr, FXSAVE_SIZE.min(len))
        .read_into(p, &mut image[..FXSAVE_SIZE.min(len)])
        .ok()?;
    if len > FXSAVE_SIZE {
        match frame::xstate_len(&image[..FXSAVE_SIZE], len) {
            Some(_) => {
                UserSlice::new(addr, len).read_into(p, &mut image).ok()?;
                let mut magic2 = [0u8; 4];
                UserSlice::new(addr + len as u64, 4)
                    .read_into(p, &mut magic2)
                    .ok()?;
                if u32::from_le_bytes(magic2) != frame::FP_XSTATE_MAGIC2 {
                    return None;
                }
            }
            // A bare FXSAVE image: x87 and SSE from it, the rest initial.
            None => {
                image[FXSAVE_SIZE..].fill(0);
                image[FXSAVE_SIZE..FXSAVE_SIZE + 8].copy_from_slice(&3u64.to_le_bytes());
            }
        }
    }
    p.restore_fpu(&image).then_some(())
}
