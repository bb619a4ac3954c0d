//! Snapshots, clones and rollback: read-only snapshots, independent clones,
//! instant rollback, and space that a snapshot holds until it goes.

use super::tests::{fresh, remount};
use super::*;
use crate::device::{DeviceError, MemDevice};
use crate::format::RING_SLOTS;
use alloc::format;
use alloc::string::String;
use core::cell::Cell;
use std::rc::Rc;

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(29) ^ seed | 1)
        .collect()
}

fn file(fs: &mut Fs<impl BlockDevice>, name: &str, data: &[u8]) -> u64 {
    let ino = fs.create(ROOT_INO, name.as_bytes(), 0o644, 0, 0).unwrap();
    fs.write(ino, 0, data).unwrap();
    ino
}

fn read_file(fs: &mut Fs<impl BlockDevice>, name: &str) -> Result<Vec<u8>, FsError> {
    let ino = fs.lookup(ROOT_INO, name.as_bytes())?;
    fs.read(ino, 0, 1 << 24)
}

/// Opens dataset `name` on a copy of what `fs` has committed.
fn open(fs: &Fs<MemDevice>, name: &str) -> Result<Fs<MemDevice>, FsError> {
    Fs::mount_dataset(Pool::mount(fs.pool().device().clone())?, name)
}

fn names(list: &[DatasetInfo]) -> Vec<&str> {
    list.iter().map(|d| d.name.as_str()).collect()
}

/// Commits until every block freed before is past the ring, and returns
/// the free blocks then.
fn settle(fs: &mut Fs<impl BlockDevice>) -> u64 {
    for _ in 0..=RING_SLOTS {
        fs.commit().unwrap();
    }
    fs.statfs().free_blocks
}

#[test]
fn a_snapshot_keeps_its_contents_and_refuses_every_change() {
    let mut fs = fresh(512);
    let a = file(&mut fs, "a", &pattern(9000, 1));
    fs.set_time(77);
    // Open changes are committed into the snapshot.
    let txg = fs.snapshot("s1").unwrap();
    assert!(!fs.is_dirty());
    assert_eq!(txg, fs.pool().txg() - 1, "the table commits after it");
    fs.write(a, 100, b"changed").unwrap();
    file(&mut fs, "b", b"new");
    fs.commit().unwrap();
    let listed = fs.snapshots();
    assert_eq!(names(&listed), ["main@s1"]);
    assert_eq!((listed[0].txg, listed[0].creation_ns), (txg, 77));
    assert_eq!(listed[0].kind, DatasetKind::Snapshot);
    assert_eq!(names(&fs.datasets()), ["main", "main@s1"]);
    assert_eq!(fs.snapshot("s1"), Err(FsError::Exists));
    assert_eq!(fs.snapshot("bad/name"), Err(FsError::Invalid));
    assert_eq!(fs.snapshot("other@s2"), Err(FsError::Invalid));

    let mut snap = open(&fs, "main@s1").unwrap();
    assert!(snap.is_read_only());
    assert_eq!(snap.dataset(), "main@s1");
    assert_eq!(read_file(&mut snap, "a").unwrap(), pattern(9000, 1));
    assert_eq!(read_file(&mut snap, "b"), Err(FsError::NotFound));
    assert_eq!(names(&snap.snapshots()), ["main@s1"]);
    let d = snap.lookup(ROOT_INO, b"a").unwrap();
    let refused = [
        snap.write(d, 0, b"x").map(drop),
        snap.truncate(d, 0),
        snap.create(ROOT_INO, b"c", 0o644, 0, 0).map(drop),
        snap.mkdir(ROOT_INO, b"c", 0o755, 0, 0).map(drop),
        snap.symlink(ROOT_INO, b"c", b"t", 0, 0).map(drop),
        snap.link(d, ROOT_INO, b"c"),
        snap.unlink(ROOT_INO, b"a"),
        snap.rmdir(ROOT_INO, b"a"),
        snap.rename(ROOT_INO, b"a", ROOT_INO, b"c"),
        snap.setattr(d, SetAttr::default()).map(drop),
        snap.snapshot("s2").map(drop),
        snap.rollback("s1"),
        snap.destroy_snapshot("s1"),
        snap.clone_snapshot("s1", "c"),
    ];
    for (n, r) in refused.into_iter().enumerate() {
        assert_eq!(r, Err(FsError::ReadOnly), "change {n}");
    }
    assert_eq!(FsError::ReadOnly.errno(), 30);
    assert!(!snap.is_dirty());
    assert_eq!(snap.commit(), Ok(fs.pool().txg()), "nothing to commit");

    // The filesystem has its own changes, and both survive a remount.
    let mut fs = remount(&fs);
    assert_eq!(&read_file(&mut fs, "a").unwrap()[100..107], b"changed");
    assert_eq!(read_file(&mut fs, "b").unwrap(), b"new");
    let mut snap = open(&fs, "main@s1").unwrap();
    assert_eq!(read_file(&mut snap, "a").unwrap(), pattern(9000, 1));
    assert_eq!(open(&fs, "main@nope").err(), Some(FsError::NotFound));
}

