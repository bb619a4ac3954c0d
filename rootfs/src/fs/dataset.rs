//! The dataset directory (FORMAT.md, "Datasets and snapshots"): the pool's
//! root names every dataset, each with its own object set. Filesystems are
//! writable (the one `Fs::format` makes, named [`MAIN`], and clones);
//! snapshots are read-only and freeze the object set a filesystem had when
//! they were taken.
//!
//! The directory block holds a header and the first 15 entries of the
//! *dataset table* (256 bytes each); entries past those go to an overflow
//! block tree (as the record array), so a commit of a pool with few
//! datasets writes one block for them. This module encodes and decodes the
//! directory and the table and checks the names and links between entries;
//! the operations are in `fs/snapshot.rs`.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{FsError, inode, tree};
use crate::blockptr::{BLOCKPTR_LEN, BlockPtr};
use crate::device::BlockDevice;
use crate::format::{BLOCK_SIZE, FormatError, VERSION, get_u32, get_u64, put_u32, put_u64};

/// The first eight bytes of the dataset directory block.
pub const DIRECTORY_MAGIC: [u8; 8] = *b"SOLEDSET";

/// The filesystem `Fs::format` makes and `Fs::mount` opens.
pub const MAIN: &str = "main";

/// The longest filesystem name, and the longest snapshot name after its
/// filesystem's `@`.
pub const DATASET_NAME_MAX: usize = 63;

/// Bytes of one dataset-table entry.
pub const ENTRY_LEN: usize = 256;

/// Entries in one block of the overflow table.
pub const ENTRIES_PER_BLOCK: usize = BLOCK_SIZE / ENTRY_LEN;

/// Entries in the directory block, after its 256-byte header.
pub const INLINE_ENTRIES: usize = ENTRIES_PER_BLOCK - 1;

/// Bytes of the directory block's header that hold fields.
const DIRECTORY_LEN: usize = 104;

/// Where an entry's name starts, and the most bytes it may take.
const NAME_AT: usize = 128;
const NAME_FIELD: usize = ENTRY_LEN - NAME_AT;

/// What a dataset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetKind {
    /// Writable: the main filesystem or a clone.
    Filesystem,
    /// A read-only, frozen object set of a filesystem.
    Snapshot,
}

/// One entry of the dataset table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Dataset {
    /// Never reused; at least 1.
    pub id: u64,
    pub kind: DatasetKind,
    /// A snapshot: the filesystem it belongs to. A filesystem: the snapshot
    /// it was cloned from, or 0.
    pub origin: u64,
    /// A snapshot: the group whose object set it holds (every block it
    /// reaches was born at or before it, every later block after it). A
    /// filesystem: the group that made it.
    pub txg: u64,
    pub creation_ns: i64,
    pub objset: BlockPtr,
    /// `fs` for a filesystem, `fs@snap` for a snapshot.
    pub name: String,
}

/// What [`Fs::datasets`](super::Fs::datasets) tells about a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInfo {
    pub name: String,
    pub kind: DatasetKind,
    /// A snapshot: the transaction group it froze. A filesystem: the group
    /// that made it.
    pub txg: u64,
    /// Nanoseconds since the Unix epoch (the filesystem's clock).
    pub creation_ns: i64,
    /// A clone: the snapshot it was made from.
    pub origin: Option<String>,
}

/// The directory block's header: the pool's root. `levels` and `root` are
/// the overflow table (entries from [`INLINE_ENTRIES`] on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Directory {
    pub next_id: u64,
    pub count: u64,
    pub levels: u8,
    pub root: BlockPtr,
}

impl Directory {
    /// The whole directory block: this header and the first
    /// [`INLINE_ENTRIES`] of `table` (which has `count` entries).
    pub fn encode(&self, table: &[Dataset]) -> Vec<u8> {
        let mut b = vec![0; BLOCK_SIZE];
        for (slot, d) in table.iter().take(INLINE_ENTRIES).enumerate() {
            d.encode(&mut b[(slot + 1) * ENTRY_LEN..(slot + 2) * ENTRY_LEN]);
        }
        b[0..8].copy_from_slice(&DIRECTORY_MAGIC);
        put_u32(&mut b, 8, VERSION);
        put_u64(&mut b, 16, self.next_id);
        put_u64(&mut b, 24, self.count);
        b[32] = self.levels;
        b[40..40 + BLOCKPTR_LEN].copy_from_slice(&self.root.encode());
        b
    }

