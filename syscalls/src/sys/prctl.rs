//! prctl(2): the options programs commonly use. Unknown options are EINVAL
//! (logged once), as a kernel without them answers.

use crate::dispatch::Ctx;
use crate::user::{UserCStr, UserPtr};
use crate::{Errno, Error, SysResult};

const PR_SET_PDEATHSIG: i32 = 1;
const PR_GET_PDEATHSIG: i32 = 2;
const PR_GET_DUMPABLE: i32 = 3;
const PR_SET_DUMPABLE: i32 = 4;
const PR_SET_NAME: i32 = 15;
const PR_GET_NAME: i32 = 16;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const PR_GET_NO_NEW_PRIVS: i32 = 39;

/// TASK_COMM_LEN.
pub const COMM_LEN: usize = 16;

pub fn sys_prctl(
    ctx: &mut Ctx<'_>,
    option: i32,
    arg2: u64,
    arg3: u64,
    arg4: u64,
    arg5: u64,
) -> SysResult {
    match option {
        PR_SET_NAME => {
            // The name is cut to 15 bytes; reading stops at the NUL or there.
            let mut name = [0u8; COMM_LEN];
            let mut buf = [0u8; COMM_LEN - 1];
            let n = read_prefix(ctx, arg2, &mut buf)?;
            name[..n].copy_from_slice(&buf[..n]);
            *ctx.thread.comm.lock() = name;
            return Ok(0);
        }
        PR_GET_NAME => {
            let name = *ctx.thread.comm.lock();
            crate::user::UserSlice::new(arg2, COMM_LEN).write(ctx.platform, &name)?;
            return Ok(0);
        }
        _ => {}
    }
    let mut guard = ctx.process.prctl.lock();
    let p = &mut *guard;
    match option {
        PR_SET_PDEATHSIG => {
            if arg2 > crate::signal::NSIG as u64 {
                return Err(Errno::EINVAL.into());
            }
            p.pdeathsig = arg2 as i32;
            Ok(0)
        }
        PR_GET_PDEATHSIG => {
            let v = p.pdeathsig;
            drop(guard);
            UserPtr::<i32>::new(arg2).write(ctx.platform, &v)?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(u64::from(p.dumpable)),
        PR_SET_DUMPABLE => {
            if arg2 > 1 {
                return Err(Errno::EINVAL.into());
            }
            p.dumpable = arg2 == 1;
            Ok(0)
        }
        PR_SET_NO_NEW_PRIVS => {
            if arg2 != 1 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(Errno::EINVAL.into());
            }
            p.no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if arg2 != 0 || arg3 != 0 || arg4 != 0 || arg5 != 0 {
                return Err(Errno::EINVAL.into());
            }
            Ok(u64::from(p.no_new_privs))
        }
        _ => Err(Error::new(Errno::EINVAL, "prctl option not supported")),
    }
}

/// Reads up to `buf.len()` bytes of a string, stopping at its NUL.
fn read_prefix(ctx: &Ctx<'_>, addr: u64, buf: &mut [u8]) -> Result<usize, Errno> {
    match UserCStr::new(addr).read(ctx.platform, buf.len() + 1) {
        Ok(s) => {
            buf[..s.len()].copy_from_slice(&s);
            Ok(s.len())
        }
        // Longer than the buffer: keep the first bytes, as Linux does.
        Err(Errno::ENAMETOOLONG) => {
            crate::user::UserSlice::new(addr, buf.len()).read_into(ctx.platform, buf)?;
            Ok(buf.len())
        }
        Err(e) => Err(e),
    }
}
