//! Crash injection for the object layer: a run of commits that overwrite,
//! grow, truncate and delete files in a device small enough that freed
//! blocks are reused, cut after the k-th write that reaches the disk for a
//! spread of k (writes kept in a volatile cache until a flush, and sent in a
//! shuffled order). After every cut the filesystem must mount and show exactly the
//! state of one committed group, no older than the last commit that
//! returned before the cut.

use super::*;
use crate::device::{DeviceError, MemDevice};
use alloc::format;
use alloc::string::String;
use core::cell::Cell;
use std::rc::Rc;

/// What the program believes it wrote (`shadow`, which reads see) and what
/// reached the disk: writes wait in `cache` until a flush sends them, in a
/// shuffled order, and only the first `budget` ever land.
struct CutDevice {
    shadow: MemDevice,
    disk: MemDevice,
    cache: Vec<(u64, Vec<u8>)>,
    budget: Rc<Cell<usize>>,
    state: u64,
}

impl BlockDevice for CutDevice {
    fn block_size(&self) -> usize {
        self.shadow.block_size()
    }
    fn block_count(&self) -> u64 {
        self.shadow.block_count()
    }
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.shadow.read_block(n, buf)
    }
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        self.shadow.write_block(n, buf)?;
        self.cache.push((n, buf.to_vec()));
        Ok(())
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        let mut batch = core::mem::take(&mut self.cache);
        for i in (1..batch.len()).rev() {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            batch.swap(i, (self.state % (i as u64 + 1)) as usize);
        }
        for (n, data) in batch {
            let left = self.budget.get();
            if left > 0 {
                self.budget.set(left - 1);
                self.disk.write_block(n, &data)?;
            }
        }
        Ok(())
    }
}

type State = BTreeMap<String, Vec<u8>>;

/// Small enough that the run reuses freed blocks many times (each commit's
/// object set and dataset directory wait out the ring).
const DEVICE_BLOCKS: u64 = 232;

fn state(fs: &mut Fs<impl BlockDevice>, dir: u64, path: &str, out: &mut State) {
    for e in fs.readdir(dir).unwrap() {
        let p = format!("{path}/{}", String::from_utf8(e.name).unwrap());
        match e.kind {
            Kind::Dir => {
                out.insert(p.clone(), b"<dir>".to_vec());
                state(fs, e.ino, &p, out);
            }
            Kind::File => {
                let size = fs.getattr(e.ino).unwrap().size as usize;
                out.insert(p, fs.read(e.ino, 0, size).unwrap());
            }
            Kind::Symlink => {
                out.insert(p, fs.readlink(e.ino).unwrap());
            }
        }
    }
}

fn bytes(len: usize, seed: u64) -> Vec<u8> {
    (0..len).map(|i| (i as u64 * 13 + seed) as u8 | 1).collect()
}

/// The workload: returns the state after each commit (by txg) and the
/// txg of the last commit that returned while the budget lasted.
fn workload(
    fs: &mut Fs<CutDevice>,
    budget: &Rc<Cell<usize>>,
    snapshots: bool,
) -> (BTreeMap<u64, State>, u64) {
    let mut states = BTreeMap::new();
    let mut durable = fs.pool().txg();
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    for round in 0..60u64 {
        let name = format!("f{}", round % 4);
        let dir = if round % 2 == 0 { ROOT_INO } else { d };
        match fs.lookup(dir, name.as_bytes()) {
            Ok(ino) if round % 3 == 0 => fs.unlink(dir, name.as_bytes()).map(|_| ino).unwrap(),
            Ok(ino) => {
                fs.write(ino, round * 1000, &bytes(5000, round)).unwrap();
                fs.truncate(ino, round * 1500).unwrap();
                ino
            }
            Err(_) => {
                let ino = fs.create(dir, name.as_bytes(), 0o644, 0, 0).unwrap();
                fs.write(ino, 0, &bytes(3 * 4096 + 100, round)).unwrap();
                ino
            }
        };
        if round == 5 {
            fs.symlink(d, b"link", &bytes(300, 1), 0, 0).unwrap();
            fs.rename(ROOT_INO, b"d", ROOT_INO, b"e").unwrap();
        }
        let txg = fs.commit().unwrap();
        if budget.get() > 0 {
            durable = txg;
        }
        if snapshots {
            let mut s = State::new();
            state(fs, ROOT_INO, "", &mut s);
            states.insert(txg, s);
        }
    }
    (states, durable)
}