    pub fn decode(b: &[u8]) -> Result<Self, FsError> {
        if b.len() < DIRECTORY_LEN || b[0..8] != DIRECTORY_MAGIC {
            return Err(FsError::NoObjectSet);
        }
        let bad = |what| FsError::Corrupt(FormatError::BadField(what));
        let version = get_u32(b, 8);
        if version != VERSION {
            return Err(FsError::Corrupt(FormatError::UnsupportedVersion(version)));
        }
        if b.len() != BLOCK_SIZE
            || b[12..16] != [0; 4]
            || b[33..40] != [0; 7]
            || b[DIRECTORY_LEN..ENTRY_LEN].iter().any(|&x| x != 0)
        {
            return Err(bad("reserved bytes"));
        }
        let levels = b[32];
        if levels > inode::MAX_LEVELS {
            return Err(bad("tree levels"));
        }
        let count = get_u64(b, 24);
        let next_id = get_u64(b, 16);
        let overflow = count.saturating_sub(INLINE_ENTRIES as u64);
        if count == 0 || count >= next_id || overflow > tree::capacity(levels) * 16 {
            return Err(bad("dataset count"));
        }
        let mut bp = [0; BLOCKPTR_LEN];
        bp.copy_from_slice(&b[40..40 + BLOCKPTR_LEN]);
        let root = BlockPtr::decode(&bp).map_err(FsError::Corrupt)?;
        if root.is_hole() != (overflow == 0) || (root.is_hole() && levels != 0) {
            return Err(bad("dataset table"));
        }
        Ok(Self {
            next_id,
            count,
            levels,
            root,
        })
    }
}

impl Dataset {
    fn encode(&self, out: &mut [u8]) {
        put_u64(out, 0, self.id);
        out[8] = match self.kind {
            DatasetKind::Filesystem => 1,
            DatasetKind::Snapshot => 2,
        };
        out[9] = self.name.len() as u8;
        put_u64(out, 16, self.origin);
        put_u64(out, 24, self.txg);
        put_u64(out, 32, self.creation_ns as u64);
        out[40..40 + BLOCKPTR_LEN].copy_from_slice(&self.objset.encode());
        out[NAME_AT..NAME_AT + self.name.len()].copy_from_slice(self.name.as_bytes());
    }

    fn decode(b: &[u8]) -> Result<Self, FsError> {
        let bad = |what| FsError::Corrupt(FormatError::BadField(what));
        let kind = match b[8] {
            1 => DatasetKind::Filesystem,
            2 => DatasetKind::Snapshot,
            _ => return Err(bad("dataset kind")),
        };
        let len = usize::from(b[9]);
        if b[10..16] != [0; 6]
            || b[104..NAME_AT] != [0; NAME_AT - 104]
            || len > NAME_FIELD
            || b[NAME_AT + len..ENTRY_LEN].iter().any(|&x| x != 0)
        {
            return Err(bad("reserved bytes"));
        }
        let name =
            core::str::from_utf8(&b[NAME_AT..NAME_AT + len]).map_err(|_| bad("dataset name"))?;
        let valid = match kind {
            DatasetKind::Filesystem => check_component(name).is_ok(),
            DatasetKind::Snapshot => split_snapshot(name).is_some(),
        };
        if !valid {
            return Err(bad("dataset name"));
        }
        let mut bp = [0; BLOCKPTR_LEN];
        bp.copy_from_slice(&b[40..40 + BLOCKPTR_LEN]);
        let objset = BlockPtr::decode(&bp).map_err(FsError::Corrupt)?;
        let id = get_u64(b, 0);
        if id == 0 || objset.is_hole() {
            return Err(bad("dataset entry"));
        }
        Ok(Self {
            id,
            kind,
            origin: get_u64(b, 16),
            txg: get_u64(b, 24),
            creation_ns: get_u64(b, 32) as i64,
            objset,
            name: String::from(name),
        })
    }
}

/// Checks a filesystem name or one side of a snapshot's `@`: 1 ..= 63
/// bytes of ASCII letters, digits, `-`, `_`, `.` and `:`.
pub(super) fn check_component(name: &str) -> Result<(), FsError> {
    if name.len() > DATASET_NAME_MAX {
        return Err(FsError::NameTooLong);
    }
    let allowed = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':');
    if name.is_empty() || !name.bytes().all(allowed) {
        return Err(FsError::Invalid);
    }
    Ok(())
}

/// `fs@snap` as `(fs, snap)`, if both sides are valid.
pub(super) fn split_snapshot(name: &str) -> Option<(&str, &str)> {
    let (fs, snap) = name.split_once('@')?;
    (check_component(fs).is_ok() && check_component(snap).is_ok()).then_some((fs, snap))
}

/// The overflow table's leaves: entry `15 + i` at byte `256 i` of the data.
pub(super) fn encode_overflow(table: &[Dataset]) -> Vec<Vec<u8>> {
    table
        .get(INLINE_ENTRIES..)
        .unwrap_or_default()
        .chunks(ENTRIES_PER_BLOCK)
        .map(|chunk| {
            let mut block = vec![0; BLOCK_SIZE];
            for (slot, d) in chunk.iter().enumerate() {
                d.encode(&mut block[slot * ENTRY_LEN..(slot + 1) * ENTRY_LEN]);
            }
            block
        })
        .collect()
}

