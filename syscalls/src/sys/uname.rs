//! uname(2). The release is a Linux version glibc and musl accept; the
//! version string says what really runs.

use crate::SysResult;
use crate::abi::Utsname;
use crate::dispatch::Ctx;
use crate::user::UserPtr;

pub const SYSNAME: &str = "Linux";
pub const NODENAME: &str = "sole";
pub const RELEASE: &str = "6.1.0-sole";
pub const VERSION: &str = concat!("#1 SMP Sole ", env!("CARGO_PKG_VERSION"));
pub const MACHINE: &str = "x86_64";

fn field(s: &str) -> [u8; 65] {
    let mut f = [0u8; 65];
    f[..s.len()].copy_from_slice(s.as_bytes());
    f
}

pub fn sys_uname(ctx: &mut Ctx<'_>, buf: UserPtr<Utsname>) -> SysResult {
    let u = Utsname {
        sysname: field(SYSNAME),
        nodename: field(NODENAME),
        release: field(RELEASE),
        version: field(VERSION),
        machine: field(MACHINE),
        domainname: field("(none)"),
    };
    buf.write(ctx.platform, &u)?;
    Ok(0)
}
