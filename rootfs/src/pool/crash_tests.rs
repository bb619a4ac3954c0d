//! Crash injection: power is cut after the k-th write reaches the disk, for
//! every k over a run of commits, with and without writes reordered between
//! flushes and with the first lost write torn. After every cut the pool must
//! mount and show exactly the last group whose commit reached the disk, with
//! every block it reaches verifying.

use super::*;
use crate::blockptr::BLOCKPTR_LEN;
use crate::device::MemDevice;

const GUID: u64 = 0xc0ff_ee00;
const BLOCKS: u64 = 128;
/// Bytes of a torn write that land: less than an uberblock, so a torn slot
/// is half new and half old.
const TORN_BYTES: usize = 64;

/// A device with a volatile write cache and a power cut. Writes wait in the
/// cache until a flush (or the cut) sends them to the disk, in order or
/// shuffled; only the first `budget` of them land, the next one lands torn
/// if `tear` is set, and the rest are lost. Reads see the cache, as a real
/// drive's do.
struct CrashDevice {
    disk: MemDevice,
    cache: Vec<(u64, Vec<u8>)>,
    budget: usize,
    lost: usize,
    tear: bool,
    /// xorshift state; `Some` shuffles each batch the cache sends.
    shuffle: Option<u64>,
}

impl CrashDevice {
    fn new(disk: MemDevice, budget: usize, tear: bool, shuffle: Option<u64>) -> Self {
        Self {
            disk,
            cache: Vec::new(),
            budget,
            lost: 0,
            tear,
            shuffle: shuffle.map(|s| s | 1),
        }
    }

    /// Writes that did not fully land so far.
    fn lost(&self) -> usize {
        self.lost
    }

    /// Sends the cache to the disk, spending the budget.
    fn drain(&mut self) {
        let mut batch = core::mem::take(&mut self.cache);
        if let Some(state) = &mut self.shuffle {
            for i in (1..batch.len()).rev() {
                *state ^= *state << 13;
                *state ^= *state >> 7;
                *state ^= *state << 17;
                batch.swap(i, (*state % (i as u64 + 1)) as usize);
            }
        }
        for (n, data) in batch {
            if self.budget > 0 {
                self.budget -= 1;
                self.disk.write_block(n, &data).unwrap();
                continue;
            }
            if self.tear && self.lost == 0 {
                let mut block = vec![0; BLOCK_SIZE];
                self.disk.read_block(n, &mut block).unwrap();
                block[..TORN_BYTES].copy_from_slice(&data[..TORN_BYTES]);
                self.disk.write_block(n, &block).unwrap();
            }
            self.lost += 1;
        }
    }

    /// Cuts the power: whatever is still cached gets its chance to land,
    /// then the disk is all that is left.
    fn crash(mut self) -> MemDevice {
        self.drain();
        self.disk
    }
}

impl BlockDevice for CrashDevice {
    fn block_size(&self) -> usize {
        self.disk.block_size()
    }

    fn block_count(&self) -> u64 {
        self.disk.block_count()
    }

    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.disk.read_block(n, buf)?;
        if let Some((_, data)) = self.cache.iter().rev().find(|(m, _)| *m == n) {
            buf.copy_from_slice(data);
        }
        Ok(())
    }

    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        // Check the request as the disk would, without writing.
        let mut scratch = vec![0; self.disk.block_size()];
        if buf.len() == scratch.len() {
            self.disk.read_block(n, &mut scratch)?;
        } else {
            self.disk.write_block(n, buf)?;
        }
        self.cache.push((n, buf.to_vec()));
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DeviceError> {
        self.drain();
        Ok(())
    }
}

/// What a committed group holds: its number and every payload written up
/// to it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    txg: u64,
    payloads: Vec<Vec<u8>>,
}

fn payload(txg: u64, i: usize) -> Vec<u8> {
    let len = 1 + (txg as usize * 997 + i * 131) % BLOCK_SIZE;
    (0..len)
        .map(|j| (txg as usize * 31 + i * 7 + j) as u8)
        .collect()
}

/// Writes `groups` groups of two payloads each; each root lists every
/// payload block so far (the old ones by their old pointers: copy-on-write
/// leaves them in place). Returns the last state whose commit had fully
/// reached the disk when it returned.
fn workload<D: BlockDevice>(
    pool: &mut Pool<D>,
    groups: u64,
    mut durable: impl FnMut(&Pool<D>) -> bool,
    mut state: State,
) -> State {
    let mut bps = match pool.root() {
        root if root.is_hole() => Vec::new(),
        root => pointers(&pool.read_block(&root).unwrap()),
    };
    for _ in 0..groups {
        let txg = pool.txg() + 1;
        let mut payloads = state.payloads.clone();
        for i in 0..2 {
            let data = payload(txg, i);
            bps.push(pool.write_block(&data).unwrap());
            payloads.push(data);
        }
        let list: Vec<u8> = bps.iter().flat_map(|bp| bp.encode()).collect();
        let root = pool.write_block(&list).unwrap();
        assert_eq!(pool.commit(root, txg).unwrap(), txg);
        if durable(pool) {
            state = State { txg, payloads };
        }
    }
    state
}

