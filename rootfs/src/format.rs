//! Version 2 of the on-disk format: the constants every structure shares and
//! the errors decoding raises. `rootfs/FORMAT.md` is the specification; the
//! structures themselves live in [`crate::label`], [`crate::uberblock`] and
//! [`crate::blockptr`].

use core::fmt;

/// The format version this code writes and the only one it reads.
pub const VERSION: u32 = 2;

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

/// Reads a Fletcher-4 checksum (four little-endian `u64`s) at `off`.
pub(crate) fn get_checksum(b: &[u8], off: usize) -> [u64; 4] {
    core::array::from_fn(|i| get_u64(b, off + 8 * i))
}

/// Writes a Fletcher-4 checksum at `off`.
pub(crate) fn put_checksum(b: &mut [u8], off: usize, sum: [u64; 4]) {
    for (i, word) in sum.into_iter().enumerate() {
        put_u64(b, off + 8 * i, word);
    }
}

/// Seals a self-checksummed structure: its checksum over the bytes before
/// `checksum_at`, written there.
pub(crate) fn seal(b: &mut [u8], checksum_at: usize) {
    let sum = self_checksum(&b[..checksum_at]);
    put_checksum(b, checksum_at, sum);
}

/// Checks the header every self-checksummed structure starts with: its
/// magic (bytes 0..8), its own checksum at `checksum_at`, then the format
/// version (bytes 8..12), in that order.
pub(crate) fn check_sealed(
    b: &[u8],
    magic: &[u8; 8],
    checksum_at: usize,
) -> Result<(), FormatError> {
    if b[0..8] != *magic {
        return Err(FormatError::BadMagic);
    }
    if get_checksum(b, checksum_at) != self_checksum(&b[..checksum_at]) {
        return Err(FormatError::BadChecksum);
    }
    let version = get_u32(b, 8);
    if version != VERSION {
        return Err(FormatError::UnsupportedVersion(version));
    }
    Ok(())
}

/// The Fletcher-4 checksum of a structure's bytes. Every structure is a
/// whole number of 32-bit words long, so this cannot fail.
pub(crate) fn self_checksum(bytes: &[u8]) -> [u64; 4] {
    debug_assert!(bytes.len().is_multiple_of(4));
    crate::checksum::fletcher4(bytes).unwrap_or([0; 4])
}
