//! Block pointers: how every block is reached. A pointer names where the
//! block is, how much of it holds data, the Fletcher-4 checksum of the whole
//! block and the transaction that wrote it, so the tree of pointers
//! validates itself (FORMAT.md, "Block pointer").

use crate::format::{
    BLOCK_SIZE, DATA_START, FormatError, get_checksum, get_u32, get_u64, put_checksum, put_u32,
    put_u64,
};

/// Bytes in an encoded block pointer.
pub const BLOCKPTR_LEN: usize = 64;

/// The checksum algorithm byte for Fletcher-4, the only one in version 2.
const CHECKSUM_FLETCHER4: u8 = 1;
/// The compression byte for "stored as is", the only one in version 2.
const COMPRESSION_OFF: u8 = 0;

/// What a block holds. Values 2..=255 are reserved for later layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum BlockType {
    /// No block: reads as `logical_size` zero bytes (nothing is allocated).
    Hole = 0,
    /// Bytes whose meaning the layer above decides.
    Data = 1,
}

impl BlockType {
    fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Hole),
            1 => Some(Self::Data),
            _ => None,
        }
    }
}

/// A pointer to one block: its address, logical size, checksum and birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockPtr {
    /// The physical block number on the device.
    pub address: u64,
    /// Bytes of the block that hold data (at most [`BLOCK_SIZE`]); the rest
    /// of the block is zero.
    pub logical_size: u32,
    /// What the block holds.
    pub kind: BlockType,
    /// The transaction group that wrote the block.
    pub birth_txg: u64,
    /// Fletcher-4 of the whole block as written (data, then zero padding).
    pub checksum: [u64; 4],
}

impl BlockPtr {
    /// The pointer to nothing: every field zero.
    pub const HOLE: Self = Self {
        address: 0,
        logical_size: 0,
        kind: BlockType::Hole,
        birth_txg: 0,
        checksum: [0; 4],
    };

    /// Whether this points at no block.
    pub fn is_hole(&self) -> bool {
        self.kind == BlockType::Hole
    }

    /// The pointer's 64 on-disk bytes.
    pub fn encode(&self) -> [u8; BLOCKPTR_LEN] {
        let mut b = [0; BLOCKPTR_LEN];
        if self.is_hole() {
            return b;
        }
        put_u64(&mut b, 0, self.address);
        put_u32(&mut b, 8, self.logical_size);
        b[12] = self.kind as u8;
        b[13] = CHECKSUM_FLETCHER4;
        b[14] = COMPRESSION_OFF;
        put_u64(&mut b, 16, self.birth_txg);
        put_checksum(&mut b, 24, self.checksum);
        b
    }

    /// Parses a pointer, refusing any field version 2 does not allow.
    pub fn decode(b: &[u8; BLOCKPTR_LEN]) -> Result<Self, FormatError> {
        let kind = BlockType::from_u8(b[12]).ok_or(FormatError::BadField("block type"))?;
        if kind == BlockType::Hole {
            // A hole is canonical: all zero, so two encodings never mean one thing.
            return if b.iter().all(|&x| x == 0) {
                Ok(Self::HOLE)
            } else {
                Err(FormatError::BadField("hole block pointer"))
            };
        }
        if b[13] != CHECKSUM_FLETCHER4 {
            return Err(FormatError::BadField("checksum algorithm"));
        }
        if b[14] != COMPRESSION_OFF {
            return Err(FormatError::BadField("compression"));
        }
        if b[15] != 0 || get_u64(b, 56) != 0 {
            return Err(FormatError::BadField("reserved bytes"));
        }
        let address = get_u64(b, 0);
        if address < DATA_START {
            return Err(FormatError::BadField("block address"));
        }
        let logical_size = get_u32(b, 8);
        if logical_size as usize > BLOCK_SIZE {
            return Err(FormatError::BadField("logical size"));
        }
        let birth_txg = get_u64(b, 16);
        if birth_txg == 0 {
            // Transaction group 0 is the empty pool `format` writes: it has no blocks.
            return Err(FormatError::BadField("birth txg"));
        }
        Ok(Self {
            address,
            logical_size,
            kind,
            birth_txg,
            checksum: get_checksum(b, 24),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> BlockPtr {
        BlockPtr {
            address: 0x0102_0304_0506_0708,
            logical_size: 4096,
            kind: BlockType::Data,
            birth_txg: 0x1112_1314_1516_1718,
            checksum: [1, 2, 3, u64::MAX],
        }
    }

    #[test]
    fn layout_is_little_endian_at_documented_offsets() {
        let b = sample().encode();
        assert_eq!(&b[0..8], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&b[8..12], &[0, 0x10, 0, 0]);
        assert_eq!(&b[12..16], &[1, 1, 0, 0]);
        assert_eq!(
            &b[16..24],
            &[0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11]
        );
        assert_eq!(&b[24..32], &1u64.to_le_bytes());
        assert_eq!(&b[48..56], &[0xff; 8]);
        assert_eq!(&b[56..64], &[0; 8]);
        assert_eq!(BlockPtr::decode(&b), Ok(sample()));
    }

    #[test]
    fn hole_is_all_zero_and_canonical() {
        assert_eq!(BlockPtr::HOLE.encode(), [0; BLOCKPTR_LEN]);
        assert_eq!(BlockPtr::decode(&[0; BLOCKPTR_LEN]), Ok(BlockPtr::HOLE));
        let mut b = [0; BLOCKPTR_LEN];
        b[0] = 1;
        assert_eq!(
            BlockPtr::decode(&b),
            Err(FormatError::BadField("hole block pointer"))
        );
    }

    #[test]
    fn invalid_fields_are_refused() {
        let good = sample().encode();
        let cases: [(usize, u8, &str); 6] = [
            (12, 7, "block type"),
            (13, 2, "checksum algorithm"),
            (14, 1, "compression"),
            (15, 1, "reserved bytes"),
            (60, 1, "reserved bytes"),
            (9, 0x20, "logical size"),
        ];
        for (offset, value, field) in cases {
            let mut b = good;
            b[offset] = value;
            assert_eq!(BlockPtr::decode(&b), Err(FormatError::BadField(field)));
        }
        let mut low = sample();
        low.address = DATA_START - 1;
        assert_eq!(
            BlockPtr::decode(&low.encode()),
            Err(FormatError::BadField("block address"))
        );
        let mut unborn = sample();
        unborn.birth_txg = 0;
        assert_eq!(
            BlockPtr::decode(&unborn.encode()),
            Err(FormatError::BadField("birth txg"))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn valid_pointers_round_trip(
            address in DATA_START..u64::MAX,
            logical_size in 0..=BLOCK_SIZE as u32,
            birth_txg in 1..u64::MAX,
            checksum in any::<[u64; 4]>(),
        ) {
            let bp = BlockPtr { address, logical_size, kind: BlockType::Data, birth_txg, checksum };
            prop_assert_eq!(BlockPtr::decode(&bp.encode()), Ok(bp));
        }

        #[test]
        fn decoding_any_bytes_never_panics_and_re_encodes_exactly(
            bytes in prop::array::uniform32(any::<u8>()),
            tail in prop::array::uniform32(any::<u8>()),
        ) {
            let mut b = [0; BLOCKPTR_LEN];
            b[..32].copy_from_slice(&bytes);
            b[32..].copy_from_slice(&tail);
            if let Ok(bp) = BlockPtr::decode(&b) {
                prop_assert_eq!(bp.encode(), b);
            }
        }
    }
}
