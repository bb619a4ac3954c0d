//! Readiness for poll(2) and select(2), and how they wait. Regular files,
//! directories and memory devices are always ready (DEFAULT_POLLMASK); a
//! pipe is as full or empty as it is; the console always polls ready (see
//! `tty`). With one thread nothing changes while the program waits, so a
//! wait with nothing ready sleeps out its timeout, and one without a
//! timeout sleeps until a signal, as it would on Linux.

use super::file::OpenFile;
use super::inode::Node;
use super::pipe::{POLLIN, POLLNVAL, POLLOUT, POLLRDNORM, POLLWRNORM};
use super::{devfs, wait_forever};
use crate::Error;
use crate::dispatch::Ctx;

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

/// Runs `scan` (which returns how many descriptors are ready) and, when
/// none is, waits `timeout_ns` (None: forever) and scans once more.
/// Returns the count and the nanoseconds left of the timeout.
pub fn wait(
    ctx: &Ctx<'_>,
    timeout_ns: Option<u64>,
    mut scan: impl FnMut(&Ctx<'_>) -> Result<usize, Error>,
) -> Result<(usize, u64), Error> {
    let ready = scan(ctx)?;
    if ready > 0 || timeout_ns == Some(0) {
        return Ok((ready, timeout_ns.unwrap_or(0)));
    }
    let Some(ns) = timeout_ns else {
        return Err(wait_forever(ctx.platform));
    };
    let deadline = ctx.platform.monotonic_ns().saturating_add(ns);
    ctx.platform.sleep_until(deadline);
    let left = deadline.saturating_sub(ctx.platform.monotonic_ns());
    Ok((scan(ctx)?, left))
}
