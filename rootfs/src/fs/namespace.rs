//! Directories and names: lookup, create, mkdir, symlink, link, unlink,
//! rmdir, rename and readdir, with the link counts and times POSIX gives
//! them (rename(2), link(2), unlink(2), rmdir(2)), and attributes.

use alloc::vec::Vec;

use super::dir::{self, Entry};
use super::inode::{self, Inode, Kind};
use super::{Fs, FsError, ROOT_INO};
use crate::device::BlockDevice;
use crate::format::BLOCK_SIZE;

/// The most buckets a directory's table may have (2^24 blocks, 64 GiB).
const MAX_BUCKETS: u64 = 1 << 24;

/// The longest symlink target (PATH_MAX less its NUL).
pub const SYMLINK_MAX: usize = 4095;

/// What `stat` tells about an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub ino: u64,
    pub kind: Kind,
    /// Type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub size: u64,
    pub atime_ns: i64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub btime_ns: i64,
}

/// Attribute changes for [`Fs::setattr`]; `None` leaves a field alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (the type bits are kept).
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// A new size (regular files only), as [`Fs::truncate`].
    pub size: Option<u64>,
    pub atime_ns: Option<i64>,
    pub mtime_ns: Option<i64>,
}

/// One name in a directory, as `readdir` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub kind: Kind,
}

/// What `statfs` tells about the filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatFs {
    pub block_size: u64,
    /// Blocks in the data area.
    pub blocks: u64,
    /// Blocks free now (those waiting out the uberblock ring are not
    /// counted: FORMAT.md, "Free space").
    pub free_blocks: u64,
    /// Blocks a write can still use: the free ones and, as the last resort,
    /// those waiting out the ring.
    pub available_blocks: u64,
    /// Live objects.
    pub files: u64,
    pub name_max: u64,
}

fn check_name(name: &[u8]) -> Result<(), FsError> {
    if name.len() > dir::NAME_MAX {
        return Err(FsError::NameTooLong);
    }
    if !dir::valid_name(name) {
        return Err(FsError::Invalid);
    }
    Ok(())
}

impl<D: BlockDevice> Fs<D> {
    /// The attributes of object `ino`.
    pub fn getattr(&mut self, ino: u64) -> Result<Attr, FsError> {
        let i = self.inode(ino)?;
        Ok(Attr {
            ino,
            kind: i.kind(),
            mode: i.mode,
            uid: i.uid,
            gid: i.gid,
            nlink: i.nlink,
            size: i.size,
            atime_ns: i.atime_ns,
            mtime_ns: i.mtime_ns,
            ctime_ns: i.ctime_ns,
            btime_ns: i.btime_ns,
        })
    }

    /// Changes attributes; the change time becomes now.
    pub fn setattr(&mut self, ino: u64, set: SetAttr) -> Result<Attr, FsError> {
        self.writable()?;
        if let Some(size) = set.size {
            self.truncate(ino, size)?;
        }
        self.reserve(0)?;
        let now = self.now_ns;
        let i = self.inode_mut(ino)?;
        if let Some(mode) = set.mode {
            i.mode = (i.mode & inode::S_IFMT) | (mode & 0o7777);
        }
        i.uid = set.uid.unwrap_or(i.uid);
        i.gid = set.gid.unwrap_or(i.gid);
        i.atime_ns = set.atime_ns.unwrap_or(i.atime_ns);
        i.mtime_ns = set.mtime_ns.unwrap_or(i.mtime_ns);
        i.ctime_ns = now;
        self.getattr(ino)
    }

    /// Space and object counts.
    pub fn statfs(&self) -> StatFs {
        let label = self.store.pool.label();
        StatFs {
            block_size: BLOCK_SIZE as u64,
            blocks: label.data_end() - crate::format::DATA_START,
            free_blocks: self.store.pool.free_blocks(),
            available_blocks: self.store.pool.available_blocks(),
            files: self.objects,
            name_max: dir::NAME_MAX as u64,
        }
    }

