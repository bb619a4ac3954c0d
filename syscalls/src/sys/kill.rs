//! kill(2), tkill(2), tgkill(2), rt_sigqueueinfo(2), rt_tgsigqueueinfo(2).
//! The program is process 1, alone in its process group and session; its
//! threads are its thread ids. (Unlike Linux's init, it gets signals with
//! default dispositions: a VM's program should die of SIGTERM or abort(3)
//! as a process would.)

use crate::dispatch::Ctx;
use crate::signal::generate::{self, Target};
use crate::signal::{NSIG, SI_TKILL, SI_USER, SigInfo};
use crate::user::UserPtr;
use crate::{Errno, SysResult};

fn check_sig(sig: i32) -> Result<usize, Errno> {
    if (0..=NSIG as i32).contains(&sig) {
        Ok(sig as usize)
    } else {
        Err(Errno::EINVAL)
    }
}

fn from_self(ctx: &Ctx<'_>, sig: usize, code: i32) -> SigInfo {
    SigInfo::user(sig, code, ctx.process.pid, ctx.process.creds.uid)
}

pub fn sys_kill(ctx: &mut Ctx<'_>, pid: i32, sig: i32) -> SysResult {
    let sig = check_sig(sig)?;
    let me = ctx.process.pid as i32;
    // pid > 0: a process; 0: our group; -1: everyone we may signal but
    // ourselves and init (so nobody here); < -1: group -pid.
    let ours = match pid {
        0 => true,
        -1 => false,
        p if p > 0 => p == me,
        p => p.checked_neg() == Some(me),
    };
    if !ours {
        return Err(Errno::ESRCH.into());
    }
    generate::send(ctx.process, Target::Process, from_self(ctx, sig, SI_USER))?;
    Ok(0)
}

pub fn sys_tkill(ctx: &mut Ctx<'_>, tid: i32, sig: i32) -> SysResult {
    sys_tgkill(ctx, ctx.process.pid as i32, tid, sig)
}

pub fn sys_tgkill(ctx: &mut Ctx<'_>, tgid: i32, tid: i32, sig: i32) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let sig = check_sig(sig)?;
    if tgid as u32 != ctx.process.pid {
        return Err(Errno::ESRCH.into());
    }
    generate::send(
        ctx.process,
        Target::Thread(tid as u32),
        from_self(ctx, sig, SI_TKILL),
    )?;
    Ok(0)
}

/// The siginfo a program supplies: it may not pretend to be the kernel or
/// kill(2) when signalling someone else (here there is nobody else).
fn program_info(ctx: &Ctx<'_>, sig: usize, uinfo: UserPtr<SigInfo>) -> Result<SigInfo, Errno> {
    let mut info = uinfo.read(ctx.platform).map_err(|_| Errno::EFAULT)?;
    info.signo = sig as i32;
    Ok(info)
}

pub fn sys_rt_sigqueueinfo(
    ctx: &mut Ctx<'_>,
    tgid: i32,
    sig: i32,
    uinfo: UserPtr<SigInfo>,
) -> SysResult {
    let sig = check_sig(sig)?;
    let info = program_info(ctx, sig, uinfo)?;
    if tgid as u32 != ctx.process.pid {
        return Err(Errno::ESRCH.into());
    }
    generate::send(ctx.process, Target::Process, info)?;
    Ok(0)
}

pub fn sys_rt_tgsigqueueinfo(
    ctx: &mut Ctx<'_>,
    tgid: i32,
    tid: i32,
    sig: i32,
    uinfo: UserPtr<SigInfo>,
) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let sig = check_sig(sig)?;
    let info = program_info(ctx, sig, uinfo)?;
    if tgid as u32 != ctx.process.pid {
        return Err(Errno::ESRCH.into());
    }
    generate::send(ctx.process, Target::Thread(tid as u32), info)?;
    Ok(0)
}
