//! memfd_create(2): an anonymous regular file in memory, named
//! `memfd:NAME` (as /proc/self/fd shows it), open for reading and writing.
//! Sealing (F_ADD_SEALS) is not supported: MFD_ALLOW_SEALING is accepted,
//! and the seals themselves are refused when asked for.

use crate::dispatch::Ctx;
use crate::fs::file::{Name, O_LARGEFILE, O_RDWR, OpenFile};
use crate::fs::inode::Inode;
use crate::fs::now;
use crate::user::UserCStr;
use crate::{Errno, Error, SysResult};
use alloc::vec::Vec;

const MFD_CLOEXEC: u32 = 0x1;
const MFD_ALLOW_SEALING: u32 = 0x2;
const MFD_HUGETLB: u32 = 0x4;
const MFD_NOEXEC_SEAL: u32 = 0x8;
const MFD_EXEC: u32 = 0x10;
/// The longest NAME: 249 bytes (NAME_MAX less "memfd:").
const MFD_NAME_MAX: usize = 249;

pub fn sys_memfd_create(ctx: &mut Ctx<'_>, name: UserCStr, flags: u32) -> SysResult {
    if flags & MFD_HUGETLB != 0 {
        return Err(Error::new(
            Errno::EINVAL,
            "MFD_HUGETLB: no huge pages are reserved",
        ));
    }
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | MFD_EXEC) != 0
        || flags & (MFD_NOEXEC_SEAL | MFD_EXEC) == MFD_NOEXEC_SEAL | MFD_EXEC
    {
        return Err(Errno::EINVAL.into());
    }
    // A name longer than MFD_NAME_MAX is EINVAL, as an unterminated one.
    let name = name.read(ctx.platform, MFD_NAME_MAX + 1).map_err(|e| {
        if e == Errno::ENAMETOOLONG {
            Errno::EINVAL
        } else {
            e
        }
    })?;
    let now = now(ctx.platform);
    let limit = ctx.process.nofile();
    let mut fs = ctx.fs();
    // NOEXEC_SEAL takes the execute bits away, as Linux does.
    let perm = if flags & MFD_NOEXEC_SEAL != 0 {
        0o666
    } else {
        0o777
    };
    let inode = Inode::new_file(&fs.root.sb.clone(), perm, now);
    let mut shown: Vec<u8> = b"/memfd:".to_vec();
    shown.extend_from_slice(&name);
    shown.extend_from_slice(b" (deleted)");
    let file = OpenFile::new(inode, O_RDWR | O_LARGEFILE, Name::Fixed(shown));
    let fd = fs.fds.insert(file, flags & MFD_CLOEXEC != 0, 0, limit)?;
    Ok(fd as u64)
}
