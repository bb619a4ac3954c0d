//! Block checksums: Fletcher-4 as ZFS computes it (module/zcommon/zfs_fletcher.c,
//! `fletcher_4_native`). Every block pointer will carry the checksum of the
//! block it points at, so corruption reads as `EIO`, never as wrong data.
//!
//! The data is read as little-endian 32-bit words `w`; four 64-bit sums run
//! over them, each wrapping modulo 2^64 as C's `uint64_t` does:
//!
//! ```text
//! a += w;  b += a;  c += b;  d += c;
//! ```
//!
//! `b`, `c` and `d` weight each word by its position, so unlike a plain sum
//! the checksum changes when words are reordered.

use core::fmt;

/// The data's length is not a multiple of 4, so it is not made of whole words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnalignedLength(pub usize);

impl fmt::Display for UnalignedLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Fletcher-4 needs whole 32-bit words, got {} bytes",
            self.0
        )
    }
}

impl core::error::Error for UnalignedLength {}

/// The Fletcher-4 checksum `[a, b, c, d]` of `data`, whose length must be a
/// multiple of 4.
pub fn fletcher4(data: &[u8]) -> Result<[u64; 4], UnalignedLength> {
    if !data.len().is_multiple_of(4) {
        return Err(UnalignedLength(data.len()));
    }
    let (mut a, mut b, mut c, mut d) = (0u64, 0u64, 0u64, 0u64);
    for word in data.chunks_exact(4) {
        let w = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        a = a.wrapping_add(u64::from(w));
        b = b.wrapping_add(a);
        c = c.wrapping_add(b);
        d = d.wrapping_add(c);
    }
    Ok([a, b, c, d])
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn words(ws: &[u32]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn hand_computed_vectors() {
        assert_eq!(fletcher4(&[]), Ok([0, 0, 0, 0]));
        // One word: every sum is the word. Bytes 01 02 03 04 read little-endian.
        assert_eq!(fletcher4(&[1, 2, 3, 4]), Ok([0x0403_0201; 4]));
        // [1, 2]: a = 1, 3; b = 1, 1+3 = 4; c = 1, 1+4 = 5; d = 1, 1+5 = 6.
        assert_eq!(fletcher4(&words(&[1, 2])), Ok([3, 4, 5, 6]));
        // [1, 2, 3]: a = 6; b = 4+6 = 10; c = 5+10 = 15; d = 6+15 = 21.
        assert_eq!(fletcher4(&words(&[1, 2, 3])), Ok([6, 10, 15, 21]));
        // [3, 2, 1]: a = 3, 5, 6; b = 3, 8, 14; c = 3, 11, 25; d = 3, 14, 39.
        assert_eq!(fletcher4(&words(&[3, 2, 1])), Ok([6, 14, 25, 39]));
        // [w, w] with w = 2^32 - 1: a = 2w, b = w + 2w = 3w, c = w + 3w = 4w,
        // d = w + 4w = 5w.
        let w = u64::from(u32::MAX);
        assert_eq!(
            fletcher4(&words(&[u32::MAX, u32::MAX])),
            Ok([2 * w, 3 * w, 4 * w, 5 * w])
        );
    }

    #[test]
    fn sums_wrap_like_uint64() {
        // n copies of w give a = n w, b = C(n+1, 2) w, c = C(n+2, 3) w,
        // d = C(n+3, 4) w, all modulo 2^64; d wraps many times here.
        let n: u128 = 1 << 16;
        let w = u128::from(u32::MAX);
        let data = vec![0xff; (n as usize) * 4];
        let expected = [
            n * w,
            n * (n + 1) / 2 * w,
            n * (n + 1) * (n + 2) / 6 * w,
            n * (n + 1) * (n + 2) * (n + 3) / 24 * w,
        ]
        .map(|x| x as u64);
        assert!(n * (n + 1) * (n + 2) * (n + 3) / 24 * w > u128::from(u64::MAX));
        assert_eq!(fletcher4(&data), Ok(expected));
    }

    #[test]
    fn partial_words_are_refused() {
        for len in [1, 2, 3, 5, 4095] {
            assert_eq!(fletcher4(&vec![0; len]), Err(UnalignedLength(len)));
        }
        assert_eq!(
            UnalignedLength(7).to_string(),
            "Fletcher-4 needs whole 32-bit words, got 7 bytes"
        );
    }

    #[test]
    fn reordered_words_differ() {
        let data = words(&[1, 2, 3]);
        let swapped = words(&[2, 1, 3]);
        let a = fletcher4(&data).unwrap();
        let b = fletcher4(&swapped).unwrap();
        assert_eq!(a[0], b[0], "the plain sum cannot tell");
        assert_ne!(a, b);
    }

    proptest! {
        #[test]
        fn any_single_bit_flip_in_a_block_is_detected(
            block in prop::collection::vec(any::<u8>(), 4096),
            bit in 0usize..4096 * 8,
        ) {
            let mut flipped = block.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            prop_assert_ne!(fletcher4(&block).unwrap(), fletcher4(&flipped).unwrap());
        }

        #[test]
        fn swapping_two_different_words_is_detected(
            block in prop::collection::vec(any::<u32>(), 1024),
            i in 0usize..1024,
            j in 0usize..1024,
        ) {
            prop_assume!(block[i] != block[j]);
            let mut swapped = block.clone();
            swapped.swap(i, j);
            prop_assert_ne!(fletcher4(&words(&block)), fletcher4(&words(&swapped)));
        }
    }
}
