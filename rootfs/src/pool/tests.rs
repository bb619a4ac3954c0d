use super::*;
use crate::blockptr::BLOCKPTR_LEN;
use crate::device::MemDevice;
use crate::format::MIN_BLOCKS;
use alloc::string::ToString;
use proptest::prelude::*;

const GUID: u64 = 0x5eed_0001;
const BLOCKS: u64 = 64;

fn fresh() -> Pool<MemDevice> {
    Pool::format(MemDevice::new(BLOCK_SIZE, BLOCKS).unwrap(), GUID).unwrap()
}

fn remount(pool: Pool<MemDevice>) -> Pool<MemDevice> {
    Pool::mount(pool.into_device()).unwrap()
}

/// A test root: the encoded pointers of the blocks it holds.
fn root_of<D: BlockDevice>(pool: &mut Pool<D>, bps: &[BlockPtr]) -> BlockPtr {
    let bytes: Vec<u8> = bps.iter().flat_map(|bp| bp.encode()).collect();
    pool.write_block(&bytes).unwrap()
}

fn pointers_in(root: &[u8]) -> Vec<BlockPtr> {
    root.chunks_exact(BLOCKPTR_LEN)
        .map(|c| BlockPtr::decode(c.try_into().unwrap()).unwrap())
        .collect()
}

/// Overwrites `len` bytes of block `n` at `offset` with their complement.
fn damage(dev: &mut MemDevice, n: u64, offset: usize, len: usize) {
    let mut block = vec![0; BLOCK_SIZE];
    dev.read_block(n, &mut block).unwrap();
    for b in &mut block[offset..offset + len] {
        *b = !*b;
    }
    dev.write_block(n, &block).unwrap();
}

#[test]
fn a_fresh_pool_mounts_empty() {
    let pool = remount(fresh());
    assert_eq!(pool.txg(), 0);
    assert!(pool.root().is_hole());
    assert_eq!(pool.slot(), 0);
    assert_eq!(pool.free_blocks(), BLOCKS - DATA_START - 1);
    assert_eq!(pool.label().pool_guid, GUID);
}

#[test]
fn format_is_deterministic_and_erases_an_earlier_pool() {
    let a = fresh().into_device();
    let b = fresh().into_device();
    assert_eq!(a, b);

    let mut old = fresh();
    for _ in 0..5 {
        let bp = old.write_block(b"old").unwrap();
        old.commit(bp, 0).unwrap();
    }
    let again = Pool::format(old.into_device(), GUID).unwrap();
    let again = remount(again);
    assert_eq!(again.txg(), 0, "no uberblock of the old pool survives");
}

#[test]
fn wrong_geometry_is_refused() {
    let small = MemDevice::new(BLOCK_SIZE, MIN_BLOCKS - 1).unwrap();
    assert_eq!(Pool::format(small, 1).unwrap_err(), Error::Geometry);
    let sectors = MemDevice::new(512, 1024).unwrap();
    assert_eq!(
        Pool::format(sectors.clone(), 1).unwrap_err(),
        Error::Geometry
    );
    assert_eq!(Pool::mount(sectors).unwrap_err(), Error::Geometry);
    // An image grown after formatting no longer matches its label.
    let mut image = fresh().into_device().into_bytes();
    image.extend_from_slice(&[0; BLOCK_SIZE]);
    let grown = MemDevice::from_bytes(BLOCK_SIZE, image).unwrap();
    assert_eq!(Pool::mount(grown).unwrap_err(), Error::Geometry);
}

#[test]
fn blocks_round_trip_before_and_after_commit_and_remount() {
    let mut pool = fresh();
    let payloads: [&[u8]; 4] = [b"", b"x", &[0xa5; 1000], &[0x5a; BLOCK_SIZE]];
    let bps: Vec<BlockPtr> = payloads
        .iter()
        .map(|p| pool.write_block(p).unwrap())
        .collect();
    for (bp, p) in bps.iter().zip(payloads) {
        assert_eq!(bp.birth_txg, 1);
        assert_eq!(bp.logical_size as usize, p.len());
        assert_eq!(
            pool.read_block(bp).unwrap(),
            p,
            "readable while the group is open"
        );
    }
    let root = root_of(&mut pool, &bps);
    assert_eq!(pool.commit(root, 123).unwrap(), 1);

    let mut pool = remount(pool);
    assert_eq!(pool.txg(), 1);
    assert_eq!(pool.uberblock().timestamp_ns, 123);
    let root = pool.read_block(&pool.root()).unwrap();
    let found = pointers_in(&root);
    assert_eq!(found, bps);
    for (bp, p) in found.iter().zip(payloads) {
        assert_eq!(pool.read_block(bp).unwrap(), p);
    }
    assert_eq!(pool.checksum_errors(), 0);
}

