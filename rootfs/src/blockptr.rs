//! Block pointers: how every block is reached. A pointer names where the
//! block is, how much data it holds, how that data is stored (as is, or
//! LZ4-compressed, possibly sharing its physical block with other
//! compressed blocks), the XXH3-128 checksum of the bytes it occupies on
//! disk and the transaction that wrote it, so the tree of pointers validates
//! itself (FORMAT.md, "Block pointer").

use core::ops::Range;

use crate::checksum::Checksum;
use crate::format::{
    BLOCK_SIZE, CHECKSUM_LEN, DATA_START, FormatError, get_checksum, get_u32, get_u64,
    put_checksum, put_u32, put_u64,
};

/// Bytes in an encoded block pointer.
pub const BLOCKPTR_LEN: usize = 64;

/// The checksum algorithm byte for XXH3-128, the only one in version 3
/// (1 was Fletcher-4, in versions 1 and 2).
const CHECKSUM_XXH3_128: u8 = 2;

/// The flag byte's bit for "the physical block is shared".
const FLAG_PACKED: u8 = 1;

/// Where the checksum field starts; [`CHECKSUM_LEN`] bytes.
const CHECKSUM_AT: usize = 24;

/// Where the physical offset (u16) and physical size (u16) are.
const PHYSICAL_AT: usize = CHECKSUM_AT + CHECKSUM_LEN;

/// Reserved bytes (zero) after the physical fields.
const RESERVED: Range<usize> = PHYSICAL_AT + 4..BLOCKPTR_LEN;

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

/// How a block's data is stored on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Compression {
    /// As is: the data, then zeros to the end of the physical block.
    Off = 0,
    /// An LZ4 block (the LZ4 block format, no frame, no size prefix) of
    /// `physical_size` bytes that decompresses to exactly `logical_size`.
    Lz4 = 1,
}

impl Compression {
    fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Off),
            1 => Some(Self::Lz4),
            _ => None,
        }
    }
}

/// A pointer to one block: its address, logical size, storage, checksum
/// and birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlockPtr {
    /// The physical block number on the device.
    pub address: u64,
    /// Bytes of data the block holds (at most [`BLOCK_SIZE`]).
    pub logical_size: u32,
    /// What the block holds.
    pub kind: BlockType,
    /// How the data is stored.
    pub compression: Compression,
    /// Whether other compressed blocks share the physical block (only with
    /// [`Compression::Lz4`]). A packed block is never freed through one
    /// of its pointers: mount's reachability walk reclaims it.
    pub packed: bool,
    /// The transaction group that wrote the block.
    pub birth_txg: u64,
    /// XXH3-128 of the bytes [`physical_range`](Self::physical_range) of
    /// the physical block, as written.
    pub checksum: Checksum,
    /// Where the stored bytes start in the physical block (0 unless
    /// compressed; below [`BLOCK_SIZE`]).
    pub physical_offset: u16,
    /// How many bytes are stored: the whole block ([`BLOCK_SIZE`]) when not
    /// compressed, the LZ4 block's length when compressed (a packed one may
    /// run on into the physical block after `address`).
    pub physical_size: u16,
}

impl BlockPtr {
    /// The pointer to nothing: every field zero.
    pub const HOLE: Self = Self {
        address: 0,
        logical_size: 0,
        kind: BlockType::Hole,
        compression: Compression::Off,
        packed: false,
        birth_txg: 0,
        checksum: [0; 2],
        physical_offset: 0,
        physical_size: 0,
    };

    /// A pointer to an uncompressed block of `logical_size` bytes whose
    /// whole physical block has checksum `checksum`.
    pub fn plain(address: u64, logical_size: u32, birth_txg: u64, checksum: Checksum) -> Self {
        Self {
            address,
            logical_size,
            kind: BlockType::Data,
            compression: Compression::Off,
            packed: false,
            birth_txg,
            checksum,
            physical_offset: 0,
            physical_size: BLOCK_SIZE as u16,
        }
    }

    /// Whether this points at no block.
    pub fn is_hole(&self) -> bool {
        self.kind == BlockType::Hole
    }

    /// The bytes that hold this block (and that its checksum covers),
    /// counted from the start of the physical block at `address`: inside
    /// that block, or for a packed block running on into the next one
    /// (`address + 1`), inside the two. `None` if the fields break that.
    pub fn physical_range(&self) -> Option<Range<usize>> {
        let start = usize::from(self.physical_offset);
        let end = start + usize::from(self.physical_size);
        let limit = if self.packed {
            2 * BLOCK_SIZE
        } else {
            BLOCK_SIZE
        };
        (start < BLOCK_SIZE && end <= limit).then_some(start..end)
    }

