//! Object records: the 256-byte, device-independent description of one
//! object (FORMAT.md, "Object record"). Records live in the object set's
//! record array, sixteen to a block, at byte `number * 256`.

use alloc::vec::Vec;

use crate::blockptr::{BLOCKPTR_LEN, BlockPtr};
use crate::format::{FormatError, get_u32, get_u64, put_u32, put_u64};

/// Bytes in one object record.
pub const RECORD_LEN: usize = 256;

/// Where the block tree's root pointer, or the inline data, starts.
const DATA_OFFSET: usize = 80;

/// Bytes a record can hold inline, in place of its block tree.
pub const INLINE_MAX: usize = RECORD_LEN - DATA_OFFSET;

/// The flag byte's bit for "the data is inline".
const FLAG_INLINE: u8 = 1;

/// The deepest block tree: 64^6 blocks of 4 KiB, 256 TiB.
pub const MAX_LEVELS: u8 = 6;

/// File type bits of a mode (inode(7)).
pub const S_IFMT: u32 = 0o170_000;
/// A regular file.
pub const S_IFREG: u32 = 0o100_000;
/// A directory.
pub const S_IFDIR: u32 = 0o040_000;
/// A symbolic link.
pub const S_IFLNK: u32 = 0o120_000;

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
}

impl Kind {
    /// The kind a mode's type bits name, if it is one this format stores.
    pub fn from_mode(mode: u32) -> Option<Self> {
        match mode & S_IFMT {
            S_IFREG => Some(Self::File),
            S_IFDIR => Some(Self::Dir),
            S_IFLNK => Some(Self::Symlink),
            _ => None,
        }
    }

    /// The mode's type bits for this kind.
    pub fn type_bits(self) -> u32 {
        match self {
            Self::File => S_IFREG,
            Self::Dir => S_IFDIR,
            Self::Symlink => S_IFLNK,
        }
    }

    /// The byte a directory entry stores for this kind (the `DT_*` values
    /// of readdir(3)).
    pub fn dirent_type(self) -> u8 {
        match self {
            Self::File => 8,
            Self::Dir => 4,
            Self::Symlink => 10,
        }
    }

    /// The kind a directory entry's type byte names.
    pub fn from_dirent_type(t: u8) -> Option<Self> {
        match t {
            8 => Some(Self::File),
            4 => Some(Self::Dir),
            10 => Some(Self::Symlink),
            _ => None,
        }
    }
}

/// One object record, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inode {
    /// Type and permission bits, as in `st_mode`.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    /// Bytes of data (for a directory: bytes of its bucket table).
    pub size: u64,
    pub atime_ns: i64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    /// Creation time.
    pub btime_ns: i64,
    /// Entries in a directory; 0 for other kinds.
    pub entries: u64,
    /// The directory holding a directory (itself for the root); 0 for other
    /// kinds, which may have many.
    pub parent: u64,
    /// Indirect levels above the data blocks (0: the root is block 0).
    pub levels: u8,
    /// The data, when it is inline rather than in the block tree.
    pub inline: Option<Vec<u8>>,
    /// The block tree's root (a hole when inline or empty).
    pub root: BlockPtr,
}

impl Inode {
    /// A new, empty object of `mode` with every time set to `now_ns`. Files
    /// and symlinks start inline.
    pub fn new(mode: u32, uid: u32, gid: u32, now_ns: i64) -> Self {
        let dir = Kind::from_mode(mode) == Some(Kind::Dir);
        Self {
            mode,
            uid,
            gid,
            nlink: if dir { 2 } else { 1 },
            size: 0,
            atime_ns: now_ns,
            mtime_ns: now_ns,
            ctime_ns: now_ns,
            btime_ns: now_ns,
            entries: 0,
            parent: 0,
            levels: 0,
            inline: if dir { None } else { Some(Vec::new()) },
            root: BlockPtr::HOLE,
        }
    }

    /// The object's kind (records with an unknown type never decode).
    pub fn kind(&self) -> Kind {
        Kind::from_mode(self.mode).unwrap_or(Kind::File)
    }

