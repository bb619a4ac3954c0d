//! Block checksums: XXH3-128 (the xxHash specification, `doc/xxhash_spec.md`
//! in the xxHash repository; computed by the `xxhash-rust` crate). Every
//! block pointer carries the checksum of the bytes its block occupies on
//! disk, and the label and every uberblock carry their own, so corruption
//! reads as `EIO`, never as wrong data.
//!
//! XXH3-128 replaces the Fletcher-4 of format versions 1 and 2. Fletcher-4
//! sums words, so every all-zero input sums to zero whatever its length and
//! it needs whole 32-bit words; XXH3 mixes every input bit (and the length)
//! into every output bit, takes any length (a compressed block is not a
//! whole number of words), and is as fast. 128 bits make an accidental match
//! of a damaged block negligible (2^-128).
//!
//! A checksum is two `u64`s: the hash's low 64 bits, then its high 64 bits,
//! stored in that order, little-endian (FORMAT.md, "Conventions").

/// A block or structure checksum: XXH3-128 as `[low 64 bits, high 64 bits]`.
pub type Checksum = [u64; 2];

/// The XXH3-128 checksum of `data` (seed 0, the default secret).
pub fn xxh3(data: &[u8]) -> Checksum {
    let h = xxhash_rust::xxh3::xxh3_128(data);
    [h as u64, (h >> 64) as u64]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    }

    /// Known answers of the reference implementation (libxxhash 0.8,
    /// `XXH3_128bits`), covering each of XXH3's input-length paths: empty,
    /// 1..=3, 129..=240 bytes, and the long-input loop (more than 240).
    #[test]
    fn reference_vectors() {
        let cases: [(&[u8], Checksum); 3] = [
            (b"", [0x6001_c324_468d_497f, 0x99aa_06d3_0147_98d8]),
            (b"a", [0xe6c6_32b6_1e96_4e1f, 0xa96f_af70_5af1_6834]),
            (b"abc", [0x78af_5f94_892f_3950, 0x06b0_5ab6_733a_6185]),
        ];
        for (data, want) in cases {
            assert_eq!(xxh3(data), want, "{data:?}");
        }
        assert_eq!(
            xxh3(&[b'x'; 129]),
            [0xae9e_c8f2_9e5b_aa27, 0xe7f1_abc9_2bce_4135]
        );
        assert_eq!(
            xxh3(&[0; 240]),
            [0xa499_f0a8_0fd3_850a, 0x0550_e1dd_88b6_c17c]
        );
        assert_eq!(
            xxh3(&pattern(4096, 7)),
            [0xb93d_55f4_7652_30b9, 0x100e_6394_8f1e_1395]
        );
    }

    #[test]
    fn zero_runs_of_different_lengths_differ() {
        // Fletcher-4 gives every all-zero block the same (zero) checksum;
        // XXH3 mixes the length in.
        let sums: Vec<Checksum> = [0, 4, 8, 4096].iter().map(|&n| xxh3(&vec![0; n])).collect();
        for (i, a) in sums.iter().enumerate() {
            for b in &sums[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    proptest! {
        #[test]
        fn any_single_bit_flip_in_a_block_is_detected(
            block in prop::collection::vec(any::<u8>(), 4096),
            bit in 0usize..4096 * 8,
        ) {
            let mut flipped = block.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            prop_assert_ne!(xxh3(&block), xxh3(&flipped));
        }

        #[test]
        fn swapping_two_different_bytes_is_detected(
            block in prop::collection::vec(any::<u8>(), 1..4096),
            i in any::<prop::sample::Index>(),
            j in any::<prop::sample::Index>(),
        ) {
            let (i, j) = (i.index(block.len()), j.index(block.len()));
            prop_assume!(block[i] != block[j]);
            let mut swapped = block.clone();
            swapped.swap(i, j);
            prop_assert_ne!(xxh3(&block), xxh3(&swapped));
        }
    }
}