/// Decodes `slots` entries of `block` starting at `first`, of which the
/// first `here` are entries and the rest must be zero.
fn decode_entries(
    block: &[u8],
    first: usize,
    here: usize,
    out: &mut Vec<Dataset>,
) -> Result<(), FsError> {
    for (n, entry) in block[first * ENTRY_LEN..]
        .chunks_exact(ENTRY_LEN)
        .enumerate()
    {
        if n < here {
            out.push(Dataset::decode(entry)?);
        } else if entry.iter().any(|&x| x != 0) {
            return Err(FsError::Corrupt(FormatError::BadField("dataset table")));
        }
    }
    Ok(())
}

/// Reads and checks the whole table of directory block `block` (decoded as
/// `dir`): ids below `next_id` and distinct, names distinct, a snapshot's
/// filesystem and a clone's snapshot present, a snapshot named after its
/// filesystem.
pub(super) fn read_table<D: BlockDevice>(
    store: &mut tree::Store<D>,
    dir: &Directory,
    block: &[u8],
) -> Result<Vec<Dataset>, FsError> {
    let bad = |what| FsError::Corrupt(FormatError::BadField(what));
    let count = usize::try_from(dir.count).map_err(|_| bad("dataset count"))?;
    let mut out = Vec::with_capacity(count);
    decode_entries(block, 1, count.min(INLINE_ENTRIES), &mut out)?;
    let overflow = count.saturating_sub(INLINE_ENTRIES);
    for index in 0..overflow.div_ceil(ENTRIES_PER_BLOCK) {
        let leaf = tree::read_leaf(store, dir.levels, dir.root, index as u64)?
            .ok_or(bad("dataset table"))?;
        let here = (overflow - index * ENTRIES_PER_BLOCK).min(ENTRIES_PER_BLOCK);
        decode_entries(&leaf, 0, here, &mut out)?;
    }
    let ids: BTreeSet<u64> = out.iter().map(|d| d.id).collect();
    let names: BTreeSet<&str> = out.iter().map(|d| d.name.as_str()).collect();
    if ids.len() != count || names.len() != count || ids.last() >= Some(&dir.next_id) {
        return Err(bad("dataset table"));
    }
    for d in &out {
        let linked = match d.kind {
            DatasetKind::Snapshot => out.iter().any(|f| {
                f.id == d.origin
                    && f.kind == DatasetKind::Filesystem
                    && split_snapshot(&d.name).map(|(fs, _)| fs) == Some(f.name.as_str())
            }),
            DatasetKind::Filesystem => {
                d.origin == 0
                    || out
                        .iter()
                        .any(|s| s.id == d.origin && s.kind == DatasetKind::Snapshot)
            }
        };
        if !linked {
            return Err(bad("dataset origin"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, kind: DatasetKind, origin: u64, name: &str) -> Dataset {
        Dataset {
            id,
            kind,
            origin,
            txg: 7,
            creation_ns: -5,
            objset: BlockPtr::plain(40, 104, 3, [1, 2]),
            name: String::from(name),
        }
    }

    #[test]
    fn entries_round_trip_and_refuse_bad_bytes() {
        let d = entry(3, DatasetKind::Snapshot, 1, "main@monday");
        let mut block = vec![0; ENTRY_LEN];
        d.encode(&mut block);
        assert_eq!(Dataset::decode(&block[..ENTRY_LEN]), Ok(d));
        for (at, value) in [(8, 3), (10, 1), (9, 200), (120, 1), (NAME_AT + 11, b'x')] {
            let mut broken = block.clone();
            broken[at] = value;
            assert!(Dataset::decode(&broken[..ENTRY_LEN]).is_err(), "byte {at}");
        }
        let mut no_at = block.clone();
        no_at[NAME_AT + 4] = b'x';
        assert!(
            Dataset::decode(&no_at[..ENTRY_LEN]).is_err(),
            "a snapshot needs its @"
        );
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(check_component("work-2.1"), Ok(()));
        assert_eq!(check_component(""), Err(FsError::Invalid));
        assert_eq!(check_component("a/b"), Err(FsError::Invalid));
        assert_eq!(check_component("a@b"), Err(FsError::Invalid));
        assert_eq!(check_component(&"x".repeat(64)), Err(FsError::NameTooLong));
        assert_eq!(split_snapshot("main@s1"), Some(("main", "s1")));
        assert_eq!(split_snapshot("main@"), None);
        assert_eq!(split_snapshot("main@a@b"), None);
    }

    #[test]
    fn the_directory_round_trips_and_refuses_nonsense() {
        let d = Directory {
            next_id: 20,
            count: 17,
            levels: 0,
            root: entry(1, DatasetKind::Filesystem, 0, "main").objset,
        };
        let b = d.encode(&[]);
        assert_eq!(Directory::decode(&b), Ok(d));
        let few = Directory {
            count: 3,
            root: BlockPtr::HOLE,
            ..d
        };
        assert_eq!(Directory::decode(&few.encode(&[])), Ok(few));
        let bad = [
            (0, b'X'),
            (13, 1),
            (24, 0),
            (24, 20),
            (24, 3),
            (32, 9),
            (200, 1),
        ];
        for (at, value) in bad {
            let mut broken = b.clone();
            broken[at] = value;
            assert!(Directory::decode(&broken).is_err(), "byte {at}");
        }
    }
}