#[test]
fn a_clone_is_writable_and_independent_of_its_origin() {
    let mut fs = fresh(600);
    file(&mut fs, "shared", &pattern(20 * BLOCK_SIZE, 2));
    fs.snapshot("base").unwrap();
    fs.clone_snapshot("base", "work").unwrap();
    assert_eq!(fs.clone_snapshot("base", "work"), Err(FsError::Exists));
    assert_eq!(fs.clone_snapshot("nope", "w2"), Err(FsError::NotFound));
    let info = fs.datasets();
    assert_eq!(names(&info), ["main", "main@base", "work"]);
    assert_eq!(info[2].origin.as_deref(), Some("main@base"));
    assert_eq!(info[2].kind, DatasetKind::Filesystem);
    // The origin may not go while the clone needs it.
    assert_eq!(fs.destroy_snapshot("base"), Err(FsError::Busy));
    assert_eq!(FsError::Busy.errno(), 16);
    // The main filesystem changes the shared file.
    let ino = fs.lookup(ROOT_INO, b"shared").unwrap();
    fs.write(ino, 0, &pattern(20 * BLOCK_SIZE, 3)).unwrap();
    fs.commit().unwrap();

    // The clone sees the snapshot, and changes it its own way.
    let mut work = Fs::mount_dataset(fs.into_pool(), "work").unwrap();
    assert!(!work.is_read_only());
    assert_eq!(work.dataset(), "work");
    assert_eq!(
        read_file(&mut work, "shared").unwrap(),
        pattern(20 * BLOCK_SIZE, 2)
    );
    let ino = work.lookup(ROOT_INO, b"shared").unwrap();
    work.write(ino, 5 * BLOCK_SIZE as u64, &pattern(BLOCK_SIZE, 4))
        .unwrap();
    file(&mut work, "mine", b"clone only");
    work.snapshot("w1").unwrap();
    // Churn in the clone: blocks it frees are reused, never the origin's.
    for round in 0..3 * RING_SLOTS as u8 {
        work.write(ino, 0, &pattern(4 * BLOCK_SIZE, round)).unwrap();
        work.commit().unwrap();
    }
    let mut clone_expect = pattern(20 * BLOCK_SIZE, 2);
    clone_expect[..4 * BLOCK_SIZE].copy_from_slice(&pattern(4 * BLOCK_SIZE, 3 * 16 - 1));
    clone_expect[5 * BLOCK_SIZE..6 * BLOCK_SIZE].copy_from_slice(&pattern(BLOCK_SIZE, 4));
    assert_eq!(read_file(&mut work, "shared").unwrap(), clone_expect);
    assert_eq!(names(&work.snapshots()), ["work@w1"]);
    let pool = work.into_pool();

    let mut fs = Fs::mount(pool).unwrap();
    assert_eq!(
        read_file(&mut fs, "shared").unwrap(),
        pattern(20 * BLOCK_SIZE, 3)
    );
    assert_eq!(read_file(&mut fs, "mine"), Err(FsError::NotFound));
    let mut base = open(&fs, "main@base").unwrap();
    assert_eq!(
        read_file(&mut base, "shared").unwrap(),
        pattern(20 * BLOCK_SIZE, 2)
    );
    let mut work = open(&fs, "work").unwrap();
    assert_eq!(read_file(&mut work, "shared").unwrap(), clone_expect);
    assert_eq!(read_file(&mut work, "mine").unwrap(), b"clone only");

    // A clone with snapshots, or the mounted filesystem, stays.
    assert_eq!(fs.destroy_filesystem("work"), Err(FsError::Busy));
    assert_eq!(fs.destroy_filesystem("main"), Err(FsError::Busy));
    fs.destroy_snapshot("work@w1").unwrap();
    fs.destroy_filesystem("work").unwrap();
    fs.destroy_snapshot("base").unwrap();
    assert_eq!(names(&fs.datasets()), ["main"]);
    assert_eq!(open(&fs, "work").err(), Some(FsError::NotFound));
}

/// A device that counts the blocks written to it.
#[derive(Clone)]
struct Counting {
    dev: MemDevice,
    writes: Rc<Cell<u64>>,
    fail_after: Rc<Cell<u64>>,
}

