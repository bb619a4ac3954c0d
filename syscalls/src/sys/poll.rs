//! poll(2) and ppoll(2).

use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::fs::fdtable::NR_OPEN;
use crate::fs::pipe::{POLLERR, POLLHUP, POLLNVAL};
use crate::fs::poll::{queue, readiness, wait};
use crate::signal::with_mask;
use crate::user::UserPtr;
use crate::{Errno, SysResult};
use alloc::vec::Vec;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct pollfd`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct PollFd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}

/// Polls `nfds` entries at `fds`; the count of those with events.
fn do_poll(
    ctx: &mut Ctx<'_>,
    fds: u64,
    nfds: u64,
    timeout_ns: Option<u64>,
) -> Result<(u64, u64), crate::Error> {
    if nfds > ctx.process.nofile().min(NR_OPEN) {
        return Err(Errno::EINVAL.into());
    }
    let at = UserPtr::<PollFd>::new(fds);
    let mut entries: Vec<PollFd> = Vec::new();
    for i in 0..nfds {
        entries.push(at.offset(i).read(ctx.platform)?);
    }
    let files: Vec<_> = entries.iter().filter_map(|e| ctx.file(e.fd).ok()).collect();
    let queues: Vec<_> = files.iter().filter_map(|f| queue(f)).collect();
    let (ready, left) = wait(ctx, timeout_ns, &queues, || {
        let mut ready = 0;
        for e in entries.iter_mut() {
            e.revents = 0;
            if e.fd < 0 {
                continue;
            }
            let events = match ctx.file(e.fd) {
                Ok(f) => readiness(&f),
                Err(_) => POLLNVAL,
            };
            // POLLERR, POLLHUP and POLLNVAL are reported whether asked or not.
            let wanted = e.events as u16 | POLLERR | POLLHUP | POLLNVAL;
            e.revents = (events & wanted) as i16;
            ready += usize::from(e.revents != 0);
        }
        Ok(ready)
    })?;
    for (i, e) in entries.iter().enumerate() {
        at.offset(i as u64).write(ctx.platform, e)?;
    }
    Ok((ready as u64, left))
}

/// poll(2): a negative timeout waits forever.
pub fn sys_poll(ctx: &mut Ctx<'_>, fds: u64, nfds: u64, timeout_ms: i32) -> SysResult {
    let timeout = u64::try_from(timeout_ms).ok().map(|ms| ms * 1_000_000);
    Ok(do_poll(ctx, fds, nfds, timeout)?.0)
}

/// ppoll(2): with a signal mask, it holds for the wait (as with
/// sigsuspend: a handler that interrupts runs with it, and the old mask
/// comes back after). The raw call writes back the time left.
pub fn sys_ppoll(
    ctx: &mut Ctx<'_>,
    fds: u64,
    nfds: u64,
    tsp: UserPtr<Timespec>,
    sigmask: u64,
    sigsetsize: usize,
) -> SysResult {
    if sigmask != 0 && sigsetsize != 8 {
        return Err(Errno::EINVAL.into());
    }
    let timeout = if tsp.is_null() {
        None
    } else {
        Some(tsp.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?)
    };
    let mask = if sigmask == 0 {
        None
    } else {
        Some(UserPtr::<u64>::new(sigmask).read(ctx.platform)?)
    };
    let (ready, left) = with_mask(ctx, mask, |ctx| do_poll(ctx, fds, nfds, timeout))?;
    if !tsp.is_null() {
        tsp.write(ctx.platform, &Timespec::from_ns(left))?;
    }
    Ok(ready)
}
