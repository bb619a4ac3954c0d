//! What stat(2), statx(2) and statfs(2) report, in the x86-64 ABI layouts
//! (asm/stat.h, linux/stat.h, asm-generic/statfs.h).

use super::filedata::PAGE;
use super::inode::{FsKind, Inode, Superblock, dev_major, dev_minor};
use crate::platform::Machine;
use core::sync::atomic::Ordering;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// x86-64 `struct stat`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub _pad0: u32,
    pub rdev: u64,
    pub size: i64,
    pub blksize: i64,
    pub blocks: i64,
    pub atime: i64,
    pub atime_nsec: i64,
    pub mtime: i64,
    pub mtime_nsec: i64,
    pub ctime: i64,
    pub ctime_nsec: i64,
    pub _unused: [i64; 3],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct StatxTimestamp {
    pub sec: i64,
    pub nsec: u32,
    pub _reserved: i32,
}

/// `struct statx` (256 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Statx {
    pub mask: u32,
    pub blksize: u32,
    pub attributes: u64,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub mode: u16,
    pub _spare0: u16,
    pub ino: u64,
    pub size: u64,
    pub blocks: u64,
    pub attributes_mask: u64,
    pub atime: StatxTimestamp,
    pub btime: StatxTimestamp,
    pub ctime: StatxTimestamp,
    pub mtime: StatxTimestamp,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub mnt_id: u64,
    pub dio_mem_align: u32,
    pub dio_offset_align: u32,
    pub _spare3: [u64; 12],
}

/// x86-64 `struct statfs`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Statfs {
    pub f_type: i64,
    pub bsize: i64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub fsid: [i32; 2],
    pub namelen: i64,
    pub frsize: i64,
    pub flags: i64,
    pub spare: [i64; 4],
}

pub const STATX_TYPE: u32 = 0x1;
pub const STATX_BASIC_STATS: u32 = 0x7ff;
pub const STATX_BTIME: u32 = 0x800;
pub const STATX_MNT_ID: u32 = 0x1000;
pub const STATX_RESERVED: u32 = 0x8000_0000;

pub fn stat(inode: &Inode) -> Stat {
    let m = *inode.meta.lock();
    let (size, blocks) = inode.size_and_blocks();
    Stat {
        dev: inode.sb.dev,
        ino: inode.ino(),
        nlink: u64::from(m.nlink),
        mode: m.mode,
        uid: m.uid,
        gid: m.gid,
        rdev: m.rdev,
        size: size as i64,
        blksize: PAGE as i64,
        blocks: blocks as i64,
        atime: m.atime.sec,
        atime_nsec: m.atime.nsec,
        mtime: m.mtime.sec,
        mtime_nsec: m.mtime.nsec,
        ctime: m.ctime.sec,
        ctime_nsec: m.ctime.nsec,
        ..Stat::default()
    }
}

fn ts(t: crate::abi::Timespec) -> StatxTimestamp {
    StatxTimestamp {
        sec: t.sec,
        nsec: t.nsec as u32,
        _reserved: 0,
    }
}

/// statx: every basic field, the birth time and the mount id, whatever
/// was asked (statx(2) allows more than requested).
pub fn statx(inode: &Inode) -> Statx {
    let m = *inode.meta.lock();
    let (size, blocks) = inode.size_and_blocks();
    Statx {
        mask: STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID,
        blksize: PAGE as u32,
        nlink: m.nlink,
        uid: m.uid,
        gid: m.gid,
        mode: m.mode as u16,
        ino: inode.ino(),
        size,
        blocks,
        atime: ts(m.atime),
        btime: ts(m.btime),
        ctime: ts(m.ctime),
        mtime: ts(m.mtime),
        rdev_major: dev_major(m.rdev),
        rdev_minor: dev_minor(m.rdev),
        dev_major: dev_major(inode.sb.dev),
        dev_minor: dev_minor(inode.sb.dev),
        mnt_id: inode.sb.dev,
        ..Statx::default()
    }
}

// statfs f_flags (ST_* in statvfs(3)).
const ST_NOSUID: i64 = 0x2;
const ST_NODEV: i64 = 0x4;
const ST_NOEXEC: i64 = 0x8;
const ST_VALID: i64 = 0x20;
const ST_RELATIME: i64 = 0x400;

/// statfs for the filesystem holding an inode. tmpfs reports Linux's
/// default size, half of RAM, and its pages in use.
pub fn statfs(sb: &Superblock, machine: &Machine) -> Statfs {
    let mut s = Statfs {
        f_type: sb.magic() as i64,
        bsize: PAGE as i64,
        frsize: PAGE as i64,
        namelen: 255,
        fsid: [sb.dev as i32, 0],
        flags: ST_VALID | ST_RELATIME,
        ..Statfs::default()
    };
    match sb.kind {
        FsKind::Tmpfs | FsKind::Devtmpfs => {
            let blocks = machine.total_ram / 2 / PAGE as u64;
            let used = sb.used_pages.load(Ordering::Relaxed);
            s.blocks = blocks;
            s.bfree = blocks.saturating_sub(used);
            s.bavail = s.bfree;
            s.files = blocks;
            s.ffree = blocks;
            if sb.kind == FsKind::Devtmpfs {
                s.flags |= ST_NOSUID;
            }
        }
        FsKind::Proc => s.flags |= ST_NOSUID | ST_NODEV | ST_NOEXEC,
        FsKind::Pipefs => {}
        FsKind::Rootfs => {
            if let Some(disk) = &sb.disk {
                let r = disk.statfs();
                s.blocks = r.blocks;
                // What a write can use, blocks still waiting out the
                // uberblock ring included (they are used last).
                s.bfree = r.available_blocks;
                s.bavail = r.available_blocks;
                s.files = r.files.saturating_add(r.available_blocks);
                s.ffree = r.available_blocks;
                s.namelen = r.name_max as i64;
            }
        }
    }
    s
}
