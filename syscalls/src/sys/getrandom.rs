//! getrandom(2). The Platform's source is the CPU's RDRAND/RDSEED (or
//! virtio-rng), available from boot, so GRND_RANDOM and GRND_NONBLOCK never
//! have to wait.

use crate::dispatch::Ctx;
use crate::user::UserSlice;
use crate::{Errno, Error, SysResult};

const GRND_NONBLOCK: u32 = 1;
const GRND_RANDOM: u32 = 2;
const GRND_INSECURE: u32 = 4;
/// Linux caps a single call at 32 MiB - 1.
const MAX_CHUNK: usize = (32 << 20) - 1;

pub fn sys_getrandom(ctx: &mut Ctx<'_>, buf: UserSlice, flags: u32) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0 {
        return Err(Error::new(Errno::EINVAL, "unknown GRND_ flags"));
    }
    if flags & GRND_RANDOM != 0 && flags & GRND_INSECURE != 0 {
        return Err(Errno::EINVAL.into());
    }
    let len = buf.len.min(MAX_CHUNK);
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(chunk.len());
        ctx.platform.fill_random(&mut chunk[..n]);
        UserSlice::new(buf.addr + done as u64, n).write(ctx.platform, &chunk[..n])?;
        done += n;
    }
    Ok(len as u64)
}