    /// The object `name` names in directory `dir`.
    pub fn lookup(&mut self, dir: u64, name: &[u8]) -> Result<u64, FsError> {
        check_name(name)?;
        self.find(dir, name)?
            .map(|e| e.ino)
            .ok_or(FsError::NotFound)
    }

    /// Every entry of a directory (`.` and `..` are not stored), in bucket
    /// order.
    pub fn readdir(&mut self, dir: u64) -> Result<Vec<DirEntry>, FsError> {
        let buckets = self.buckets(dir)?;
        let mut out = Vec::new();
        for b in 0..buckets {
            for e in self.bucket(dir, b, buckets)? {
                out.push(DirEntry {
                    name: e.name,
                    ino: e.ino,
                    kind: e.kind,
                });
            }
        }
        Ok(out)
    }

    /// The directory holding directory `dir` (`..`; the root's is itself).
    pub fn parent(&mut self, dir: u64) -> Result<u64, FsError> {
        let i = self.inode(dir)?;
        if i.kind() != Kind::Dir {
            return Err(FsError::NotDir);
        }
        Ok(i.parent)
    }

    /// Creates an empty regular file.
    pub fn create(
        &mut self,
        dir: u64,
        name: &[u8],
        perm: u32,
        uid: u32,
        gid: u32,
    ) -> Result<u64, FsError> {
        self.make(dir, name, inode::S_IFREG | (perm & 0o7777), uid, gid)
    }

    /// Creates an empty directory.
    pub fn mkdir(
        &mut self,
        dir: u64,
        name: &[u8],
        perm: u32,
        uid: u32,
        gid: u32,
    ) -> Result<u64, FsError> {
        self.make(dir, name, inode::S_IFDIR | (perm & 0o7777), uid, gid)
    }

    /// Creates a symbolic link holding `target`.
    pub fn symlink(
        &mut self,
        dir: u64,
        name: &[u8],
        target: &[u8],
        uid: u32,
        gid: u32,
    ) -> Result<u64, FsError> {
        if target.is_empty() || target.len() > SYMLINK_MAX {
            return Err(if target.is_empty() {
                FsError::NotFound
            } else {
                FsError::NameTooLong
            });
        }
        let ino = self.make(dir, name, inode::S_IFLNK | 0o777, uid, gid)?;
        if let Err(e) = self.write_data(ino, 0, target) {
            // Give the name back so a failed symlink leaves nothing behind.
            self.dir_remove(dir, name)?;
            self.free(ino);
            return Err(e);
        }
        Ok(ino)
    }

    fn make(
        &mut self,
        dir: u64,
        name: &[u8],
        mode: u32,
        uid: u32,
        gid: u32,
    ) -> Result<u64, FsError> {
        self.writable()?;
        check_name(name)?;
        if self.find(dir, name)?.is_some() {
            return Err(FsError::Exists);
        }
        self.reserve(1)?;
        let ino = self.next_ino;
        let kind = Kind::from_mode(mode).ok_or(FsError::Invalid)?;
        self.dir_insert(dir, name, ino, kind)?;
        self.next_ino += 1;
        self.objects += 1;
        let now = self.now_ns;
        let mut new = Inode::new(mode, uid, gid, now);
        if kind == Kind::Dir {
            new.parent = dir;
            new.size = BLOCK_SIZE as u64;
            self.add_link(dir, 1)?;
        }
        self.inodes.insert(ino, new);
        self.dirty.insert(ino);
        Ok(ino)
    }

    /// Gives object `ino` (not a directory) another name.
    pub fn link(&mut self, ino: u64, dir: u64, name: &[u8]) -> Result<(), FsError> {
        self.writable()?;
        check_name(name)?;
        let kind = self.inode(ino)?.kind();
        if kind == Kind::Dir {
            return Err(FsError::NotPermitted);
        }
        if self.find(dir, name)?.is_some() {
            return Err(FsError::Exists);
        }
        self.reserve(1)?;
        self.dir_insert(dir, name, ino, kind)?;
        let now = self.now_ns;
        let i = self.inode_mut(ino)?;
        i.nlink = i.nlink.saturating_add(1);
        i.ctime_ns = now;
        Ok(())
    }

