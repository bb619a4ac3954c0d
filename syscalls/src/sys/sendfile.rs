//! sendfile(2): copies from a regular file (in_fd must support mmap-like
//! reads) to any file, through a kernel buffer, without the program's
//! memory in between.

use crate::dispatch::Ctx;
use crate::fs::inode::Node;
use crate::fs::io;
use crate::fs::iov::Source;
use crate::user::UserPtr;
use crate::{Errno, SysResult};
use alloc::vec;

/// Linux's MAX_RW_COUNT: the most one call moves.
const MAX_RW_COUNT: usize = 0x7fff_f000;
const CHUNK: usize = 64 * 1024;

pub fn sys_sendfile(
    ctx: &mut Ctx<'_>,
    out_fd: i32,
    in_fd: i32,
    offset: UserPtr<i64>,
    count: usize,
) -> SysResult {
    let input = ctx.file(in_fd)?;
    let output = ctx.file(out_fd)?;
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF.into());
    }
    let Some(data) = input.inode.file() else {
        return Err(Errno::EINVAL.into());
    };
    if output.appending() {
        return Err(Errno::EINVAL.into());
    }
    let start = if offset.is_null() {
        input.cursor.lock().pos
    } else {
        u64::try_from(offset.read(ctx.platform)?).map_err(|_| Errno::EINVAL)?
    };
    let count = count.min(MAX_RW_COUNT);
    let mut buf = vec![0u8; count.min(CHUNK)];
    let mut done = 0;
    while done < count {
        // Stop rather than wait on a full pipe once something has moved.
        if let Node::Pipe(p) = &output.inode.node
            && done > 0
            && p.available() == p.capacity()
        {
            break;
        }
        let want = (count - done).min(CHUNK);
        let n = match data.lock().read_at(start + done as u64, &mut buf[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e.into()),
            Err(_) => break,
        };
        if n == 0 {
            break;
        }
        match io::write(ctx, &output, &Source::Kernel(&buf[..n]), None) {
            Ok(w) => {
                done += w;
                if w < n {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    let end = start + done as u64;
    if offset.is_null() {
        input.cursor.lock().pos = end;
    } else {
        offset.write(ctx.platform, &(end as i64))?;
    }
    Ok(done as u64)
}
