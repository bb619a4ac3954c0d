//! sysinfo(2).

use crate::SysResult;
use crate::abi::Sysinfo;
use crate::dispatch::Ctx;
use crate::user::UserPtr;

pub fn sys_sysinfo(ctx: &mut Ctx<'_>, info: UserPtr<Sysinfo>) -> SysResult {
    let m = ctx.platform.machine();
    let s = Sysinfo {
        uptime: (ctx.platform.monotonic_ns() / 1_000_000_000) as i64,
        totalram: m.total_ram,
        freeram: m.free_ram,
        procs: 1,
        mem_unit: 1,
        ..Sysinfo::default()
    };
    info.write(ctx.platform, &s)?;
    Ok(0)
}