    /// Removes a name that is not a directory; the object goes with its last
    /// name.
    pub fn unlink(&mut self, dir: u64, name: &[u8]) -> Result<(), FsError> {
        self.writable()?;
        check_name(name)?;
        let e = self.find(dir, name)?.ok_or(FsError::NotFound)?;
        if e.kind == Kind::Dir {
            return Err(FsError::IsDir);
        }
        self.dir_remove(dir, name)?;
        self.drop_link(e.ino)
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, dir: u64, name: &[u8]) -> Result<(), FsError> {
        self.writable()?;
        if name == b"." {
            return Err(FsError::Invalid);
        }
        if name == b".." {
            return Err(FsError::NotEmpty);
        }
        check_name(name)?;
        let e = self.find(dir, name)?.ok_or(FsError::NotFound)?;
        if e.kind != Kind::Dir {
            return Err(FsError::NotDir);
        }
        if self.inode(e.ino)?.entries != 0 {
            return Err(FsError::NotEmpty);
        }
        self.dir_remove(dir, name)?;
        self.add_link(dir, -1)?;
        self.free(e.ino);
        Ok(())
    }

    /// Moves `name` in `from` to `to_name` in `to`, replacing what is there
    /// as rename(2) allows.
    pub fn rename(
        &mut self,
        from: u64,
        name: &[u8],
        to: u64,
        to_name: &[u8],
    ) -> Result<(), FsError> {
        self.writable()?;
        check_name(name)?;
        check_name(to_name)?;
        let src = self.find(from, name)?.ok_or(FsError::NotFound)?;
        let dst = self.find(to, to_name)?;
        if src.kind == Kind::Dir {
            // Not into itself: walk up from the target directory.
            let mut d = to;
            loop {
                if d == src.ino {
                    return Err(FsError::Invalid);
                }
                if d == ROOT_INO {
                    break;
                }
                d = self.parent(d)?;
            }
        }
        if let Some(dst) = &dst {
            if dst.ino == src.ino {
                return Ok(());
            }
            match (src.kind == Kind::Dir, dst.kind == Kind::Dir) {
                (true, false) => return Err(FsError::NotDir),
                (false, true) => return Err(FsError::IsDir),
                (true, true) if self.inode(dst.ino)?.entries != 0 => {
                    return Err(FsError::NotEmpty);
                }
                _ => {}
            }
        }
        self.reserve(2)?;
        match &dst {
            Some(dst) => {
                self.dir_replace(to, to_name, src.ino, src.kind)?;
                if dst.kind == Kind::Dir {
                    self.add_link(to, -1)?;
                    self.free(dst.ino);
                } else {
                    self.drop_link(dst.ino)?;
                }
            }
            None => self.dir_insert(to, to_name, src.ino, src.kind)?,
        }
        self.dir_remove(from, name)?;
        let now = self.now_ns;
        if src.kind == Kind::Dir && from != to {
            self.add_link(from, -1)?;
            self.add_link(to, 1)?;
            self.inode_mut(src.ino)?.parent = to;
        }
        self.inode_mut(src.ino)?.ctime_ns = now;
        Ok(())
    }

    /// Changes a directory's link count as a subdirectory comes or goes
    /// (saturating: a damaged count never wraps).
    fn add_link(&mut self, dir: u64, delta: i32) -> Result<(), FsError> {
        let i = self.inode_mut(dir)?;
        i.nlink = i.nlink.saturating_add_signed(delta);
        Ok(())
    }

    fn drop_link(&mut self, ino: u64) -> Result<(), FsError> {
        let now = self.now_ns;
        let i = self.inode_mut(ino)?;
        i.nlink = i.nlink.saturating_sub(1);
        i.ctime_ns = now;
        if i.nlink == 0 {
            self.free(ino);
        }
        Ok(())
    }

    /// The bucket count of directory `dir`.
    fn buckets(&mut self, dir: u64) -> Result<u64, FsError> {
        let i = self.inode(dir)?;
        if i.kind() != Kind::Dir {
            return Err(FsError::NotDir);
        }
        let buckets = i.size / BLOCK_SIZE as u64;
        if !buckets.is_power_of_two() || buckets > MAX_BUCKETS {
            return Err(FsError::Corrupt(crate::format::FormatError::BadField(
                "directory size",
            )));
        }
        Ok(buckets)
    }

