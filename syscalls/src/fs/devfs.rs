//! /dev (devtmpfs): the memory devices of drivers/char/mem.c, the console
//! terminal, the standard-stream symlinks into /proc/self/fd, and /dev/shm
//! for POSIX shared memory. Like devtmpfs it is otherwise an ordinary
//! in-memory directory tree.

use super::file::OpenFile;
use super::inode::{Device, DirKind, FsKind, Inode, Node, S_IFCHR, Superblock};
use super::pipe::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use super::tmpfs;
use crate::abi::Timespec;
use alloc::sync::Arc;

/// st_dev minor of devtmpfs.
const DEV_MINOR: u64 = 5;

fn device(sb: &Arc<Superblock>, d: Device, perm: u32, console: bool, now: Timespec) -> Arc<Inode> {
    let rdev = d.rdev(console);
    let inode = Inode::new(sb, S_IFCHR | perm, Node::Device(d), now);
    inode.meta.lock().rdev = rdev;
    inode
}

/// Builds /dev under `root`; returns /dev/console.
pub fn build(root: &Arc<Inode>, tty: &Arc<super::tty::Tty>, now: Timespec) -> Arc<Inode> {
    let sb = Superblock::new(FsKind::Devtmpfs, DEV_MINOR);
    let dev = Inode::new_dir(&sb, 0o755, DirKind::Plain, Arc::downgrade(root), now);
    let console = device(&sb, Device::Tty(tty.clone()), 0o600, true, now);
    let nodes = [
        ("null", device(&sb, Device::Null, 0o666, false, now)),
        ("zero", device(&sb, Device::Zero, 0o666, false, now)),
        ("full", device(&sb, Device::Full, 0o666, false, now)),
        ("random", device(&sb, Device::Random, 0o666, false, now)),
        ("urandom", device(&sb, Device::Urandom, 0o666, false, now)),
        (
            "tty",
            device(&sb, Device::Tty(tty.clone()), 0o666, false, now),
        ),
        ("console", console.clone()),
        ("stdin", Inode::new_symlink(&sb, b"/proc/self/fd/0", now)),
        ("stdout", Inode::new_symlink(&sb, b"/proc/self/fd/1", now)),
        ("stderr", Inode::new_symlink(&sb, b"/proc/self/fd/2", now)),
        ("fd", Inode::new_symlink(&sb, b"/proc/self/fd", now)),
        (
            "shm",
            Inode::new_dir(&sb, 0o1777, DirKind::Plain, Arc::downgrade(&dev), now),
        ),
    ];
    for (name, inode) in nodes {
        tmpfs::attach(&dev, name.as_bytes(), &inode, now);
    }
    tmpfs::attach(root, b"dev", &dev, now);
    console
}

/// poll(2): memory devices are always ready; so is the console (input
/// readiness cannot be asked of the Platform, see `tty`).
pub fn poll(_file: &OpenFile, _d: &Device) -> u16 {
    POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM
}