/// Runs the workload with `budget_writes` writes landing (the budget left
/// over is returned) and checks the mounted state is one of `states`.
fn run(budget_writes: usize, shuffle: u64, states: &mut BTreeMap<u64, State>) -> usize {
    let budget = Rc::new(Cell::new(usize::MAX));
    let dev = MemDevice::new(BLOCK_SIZE, DEVICE_BLOCKS).unwrap();
    let cut = CutDevice {
        shadow: dev.clone(),
        disk: dev,
        cache: Vec::new(),
        budget: budget.clone(),
        state: shuffle | 1,
    };
    let mut fs = Fs::format(Pool::format(cut, 9).unwrap(), 0).unwrap();
    let snapshots = states.is_empty();
    if snapshots {
        let mut initial = State::new();
        state(&mut fs, ROOT_INO, "", &mut initial);
        states.insert(fs.pool().txg(), initial);
    }
    budget.set(budget_writes);
    let (taken, durable) = workload(&mut fs, &budget, snapshots);
    states.extend(taken);
    let left = budget.get();
    let dev = fs.into_pool().into_device();
    let mut fs = Fs::mount(Pool::mount(dev.disk).unwrap()).unwrap();
    let txg = fs.pool().txg();
    assert!(
        txg >= durable,
        "cut at {budget_writes}: txg {txg} < durable {durable}"
    );
    let mut got = State::new();
    state(&mut fs, ROOT_INO, "", &mut got);
    assert_eq!(
        Some(&got),
        states.get(&txg),
        "cut at {budget_writes}, txg {txg}"
    );
    left
}

#[test]
fn every_cut_mounts_a_committed_state() {
    // The workload is the same whatever lands (reads see what was written),
    // so one uncut run gives the state of every group.
    let mut states = BTreeMap::new();
    run(usize::MAX, 1, &mut states);
    // Every 7th cut in one write order, every 13th in another, keeps the
    // test under ten seconds in a debug build (checksums dominate).
    for (shuffle, first, stride) in [(1, 0, 7), (0x5eed, 3, 13)] {
        let mut k = first;
        // Stop once a run's writes all landed: later cuts change nothing.
        while run(k, shuffle, &mut states) == 0 {
            k += stride;
        }
        // More writes than the device has blocks: freed blocks were reused.
        assert!(k > 2 * DEVICE_BLOCKS as usize, "only {k} writes");
    }
}

/// The live tree and the snapshots the table lists, after one commit.
type Committed = (State, Vec<String>);

/// What each group committed, and every snapshot's contents by name.
type Record = (BTreeMap<u64, Committed>, BTreeMap<String, State>);