#[test]
fn oversized_writes_and_foreign_pointers_are_refused() {
    let mut pool = fresh();
    assert_eq!(
        pool.write_block(&[0; BLOCK_SIZE + 1]).unwrap_err(),
        Error::TooLarge {
            len: BLOCK_SIZE + 1
        }
    );
    let good = pool.write_block(b"data").unwrap();
    let beyond = BlockPtr {
        address: BLOCKS - 1,
        ..good
    };
    let future = BlockPtr {
        birth_txg: 2,
        ..good
    };
    for bp in [beyond, future] {
        assert_eq!(pool.read_block(&bp).unwrap_err(), Error::BadBlockPtr);
        assert_eq!(pool.commit(bp, 0).unwrap_err(), Error::BadBlockPtr);
    }
    let unwritten = BlockPtr {
        address: good.address + 1,
        ..good
    };
    assert_eq!(pool.commit(unwritten, 0).unwrap_err(), Error::BadBlockPtr);
    assert_eq!(pool.read_block(&BlockPtr::HOLE).unwrap(), b"");
}

#[test]
fn a_corrupt_block_reads_as_a_counted_checksum_error() {
    let mut pool = fresh();
    let bp = pool.write_block(b"precious").unwrap();
    let other = pool.write_block(b"bystander").unwrap();
    pool.commit(bp, 0).unwrap();
    let mut dev = pool.into_device();
    // Damage past the logical size: the padding is checksummed too.
    damage(&mut dev, bp.address, 100, 1);
    let mut pool = Pool::mount(dev).unwrap();
    // The root itself is damaged, so mount fell back to the empty group.
    assert_eq!(pool.txg(), 0);
    assert_eq!(pool.checksum_errors(), 1);
    assert_eq!(
        pool.read_block(&bp).unwrap_err(),
        Error::Checksum { block: bp.address }
    );
    assert_eq!(pool.read_block(&bp).unwrap_err().to_string(), {
        let n = bp.address;
        alloc::format!("checksum mismatch in block {n}")
    });
    assert_eq!(pool.checksum_errors(), 3);
    assert_eq!(pool.read_block(&other).unwrap(), b"bystander");
}

#[test]
fn mount_takes_the_newest_group_across_ring_wraparound() {
    let mut pool = fresh();
    let mut last = BlockPtr::HOLE;
    for i in 0..(RING_SLOTS * 2 + 3) {
        last = pool.write_block(&i.to_le_bytes()).unwrap();
        pool.commit(last, i).unwrap();
    }
    let txg = pool.txg();
    assert_eq!(txg, RING_SLOTS * 2 + 3);
    let mut pool = remount(pool);
    assert_eq!(pool.txg(), txg);
    assert_eq!(pool.slot(), txg % RING_SLOTS);
    assert_eq!(pool.root(), last);
    assert_eq!(pool.read_block(&last).unwrap(), (txg - 1).to_le_bytes());
}

/// A pool with groups 1..=3, each root holding its txg; returns the device.
fn three_groups() -> MemDevice {
    let mut pool = fresh();
    for txg in 1..=3u64 {
        let root = pool.write_block(&txg.to_le_bytes()).unwrap();
        assert_eq!(pool.commit(root, txg).unwrap(), txg);
    }
    pool.into_device()
}

fn mounted_root(dev: MemDevice) -> (u64, Vec<u8>) {
    let mut pool = Pool::mount(dev).unwrap();
    let root = pool.root();
    (pool.txg(), pool.read_block(&root).unwrap())
}

