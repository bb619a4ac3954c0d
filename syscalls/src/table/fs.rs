//! Files and directories.

use crate::sys;

super::syscall_table! {
    WRITE => "write" [Fd, InBuf(2), Uint] |c, a| sys::write::sys_write(c, a.int(0), a.slice(1, 2));
    WRITEV => "writev" [Fd, Ptr, Int] |c, a| sys::write::sys_writev(c, a.int(0), a.ptr(1), a.int(2));
}
