//! Files and directories.

use crate::sys::*;

super::syscall_table! {
    READ => "read" [Fd, OutBuf(2), Uint] |c, a| read::sys_read(c, a.int(0), a.slice(1, 2));
    WRITE => "write" [Fd, InBuf(2), Uint] |c, a| write::sys_write(c, a.int(0), a.slice(1, 2));
    PREAD64 => "pread64" [Fd, OutBuf(2), Uint, Int]
        |c, a| read::sys_pread64(c, a.int(0), a.slice(1, 2), a.raw(3) as i64);
    PWRITE64 => "pwrite64" [Fd, InBuf(2), Uint, Int]
        |c, a| write::sys_pwrite64(c, a.int(0), a.slice(1, 2), a.raw(3) as i64);
    READV => "readv" [Fd, Ptr, Int] |c, a| readv::sys_readv(c, a.int(0), a.raw(1), a.int(2));
    WRITEV => "writev" [Fd, Ptr, Int] |c, a| writev::sys_writev(c, a.int(0), a.raw(1), a.int(2));
    PREADV => "preadv" [Fd, Ptr, Int, Int]
        |c, a| readv::sys_preadv(c, a.int(0), a.raw(1), a.int(2), a.raw(3) as i64);
    PWRITEV => "pwritev" [Fd, Ptr, Int, Int]
        |c, a| writev::sys_pwritev(c, a.int(0), a.raw(1), a.int(2), a.raw(3) as i64);
    PREADV2 => "preadv2" [Fd, Ptr, Int, Int, Int, Hex]
        |c, a| readv::sys_preadv2(c, a.int(0), a.raw(1), a.int(2), a.raw(3) as i64, a.uint(5));
    PWRITEV2 => "pwritev2" [Fd, Ptr, Int, Int, Int, Hex]
        |c, a| writev::sys_pwritev2(c, a.int(0), a.raw(1), a.int(2), a.raw(3) as i64, a.uint(5));
    OPEN => "open" [Path, Hex, Oct] |c, a| open::sys_open(c, a.cstr(0), a.uint(1), a.uint(2));
    OPENAT => "openat" [Fd, Path, Hex, Oct]
        |c, a| open::sys_openat(c, a.int(0), a.cstr(1), a.uint(2), a.uint(3));
    CREAT => "creat" [Path, Oct] |c, a| open::sys_creat(c, a.cstr(0), a.uint(1));
    CLOSE => "close" [Fd] |c, a| close::sys_close(c, a.int(0));
    CLOSE_RANGE => "close_range" [Uint, Uint, Hex]
        |c, a| close::sys_close_range(c, a.uint(0), a.uint(1), a.uint(2));
    LSEEK => "lseek" [Fd, Int, Int] |c, a| lseek::sys_lseek(c, a.int(0), a.raw(1) as i64, a.int(2));
    STAT => "stat" [Path, Ptr] |c, a| stat::sys_stat(c, a.cstr(0), a.ptr(1));
    FSTAT => "fstat" [Fd, Ptr] |c, a| stat::sys_fstat(c, a.int(0), a.ptr(1));
    LSTAT => "lstat" [Path, Ptr] |c, a| stat::sys_lstat(c, a.cstr(0), a.ptr(1));
    NEWFSTATAT => "newfstatat" [Fd, Path, Ptr, Hex]
        |c, a| stat::sys_newfstatat(c, a.int(0), a.cstr(1), a.ptr(2), a.uint(3));
    STATX => "statx" [Fd, Path, Hex, Hex, Ptr]
        |c, a| statx::sys_statx(c, a.int(0), a.cstr(1), a.uint(2), a.uint(3), a.ptr(4));
    STATFS => "statfs" [Path, Ptr] |c, a| statfs::sys_statfs(c, a.cstr(0), a.ptr(1));
    FSTATFS => "fstatfs" [Fd, Ptr] |c, a| statfs::sys_fstatfs(c, a.int(0), a.ptr(1));
    GETDENTS64 => "getdents64" [Fd, Ptr, Uint]
        |c, a| getdents64::sys_getdents64(c, a.int(0), a.slice(1, 2));
    GETDENTS => "getdents" [Fd, Ptr, Uint] |c, a| getdents64::sys_getdents(c, a.int(0), a.slice(1, 2));
    ACCESS => "access" [Path, Oct] |c, a| access::sys_access(c, a.cstr(0), a.uint(1));
    FACCESSAT => "faccessat" [Fd, Path, Oct]
        |c, a| access::sys_faccessat(c, a.int(0), a.cstr(1), a.uint(2));
    FACCESSAT2 => "faccessat2" [Fd, Path, Oct, Hex]
        |c, a| access::sys_faccessat2(c, a.int(0), a.cstr(1), a.uint(2), a.uint(3));
    READLINK => "readlink" [Path, Ptr, Int] |c, a| readlink::sys_readlink(c, a.cstr(0), a.raw(1), a.int(2));
    READLINKAT => "readlinkat" [Fd, Path, Ptr, Int]
        |c, a| readlink::sys_readlinkat(c, a.int(0), a.cstr(1), a.raw(2), a.int(3));
    GETCWD => "getcwd" [Ptr, Uint] |c, a| getcwd::sys_getcwd(c, a.slice(0, 1));
    CHDIR => "chdir" [Path] |c, a| chdir::sys_chdir(c, a.cstr(0));
    FCHDIR => "fchdir" [Fd] |c, a| chdir::sys_fchdir(c, a.int(0));
    MKDIR => "mkdir" [Path, Oct] |c, a| mkdir::sys_mkdir(c, a.cstr(0), a.uint(1));
    MKDIRAT => "mkdirat" [Fd, Path, Oct] |c, a| mkdir::sys_mkdirat(c, a.int(0), a.cstr(1), a.uint(2));
    RMDIR => "rmdir" [Path] |c, a| rmdir::sys_rmdir(c, a.cstr(0));
    UNLINK => "unlink" [Path] |c, a| unlink::sys_unlink(c, a.cstr(0));
    UNLINKAT => "unlinkat" [Fd, Path, Hex] |c, a| unlink::sys_unlinkat(c, a.int(0), a.cstr(1), a.uint(2));
    RENAME => "rename" [Path, Path] |c, a| rename::sys_rename(c, a.cstr(0), a.cstr(1));
    RENAMEAT => "renameat" [Fd, Path, Fd, Path]
        |c, a| rename::sys_renameat(c, a.int(0), a.cstr(1), a.int(2), a.cstr(3));
    RENAMEAT2 => "renameat2" [Fd, Path, Fd, Path, Hex]
        |c, a| rename::sys_renameat2(c, a.int(0), a.cstr(1), a.int(2), a.cstr(3), a.uint(4));
    LINK => "link" [Path, Path] |c, a| link::sys_link(c, a.cstr(0), a.cstr(1));
    LINKAT => "linkat" [Fd, Path, Fd, Path, Hex]
        |c, a| link::sys_linkat(c, a.int(0), a.cstr(1), a.int(2), a.cstr(3), a.uint(4));
    SYMLINK => "symlink" [Str, Path] |c, a| symlink::sys_symlink(c, a.cstr(0), a.cstr(1));
    SYMLINKAT => "symlinkat" [Str, Fd, Path]
        |c, a| symlink::sys_symlinkat(c, a.cstr(0), a.int(1), a.cstr(2));
    CHMOD => "chmod" [Path, Oct] |c, a| chmod::sys_chmod(c, a.cstr(0), a.uint(1));
    FCHMOD => "fchmod" [Fd, Oct] |c, a| chmod::sys_fchmod(c, a.int(0), a.uint(1));
    FCHMODAT => "fchmodat" [Fd, Path, Oct] |c, a| chmod::sys_fchmodat(c, a.int(0), a.cstr(1), a.uint(2));
    FCHMODAT2 => "fchmodat2" [Fd, Path, Oct, Hex]
        |c, a| chmod::sys_fchmodat2(c, a.int(0), a.cstr(1), a.uint(2), a.uint(3));
    CHOWN => "chown" [Path, Int, Int] |c, a| chown::sys_chown(c, a.cstr(0), a.uint(1), a.uint(2));
    FCHOWN => "fchown" [Fd, Int, Int] |c, a| chown::sys_fchown(c, a.int(0), a.uint(1), a.uint(2));
    LCHOWN => "lchown" [Path, Int, Int] |c, a| chown::sys_lchown(c, a.cstr(0), a.uint(1), a.uint(2));
    FCHOWNAT => "fchownat" [Fd, Path, Int, Int, Hex]
        |c, a| chown::sys_fchownat(c, a.int(0), a.cstr(1), a.uint(2), a.uint(3), a.uint(4));
    TRUNCATE => "truncate" [Path, Int] |c, a| truncate::sys_truncate(c, a.cstr(0), a.raw(1) as i64);
    FTRUNCATE => "ftruncate" [Fd, Int] |c, a| truncate::sys_ftruncate(c, a.int(0), a.raw(1) as i64);
    FALLOCATE => "fallocate" [Fd, Hex, Int, Int]
        |c, a| fallocate::sys_fallocate(c, a.int(0), a.int(1), a.raw(2) as i64, a.raw(3) as i64);
    FADVISE64 => "fadvise64" [Fd, Int, Int, Int]
        |c, a| fadvise::sys_fadvise64(c, a.int(0), a.raw(1) as i64, a.raw(2) as i64, a.int(3));
    FSYNC => "fsync" [Fd] |c, a| fsync::sys_fsync(c, a.int(0));
    FDATASYNC => "fdatasync" [Fd] |c, a| fsync::sys_fdatasync(c, a.int(0));
    SYNC => "sync" [] |c, _| fsync::sys_sync(c);
    SYNCFS => "syncfs" [Fd] |c, a| fsync::sys_syncfs(c, a.int(0));
    UTIMENSAT => "utimensat" [Fd, Path, Ptr, Hex]
        |c, a| utimensat::sys_utimensat(c, a.int(0), a.cstr(1), a.ptr(2), a.uint(3));
    FUTIMESAT => "futimesat" [Fd, Path, Ptr]
        |c, a| utimensat::sys_futimesat(c, a.int(0), a.cstr(1), a.ptr(2));
    UTIMES => "utimes" [Path, Ptr] |c, a| utimensat::sys_utimes(c, a.cstr(0), a.ptr(1));
    UTIME => "utime" [Path, Ptr] |c, a| utimensat::sys_utime(c, a.cstr(0), a.ptr(1));
    UMASK => "umask" [Oct] |c, a| umask::sys_umask(c, a.uint(0));
    DUP => "dup" [Fd] |c, a| dup::sys_dup(c, a.int(0));
    DUP2 => "dup2" [Fd, Fd] |c, a| dup::sys_dup2(c, a.int(0), a.int(1));
    DUP3 => "dup3" [Fd, Fd, Hex] |c, a| dup::sys_dup3(c, a.int(0), a.int(1), a.uint(2));
    FCNTL => "fcntl" [Fd, Int, Hex] |c, a| fcntl::sys_fcntl(c, a.int(0), a.int(1), a.raw(2));
    FLOCK => "flock" [Fd, Int] |c, a| fcntl::sys_flock(c, a.int(0), a.int(1));
    IOCTL => "ioctl" [Fd, Hex, Hex] |c, a| ioctl::sys_ioctl(c, a.int(0), a.uint(1), a.raw(2));
    SENDFILE => "sendfile" [Fd, Fd, Ptr, Uint]
        |c, a| sendfile::sys_sendfile(c, a.int(0), a.int(1), a.ptr(2), a.usize(3));
    PIPE => "pipe" [Ptr] |c, a| pipe::sys_pipe(c, a.ptr(0));
    PIPE2 => "pipe2" [Ptr, Hex] |c, a| pipe::sys_pipe2(c, a.ptr(0), a.uint(1));
    MEMFD_CREATE => "memfd_create" [Str, Hex] |c, a| memfd::sys_memfd_create(c, a.cstr(0), a.uint(1));
    POLL => "poll" [Ptr, Uint, Int] |c, a| poll::sys_poll(c, a.raw(0), a.raw(1), a.int(2));
    PPOLL => "ppoll" [Ptr, Uint, Ptr, Ptr, Uint]
        |c, a| poll::sys_ppoll(c, a.raw(0), a.raw(1), a.ptr(2), a.raw(3), a.usize(4));
    SELECT => "select" [Int, Ptr, Ptr, Ptr, Ptr]
        |c, a| select::sys_select(c, a.int(0), a.raw(1), a.raw(2), a.raw(3), a.ptr(4));
    PSELECT6 => "pselect6" [Int, Ptr, Ptr, Ptr, Ptr, Ptr]
        |c, a| select::sys_pselect6(c, a.int(0), a.raw(1), a.raw(2), a.raw(3), a.ptr(4), a.ptr(5));
}
