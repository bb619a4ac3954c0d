//! Readiness for poll(2) and select(2), and how they wait. Regular files,
//! directories and memory devices are always ready (DEFAULT_POLLMASK); a
//! pipe is as full or empty as it is; the console always polls ready (see
//! `tty`). A wait sleeps on the wait queues of the pipes it polls.

use super::devfs;
use super::file::OpenFile;
use super::inode::Node;
use super::pipe::{POLLIN, POLLNVAL, POLLOUT, POLLRDNORM, POLLWRNORM};
use crate::Error;
use crate::dispatch::Ctx;
use crate::wait::{WaitError, WaitQueue, wait_until};

const DEFAULT_POLLMASK: u16 = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/// The events an open file is ready for.
pub fn readiness(file: &OpenFile) -> u16 {
    if file.is_path() {
        // An O_PATH descriptor cannot be polled: poll(2) treats it as bad.
        return POLLNVAL;
    }
    match &file.inode.node {
        Node::Pipe(p) => p.poll(file.readable(), file.writable()),
        Node::Device(d) => devfs::poll(file, d),
        _ => DEFAULT_POLLMASK,
    }
}

/// What to sleep on for changes in `file`'s readiness (None: it never
/// changes).
pub fn queue(file: &OpenFile) -> Option<&WaitQueue> {
    match &file.inode.node {
        Node::Pipe(p) => Some(p.waiters()),
        _ => None,
    }
}

/// Runs `scan` (which returns how many descriptors are ready) and, when
/// none is, sleeps on `queues` until one is, `timeout_ns` passes (None:
/// never) or a signal comes. Returns the count and the nanoseconds left of
/// the timeout. Interrupted, poll and select return EINTR after a handler
/// whatever SA_RESTART says (signal(7)).
pub fn wait(
    ctx: &Ctx<'_>,
    timeout_ns: Option<u64>,
    queues: &[&WaitQueue],
    mut scan: impl FnMut() -> Result<usize, Error>,
) -> Result<(usize, u64), Error> {
    let ready = scan()?;
    if ready > 0 || timeout_ns == Some(0) {
        return Ok((ready, timeout_ns.unwrap_or(0)));
    }
    let deadline = timeout_ns.map(|ns| ctx.platform.monotonic_ns().saturating_add(ns));
    let mut failed = None;
    let r = wait_until(ctx, queues, deadline, || match scan() {
        Ok(0) => None,
        Ok(n) => Some(n),
        Err(e) => {
            failed = Some(e);
            Some(0)
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let left = deadline.map_or(0, |d| d.saturating_sub(ctx.platform.monotonic_ns()));
    match r {
        Ok(n) => Ok((n, left)),
        Err(WaitError::TimedOut) => Ok((0, 0)),
        Err(e) => Err(e.not_restarted()),
    }
}