fn pointers(root: &[u8]) -> Vec<BlockPtr> {
    root.chunks_exact(BLOCKPTR_LEN)
        .map(|c| BlockPtr::decode(c.try_into().unwrap()).unwrap())
        .collect()
}

/// What the mounted pool shows, every block verified.
fn shown<D: BlockDevice>(pool: &mut Pool<D>) -> State {
    let root = pool.root();
    let payloads = if root.is_hole() {
        Vec::new()
    } else {
        let bps = pointers(&pool.read_block(&root).unwrap());
        bps.iter().map(|bp| pool.read_block(bp).unwrap()).collect()
    };
    assert_eq!(pool.checksum_errors(), 0);
    State {
        txg: pool.txg(),
        payloads,
    }
}

/// A formatted pool with `base` groups already committed, and its state.
fn base_image(base: u64) -> (MemDevice, State) {
    let dev = MemDevice::new(BLOCK_SIZE, BLOCKS).unwrap();
    let mut pool = Pool::format(dev, GUID).unwrap();
    let empty = State {
        txg: 0,
        payloads: Vec::new(),
    };
    let state = workload(&mut pool, base, |_| true, empty);
    (pool.into_device(), state)
}

/// Writes in one run of `groups` commits: two payloads, a root and an
/// uberblock each.
fn writes_per_run(groups: u64) -> usize {
    groups as usize * 4
}

fn cut_at_every_write(base: u64, groups: u64, tear: bool, shuffles: &[Option<u64>]) {
    let (image, before) = base_image(base);
    for &shuffle in shuffles {
        for k in 0..=writes_per_run(groups) + 1 {
            let dev = CrashDevice::new(image.clone(), k, tear, shuffle);
            let mut pool = Pool::mount(dev).unwrap();
            let expected = workload(
                &mut pool,
                groups,
                |p| p.device().lost() == 0,
                before.clone(),
            );
            let disk = pool.into_device().crash();
            let ctx = alloc::format!("base {base} cut after {k} writes, tear {tear}, {shuffle:?}");
            let mut pool = Pool::mount(disk).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            assert_eq!(shown(&mut pool), expected, "{ctx}");

            // The survivor takes new commits and keeps them.
            let after = workload(&mut pool, 1, |_| true, expected);
            let mut pool = Pool::mount(pool.into_device()).unwrap();
            assert_eq!(shown(&mut pool), after, "{ctx}, then one more group");
        }
    }
}

#[test]
fn a_cut_at_any_write_leaves_the_last_committed_group() {
    cut_at_every_write(0, 4, false, &[None]);
}

#[test]
fn a_cut_with_a_torn_write_leaves_the_last_committed_group() {
    cut_at_every_write(0, 4, true, &[None]);
}

#[test]
fn a_cut_with_reordered_writes_leaves_the_last_committed_group() {
    let seeds: Vec<Option<u64>> = (1..=8).map(Some).collect();
    cut_at_every_write(0, 4, true, &seeds);
    cut_at_every_write(0, 4, false, &seeds);
}

#[test]
fn cuts_across_ring_wraparound_leave_the_last_committed_group() {
    // 14 groups in, the next four commits wrap from slot 15 to slot 2.
    cut_at_every_write(RING_SLOTS - 2, 4, true, &[None, Some(3), Some(11)]);
}

#[test]
fn the_crash_device_loses_exactly_what_it_should() {
    let disk = MemDevice::new(BLOCK_SIZE, 4).unwrap();
    let mut dev = CrashDevice::new(disk, 2, true, None);
    for n in 0..4u8 {
        dev.write_block(u64::from(n), &[n + 1; BLOCK_SIZE]).unwrap();
    }
    let mut buf = vec![0; BLOCK_SIZE];
    dev.read_block(3, &mut buf).unwrap();
    assert_eq!(buf, [4; BLOCK_SIZE], "reads see the cache");
    let disk = dev.crash();
    let bytes = disk.as_bytes();
    let block = |n: usize| &bytes[n * BLOCK_SIZE..(n + 1) * BLOCK_SIZE];
    assert_eq!(block(0), [1; BLOCK_SIZE]);
    assert_eq!(block(1), [2; BLOCK_SIZE]);
    assert_eq!(&block(2)[..TORN_BYTES], [3; TORN_BYTES]);
    assert!(block(2)[TORN_BYTES..].iter().all(|&b| b == 0), "torn");
    assert!(block(3).iter().all(|&b| b == 0), "lost");
}
