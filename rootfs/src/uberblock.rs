//! Uberblocks: the roots of the pool's history. Each committed transaction
//! group writes one into the next slot of a ring; mount takes the newest
//! whose own checksum and whose root block verify (FORMAT.md, "Uberblock").

use crate::blockptr::{BLOCKPTR_LEN, BlockPtr};
use crate::format::{
    CHECKSUM_LEN, FormatError, VERSION, check_sealed, get_u32, get_u64, put_u32, put_u64, seal,
};

/// Bytes in an encoded uberblock; the rest of its slot is zero.
pub const UBERBLOCK_LEN: usize = 144;

/// The first eight bytes of every uberblock.
pub const UBERBLOCK_MAGIC: [u8; 8] = *b"SOLEUBER";

/// Reserved bytes (zero) between the root pointer and the self-checksum.
const RESERVED: core::ops::Range<usize> = 112..128;

/// Where the self-checksum starts: it covers every byte before it, and the
/// uberblock ends with it.
const CHECKSUM_OFFSET: usize = UBERBLOCK_LEN - CHECKSUM_LEN;

/// One committed transaction group: the root it left and where the
/// allocator stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uberblock {
    /// The pool this belongs to (the label's GUID), so a reformatted device
    /// never mounts an earlier pool's leftovers.
    pub pool_guid: u64,
    /// The transaction group number; higher is newer.
    pub txg: u64,
    /// When the group committed, in nanoseconds since the Unix epoch
    /// (0 in deterministic images).
    pub timestamp_ns: u64,
    /// The first block the allocator has never handed out (FORMAT.md,
    /// "Free space").
    pub next_free: u64,
    /// The root of everything this group left.
    pub root: BlockPtr,
}

impl Uberblock {
    /// The uberblock's on-disk bytes, self-checksum included.
    pub fn encode(&self) -> [u8; UBERBLOCK_LEN] {
        let mut b = [0; UBERBLOCK_LEN];
        b[0..8].copy_from_slice(&UBERBLOCK_MAGIC);
        put_u32(&mut b, 8, VERSION);
        put_u64(&mut b, 16, self.pool_guid);
        put_u64(&mut b, 24, self.txg);
        put_u64(&mut b, 32, self.timestamp_ns);
        put_u64(&mut b, 40, self.next_free);
        b[48..48 + BLOCKPTR_LEN].copy_from_slice(&self.root.encode());
        seal(&mut b, CHECKSUM_OFFSET);
        b
    }

    /// Parses an uberblock: magic, then its own checksum, then the fields.
    pub fn decode(b: &[u8; UBERBLOCK_LEN]) -> Result<Self, FormatError> {
        check_sealed(b, &UBERBLOCK_MAGIC, CHECKSUM_OFFSET)?;
        if get_u32(b, 12) != 0 || b[RESERVED].iter().any(|&x| x != 0) {
            return Err(FormatError::BadField("reserved bytes"));
        }
        let mut root = [0; BLOCKPTR_LEN];
        root.copy_from_slice(&b[48..48 + BLOCKPTR_LEN]);
        let root = BlockPtr::decode(&root)?;
        let txg = get_u64(b, 24);
        if root.birth_txg > txg {
            return Err(FormatError::BadField("root birth txg"));
        }
        Ok(Self {
            pool_guid: get_u64(b, 16),
            txg,
            timestamp_ns: get_u64(b, 32),
            next_free: get_u64(b, 40),
            root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Uberblock {
        Uberblock {
            pool_guid: 0xfeed,
            txg: 42,
            timestamp_ns: 1_700_000_000_000_000_000,
            next_free: 99,
            root: BlockPtr::plain(98, 100, 42, [5, 6]),
        }
    }

    #[test]
    fn layout_is_little_endian_at_documented_offsets() {
        let ub = sample();
        let b = ub.encode();
        assert_eq!(&b[0..8], b"SOLEUBER");
        assert_eq!(&b[8..12], &3u32.to_le_bytes());
        assert_eq!(&b[12..16], &[0; 4]);
        assert_eq!(&b[16..24], &0xfeedu64.to_le_bytes());
        assert_eq!(&b[24..32], &42u64.to_le_bytes());
        assert_eq!(&b[32..40], &ub.timestamp_ns.to_le_bytes());
        assert_eq!(&b[40..48], &99u64.to_le_bytes());
        assert_eq!(&b[48..112], &ub.root.encode());
        assert_eq!(&b[112..128], &[0; 16]);
        let sum = crate::checksum::xxh3(&b[..128]);
        assert_eq!(crate::format::get_checksum(&b, 128), sum);
        assert_eq!(Uberblock::decode(&b), Ok(ub));
    }

    #[test]
    fn damage_is_refused() {
        let good = sample().encode();
        let mut b = good;
        b[0] ^= 1;
        assert_eq!(Uberblock::decode(&b), Err(FormatError::BadMagic));
        for offset in [8, 24, 50, 111, 112, 127, 128, 143] {
            let mut b = good;
            b[offset] ^= 0x40;
            assert_eq!(
                Uberblock::decode(&b),
                Err(FormatError::BadChecksum),
                "offset {offset}"
            );
        }
        // A torn write: the first half new, the second half from an older slot.
        let mut torn = good;
        torn[72..].copy_from_slice(&[0; UBERBLOCK_LEN - 72]);
        assert_eq!(Uberblock::decode(&torn), Err(FormatError::BadChecksum));
    }

    #[test]
    fn a_later_version_is_named_not_misread() {
        let mut b = sample().encode();
        put_u32(&mut b, 8, 4);
        seal(&mut b, CHECKSUM_OFFSET);
        assert_eq!(
            Uberblock::decode(&b),
            Err(FormatError::UnsupportedVersion(4))
        );
        let mut b = sample().encode();
        put_u32(&mut b, 8, 2);
        assert_eq!(
            Uberblock::decode(&b),
            Err(FormatError::UnsupportedVersion(2))
        );
    }

    #[test]
    fn a_root_born_after_its_group_is_refused() {
        let mut ub = sample();
        ub.root.birth_txg = ub.txg + 1;
        assert_eq!(
            Uberblock::decode(&ub.encode()),
            Err(FormatError::BadField("root birth txg"))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn round_trips(guid: u64, txg in 1..u64::MAX, ts: u64, next_free: u64, hole: bool) {
            let mut ub = sample();
            ub.pool_guid = guid;
            ub.txg = txg;
            ub.timestamp_ns = ts;
            ub.next_free = next_free;
            ub.root.birth_txg = txg;
            if hole {
                ub.root = BlockPtr::HOLE;
            }
            prop_assert_eq!(Uberblock::decode(&ub.encode()), Ok(ub));
        }

        #[test]
        fn any_single_bit_flip_is_caught(bit in 0..UBERBLOCK_LEN * 8) {
            let mut b = sample().encode();
            b[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(Uberblock::decode(&b).is_err());
        }
    }
}
