//! LZ4 compression and packing at the pool (FORMAT.md, "Compression"):
//! what is stored compressed, how packed blocks share physical blocks, and
//! that damage to one compressed block is caught before decompression and
//! touches no other.

use super::*;
use crate::device::MemDevice;
use crate::testdata::{noise, text};
use proptest::prelude::*;

const GUID: u64 = 0x5eed_0002;

fn fresh(blocks: u64) -> Pool<MemDevice> {
    Pool::format(MemDevice::new(BLOCK_SIZE, blocks).unwrap(), GUID).unwrap()
}

/// A test root holding the pointers `bps`.
fn root_of(pool: &mut Pool<MemDevice>, bps: &[BlockPtr]) -> BlockPtr {
    let bytes: Vec<u8> = bps.iter().flat_map(|bp| bp.encode()).collect();
    pool.write_block(&bytes).unwrap()
}

#[test]
fn compressible_blocks_are_stored_compressed_and_others_as_is() {
    let mut pool = fresh(64);
    let t = text(BLOCK_SIZE, 1);
    let bp = pool.write_compressible(&t).unwrap();
    assert_eq!(bp.compression, Compression::Lz4);
    assert!(!bp.packed);
    assert_eq!((bp.physical_offset, bp.logical_size), (0, 4096));
    assert!(usize::from(bp.physical_size) <= BLOCK_SIZE * 7 / 8);
    let n = noise(BLOCK_SIZE, 2);
    let raw = pool.write_compressible(&n).unwrap();
    assert_eq!(raw.compression, Compression::Off);
    assert_eq!(raw.physical_size as usize, BLOCK_SIZE);
    // Short blocks: too small to gain an eighth, or plainly compressible.
    let tiny = pool.write_compressible(b"abc").unwrap();
    assert_eq!(tiny.compression, Compression::Off);
    let zeros_then_text = [vec![0; 3000], text(1000, 3)].concat();
    let mixed = pool.write_compressible(&zeros_then_text).unwrap();
    assert_eq!(mixed.compression, Compression::Lz4);
    assert_eq!(mixed.logical_size, 4000);

    let root = root_of(&mut pool, &[bp, raw, tiny, mixed]);
    pool.commit(root, 0).unwrap();
    let mut pool = Pool::mount(pool.into_device()).unwrap();
    assert_eq!(pool.read_block(&bp).unwrap(), t);
    assert_eq!(pool.read_block(&raw).unwrap(), n);
    assert_eq!(pool.read_block(&tiny).unwrap(), b"abc");
    assert_eq!(pool.read_block(&mixed).unwrap(), zeros_then_text);
    assert_eq!(pool.checksum_errors(), 0);
}

#[test]
fn packed_blocks_share_physical_blocks_and_read_back() {
    let mut pool = fresh(256);
    pool.set_packing(true);
    let datas: Vec<Vec<u8>> = (0..100).map(|i| text(BLOCK_SIZE, i)).collect();
    let before = pool.frontier();
    let mut bps = Vec::new();
    for d in &datas {
        bps.push(pool.write_compressible(d).unwrap());
    }
    // Before the commit, the block being packed is read from memory.
    assert_eq!(pool.read_block(&bps[99]).unwrap(), datas[99]);
    let physical = pool.frontier() - before;
    // LZ4 has no entropy coder: this text (three bits of choice per
    // word) comes to about half.
    assert!(
        physical <= 60,
        "100 text blocks take {physical} physical blocks"
    );
    assert!(bps.iter().all(|bp| bp.packed));
    // Byte-granular, end to end; a block that does not fit runs on into
    // the next physical block.
    for pair in bps.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let end = usize::from(a.physical_offset) + usize::from(a.physical_size);
        if a.address == b.address {
            assert_eq!(end, usize::from(b.physical_offset));
        } else {
            assert_eq!(b.address, a.address + 1);
            assert_eq!(
                usize::from(b.physical_offset),
                end.saturating_sub(BLOCK_SIZE)
            );
        }
    }
    assert!(bps.iter().any(|bp| bp.physical_blocks() == 2));
    let roots: Vec<BlockPtr> = bps.chunks(64).map(|c| root_of(&mut pool, c)).collect();
    let root = root_of(&mut pool, &roots);
    pool.commit(root, 0).unwrap();
    let mut pool = Pool::mount(pool.into_device()).unwrap();
    for (bp, d) in bps.iter().zip(&datas) {
        assert_eq!(&pool.read_block(bp).unwrap(), d);
    }
}