impl BlockDevice for Counting {
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
        if self.writes.get() >= self.fail_after.get() {
            return Err(DeviceError::Io);
        }
        self.writes.set(self.writes.get() + 1);
        self.dev.write_block(n, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.dev.flush()
    }
}

fn counting(blocks: u64) -> (Fs<Counting>, Rc<Cell<u64>>, Rc<Cell<u64>>) {
    let writes = Rc::new(Cell::new(0));
    let fail_after = Rc::new(Cell::new(u64::MAX));
    let dev = Counting {
        dev: MemDevice::new(BLOCK_SIZE, blocks).unwrap(),
        writes: writes.clone(),
        fail_after: fail_after.clone(),
    };
    let fs = Fs::format(Pool::format(dev, 5).unwrap(), 0).unwrap();
    (fs, writes, fail_after)
}

#[test]
fn rollback_is_instant_and_destroys_newer_snapshots() {
    let (mut fs, writes, _) = counting(800);
    let a = file(&mut fs, "a", &pattern(40 * BLOCK_SIZE, 1));
    fs.snapshot("s1").unwrap();
    fs.write(a, 0, &pattern(40 * BLOCK_SIZE, 2)).unwrap();
    file(&mut fs, "b", &pattern(10 * BLOCK_SIZE, 3));
    fs.snapshot("s2").unwrap();
    fs.unlink(ROOT_INO, b"a").unwrap();
    fs.commit().unwrap();
    fs.snapshot("s3").unwrap();
    file(&mut fs, "open", b"not committed");
    assert_eq!(fs.rollback("nope"), Err(FsError::NotFound));
    // A clone of a newer snapshot keeps the rollback from happening.
    fs.clone_snapshot("s3", "c").unwrap();
    assert_eq!(fs.rollback("s1"), Err(FsError::Busy));
    assert_eq!(read_file(&mut fs, "open").unwrap(), b"not committed");
    fs.destroy_filesystem("c").unwrap();

    let before = writes.get();
    fs.rollback("s2").unwrap();
    let written = writes.get() - before;
    // The dataset directory and the uberblock: no data, no records.
    assert!(written <= 2, "rollback wrote {written} blocks");
    assert_eq!(
        read_file(&mut fs, "a").unwrap(),
        pattern(40 * BLOCK_SIZE, 2)
    );
    assert_eq!(
        read_file(&mut fs, "b").unwrap(),
        pattern(10 * BLOCK_SIZE, 3)
    );
    assert_eq!(read_file(&mut fs, "open"), Err(FsError::NotFound));
    assert_eq!(names(&fs.snapshots()), ["main@s1", "main@s2"]);

    // `rollback -r`: an older target takes the newer snapshot with it.
    let before = writes.get();
    fs.rollback("main@s1").unwrap();
    assert!(writes.get() - before <= 2);
    assert_eq!(
        read_file(&mut fs, "a").unwrap(),
        pattern(40 * BLOCK_SIZE, 1)
    );
    assert_eq!(read_file(&mut fs, "b"), Err(FsError::NotFound));
    assert_eq!(names(&fs.snapshots()), ["main@s1"]);
    assert_eq!(fs.statfs().files, 2);
    // Work goes on from there, and a remount agrees.
    let c = file(&mut fs, "c", b"after");
    assert!(c >= 3);
    fs.commit().unwrap();
    let dev = fs.into_pool().into_device();
    let mut fs = Fs::mount(Pool::mount(dev.clone()).unwrap()).unwrap();
    assert_eq!(
        read_file(&mut fs, "a").unwrap(),
        pattern(40 * BLOCK_SIZE, 1)
    );
    assert_eq!(read_file(&mut fs, "c").unwrap(), b"after");
    assert_eq!(names(&fs.datasets()), ["main", "main@s1"]);
    let gone = Fs::mount_dataset(Pool::mount(dev).unwrap(), "main@s2");
    assert_eq!(gone.err(), Some(FsError::NotFound));
}

#[test]
fn a_failed_snapshot_or_rollback_changes_nothing() {
    let (mut fs, writes, fail_after) = counting(400);
    file(&mut fs, "a", b"one");
    fs.snapshot("s1").unwrap();
    let a = fs.lookup(ROOT_INO, b"a").unwrap();
    fs.write(a, 0, b"two").unwrap();
    fs.commit().unwrap();
    let txg = fs.pool().txg();
    for cut in 0..2 {
        fail_after.set(writes.get() + cut);
        assert!(fs.snapshot("s2").is_err());
        assert!(fs.rollback("s1").is_err());
        assert!(fs.destroy_snapshot("s1").is_err());
        assert_eq!(fs.pool().txg(), txg);
        assert_eq!(names(&fs.snapshots()), ["main@s1"]);
        assert_eq!(read_file(&mut fs, "a").unwrap(), b"two");
    }
    fail_after.set(u64::MAX);
    fs.rollback("s1").unwrap();
    assert_eq!(read_file(&mut fs, "a").unwrap(), b"one");
}