    fn bucket(&mut self, dir: u64, index: u64, buckets: u64) -> Result<Vec<Entry>, FsError> {
        let block = self.leaf(dir, index)?;
        dir::decode(&block, index, buckets).map_err(FsError::Corrupt)
    }

    fn find(&mut self, dir: u64, name: &[u8]) -> Result<Option<Entry>, FsError> {
        let buckets = self.buckets(dir)?;
        let b = dir::bucket_of(name, buckets);
        let block = self.leaf(dir, b)?;
        dir::find(&block, name, b, buckets).map_err(FsError::Corrupt)
    }

    /// Adds an entry, doubling the bucket table until its bucket has room.
    /// Nothing changes if it fails.
    fn dir_insert(&mut self, dir: u64, name: &[u8], ino: u64, kind: Kind) -> Result<(), FsError> {
        loop {
            let buckets = self.buckets(dir)?;
            let b = dir::bucket_of(name, buckets);
            let mut block = self.leaf(dir, b)?;
            let entry = Entry {
                name: name.to_vec(),
                ino,
                kind,
            };
            if dir::append(&mut block, &entry).map_err(FsError::Corrupt)? {
                self.reserve(1)?;
                self.blocks.insert((dir, b), block);
                self.touch_dir(dir, 1)?;
                return Ok(());
            }
            self.double(dir, buckets)?;
        }
    }

    /// Splits every bucket `b` into `b` and `b + buckets`.
    fn double(&mut self, dir: u64, buckets: u64) -> Result<(), FsError> {
        let grown = buckets * 2;
        if grown > MAX_BUCKETS {
            return Err(FsError::NoSpace);
        }
        self.reserve(grown)?;
        let mut split = Vec::with_capacity(grown as usize);
        for b in 0..buckets {
            let (low, high): (Vec<Entry>, Vec<Entry>) = self
                .bucket(dir, b, buckets)?
                .into_iter()
                .partition(|e| dir::bucket_of(&e.name, grown) == b);
            let corrupt =
                FsError::Corrupt(crate::format::FormatError::BadField("directory bucket"));
            split.push((b, dir::encode(&low).ok_or(corrupt)?));
            split.push((b + buckets, dir::encode(&high).ok_or(corrupt)?));
        }
        for (b, block) in split {
            self.blocks.insert((dir, b), block);
        }
        self.inode_mut(dir)?.size = grown * BLOCK_SIZE as u64;
        Ok(())
    }

    fn dir_remove(&mut self, dir: u64, name: &[u8]) -> Result<(), FsError> {
        let buckets = self.buckets(dir)?;
        let b = dir::bucket_of(name, buckets);
        let mut entries = self.bucket(dir, b, buckets)?;
        let before = entries.len();
        entries.retain(|e| e.name != name);
        if entries.len() == before {
            return Err(FsError::NotFound);
        }
        let block = dir::encode(&entries).ok_or(FsError::Invalid)?;
        self.blocks.insert((dir, b), block);
        self.touch_dir(dir, -1)
    }

    fn dir_replace(&mut self, dir: u64, name: &[u8], ino: u64, kind: Kind) -> Result<(), FsError> {
        let buckets = self.buckets(dir)?;
        let b = dir::bucket_of(name, buckets);
        let mut entries = self.bucket(dir, b, buckets)?;
        for e in entries.iter_mut().filter(|e| e.name == name) {
            e.ino = ino;
            e.kind = kind;
        }
        let block = dir::encode(&entries).ok_or(FsError::Invalid)?;
        self.blocks.insert((dir, b), block);
        self.touch_dir(dir, 0)
    }

    fn touch_dir(&mut self, dir: u64, delta: i64) -> Result<(), FsError> {
        let now = self.now_ns;
        let i = self.inode_mut(dir)?;
        i.entries = i.entries.saturating_add_signed(delta);
        i.mtime_ns = now;
        i.ctime_ns = now;
        Ok(())
    }
}