#[test]
fn damage_to_one_packed_block_spares_its_neighbours() {
    let mut pool = fresh(64);
    pool.set_packing(true);
    let datas: Vec<Vec<u8>> = (0..6).map(|i| text(BLOCK_SIZE, i + 10)).collect();
    let bps: Vec<BlockPtr> = datas
        .iter()
        .map(|d| pool.write_compressible(d).unwrap())
        .collect();
    let root = root_of(&mut pool, &bps);
    pool.commit(root, 0).unwrap();
    let victim = bps[1];
    assert_eq!(victim.address, bps[0].address);
    let mut dev = pool.into_device();
    let mut block = vec![0; BLOCK_SIZE];
    dev.read_block(victim.address, &mut block).unwrap();
    block[usize::from(victim.physical_offset) + 3] ^= 0x20;
    dev.write_block(victim.address, &block).unwrap();
    let mut pool = Pool::mount(dev).unwrap();
    for (i, (bp, d)) in bps.iter().zip(&datas).enumerate() {
        let got = pool.read_block(bp);
        if i == 1 {
            assert_eq!(got, Err(Error::Checksum { block: bp.address }));
        } else {
            assert_eq!(&got.unwrap(), d);
        }
    }
    assert_eq!(pool.checksum_errors(), 1);
}

#[test]
fn a_block_that_does_not_decompress_to_its_size_is_an_error() {
    let mut pool = fresh(64);
    let t = text(BLOCK_SIZE, 4);
    let bp = pool.write_compressible(&t).unwrap();
    pool.commit(BlockPtr::HOLE, 0).unwrap();
    // The checksum matches, but the pointer claims another size.
    for logical_size in [1, 4095] {
        let lying = BlockPtr { logical_size, ..bp };
        assert_eq!(
            pool.read_block(&lying),
            Err(Error::Decompress { block: bp.address })
        );
    }
    // Bytes that verify but are no LZ4 block at all.
    let raw = pool.write_block(&[0xff; 100]).unwrap();
    let forged = BlockPtr {
        compression: Compression::Lz4,
        physical_size: 100,
        checksum: crate::checksum::xxh3(&[0xff; 100]),
        ..raw
    };
    assert_eq!(
        pool.read_block(&forged),
        Err(Error::Decompress { block: raw.address })
    );
    assert_eq!(pool.checksum_errors(), 3);
    assert_eq!(pool.read_block(&bp).unwrap(), t);
}

#[test]
fn packed_blocks_are_never_freed_through_a_pointer() {
    let mut pool = fresh(64);
    pool.set_packing(true);
    let a = pool.write_compressible(&text(BLOCK_SIZE, 5)).unwrap();
    let b = pool.write_compressible(&text(BLOCK_SIZE, 6)).unwrap();
    assert_eq!(a.address, b.address);
    let root = root_of(&mut pool, &[b]);
    pool.commit(root, 0).unwrap();
    let free = pool.free_blocks();
    pool.free_block(&a);
    for _ in 0..=RING_SLOTS {
        pool.commit(root, 0).unwrap();
    }
    assert_eq!(pool.free_blocks(), free);
    // An unpacked compressed block is its own: it is freed as usual.
    pool.set_packing(false);
    let c = pool.write_compressible(&text(BLOCK_SIZE, 7)).unwrap();
    assert!(!c.packed && c.compression == Compression::Lz4);
    pool.commit(root, 0).unwrap();
    let free = pool.free_blocks();
    pool.free_block(&c);
    for _ in 0..=RING_SLOTS {
        pool.commit(root, 0).unwrap();
    }
    assert_eq!(pool.free_blocks(), free + 1);
}

#[test]
fn a_failed_commit_drops_the_block_being_packed() {
    let mut pool = fresh(64);
    pool.set_packing(true);
    let frontier = pool.frontier();
    pool.write_compressible(&text(BLOCK_SIZE, 8)).unwrap();
    pool.discard_open();
    assert_eq!(pool.frontier(), frontier);
    let bp = pool.write_compressible(&text(BLOCK_SIZE, 9)).unwrap();
    assert_eq!(bp.address, frontier);
    assert_eq!(bp.physical_offset, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the data and placement, what is read is what was written.
    #[test]
    fn any_data_round_trips(
        blocks in prop::collection::vec(
            (0usize..=BLOCK_SIZE, any::<u64>(), 0u8..3),
            1..24,
        ),
        packing in any::<bool>(),
    ) {
        let mut pool = fresh(64);
        pool.set_packing(packing);
        let mut written = Vec::new();
        for (len, seed, kind) in blocks {
            let data = match kind {
                0 => text(len, seed),
                1 => noise(len, seed),
                _ => vec![(seed % 3) as u8; len],
            };
            let bp = pool.write_compressible(&data).unwrap();
            written.push((bp, data));
        }
        let bps: Vec<BlockPtr> = written.iter().map(|(bp, _)| *bp).collect();
        let root = root_of(&mut pool, &bps);
        pool.commit(root, 0).unwrap();
        let mut pool = Pool::mount(pool.into_device()).unwrap();
        for (bp, data) in &written {
            prop_assert_eq!(&pool.read_block(bp).unwrap(), data);
        }
    }
}