#[test]
fn space_a_snapshot_holds_comes_back_only_when_it_is_destroyed() {
    let mut fs = fresh(crate::format::DATA_START + 400);
    let big = 120;
    file(&mut fs, "big", &pattern(big * BLOCK_SIZE, 5));
    fs.snapshot("keep").unwrap();
    let with_file = settle(&mut fs);
    fs.unlink(ROOT_INO, b"big").unwrap();
    fs.commit().unwrap();
    let deleted = settle(&mut fs);
    assert!(
        deleted < with_file + 8,
        "the snapshot holds the file: {with_file} -> {deleted}"
    );
    // A remount finds the same: the snapshot's blocks are in use.
    let mut fs = remount(&fs);
    assert!(settle(&mut fs) < with_file + 8);
    // Fill what is free, many times over: the snapshot's blocks are never
    // reused.
    for round in 0..4u8 {
        let n = fs.statfs().free_blocks as usize * 2 / 3;
        let f = file(&mut fs, "fill", &pattern(n * BLOCK_SIZE, round));
        fs.commit().unwrap();
        fs.truncate(f, 0).unwrap();
        fs.unlink(ROOT_INO, b"fill").unwrap();
        settle(&mut fs);
    }
    let mut snap = open(&fs, "main@keep").unwrap();
    assert_eq!(
        read_file(&mut snap, "big").unwrap(),
        pattern(big * BLOCK_SIZE, 5)
    );
    // Destroyed, its blocks come back once the ring has moved past the
    // groups that still name it.
    let before = fs.statfs().free_blocks;
    fs.destroy_snapshot("keep").unwrap();
    assert!(
        fs.statfs().free_blocks < before + big as u64,
        "held by the ring"
    );
    let freed = settle(&mut fs);
    assert!(
        freed >= with_file + big as u64 - 8 && freed >= before + big as u64,
        "{with_file} / {before} -> {freed}"
    );
    // And a mount agrees.
    let mut fs = remount(&fs);
    assert!(settle(&mut fs) >= freed);
}

#[test]
fn dataset_names_and_listing_survive_a_remount() {
    let mut fs = fresh(300);
    fs.set_time(5);
    fs.snapshot("a").unwrap();
    fs.set_time(6);
    fs.snapshot("b").unwrap();
    fs.clone_snapshot("main@a", "w").unwrap();
    assert_eq!(fs.clone_snapshot("a", "x@y"), Err(FsError::Invalid));
    assert_eq!(
        fs.clone_snapshot("a", &String::from("n").repeat(64)),
        Err(FsError::NameTooLong)
    );
    let listed = fs.datasets();
    let fs = remount(&fs);
    assert_eq!(fs.datasets(), listed);
    assert_eq!(names(&listed), ["main", "main@a", "main@b", "w"]);
    assert_eq!((listed[1].creation_ns, listed[2].creation_ns), (5, 6));
    assert!(listed[1].txg < listed[2].txg);
    assert_eq!(fs.dataset(), MAIN);
}

#[test]
fn many_datasets_spill_into_the_overflow_table() {
    let mut fs = fresh(600);
    let f = file(&mut fs, "f", b"");
    for n in 0..40u8 {
        fs.write(f, 0, &[n + 1; 10]).unwrap();
        fs.snapshot(&format!("s{n}")).unwrap();
    }
    fs.clone_snapshot("s33", "late").unwrap();
    // Destroying one in the inline part moves the rest up.
    fs.destroy_snapshot("s0").unwrap();
    fs.destroy_snapshot("s20").unwrap();
    let listed = fs.datasets();
    assert_eq!(listed.len(), 40);
    let fs = remount(&fs);
    assert_eq!(fs.datasets(), listed);
    for n in [1u8, 14, 15, 16, 21, 39] {
        let mut snap = open(&fs, &format!("main@s{n}")).unwrap();
        assert_eq!(read_file(&mut snap, "f").unwrap(), [n + 1; 10], "s{n}");
    }
    // The clone lives in the overflow table and commits there.
    let mut late = Fs::mount_dataset(fs.into_pool(), "late").unwrap();
    let f = late.lookup(ROOT_INO, b"f").unwrap();
    late.write(f, 0, b"late").unwrap();
    late.commit().unwrap();
    let mut late = Fs::mount_dataset(late.into_pool(), "late").unwrap();
    assert_eq!(&late.read(f, 0, 4).unwrap(), b"late");
    let mut fs = Fs::mount(late.into_pool()).unwrap();
    assert_eq!(fs.read(f, 0, 100).unwrap(), [40; 10]);
}
