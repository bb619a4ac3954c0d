//! Directory buckets (FORMAT.md, "Directory"): a directory's data is a table
//! of `2^k` bucket blocks, and a name lives in bucket `hash(name) mod 2^k`.
//! A lookup reads one block whatever the directory's size; when an insert
//! finds its bucket full the table doubles, each bucket splitting into
//! itself and its partner `k` higher (amortised O(1) per insert).

use alloc::vec::Vec;

use super::inode::Kind;
use crate::format::{BLOCK_SIZE, FormatError, get_u64, put_u64};

/// The longest name, in bytes (NAME_MAX).
pub const NAME_MAX: usize = 255;

/// Bytes before the first entry of a bucket: the entry count (u16) and two
/// reserved bytes.
const HEADER: usize = 4;

/// Bytes of an entry before its name: object number, type, name length.
const ENTRY_HEADER: usize = 10;

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: Vec<u8>,
    pub ino: u64,
    pub kind: Kind,
}

/// The name's hash: FNV-1a (64-bit) finished with SplitMix64's mixer, so the
/// low bits that pick the bucket depend on every byte.
pub fn hash(name: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in name {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The bucket `name` belongs in, in a table of `buckets` (a power of two).
pub fn bucket_of(name: &[u8], buckets: u64) -> u64 {
    hash(name) & (buckets - 1)
}

/// Whether `name` may be stored: 1..=255 bytes, no `/` or NUL, not `.` or
/// `..`.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= NAME_MAX
        && name != b"."
        && name != b".."
        && !name.iter().any(|&b| b == b'/' || b == 0)
}

/// Parses bucket `index` of a table of `buckets`, checking every entry
/// belongs there.
pub fn decode(block: &[u8], index: u64, buckets: u64) -> Result<Vec<Entry>, FormatError> {
    let bad = FormatError::BadField("directory bucket");
    if block.len() != BLOCK_SIZE || block[2..4] != [0, 0] {
        return Err(bad);
    }
    let count = usize::from(u16::from_le_bytes([block[0], block[1]]));
    let mut entries = Vec::with_capacity(count);
    let mut off = HEADER;
    for _ in 0..count {
        let header = block.get(off..off + ENTRY_HEADER).ok_or(bad)?;
        let ino = get_u64(header, 0);
        let kind = Kind::from_dirent_type(header[8]).ok_or(bad)?;
        let len = usize::from(header[9]);
        let name = block
            .get(off + ENTRY_HEADER..off + ENTRY_HEADER + len)
            .ok_or(bad)?;
        if !valid_name(name) || ino == 0 || bucket_of(name, buckets) != index {
            return Err(bad);
        }
        entries.push(Entry {
            name: name.to_vec(),
            ino,
            kind,
        });
        off += ENTRY_HEADER + len;
    }
    if block[off..].iter().any(|&b| b != 0) {
        return Err(bad);
    }
    Ok(entries)
}

/// Walks a bucket's entry headers, checking only their bounds: each entry's
/// offset and name range. The hot paths (lookup, insert) use it so they hash
/// no name but the one they look for.
fn walk(block: &[u8]) -> Result<Vec<(usize, usize)>, FormatError> {
    let bad = FormatError::BadField("directory bucket");
    if block.len() != BLOCK_SIZE || block[2..4] != [0, 0] {
        return Err(bad);
    }
    let count = usize::from(u16::from_le_bytes([block[0], block[1]]));
    let mut spans = Vec::with_capacity(count);
    let mut off = HEADER;
    for _ in 0..count {
        let len = usize::from(*block.get(off + ENTRY_HEADER - 1).ok_or(bad)?);
        if off + ENTRY_HEADER + len > BLOCK_SIZE {
            return Err(bad);
        }
        spans.push((off, len));
        off += ENTRY_HEADER + len;
    }
    Ok(spans)
}

/// The entry named `name` in bucket `index` of a table of `buckets`,
/// checked as [`decode`] checks every entry.
pub fn find(
    block: &[u8],
    name: &[u8],
    index: u64,
    buckets: u64,
) -> Result<Option<Entry>, FormatError> {
    let bad = FormatError::BadField("directory bucket");
    for (off, len) in walk(block)? {
        let found = &block[off + ENTRY_HEADER..off + ENTRY_HEADER + len];
        if found != name {
            continue;
        }
        let ino = get_u64(block, off);
        let kind = Kind::from_dirent_type(block[off + 8]).ok_or(bad)?;
        if !valid_name(name) || ino == 0 || bucket_of(name, buckets) != index {
            return Err(bad);
        }
        return Ok(Some(Entry {
            name: name.to_vec(),
            ino,
            kind,
        }));
    }
    Ok(None)
}

/// Appends `entry` to a bucket block in place; `false` if it does not fit.
pub fn append(block: &mut [u8], entry: &Entry) -> Result<bool, FormatError> {
    let spans = walk(block)?;
    let end = spans
        .last()
        .map_or(HEADER, |&(off, len)| off + ENTRY_HEADER + len);
    let len = entry.name.len();
    if end + ENTRY_HEADER + len > BLOCK_SIZE || spans.len() >= usize::from(u16::MAX) {
        return Ok(false);
    }
    put_u64(block, end, entry.ino);
    block[end + 8] = entry.kind.dirent_type();
    block[end + 9] = len as u8;
    block[end + ENTRY_HEADER..end + ENTRY_HEADER + len].copy_from_slice(&entry.name);
    block[0..2].copy_from_slice(&(spans.len() as u16 + 1).to_le_bytes());
    Ok(true)
}

/// The bucket block holding `entries`, or `None` if they do not fit.
pub fn encode(entries: &[Entry]) -> Option<Vec<u8>> {
    let used: usize = entries.iter().map(|e| ENTRY_HEADER + e.name.len()).sum();
    if HEADER + used > BLOCK_SIZE {
        return None;
    }
    let mut block = alloc::vec![0; BLOCK_SIZE];
    block[0..2].copy_from_slice(&(entries.len() as u16).to_le_bytes());
    let mut off = HEADER;
    for e in entries {
        put_u64(&mut block, off, e.ino);
        block[off + 8] = e.kind.dirent_type();
        block[off + 9] = e.name.len() as u8;
        block[off + ENTRY_HEADER..off + ENTRY_HEADER + e.name.len()].copy_from_slice(&e.name);
        off += ENTRY_HEADER + e.name.len();
    }
    Some(block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn buckets_round_trip_and_refuse_misplaced_entries() {
        let entries: Vec<Entry> = (0..50u64)
            .map(|i| Entry {
                name: alloc::format!("name-{i}").into_bytes(),
                ino: i + 2,
                kind: Kind::File,
            })
            .collect();
        let block = encode(&entries).unwrap();
        assert_eq!(decode(&block, 0, 1), Ok(entries.clone()));
        let moved = entries.iter().any(|e| bucket_of(&e.name, 2) == 1);
        assert!(moved && decode(&block, 0, 2).is_err());
        let mut torn = block.clone();
        torn[0] = 200;
        assert!(decode(&torn, 0, 1).is_err());
    }

    #[test]
    fn full_buckets_do_not_encode() {
        let big = |i: u8| Entry {
            name: vec![b'a' + i % 26; NAME_MAX],
            ino: 9,
            kind: Kind::Dir,
        };
        let fits: Vec<Entry> = (0..15).map(big).collect();
        assert!(encode(&fits).is_some());
        let over: Vec<Entry> = (0..16).map(big).collect();
        assert!(encode(&over).is_none());
    }

    #[test]
    fn names_follow_posix() {
        assert!(valid_name(b"a") && valid_name(&[b'x'; 255]));
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0", &[b'x'; 256]] {
            assert!(!valid_name(bad));
        }
    }
}
