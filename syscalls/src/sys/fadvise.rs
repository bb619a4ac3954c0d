//! fadvise64(2) (posix_fadvise(3)): advice about how a file will be read.
//! Every advice is taken, as Linux takes it from a filesystem that has no
//! use for some of it (mm/fadvise.c); two of them act on a rootfs file's
//! pages: POSIX_FADV_DONTNEED lets go of the clean ones in the range (a
//! page changed and not yet written back stays), POSIX_FADV_WILLNEED reads
//! the range in now. Read-ahead follows the reads themselves, so NORMAL,
//! RANDOM, SEQUENTIAL and NOREUSE change nothing.

use crate::dispatch::Ctx;
use crate::fs::inode::Node;
use crate::{Errno, SysResult};

const POSIX_FADV_NORMAL: i32 = 0;
const POSIX_FADV_WILLNEED: i32 = 3;
const POSIX_FADV_DONTNEED: i32 = 4;
const POSIX_FADV_NOREUSE: i32 = 5;

pub fn sys_fadvise64(ctx: &mut Ctx<'_>, fd: i32, offset: i64, len: i64, advice: i32) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    if matches!(file.inode.node, Node::Pipe(_)) {
        return Err(Errno::ESPIPE.into());
    }
    if len < 0 || !(POSIX_FADV_NORMAL..=POSIX_FADV_NOREUSE).contains(&advice) {
        return Err(Errno::EINVAL.into());
    }
    let Node::File(data) = &file.inode.node else {
        return Ok(0);
    };
    // A negative offset names no page; a length of 0 (or one that
    // overflows) runs to the end of the file.
    let Ok(start) = u64::try_from(offset) else {
        return Ok(0);
    };
    let end = match start.checked_add(len as u64) {
        Some(end) if len != 0 => end,
        _ => u64::MAX,
    };
    match advice {
        POSIX_FADV_DONTNEED => data.lock().drop_clean(start..end),
        // Advice: what cannot be read now is read when it is needed.
        POSIX_FADV_WILLNEED => data.lock().read_in(start..end),
        _ => {}
    }
    Ok(0)
}