    /// The physical blocks the stored bytes occupy: 1, or 2 for a packed
    /// block that runs on into the next block.
    pub fn physical_blocks(&self) -> u64 {
        match self.physical_range() {
            Some(r) if r.end > BLOCK_SIZE => 2,
            _ => 1,
        }
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
        b[13] = CHECKSUM_XXH3_128;
        b[14] = self.compression as u8;
        b[15] = if self.packed { FLAG_PACKED } else { 0 };
        put_u64(&mut b, 16, self.birth_txg);
        put_checksum(&mut b, CHECKSUM_AT, self.checksum);
        b[PHYSICAL_AT..PHYSICAL_AT + 2].copy_from_slice(&self.physical_offset.to_le_bytes());
        b[PHYSICAL_AT + 2..PHYSICAL_AT + 4].copy_from_slice(&self.physical_size.to_le_bytes());
        b
    }

    /// Parses a pointer, refusing any field version 3 does not allow.
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
        if b[13] != CHECKSUM_XXH3_128 {
            return Err(FormatError::BadField("checksum algorithm"));
        }
        let compression =
            Compression::from_u8(b[14]).ok_or(FormatError::BadField("compression"))?;
        if b[15] & !FLAG_PACKED != 0 || b[RESERVED].iter().any(|&x| x != 0) {
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
        let bp = Self {
            address,
            logical_size,
            kind,
            compression,
            packed: b[15] & FLAG_PACKED != 0,
            birth_txg,
            checksum: get_checksum(b, CHECKSUM_AT),
            physical_offset: u16::from_le_bytes([b[PHYSICAL_AT], b[PHYSICAL_AT + 1]]),
            physical_size: u16::from_le_bytes([b[PHYSICAL_AT + 2], b[PHYSICAL_AT + 3]]),
        };
        let physical_ok = match compression {
            // Stored as is: the whole block, never shared.
            Compression::Off => {
                !bp.packed && bp.physical_offset == 0 && usize::from(bp.physical_size) == BLOCK_SIZE
            }
            // Some bytes inside the block that stand for some data.
            Compression::Lz4 => {
                bp.physical_size > 0 && logical_size > 0 && bp.physical_range().is_some()
            }
        };
        if !physical_ok {
            return Err(FormatError::BadField("physical extent"));
        }
        Ok(bp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> BlockPtr {
        BlockPtr::plain(
            0x0102_0304_0506_0708,
            4096,
            0x1112_1314_1516_1718,
            [1, u64::MAX],
        )
    }

    fn packed() -> BlockPtr {
        BlockPtr {
            compression: Compression::Lz4,
            packed: true,
            physical_offset: 0x123,
            physical_size: 0x456,
            ..sample()
        }
    }

    #[test]
    fn layout_is_little_endian_at_documented_offsets() {
        let b = sample().encode();
        assert_eq!(&b[0..8], &[8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(&b[8..12], &[0, 0x10, 0, 0]);
        assert_eq!(&b[12..16], &[1, 2, 0, 0]);
        assert_eq!(
            &b[16..24],
            &[0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11]
        );
        assert_eq!(&b[24..32], &1u64.to_le_bytes());
        assert_eq!(&b[32..40], &[0xff; 8]);
        assert_eq!(&b[40..44], &[0, 0, 0, 0x10]);
        assert_eq!(&b[44..64], &[0; 20]);
        assert_eq!(BlockPtr::decode(&b), Ok(sample()));
        let b = packed().encode();
        assert_eq!(&b[12..16], &[1, 2, 1, 1]);
        assert_eq!(&b[40..44], &[0x23, 0x01, 0x56, 0x04]);
        assert_eq!(BlockPtr::decode(&b), Ok(packed()));
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
        let cases: [(usize, u8, &str); 9] = [
            (12, 7, "block type"),
            (13, 1, "checksum algorithm"),
            (14, 2, "compression"),
            (15, 2, "reserved bytes"),
            (15, 1, "physical extent"),
            (40, 1, "physical extent"),
            (44, 1, "reserved bytes"),
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
        for (offset, size, packed) in [
            (0, 0, true),
            (4000, 97, false),
            (0, 4097, false),
            (4096, 1, true),
        ] {
            let bad = BlockPtr {
                physical_offset: offset,
                physical_size: size,
                packed,
                ..self::packed()
            };
            assert_eq!(
                BlockPtr::decode(&bad.encode()),
                Err(FormatError::BadField("physical extent"))
            );
        }
        // A packed block may run on into the next physical block.
        let straddling = BlockPtr {
            physical_offset: 4000,
            physical_size: 4096,
            ..packed()
        };
        assert_eq!(BlockPtr::decode(&straddling.encode()), Ok(straddling));
        assert_eq!(straddling.physical_blocks(), 2);
        assert_eq!(packed().physical_blocks(), 1);
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
            checksum in any::<[u64; 2]>(),
            lz4 in any::<bool>(),
            packed in any::<bool>(),
            physical_offset in 0..BLOCK_SIZE as u16,
            physical_size in 1..=BLOCK_SIZE as u16,
        ) {
            let mut bp = BlockPtr::plain(address, logical_size, birth_txg, checksum);
            if lz4 && logical_size > 0 {
                bp.compression = Compression::Lz4;
                bp.packed = packed;
                bp.physical_offset = physical_offset;
                bp.physical_size = if packed {
                    physical_size
                } else {
                    physical_size.min(BLOCK_SIZE as u16 - physical_offset)
                };
            }
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
