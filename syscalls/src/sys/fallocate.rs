//! fallocate(2): mode 0 and FALLOC_FL_KEEP_SIZE reserve memory for the
//! range; FALLOC_FL_PUNCH_HOLE (with KEEP_SIZE, as required) frees it, as
//! tmpfs does. Collapsing, zeroing, inserting and unsharing ranges are not
//! supported (EOPNOTSUPP).

use crate::dispatch::Ctx;
use crate::fs::inode::{MAX_FILE_SIZE, Node};
use crate::fs::now;
use crate::{Errno, Error, SysResult};

const FALLOC_FL_KEEP_SIZE: i32 = 0x01;
const FALLOC_FL_PUNCH_HOLE: i32 = 0x02;

pub fn sys_fallocate(ctx: &mut Ctx<'_>, fd: i32, mode: i32, offset: i64, len: i64) -> SysResult {
    let file = ctx.file(fd)?;
    if offset < 0 || len <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let punch = mode & FALLOC_FL_PUNCH_HOLE != 0;
    if mode & !(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE) != 0 {
        return Err(Error::new(
            Errno::EOPNOTSUPP,
            "fallocate modes other than 0, KEEP_SIZE and PUNCH_HOLE",
        ));
    }
    if punch && mode & FALLOC_FL_KEEP_SIZE == 0 {
        return Err(Errno::EOPNOTSUPP.into());
    }
    if !file.writable() {
        return Err(Errno::EBADF.into());
    }
    let data = match &file.inode.node {
        Node::File(d) => d,
        Node::Dir(_) => return Err(Errno::EISDIR.into()),
        Node::Pipe(_) => return Err(Errno::ESPIPE.into()),
        _ => return Err(Errno::ENODEV.into()),
    };
    if (offset as u64).saturating_add(len as u64) > MAX_FILE_SIZE {
        return Err(Errno::EFBIG.into());
    }
    // tmpfs refuses up front what cannot fit in free memory, rather than
    // taking it all first.
    if !punch && len as u64 > ctx.platform.machine().free_ram {
        return Err(Errno::ENOSPC.into());
    }
    {
        let mut d = data.lock();
        if punch {
            d.punch_hole(offset as u64, len as u64)?;
        } else {
            d.allocate(offset as u64, len as u64, mode & FALLOC_FL_KEEP_SIZE != 0)?;
        }
    }
    if punch {
        let end = (offset as u64).saturating_add(len as u64);
        crate::sys::mmap::after_punch(ctx, &file.inode, offset as u64, end);
    }
    file.inode.touch_modified(now(ctx.platform));
    Ok(0)
}