    /// The record's on-disk bytes.
    pub fn encode(&self) -> [u8; RECORD_LEN] {
        let mut b = [0; RECORD_LEN];
        put_u32(&mut b, 0, self.mode);
        put_u32(&mut b, 4, self.uid);
        put_u32(&mut b, 8, self.gid);
        put_u32(&mut b, 12, self.nlink);
        put_u64(&mut b, 16, self.size);
        put_u64(&mut b, 24, self.atime_ns as u64);
        put_u64(&mut b, 32, self.mtime_ns as u64);
        put_u64(&mut b, 40, self.ctime_ns as u64);
        put_u64(&mut b, 48, self.btime_ns as u64);
        put_u64(&mut b, 56, self.entries);
        put_u64(&mut b, 64, self.parent);
        b[72] = self.levels;
        if let Some(data) = &self.inline {
            b[73] = FLAG_INLINE;
            b[DATA_OFFSET..DATA_OFFSET + data.len()].copy_from_slice(data);
        } else {
            b[DATA_OFFSET..DATA_OFFSET + BLOCKPTR_LEN].copy_from_slice(&self.root.encode());
        }
        b
    }

    /// Parses a record. `Ok(None)` is a free record (all zero); anything
    /// else must be a whole, valid record.
    pub fn decode(b: &[u8]) -> Result<Option<Self>, FormatError> {
        let b: &[u8; RECORD_LEN] = b
            .try_into()
            .map_err(|_| FormatError::BadField("record length"))?;
        if b.iter().all(|&x| x == 0) {
            return Ok(None);
        }
        let mode = get_u32(b, 0);
        let kind = Kind::from_mode(mode).ok_or(FormatError::BadField("object mode"))?;
        let size = get_u64(b, 16);
        let levels = b[72];
        let flags = b[73];
        if levels > MAX_LEVELS {
            return Err(FormatError::BadField("tree levels"));
        }
        if flags & !FLAG_INLINE != 0 || b[74..DATA_OFFSET].iter().any(|&x| x != 0) {
            return Err(FormatError::BadField("reserved bytes"));
        }
        let (inline, root) = if flags & FLAG_INLINE != 0 {
            if kind == Kind::Dir || levels != 0 || size > INLINE_MAX as u64 {
                return Err(FormatError::BadField("inline data"));
            }
            let len = size as usize;
            if b[DATA_OFFSET + len..].iter().any(|&x| x != 0) {
                return Err(FormatError::BadField("inline padding"));
            }
            (
                Some(b[DATA_OFFSET..DATA_OFFSET + len].to_vec()),
                BlockPtr::HOLE,
            )
        } else {
            let mut bp = [0; BLOCKPTR_LEN];
            bp.copy_from_slice(&b[DATA_OFFSET..DATA_OFFSET + BLOCKPTR_LEN]);
            if b[DATA_OFFSET + BLOCKPTR_LEN..].iter().any(|&x| x != 0) {
                return Err(FormatError::BadField("reserved bytes"));
            }
            (None, BlockPtr::decode(&bp)?)
        };
        let (entries, parent) = (get_u64(b, 56), get_u64(b, 64));
        if kind != Kind::Dir && (entries != 0 || parent != 0) {
            return Err(FormatError::BadField("directory fields"));
        }
        Ok(Some(Self {
            mode,
            uid: get_u32(b, 4),
            gid: get_u32(b, 8),
            nlink: get_u32(b, 12),
            size,
            atime_ns: get_u64(b, 24) as i64,
            mtime_ns: get_u64(b, 32) as i64,
            ctime_ns: get_u64(b, 40) as i64,
            btime_ns: get_u64(b, 48) as i64,
            entries,
            parent,
            levels,
            inline,
            root,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_inline_and_in_blocks() {
        let mut file = Inode::new(S_IFREG | 0o644, 1000, 100, -5);
        file.inline = Some(b"hello".to_vec());
        file.size = 5;
        let b = file.encode();
        assert_eq!(&b[0..4], &(S_IFREG | 0o644).to_le_bytes());
        assert_eq!(&b[80..85], b"hello");
        assert_eq!(Inode::decode(&b), Ok(Some(file)));

        let mut dir = Inode::new(S_IFDIR | 0o755, 0, 0, 7);
        dir.entries = 3;
        dir.parent = 1;
        dir.levels = 2;
        dir.size = 4096;
        dir.root = BlockPtr::plain(99, 4096, 4, [1, 2]);
        assert_eq!(Inode::decode(&dir.encode()), Ok(Some(dir)));
        assert_eq!(Inode::decode(&[0; RECORD_LEN]), Ok(None));
    }

    #[test]
    fn damaged_records_are_refused() {
        let good = Inode::new(S_IFREG | 0o600, 0, 0, 0).encode();
        for (offset, value) in [(1, 0), (72, 7), (73, 2), (75, 1), (200, 1)] {
            let mut b = good;
            b[offset] = value;
            assert!(Inode::decode(&b).is_err(), "byte {offset} = {value}");
        }
    }
}
