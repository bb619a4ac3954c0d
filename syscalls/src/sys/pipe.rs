//! pipe(2) and pipe2(2).

use crate::dispatch::Ctx;
use crate::fs::file::{Name, O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY, OpenFile};
use crate::fs::inode::{Inode, Node, S_IFIFO};
use crate::fs::now;
use crate::fs::pipe::Pipe;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};
use alloc::format;

pub fn sys_pipe2(ctx: &mut Ctx<'_>, fds: UserPtr<[i32; 2]>, flags: u32) -> SysResult {
    if flags & O_DIRECT != 0 {
        return Err(Error::new(Errno::EINVAL, "packet-mode pipes (O_DIRECT)"));
    }
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown pipe2 flags"));
    }
    let now = now(ctx.platform);
    let limit = ctx.process.nofile();
    let mut guard = ctx.fs();
    let fs = &mut *guard;
    let inode = Inode::new(
        &fs.pipefs,
        S_IFIFO | 0o600,
        Node::Pipe(Pipe::default()),
        now,
    );
    let name = || Name::Fixed(format!("pipe:[{}]", inode.ino()).into_bytes());
    let status = flags & O_NONBLOCK;
    let reader = OpenFile::new(inode.clone(), O_RDONLY | status, name());
    let writer = OpenFile::new(inode.clone(), O_WRONLY | status, name());
    let cloexec = flags & O_CLOEXEC != 0;
    let r = fs.fds.insert(reader, cloexec, 0, limit)?;
    let w = match fs.fds.insert(writer, cloexec, 0, limit) {
        Ok(w) => w,
        Err(e) => {
            let _ = fs.fds.remove(r);
            return Err(e.into());
        }
    };
    drop(guard);
    if let Err(e) = fds.write(ctx.platform, &[r, w]) {
        let mut fs = ctx.fs();
        let _ = fs.fds.remove(r);
        let _ = fs.fds.remove(w);
        return Err(e.into());
    }
    Ok(0)
}

pub fn sys_pipe(ctx: &mut Ctx<'_>, fds: UserPtr<[i32; 2]>) -> SysResult {
    sys_pipe2(ctx, fds, 0)
}
