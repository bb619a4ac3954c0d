//! select(2) and pselect6(2), over the same readiness as poll(2) (Linux's
//! POLLIN_SET, POLLOUT_SET and POLLEX_SET). The raw calls write back the
//! time left.

use crate::abi::{Timespec, Timeval};
use crate::dispatch::Ctx;
use crate::fs::pipe::{
    POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM,
};
use crate::fs::poll::{queue, readiness, wait};
use crate::signal::with_mask;
use crate::user::{UserPtr, UserSlice};
use crate::{Errno, Error, SysResult};
use alloc::vec;
use alloc::vec::Vec;

const POLLIN_SET: u16 = POLLRDNORM | POLLIN | POLLHUP | POLLERR;
const POLLOUT_SET: u16 = POLLWRNORM | POLLOUT | POLLERR;
const POLLEX_SET: u16 = POLLPRI;

/// An fd_set in program memory: `nfds` bits in 64-bit words.
struct FdSet {
    addr: u64,
    bits: Vec<u64>,
}

impl FdSet {
    fn read(ctx: &Ctx<'_>, addr: u64, nfds: usize) -> Result<Option<Self>, Errno> {
        if addr == 0 {
            return Ok(None);
        }
        let mut bits = vec![0u64; nfds.div_ceil(64)];
        for (i, w) in bits.iter_mut().enumerate() {
            *w = UserPtr::<u64>::new(addr + 8 * i as u64).read(ctx.platform)?;
        }
        // Bits at or past nfds are not looked at.
        if !nfds.is_multiple_of(64)
            && let Some(last) = bits.last_mut()
        {
            *last &= (1u64 << (nfds % 64)) - 1;
        }
        Ok(Some(FdSet { addr, bits }))
    }

    fn has(&self, fd: usize) -> bool {
        self.bits[fd / 64] & (1 << (fd % 64)) != 0
    }

    fn write(&self, ctx: &Ctx<'_>, out: &[u64]) -> Result<(), Errno> {
        let bytes: Vec<u8> = out.iter().flat_map(|w| w.to_ne_bytes()).collect();
        UserSlice::new(self.addr, bytes.len()).write(ctx.platform, &bytes)
    }
}

fn do_select(
    ctx: &mut Ctx<'_>,
    nfds: i32,
    sets: [u64; 3],
    timeout_ns: Option<u64>,
) -> Result<(u64, u64), Error> {
    if nfds < 0 {
        return Err(Errno::EINVAL.into());
    }
    // Like Linux, look no further than the descriptor table reaches.
    let table = ctx.fs().fds.end().next_multiple_of(64).max(64);
    let n = (nfds as usize).min(table);
    let mut read = Vec::new();
    for addr in sets {
        read.push(FdSet::read(ctx, addr, n)?);
    }
    let masks = [POLLIN_SET, POLLOUT_SET, POLLEX_SET];
    let mut out = [
        vec![0u64; n.div_ceil(64)],
        vec![0u64; n.div_ceil(64)],
        vec![0u64; n.div_ceil(64)],
    ];
    let files: Vec<_> = (0..n)
        .filter(|&fd| read.iter().flatten().any(|s| s.has(fd)))
        .filter_map(|fd| ctx.file(fd as i32).ok())
        .collect();
    let queues: Vec<_> = files.iter().filter_map(|f| queue(f)).collect();
    let (ready, left) = wait(ctx, timeout_ns, &queues, || {
        let mut count = 0;
        for fd in 0..n {
            if !read.iter().flatten().any(|s| s.has(fd)) {
                continue;
            }
            let events = match ctx.file(fd as i32) {
                Ok(f) => readiness(&f),
                Err(_) => POLLNVAL,
            };
            if events & POLLNVAL != 0 {
                return Err(Errno::EBADF.into());
            }
            for k in 0..3 {
                if read[k].as_ref().is_some_and(|s| s.has(fd)) && events & masks[k] != 0 {
                    out[k][fd / 64] |= 1 << (fd % 64);
                    count += 1;
                }
            }
        }
        Ok(count)
    })?;
    for (set, bits) in read.iter().zip(&out) {
        if let Some(s) = set {
            s.write(ctx, bits)?;
        }
    }
    Ok((ready as u64, left))
}

pub fn sys_select(
    ctx: &mut Ctx<'_>,
    nfds: i32,
    readfds: u64,
    writefds: u64,
    exceptfds: u64,
    timeout: UserPtr<Timeval>,
) -> SysResult {
    let ns = if timeout.is_null() {
        None
    } else {
        let t = timeout.read(ctx.platform)?;
        if t.sec < 0 || t.usec < 0 {
            return Err(Errno::EINVAL.into());
        }
        // Linux folds excess microseconds into seconds.
        Some(
            (t.sec as u64)
                .saturating_mul(1_000_000_000)
                .saturating_add(t.usec as u64 * 1000),
        )
    };
    let (ready, left) = do_select(ctx, nfds, [readfds, writefds, exceptfds], ns)?;
    if !timeout.is_null() {
        timeout.write(ctx.platform, &Timeval::from_ns(left))?;
    }
    Ok(ready)
}

/// pselect6(2): the sixth argument points at `{ sigset_t *, size_t }`; a
/// mask holds for the wait, as ppoll's does.
pub fn sys_pselect6(
    ctx: &mut Ctx<'_>,
    nfds: i32,
    readfds: u64,
    writefds: u64,
    exceptfds: u64,
    tsp: UserPtr<Timespec>,
    sig: UserPtr<[u64; 2]>,
) -> SysResult {
    let mut mask = None;
    if !sig.is_null() {
        let [set, size] = sig.read(ctx.platform)?;
        if set != 0 {
            if size != 8 {
                return Err(Errno::EINVAL.into());
            }
            mask = Some(UserPtr::<u64>::new(set).read(ctx.platform)?);
        }
    }
    let ns = if tsp.is_null() {
        None
    } else {
        Some(tsp.read(ctx.platform)?.to_ns().ok_or(Errno::EINVAL)?)
    };
    let (ready, left) = with_mask(ctx, mask, |ctx| {
        do_select(ctx, nfds, [readfds, writefds, exceptfds], ns)
    })?;
    if !tsp.is_null() {
        tsp.write(ctx.platform, &Timespec::from_ns(left))?;
    }
    Ok(ready)
}
