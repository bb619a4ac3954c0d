//! Test data shared by the rootfs tests: compressible text and
//! incompressible noise, the same for the same seed.

use alloc::vec::Vec;

/// Words drawn by a xorshift generator: text that LZ4 halves.
pub fn text(len: usize, seed: u64) -> Vec<u8> {
    let words: [&[u8]; 12] = [
        b"the ", b"quick ", b"brown ", b"fox ", b"jumps ", b"over ", b"a ", b"lazy ", b"dog",
        b". ", b"\n", b"and ",
    ];
    let mut s = seed | 1;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out.extend_from_slice(words[(s % 12) as usize]);
    }
    out.truncate(len);
    out
}

/// Bytes from a xorshift generator: nothing to compress.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}