#[test]
fn a_torn_or_corrupt_newest_slot_is_skipped() {
    assert_eq!(
        mounted_root(three_groups()),
        (3, 3u64.to_le_bytes().to_vec())
    );
    // Group 3 lives in slot 3: tear it (its tail never reached the disk).
    let mut torn = three_groups();
    let mut block = vec![0; BLOCK_SIZE];
    torn.read_block(RING_START + 3, &mut block).unwrap();
    block[64..].fill(0);
    torn.write_block(RING_START + 3, &block).unwrap();
    assert_eq!(mounted_root(torn), (2, 2u64.to_le_bytes().to_vec()));
    // A single flipped bit anywhere in the uberblock.
    for offset in [0, 9, 30, 60, 120] {
        let mut dev = three_groups();
        damage(&mut dev, RING_START + 3, offset, 1);
        assert_eq!(mounted_root(dev).0, 2, "offset {offset}");
    }
}

#[test]
fn a_newest_group_whose_root_fails_is_skipped_and_outranked() {
    let mut dev = three_groups();
    let root3 = DATA_START + 2;
    damage(&mut dev, root3, 0, 8);
    let mut pool = Pool::mount(dev).unwrap();
    assert_eq!(pool.txg(), 2);
    assert_eq!(pool.checksum_errors(), 1);
    // Group 3's uberblock still decodes, so the next group is 4, and it
    // takes the slot after group 2's (overwriting group 3's).
    let root = pool.write_block(b"four").unwrap();
    assert_eq!(root.address, root3, "group 3's blocks are free again");
    assert_eq!(pool.commit(root, 0).unwrap(), 4);
    assert_eq!(pool.slot(), 3);
    assert_eq!(mounted_root(pool.into_device()), (4, b"four".to_vec()));
}

#[test]
fn no_valid_uberblock_is_an_error_not_a_panic() {
    let mut dev = three_groups();
    for slot in 0..RING_SLOTS {
        damage(&mut dev, RING_START + slot, 0, 1);
    }
    assert_eq!(Pool::mount(dev).unwrap_err(), Error::NoValidUberblock);
}

#[test]
fn uberblocks_of_another_pool_are_ignored() {
    let mut dev = three_groups();
    let mut foreign = Pool::format(MemDevice::new(BLOCK_SIZE, BLOCKS).unwrap(), GUID + 1).unwrap();
    for _ in 0..5 {
        let bp = foreign.write_block(b"foreign").unwrap();
        foreign.commit(bp, 0).unwrap();
    }
    let mut block = vec![0; BLOCK_SIZE];
    let mut foreign = foreign.into_device();
    foreign.read_block(RING_START + 5, &mut block).unwrap();
    dev.write_block(RING_START + 5, &block).unwrap();
    assert_eq!(mounted_root(dev).0, 3);
}

#[test]
fn the_second_label_stands_in_for_a_damaged_first() {
    let mut dev = three_groups();
    damage(&mut dev, 0, 10, 4);
    assert_eq!(mounted_root(dev.clone()).0, 3);
    damage(&mut dev, BLOCKS - 1, 0, 1);
    assert_eq!(
        Pool::mount(dev).unwrap_err(),
        Error::NoLabel(FormatError::BadChecksum)
    );
}