/// A workload of snapshots, rollbacks and destroys between changes: every
/// step is one commit. Returns what each group committed, every snapshot's
/// contents, and the last group that returned while the budget lasted.
fn snapshot_workload(
    fs: &mut Fs<CutDevice>,
    budget: &Rc<Cell<usize>>,
) -> (BTreeMap<u64, Committed>, BTreeMap<String, State>, u64) {
    let mut states = BTreeMap::new();
    let mut contents = BTreeMap::new();
    let mut durable = fs.pool().txg();
    let mut record = |fs: &mut Fs<CutDevice>, txg: u64, states: &mut BTreeMap<u64, Committed>| {
        let mut s = State::new();
        state(fs, ROOT_INO, "", &mut s);
        let snaps = fs.snapshots().into_iter().map(|d| d.name).collect();
        states.insert(txg, (s, snaps));
        if budget.get() > 0 {
            durable = txg;
        }
    };
    for round in 0..40u64 {
        let name = format!("f{}", round % 3);
        match fs.lookup(ROOT_INO, name.as_bytes()) {
            Ok(_) if round % 4 == 3 => fs.unlink(ROOT_INO, name.as_bytes()).unwrap(),
            Ok(ino) => drop(fs.write(ino, round * 700, &bytes(6000, round)).unwrap()),
            Err(_) => {
                let ino = fs.create(ROOT_INO, name.as_bytes(), 0o644, 0, 0).unwrap();
                fs.write(ino, 0, &bytes(2 * 4096 + 10, round)).unwrap();
            }
        }
        let txg = fs.commit().unwrap();
        record(fs, txg, &mut states);
        let snaps = fs.snapshots();
        // Rollbacks and destroys (each walks every root) are rare enough
        // that blocks freed between them pass the ring and are reused.
        match round {
            _ if round % 6 == 1 => {
                let snap = format!("s{round}");
                fs.snapshot(&snap).unwrap();
                let mut s = State::new();
                state(fs, ROOT_INO, "", &mut s);
                contents.insert(format!("main@{snap}"), s);
            }
            16 | 34 => fs.rollback(&snaps[snaps.len() - 2].name).unwrap(),
            26 => fs.destroy_snapshot(&snaps[1].name).unwrap(),
            _ => continue,
        }
        record(fs, fs.pool().txg(), &mut states);
    }
    (states, contents, durable)
}

/// Runs the snapshot workload with `budget_writes` writes landing; the
/// mounted group must be one the run committed, with its live tree and its
/// snapshots, each holding what it held when taken. Returns the budget left.
fn run_snapshots(budget_writes: usize, shuffle: u64, seen: &mut Option<Record>) -> usize {
    let budget = Rc::new(Cell::new(usize::MAX));
    let dev = MemDevice::new(BLOCK_SIZE, DEVICE_BLOCKS).unwrap();
    let cut = CutDevice {
        shadow: dev.clone(),
        disk: dev,
        cache: Vec::new(),
        budget: budget.clone(),
        state: shuffle | 1,
    };
    let mut fs = Fs::format(Pool::format(cut, 9).unwrap(), 0).unwrap();
    let mut initial = State::new();
    state(&mut fs, ROOT_INO, "", &mut initial);
    let first = fs.pool().txg();
    budget.set(budget_writes);
    let (mut states, contents, durable) = snapshot_workload(&mut fs, &budget);
    states.insert(first, (initial, Vec::new()));
    let left = budget.get();
    // The workload does the same whatever lands: the first run's record
    // holds for every cut.
    let (states, contents) = seen.get_or_insert((states, contents));
    let disk = fs.into_pool().into_device().disk;
    let mut fs = Fs::mount(Pool::mount(disk.clone()).unwrap()).unwrap();
    let txg = fs.pool().txg();
    assert!(txg >= durable, "cut at {budget_writes}: {txg} < {durable}");
    let mut got = State::new();
    state(&mut fs, ROOT_INO, "", &mut got);
    let snaps: Vec<String> = fs.snapshots().into_iter().map(|d| d.name).collect();
    let want = states.get(&txg);
    assert_eq!(
        Some(&(got, snaps.clone())),
        want,
        "cut at {budget_writes}, txg {txg}"
    );
    for name in snaps {
        let mut snap = Fs::mount_dataset(Pool::mount(disk.clone()).unwrap(), &name).unwrap();
        let mut got = State::new();
        state(&mut snap, ROOT_INO, "", &mut got);
        assert_eq!(
            Some(&got),
            contents.get(&name),
            "cut at {budget_writes}: {name}"
        );
    }
    left
}

#[test]
fn every_cut_across_snapshots_and_rollbacks_mounts_a_committed_table() {
    let mut seen = None;
    run_snapshots(usize::MAX, 1, &mut seen);
    for (shuffle, first, stride) in [(1, 0, 5), (0x5eed, 2, 11)] {
        let mut k = first;
        while run_snapshots(k, shuffle, &mut seen) == 0 {
            k += stride;
        }
        assert!(k > DEVICE_BLOCKS as usize, "only {k} writes");
    }
}
