//! The label: what the device is (the pool's geometry and identity),
//! written once by `format`, at block 0 and again at the last block so one
//! bad block does not lose the pool (FORMAT.md, "Label").

use crate::format::{
    BLOCK_SIZE, CHECKSUM_LEN, DATA_START, FormatError, MIN_BLOCKS, RING_SLOTS, RING_START, VERSION,
    check_sealed, get_u32, get_u64, put_u32, put_u64, seal,
};

/// Bytes in an encoded label; the rest of its block is zero.
pub const LABEL_LEN: usize = 96;

/// The first eight bytes of a label.
pub const LABEL_MAGIC: [u8; 8] = *b"SOLEPOOL";

/// Reserved bytes (zero) between the fields and the self-checksum.
const RESERVED: core::ops::Range<usize> = 64..80;

/// Where the self-checksum starts: it covers every byte before it, and the
/// label ends with it.
const CHECKSUM_OFFSET: usize = LABEL_LEN - CHECKSUM_LEN;

/// A pool's geometry and identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// Blocks on the device.
    pub block_count: u64,
    /// Chosen at format time; every uberblock carries it.
    pub pool_guid: u64,
}

impl Label {
    /// A label for a device of `block_count` blocks, or `None` if it is
    /// smaller than [`MIN_BLOCKS`].
    pub fn new(block_count: u64, pool_guid: u64) -> Option<Self> {
        (block_count >= MIN_BLOCKS).then_some(Self {
            block_count,
            pool_guid,
        })
    }

    /// The first block past the data area: the second label.
    pub fn data_end(&self) -> u64 {
        self.block_count - 1
    }

    /// The label's on-disk bytes. Ring and data placement are fixed in
    /// version 3 but written down, so a reader can check them.
    pub fn encode(&self) -> [u8; LABEL_LEN] {
        let mut b = [0; LABEL_LEN];
        b[0..8].copy_from_slice(&LABEL_MAGIC);
        put_u32(&mut b, 8, VERSION);
        put_u32(&mut b, 12, BLOCK_SIZE as u32);
        put_u64(&mut b, 16, self.block_count);
        put_u64(&mut b, 24, self.pool_guid);
        put_u64(&mut b, 32, RING_START);
        put_u64(&mut b, 40, RING_SLOTS);
        put_u64(&mut b, 48, DATA_START);
        put_u64(&mut b, 56, self.data_end());
        seal(&mut b, CHECKSUM_OFFSET);
        b
    }

    /// Parses a label: magic, its own checksum, then every field.
    pub fn decode(b: &[u8; LABEL_LEN]) -> Result<Self, FormatError> {
        check_sealed(b, &LABEL_MAGIC, CHECKSUM_OFFSET)?;
        if b[RESERVED].iter().any(|&x| x != 0) {
            return Err(FormatError::BadField("reserved bytes"));
        }
        if get_u32(b, 12) as usize != BLOCK_SIZE {
            return Err(FormatError::BadField("block size"));
        }
        let label = Self::new(get_u64(b, 16), get_u64(b, 24))
            .ok_or(FormatError::BadField("block count"))?;
        let fixed = [
            (32, RING_START, "ring start"),
            (40, RING_SLOTS, "ring slots"),
            (48, DATA_START, "data start"),
            (56, label.data_end(), "data end"),
        ];
        for (offset, expected, name) in fixed {
            if get_u64(b, offset) != expected {
                return Err(FormatError::BadField(name));
            }
        }
        Ok(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn layout_is_little_endian_at_documented_offsets() {
        let label = Label::new(1000, 0xabcd).unwrap();
        let b = label.encode();
        assert_eq!(&b[0..8], b"SOLEPOOL");
        assert_eq!(&b[8..12], &3u32.to_le_bytes());
        assert_eq!(&b[12..16], &4096u32.to_le_bytes());
        assert_eq!(&b[16..24], &1000u64.to_le_bytes());
        assert_eq!(&b[24..32], &0xabcdu64.to_le_bytes());
        assert_eq!(&b[32..40], &1u64.to_le_bytes());
        assert_eq!(&b[40..48], &16u64.to_le_bytes());
        assert_eq!(&b[48..56], &17u64.to_le_bytes());
        assert_eq!(&b[56..64], &999u64.to_le_bytes());
        assert_eq!(&b[64..80], &[0; 16]);
        let sum = crate::checksum::xxh3(&b[..80]);
        assert_eq!(&b[80..88], &sum[0].to_le_bytes());
        assert_eq!(&b[88..96], &sum[1].to_le_bytes());
        assert_eq!(Label::decode(&b), Ok(label));
    }

    #[test]
    fn too_small_devices_have_no_label() {
        assert_eq!(Label::new(MIN_BLOCKS - 1, 1), None);
        assert!(Label::new(MIN_BLOCKS, 1).is_some());
    }

    #[test]
    fn damage_and_foreign_geometry_are_refused() {
        let good = Label::new(64, 7).unwrap().encode();
        let mut b = good;
        b[3] ^= 1;
        assert_eq!(Label::decode(&b), Err(FormatError::BadMagic));
        for offset in [9, 20, 63, 64, 79, 80, 95] {
            let mut b = good;
            b[offset] ^= 1;
            assert_eq!(Label::decode(&b), Err(FormatError::BadChecksum));
        }
        let reseal = |mut b: [u8; LABEL_LEN]| {
            seal(&mut b, CHECKSUM_OFFSET);
            Label::decode(&b)
        };
        let mut b = good;
        put_u32(&mut b, 12, 512);
        assert_eq!(reseal(b), Err(FormatError::BadField("block size")));
        let mut b = good;
        put_u64(&mut b, 40, 8);
        assert_eq!(reseal(b), Err(FormatError::BadField("ring slots")));
        let mut b = good;
        put_u64(&mut b, 56, 64);
        assert_eq!(reseal(b), Err(FormatError::BadField("data end")));
        let mut b = good;
        put_u64(&mut b, 16, 3);
        assert_eq!(reseal(b), Err(FormatError::BadField("block count")));
        let mut b = good;
        b[70] = 1;
        assert_eq!(reseal(b), Err(FormatError::BadField("reserved bytes")));
    }

    #[test]
    fn versions_1_and_2_are_refused_by_name() {
        for old in [1, 2] {
            let mut b = Label::new(64, 7).unwrap().encode();
            put_u32(&mut b, 8, old);
            // Whatever the old checksum: the version is what is reported.
            assert_eq!(Label::decode(&b), Err(FormatError::UnsupportedVersion(old)));
            let message = FormatError::UnsupportedVersion(old).to_string();
            assert!(message.contains("no longer reads"), "{message}");
        }
        let mut b = Label::new(64, 7).unwrap().encode();
        put_u32(&mut b, 8, 4);
        seal(&mut b, CHECKSUM_OFFSET);
        assert_eq!(Label::decode(&b), Err(FormatError::UnsupportedVersion(4)));
    }
}
