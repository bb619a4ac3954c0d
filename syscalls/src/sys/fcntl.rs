//! fcntl(2) and flock(2).
//!
//! Record locks (F_GETLK, F_SETLK, F_SETLKW and the F_OFD_* forms) and
//! flock(2) locks: Sole runs one process, and locks only ever conflict
//! between processes (POSIX locks) or open file descriptions (OFD locks and
//! flock) — with one program and no lock-holding peers, every lock request
//! is granted at once and F_GETLK always reports F_UNLCK. Arguments are
//! still checked as Linux checks them.

use crate::dispatch::Ctx;
use crate::fs::file::{O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME, O_NONBLOCK, OpenFile};
use crate::fs::inode::Node;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const F_DUPFD: i32 = 0;
pub const F_GETFD: i32 = 1;
pub const F_SETFD: i32 = 2;
pub const F_GETFL: i32 = 3;
pub const F_SETFL: i32 = 4;
pub const F_GETLK: i32 = 5;
pub const F_SETLK: i32 = 6;
pub const F_SETLKW: i32 = 7;
pub const F_OFD_GETLK: i32 = 36;
pub const F_OFD_SETLK: i32 = 37;
pub const F_OFD_SETLKW: i32 = 38;
pub const F_DUPFD_CLOEXEC: i32 = 1030;
pub const F_SETPIPE_SZ: i32 = 1031;
pub const F_GETPIPE_SZ: i32 = 1032;
pub const FD_CLOEXEC: u64 = 1;

pub const F_RDLCK: i16 = 0;
pub const F_WRLCK: i16 = 1;
pub const F_UNLCK: i16 = 2;

/// x86-64 `struct flock`.
#[repr(C)]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    pub _pad0: u32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    pub _pad1: u32,
}

pub fn sys_fcntl(ctx: &mut Ctx<'_>, fd: i32, cmd: i32, arg: u64) -> SysResult {
    let file = ctx.file(fd)?;
    let limit = ctx.process.nofile();
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = arg as i32;
            if min < 0 || min as u64 >= limit {
                return Err(Errno::EINVAL.into());
            }
            let cloexec = cmd == F_DUPFD_CLOEXEC;
            Ok(ctx.fs().fds.insert(file, cloexec, min as usize, limit)? as u64)
        }
        F_GETFD => Ok(if ctx.fs().fds.entry(fd)?.cloexec {
            FD_CLOEXEC
        } else {
            0
        }),
        F_SETFD => {
            ctx.fs().fds.entry_mut(fd)?.cloexec = arg & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL => Ok(u64::from(file.flags())),
        F_SETFL => set_status_flags(&file, arg as u32),
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            record_lock(ctx, &file, cmd, UserPtr::new(arg))
        }
        F_GETPIPE_SZ | F_SETPIPE_SZ => {
            let Node::Pipe(p) = &file.inode.node else {
                return Err(Errno::EBADF.into());
            };
            if cmd == F_GETPIPE_SZ {
                Ok(p.capacity() as u64)
            } else {
                Ok(p.set_capacity(arg as u32 as usize)? as u64)
            }
        }
        _ => Err(Error::new(Errno::EINVAL, "unsupported fcntl command")),
    }
}

/// F_SETFL: fcntl(2) says only O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME and
/// O_NONBLOCK can change; other bits are ignored. O_ASYNC needs SIGIO,
/// which Sole does not deliver.
fn set_status_flags(file: &OpenFile, flags: u32) -> SysResult {
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    if flags & O_ASYNC != 0 {
        return Err(Error::new(
            Errno::EINVAL,
            "O_ASYNC (SIGIO) is not supported",
        ));
    }
    file.set_flags(O_APPEND | O_DIRECT | O_NOATIME | O_NONBLOCK, flags);
    Ok(0)
}

fn record_lock(ctx: &Ctx<'_>, file: &OpenFile, cmd: i32, arg: UserPtr<Flock>) -> SysResult {
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    let mut lock = arg.read(ctx.platform)?;
    if !(0..=2).contains(&lock.l_whence) || !(F_RDLCK..=F_UNLCK).contains(&lock.l_type) {
        return Err(Errno::EINVAL.into());
    }
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && lock.l_pid != 0 {
        return Err(Errno::EINVAL.into());
    }
    if lock.l_whence == 0 && lock.l_start < 0 {
        return Err(Errno::EINVAL.into());
    }
    match cmd {
        F_GETLK | F_OFD_GETLK => {
            // Nothing else holds a lock that could conflict.
            lock.l_type = F_UNLCK;
            arg.write(ctx.platform, &lock)?;
            Ok(0)
        }
        _ => {
            let needs_mode = match lock.l_type {
                F_RDLCK => file.readable(),
                F_WRLCK => file.writable(),
                _ => true,
            };
            if !needs_mode {
                return Err(Errno::EBADF.into());
            }
            Ok(0)
        }
    }
}

const LOCK_SH: i32 = 1;
const LOCK_EX: i32 = 2;
const LOCK_NB: i32 = 4;
const LOCK_UN: i32 = 8;

/// flock(2): granted at once, as record locks are (see the module).
pub fn sys_flock(ctx: &mut Ctx<'_>, fd: i32, op: i32) -> SysResult {
    let file = ctx.file(fd)?;
    if file.is_path() {
        return Err(Errno::EBADF.into());
    }
    match op & !LOCK_NB {
        LOCK_SH | LOCK_EX | LOCK_UN => Ok(0),
        _ => Err(Errno::EINVAL.into()),
    }
}