#[test]
fn a_full_pool_says_so_and_stays_usable() {
    let mut pool = fresh();
    let mut bps = Vec::new();
    loop {
        match pool.write_block(&(bps.len() as u64).to_le_bytes()) {
            Ok(bp) => bps.push(bp),
            Err(e) => {
                assert_eq!(e, Error::NoSpace);
                break;
            }
        }
    }
    assert_eq!(bps.len() as u64, BLOCKS - DATA_START - 1);
    assert_eq!(pool.free_blocks(), 0);
    let last = *bps.last().unwrap();
    pool.commit(last, 0).unwrap();
    let mut pool = remount(pool);
    assert_eq!(pool.free_blocks(), 0);
    assert_eq!(pool.write_block(b"more").unwrap_err(), Error::NoSpace);
    assert_eq!(
        pool.read_block(&last).unwrap(),
        (bps.len() as u64 - 1).to_le_bytes()
    );
    // Committing a new root with no new blocks still works.
    pool.commit(bps[0], 1).unwrap();
    assert_eq!(mounted_root(pool.into_device()).1, 0u64.to_le_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random writes and commits: no block is ever written twice, and after
    /// a remount every committed block still reads back as written.
    #[test]
    fn copy_on_write_never_reuses_a_block(
        steps in prop::collection::vec((0usize..300, any::<u8>(), any::<bool>()), 1..30),
    ) {
        let mut pool = fresh();
        let mut committed: Vec<(BlockPtr, Vec<u8>)> = Vec::new();
        let mut open: Vec<(BlockPtr, Vec<u8>)> = Vec::new();
        let mut seen = alloc::collections::BTreeSet::new();
        for (len, byte, commit) in steps {
            let data = vec![byte; len];
            let bp = pool.write_block(&data).unwrap();
            prop_assert!(seen.insert(bp.address), "block {} reused", bp.address);
            prop_assert_eq!(bp.birth_txg, pool.txg() + 1);
            open.push((bp, data));
            if commit {
                pool.commit(bp, 0).unwrap();
                committed.append(&mut open);
            }
        }
        let mut pool = remount(pool);
        for (bp, data) in &committed {
            prop_assert_eq!(&pool.read_block(bp).unwrap(), data);
        }
        if let Some((last, _)) = committed.last() {
            prop_assert_eq!(pool.root(), *last);
        }
    }

    /// A flipped bit anywhere in a block is a checksum error, never data.
    #[test]
    fn any_flipped_bit_is_caught(len in 0usize..=BLOCK_SIZE, bit in 0..BLOCK_SIZE * 8) {
        let mut pool = fresh();
        let bp = pool.write_block(&vec![0x3c; len]).unwrap();
        pool.commit(BlockPtr::HOLE, 0).unwrap();
        let mut dev = pool.into_device();
        let mut block = vec![0; BLOCK_SIZE];
        dev.read_block(bp.address, &mut block).unwrap();
        block[bit / 8] ^= 1 << (bit % 8);
        dev.write_block(bp.address, &block).unwrap();
        let mut pool = Pool::mount(dev).unwrap();
        prop_assert_eq!(pool.read_block(&bp), Err(Error::Checksum { block: bp.address }));
        prop_assert_eq!(pool.checksum_errors(), 1);
    }

    /// Mounting an image whose metadata blocks hold random bytes never
    /// panics: it is refused or it mounts.
    #[test]
    fn mounting_garbage_never_panics(
        seed in any::<u64>(),
        targets in prop::collection::vec(0..DATA_START + 2, 1..6),
        keep_prefix in 0usize..200,
    ) {
        let mut dev = three_groups();
        let mut state = seed | 1;
        for n in targets {
            let mut block = vec![0; BLOCK_SIZE];
            dev.read_block(n, &mut block).unwrap();
            for b in &mut block[keep_prefix..] {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
            dev.write_block(n, &block).unwrap();
        }
        if let Ok(mut pool) = Pool::mount(dev) {
            let root = pool.root();
            prop_assert!(pool.read_block(&root).is_ok());
        }
    }
}

/// A device that logs each request: `(first block, blocks)` per run, a
/// zero-block entry per flush; its runs fail while `fail` is set.
struct Logging {
    dev: MemDevice,
    log: Vec<(u64, u64)>,
    fail: bool,
    /// The runs of each `read_runs`.
    reads: Vec<Vec<(u64, u64)>>,
}

impl Logging {
    /// A logging device of `blocks` blocks whose runs succeed.
    fn new(blocks: u64) -> Self {
        Logging {
            dev: MemDevice::new(BLOCK_SIZE, blocks).unwrap(),
            log: Vec::new(),
            fail: false,
            reads: Vec::new(),
        }
    }
}

impl BlockDevice for Logging {
    fn block_size(&self) -> usize {
        self.dev.block_size()
    }
    fn block_count(&self) -> u64 {
        self.dev.block_count()
    }
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.dev.read_block(n, buf)
    }
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        self.log.push((n, 1));
        self.dev.write_block(n, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.log.push((0, 0));
        self.dev.flush()
    }
    fn write_runs(&mut self, runs: &[(u64, &[u8])]) -> Result<(), DeviceError> {
        if self.fail {
            return Err(DeviceError::Io);
        }
        for &(first, data) in runs {
            self.log.push((first, (data.len() / BLOCK_SIZE) as u64));
        }
        self.dev.write_runs(runs)
    }
    fn read_runs(&mut self, runs: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        self.reads.push(
            runs.iter()
                .map(|(first, data)| (*first, (data.len() / BLOCK_SIZE) as u64))
                .collect(),
        );
        self.dev.read_runs(runs)
    }
}

#[test]
fn a_group_goes_out_as_runs_then_flush_uberblock_flush() {
    let mut pool = Pool::format(Logging::new(2048), GUID).unwrap();
    pool.dev.log.clear();
    let bps: Vec<BlockPtr> = (0..300u32)
        .map(|i| pool.write_block(&i.to_le_bytes()).unwrap())
        .collect();
    // The first QUEUE_BLOCKS went out as one run, the rest wait.
    assert_eq!(pool.dev.log, [(DATA_START, QUEUE_BLOCKS as u64)]);
    // A queued block reads back before it reaches the device.
    assert_eq!(pool.read_block(&bps[299]).unwrap(), 299u32.to_le_bytes());
    let root = root_of(&mut pool, &bps[..4]);
    pool.dev.fail = true;
    assert_eq!(pool.commit(root, 1), Err(Error::Device(DeviceError::Io)));
    pool.dev.fail = false;
    pool.dev.log.clear();
    pool.commit(root, 1).unwrap();
    let ring = RING_START + pool.slot();
    assert_eq!(
        pool.dev.log,
        [
            (DATA_START + QUEUE_BLOCKS as u64, 45),
            (0, 0),
            (ring, 1),
            (0, 0)
        ],
        "the blocks kept after the failed commit, in one run, then flush, uberblock, flush"
    );
    let mut pool = Pool::mount(pool.into_device()).unwrap();
    for (i, bp) in bps.iter().enumerate() {
        assert_eq!(pool.read_block(bp).unwrap(), (i as u32).to_le_bytes());
    }
}

#[test]
fn blocks_read_together_go_out_as_runs_and_fail_alone() {
    let mut pool = Pool::format(Logging::new(2048), GUID).unwrap();
    pool.set_packing(true);
    let text = |i: u8| -> Vec<u8> {
        let mut t = b"a block of text that compresses well ".repeat(110);
        t.truncate(BLOCK_SIZE);
        t[0] = i;
        t
    };
    let mut bps = Vec::new();
    let mut want: Vec<Vec<u8>> = Vec::new();
    for i in 0..6u8 {
        bps.push(pool.write_block(&[i; 100]).unwrap());
        want.push(vec![i; 100]);
        // Packed: two or more share a physical block.
        bps.push(pool.write_compressible(&text(i)).unwrap());
        want.push(text(i));
    }
    assert!(bps.iter().any(|bp| bp.packed), "some blocks are packed");
    let root = root_of(&mut pool, &bps[..2]);
    pool.commit(root, 1).unwrap();
    let mut pool = Pool::mount(pool.into_device()).unwrap();

    // With a hole among them: all read in one request of one run.
    let mut asked = bps.clone();
    asked.insert(3, BlockPtr::HOLE);
    want.insert(3, Vec::new());
    pool.dev.reads.clear();
    let got: Vec<Vec<u8>> = pool
        .read_blocks(&asked)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, want);
    assert_eq!(pool.dev.reads.len(), 1, "{:?}", pool.dev.reads);
    assert_eq!(pool.dev.reads[0].len(), 1, "one run: {:?}", pool.dev.reads);

    // A damaged block and a foreign pointer fail alone.
    let victim = bps[0].address;
    damage(&mut pool.dev.dev, victim, 10, 4);
    let mut foreign = bps[4];
    foreign.address = RING_START;
    asked[5] = foreign;
    let got = pool.read_blocks(&asked);
    for (i, (bp, result)) in asked.iter().zip(&got).enumerate() {
        if i == 5 {
            assert_eq!(result, &Err(Error::BadBlockPtr));
        } else if !bp.is_hole() && bp.address == victim {
            assert_eq!(result, &Err(Error::Checksum { block: victim }));
        } else {
            assert_eq!(result.as_ref().unwrap(), &want[i], "block {i}");
        }
    }
}
