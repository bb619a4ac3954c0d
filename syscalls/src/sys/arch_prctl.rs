//! arch_prctl(2): the FS and GS bases (TLS). Other codes (CPUID faulting,
//! CET, AMX permissions) are refused with EINVAL, as kernels without them do.

use crate::dispatch::Ctx;
use crate::user::USER_END;
use crate::user::UserPtr;
use crate::{Errno, Error, SysResult};

const ARCH_SET_GS: i32 = 0x1001;
const ARCH_SET_FS: i32 = 0x1002;
const ARCH_GET_FS: i32 = 0x1003;
const ARCH_GET_GS: i32 = 0x1004;

pub fn sys_arch_prctl(ctx: &mut Ctx<'_>, code: i32, addr: u64) -> SysResult {
    let p = ctx.platform;
    match code {
        ARCH_SET_FS | ARCH_SET_GS if addr >= USER_END => Err(Errno::EPERM.into()),
        ARCH_SET_FS => {
            p.set_fs_base(addr);
            Ok(0)
        }
        ARCH_SET_GS => {
            p.set_gs_base(addr);
            Ok(0)
        }
        ARCH_GET_FS => UserPtr::<u64>::new(addr)
            .write(p, &p.fs_base())
            .map(|_| 0)
            .map_err(Into::into),
        ARCH_GET_GS => UserPtr::<u64>::new(addr)
            .write(p, &p.gs_base())
            .map(|_| 0)
            .map_err(Into::into),
        _ => Err(Error::new(Errno::EINVAL, "unsupported arch_prctl code")),
    }
}
