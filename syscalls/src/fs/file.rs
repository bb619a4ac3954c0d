//! Open file descriptions (open(2) "Open file descriptions"): the inode,
//! the status flags and the file offset that dup'd descriptors share.

use super::FsContext;
use super::inode::{Inode, Node};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use spin::Mutex;

// open(2) flags for x86-64 (asm-generic/fcntl.h).
pub const O_ACCMODE: u32 = 0o3;
pub const O_RDONLY: u32 = 0o0;
pub const O_WRONLY: u32 = 0o1;
pub const O_RDWR: u32 = 0o2;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
pub const O_NOCTTY: u32 = 0o400;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
pub const O_DSYNC: u32 = 0o10000;
pub const O_ASYNC: u32 = 0o20000;
pub const O_DIRECT: u32 = 0o40000;
pub const O_LARGEFILE: u32 = 0o100000;
pub const O_DIRECTORY: u32 = 0o200000;
pub const O_NOFOLLOW: u32 = 0o400000;
pub const O_NOATIME: u32 = 0o1000000;
pub const O_CLOEXEC: u32 = 0o2000000;
pub const O_SYNC: u32 = 0o4010000;
pub const O_PATH: u32 = 0o10000000;
pub const O_TMPFILE: u32 = 0o20000000 | O_DIRECTORY;
const O_TMPFILE_BIT: u32 = 0o20000000;

/// The flags an open file description keeps (F_GETFL shows them); the
/// creation flags act once, at open.
const KEPT: u32 = !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);

/// How /proc/self/fd/N names an open file.
#[derive(Clone)]
pub enum Name {
    /// A directory: its current path.
    Dir,
    /// The entry `name` in `parent`, as it was opened (" (deleted)" once
    /// that entry no longer leads to the file).
    Entry { parent: Arc<Inode>, name: Vec<u8> },
    /// A fixed text, such as "pipe:[N]".
    Fixed(Vec<u8>),
}

/// Where reads and getdents continue from.
#[derive(Default)]
pub struct Cursor {
    pub pos: u64,
    /// getdents64: the last entry returned, to continue after it even when
    /// entries come and go.
    pub dir_last: Option<Vec<u8>>,
    /// procfs: the text generated when reading started at offset 0.
    pub snapshot: Option<Vec<u8>>,
}

pub struct OpenFile {
    pub inode: Arc<Inode>,
    flags: AtomicU32,
    pub cursor: Mutex<Cursor>,
    pub name: Name,
}

impl OpenFile {
    /// An open file description; a pipe counts it as a reader and/or writer.
    pub fn new(inode: Arc<Inode>, flags: u32, name: Name) -> Arc<Self> {
        let flags = if flags & O_PATH != 0 {
            // open(2): with O_PATH, flags other than O_CLOEXEC,
            // O_DIRECTORY and O_NOFOLLOW are ignored.
            O_PATH | (flags & (O_DIRECTORY | O_NOFOLLOW))
        } else {
            flags & KEPT
        };
        let file = OpenFile {
            inode,
            flags: AtomicU32::new(flags),
            cursor: Mutex::new(Cursor::default()),
            name,
        };
        if let Node::Pipe(p) = &file.inode.node {
            p.open_end(file.readable(), file.writable());
        }
        Arc::new(file)
    }

    /// What F_GETFL returns.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }

    /// F_SETFL: replaces the bits in `mask` with those of `value`.
    pub fn set_flags(&self, mask: u32, value: u32) {
        let _ = self
            .flags
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |f| {
                Some((f & !mask) | (value & mask))
            });
    }

    pub fn is_path(&self) -> bool {
        self.flags() & O_PATH != 0
    }

    pub fn readable(&self) -> bool {
        let f = self.flags();
        f & O_PATH == 0 && matches!(f & O_ACCMODE, O_RDONLY | O_RDWR)
    }

    pub fn writable(&self) -> bool {
        let f = self.flags();
        f & O_PATH == 0 && matches!(f & O_ACCMODE, O_WRONLY | O_RDWR)
    }

    pub fn nonblocking(&self) -> bool {
        self.flags() & O_NONBLOCK != 0
    }

    pub fn appending(&self) -> bool {
        self.flags() & O_APPEND != 0
    }

    /// Made by open(O_TMPFILE) (so linkat may give it a name).
    pub fn is_tmpfile(&self) -> bool {
        self.flags() & O_TMPFILE_BIT != 0
    }

    /// What readlink(/proc/self/fd/N) says.
    pub fn path(&self, fs: &FsContext) -> Vec<u8> {
        match &self.name {
            Name::Dir => fs
                .dir_path(&self.inode)
                .unwrap_or_else(|_| b"(unreachable)".to_vec()),
            Name::Fixed(text) => text.clone(),
            Name::Entry { parent, name } => {
                let mut p = fs.join(parent, name);
                let still_there = fs
                    .child(parent, name)
                    .is_ok_and(|c| Arc::ptr_eq(&c, &self.inode));
                if !still_there {
                    p.extend_from_slice(b" (deleted)");
                }
                p
            }
        }
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if let Node::Pipe(p) = &self.inode.node {
            p.close_end(self.readable(), self.writable());
        }
    }
}
