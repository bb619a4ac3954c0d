//! Version 3 of the on-disk format: the constants every structure shares and
//! the errors decoding raises. `rootfs/FORMAT.md` is the specification; the
//! structures themselves live in [`crate::label`], [`crate::uberblock`] and
//! [`crate::blockptr`].

use core::fmt;

use crate::checksum::{Checksum, xxh3};

/// The format version this code writes and the only one it reads.
/// Versions 1 and 2 (Fletcher-4 checksums, no compression) are refused.
pub const VERSION: u32 = 3;

/// Bytes in one filesystem block. The device's block size must equal it.
pub const BLOCK_SIZE: usize = 4096;

/// Uberblock slots in the ring, one block each, at blocks
/// `RING_START..RING_START + RING_SLOTS`.
pub const RING_SLOTS: u64 = 16;

/// The first block of the uberblock ring (block 0 is the label).
pub const RING_START: u64 = 1;

/// The first block that holds data: the one after the ring.
pub const DATA_START: u64 = RING_START + RING_SLOTS;

/// The smallest device that holds a label, the ring, one data block and the
/// second label.
pub const MIN_BLOCKS: u64 = DATA_START + 2;

/// Why bytes read from the disk are not a valid structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatError {
    /// The magic number is not the structure's.
    BadMagic,
    /// The structure's own checksum does not match its bytes.
    BadChecksum,
    /// A format version this code does not read.
    UnsupportedVersion(u32),
    /// A field holds a value the format does not allow (named here).
    BadField(&'static str),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadMagic => write!(f, "bad magic number"),
            Self::BadChecksum => write!(f, "checksum does not match"),
            Self::UnsupportedVersion(v @ (1 | 2)) => write!(
                f,
                "format version {v} (Fletcher-4 checksums), which this code no longer reads: \
                 it reads version {VERSION}; rebuild the image"
            ),
            Self::UnsupportedVersion(v) => {
                write!(f, "format version {v} (this code reads {VERSION})")
            }
            Self::BadField(name) => write!(f, "invalid {name}"),
        }
    }
}

impl core::error::Error for FormatError {}

/// Little-endian field access at fixed offsets inside a structure whose
/// length the caller has already checked (every decoder takes a `&[u8; N]`
/// and reads only below `N`).
pub(crate) fn get_u32(b: &[u8], off: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&b[off..off + 4]);
    u32::from_le_bytes(word)
}

/// See [`get_u32`].
pub(crate) fn get_u64(b: &[u8], off: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&b[off..off + 8]);
    u64::from_le_bytes(word)
}

/// Writes `v` little-endian at `off`.
pub(crate) fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

/// Writes `v` little-endian at `off`.
pub(crate) fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

/// Bytes a checksum takes on disk: XXH3-128, low half first.
pub(crate) const CHECKSUM_LEN: usize = 16;

/// Reads a checksum (two little-endian `u64`s) at `off`.
pub(crate) fn get_checksum(b: &[u8], off: usize) -> Checksum {
    [get_u64(b, off), get_u64(b, off + 8)]
}

/// Writes a checksum at `off`.
pub(crate) fn put_checksum(b: &mut [u8], off: usize, sum: Checksum) {
    put_u64(b, off, sum[0]);
    put_u64(b, off + 8, sum[1]);
}

/// Seals a self-checksummed structure: the checksum of every byte before
/// `checksum_at`, written there (the structure ends with it).
pub(crate) fn seal(b: &mut [u8], checksum_at: usize) {
    let sum = xxh3(&b[..checksum_at]);
    put_checksum(b, checksum_at, sum);
}

/// Checks the header every self-checksummed structure starts with: its
/// magic (bytes 0..8), then its own checksum at `checksum_at` and the format
/// version (bytes 8..12). A structure that names version 1 or 2 is refused
/// as that version before its checksum is looked at: those versions summed
/// with Fletcher-4 at another offset, so the checksum would only say
/// "damaged" about an intact old pool.
pub(crate) fn check_sealed(
    b: &[u8],
    magic: &[u8; 8],
    checksum_at: usize,
) -> Result<(), FormatError> {
    if b[0..8] != *magic {
        return Err(FormatError::BadMagic);
    }
    let version = get_u32(b, 8);
    if matches!(version, 1 | 2) {
        return Err(FormatError::UnsupportedVersion(version));
    }
    if get_checksum(b, checksum_at) != xxh3(&b[..checksum_at]) {
        return Err(FormatError::BadChecksum);
    }
    if version != VERSION {
        return Err(FormatError::UnsupportedVersion(version));
    }
    Ok(())
}
