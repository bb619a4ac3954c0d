use super::*;
use crate::device::MemDevice;
use crate::format::{DATA_START, RING_SLOTS};
use alloc::format;

const GUID: u64 = 0x000b_1ec7;

pub(super) fn fresh(blocks: u64) -> Fs<MemDevice> {
    let dev = MemDevice::new(BLOCK_SIZE, blocks).unwrap();
    Fs::format(Pool::format(dev, GUID).unwrap(), 1).unwrap()
}

/// Mounts the device again from what is committed on it.
pub(super) fn remount(fs: &Fs<MemDevice>) -> Fs<MemDevice> {
    let dev = fs.pool().device().clone();
    Fs::mount(Pool::mount(dev).unwrap()).unwrap()
}

fn file(fs: &mut Fs<MemDevice>, name: &str, data: &[u8]) -> u64 {
    let ino = fs.create(ROOT_INO, name.as_bytes(), 0o644, 0, 0).unwrap();
    fs.write(ino, 0, data).unwrap();
    ino
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[test]
fn a_fresh_filesystem_has_an_empty_root() {
    let mut fs = remount(&fresh(64));
    let root = fs.getattr(ROOT_INO).unwrap();
    assert_eq!(
        (root.kind, root.mode, root.nlink),
        (Kind::Dir, 0o040_755, 2)
    );
    assert_eq!(fs.readdir(ROOT_INO).unwrap(), Vec::new());
    assert_eq!(fs.parent(ROOT_INO), Ok(ROOT_INO));
    assert_eq!(fs.lookup(ROOT_INO, b"x"), Err(FsError::NotFound));
    assert_eq!(fs.statfs().files, 1);
}

#[test]
fn small_files_are_inline_and_large_ones_sparse() {
    let mut fs = fresh(256);
    let small = file(&mut fs, "small", b"tiny");
    let big = fs.create(ROOT_INO, b"big", 0o600, 5, 6).unwrap();
    // 1 GiB into the file: one data block, a few indirect blocks.
    fs.write(big, 1 << 30, b"far").unwrap();
    fs.commit().unwrap();
    let used = fs.pool().frontier();
    let mut fs = remount(&fs);
    assert_eq!(
        fs.inode(small).unwrap().inline.as_deref(),
        Some(&b"tiny"[..])
    );
    assert_eq!(fs.read(small, 0, 100).unwrap(), b"tiny");
    assert_eq!(fs.getattr(big).unwrap().size, (1 << 30) + 3);
    assert_eq!(fs.read(big, (1 << 30) - 2, 10).unwrap(), b"\0\0far");
    assert_eq!(fs.read(big, 12345, 4).unwrap(), [0; 4]);
    assert!(
        used < 40,
        "a sparse gigabyte costs a handful of blocks: {used}"
    );
}

#[test]
fn writes_at_offsets_and_truncation_shrink_and_grow() {
    let mut fs = fresh(512);
    let ino = file(&mut fs, "f", &pattern(100, 1));
    fs.write(ino, 5000, &pattern(9000, 2)).unwrap();
    let mut expect = pattern(100, 1);
    expect.resize(5000, 0);
    expect.extend(pattern(9000, 2));
    assert_eq!(fs.read(ino, 0, 1 << 20).unwrap(), expect);
    fs.commit().unwrap();
    fs.truncate(ino, 4100).unwrap();
    fs.commit().unwrap();
    fs.truncate(ino, 20000).unwrap();
    expect.truncate(4100);
    expect.resize(20000, 0);
    assert_eq!(fs.read(ino, 0, 1 << 20).unwrap(), expect);
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    assert_eq!(fs.read(ino, 0, 1 << 20).unwrap(), expect);
    fs.truncate(ino, 0).unwrap();
    fs.write(ino, 3, b"x").unwrap();
    assert_eq!(fs.read(ino, 0, 10).unwrap(), b"\0\0\0x");
}

#[test]
fn symlinks_hard_links_and_renames() {
    let mut fs = fresh(256);
    let target = pattern(1000, 3);
    let long = fs.symlink(ROOT_INO, b"long", &target, 0, 0).unwrap();
    let short = fs.symlink(ROOT_INO, b"short", b"/etc/x", 0, 0).unwrap();
    let f = file(&mut fs, "f", b"data");
    let d = fs.mkdir(ROOT_INO, b"d", 0o700, 0, 0).unwrap();
    fs.link(f, d, b"g").unwrap();
    assert_eq!(fs.link(d, ROOT_INO, b"dd"), Err(FsError::NotPermitted));
    assert_eq!(fs.getattr(f).unwrap().nlink, 2);
    assert_eq!(fs.getattr(ROOT_INO).unwrap().nlink, 3);
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    assert_eq!(fs.readlink(long).unwrap(), target);
    assert_eq!(fs.readlink(short).unwrap(), b"/etc/x");
    fs.unlink(ROOT_INO, b"f").unwrap();
    assert_eq!(fs.read(f, 0, 10).unwrap(), b"data");
    assert_eq!(fs.rename(ROOT_INO, b"d", d, b"x"), Err(FsError::Invalid));
    assert_eq!(fs.rmdir(ROOT_INO, b"d"), Err(FsError::NotEmpty));
    fs.rename(d, b"g", ROOT_INO, b"short").unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"short"), Ok(f));
    assert_eq!(fs.getattr(short), Err(FsError::NotFound));
    fs.rmdir(ROOT_INO, b"d").unwrap();
    assert_eq!(fs.getattr(ROOT_INO).unwrap().nlink, 2);
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    let mut names: Vec<Vec<u8>> = fs
        .readdir(ROOT_INO)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    assert_eq!(names, [b"long".to_vec(), b"short".to_vec()]);
    assert_eq!(fs.statfs().files, 3);
}

#[test]
fn uncommitted_changes_vanish_at_remount() {
    let mut fs = fresh(128);
    let a = file(&mut fs, "a", b"committed");
    fs.commit().unwrap();
    fs.write(a, 0, b"COMMITTED but not").unwrap();
    file(&mut fs, "b", b"never");
    let mut again = remount(&fs);
    assert_eq!(again.read(a, 0, 100).unwrap(), b"committed");
    assert_eq!(again.lookup(ROOT_INO, b"b"), Err(FsError::NotFound));
}

#[test]
fn a_damaged_data_block_reads_as_a_checksum_error_and_others_survive() {
    let mut fs = fresh(128);
    let a = file(&mut fs, "a", &pattern(BLOCK_SIZE, 4));
    let b = file(&mut fs, "b", &pattern(3 * BLOCK_SIZE, 5));
    fs.commit().unwrap();
    // A one-block file's tree root is its data block.
    let block = fs.inode(a).unwrap().root;
    assert_eq!(fs.inode(a).unwrap().levels, 0);
    let mut dev = fs.into_pool().into_device();
    let mut buf = vec![0; BLOCK_SIZE];
    dev.read_block(block.address, &mut buf).unwrap();
    buf[100] ^= 0x10;
    dev.write_block(block.address, &buf).unwrap();
    let mut fs = Fs::mount(Pool::mount(dev).unwrap()).unwrap();
    let err = fs.read(a, 0, 10).unwrap_err();
    assert_eq!(
        err,
        FsError::Pool(pool::Error::Checksum {
            block: block.address
        })
    );
    assert_eq!(err.errno(), 5);
    assert_eq!(fs.read(b, 0, 1 << 20).unwrap(), pattern(3 * BLOCK_SIZE, 5));
    assert_eq!(fs.pool().checksum_errors(), 1);
}

#[test]
fn running_out_of_space_is_a_clean_error() {
    let mut fs = fresh(128);
    let keep = file(&mut fs, "keep", &pattern(5000, 6));
    fs.commit().unwrap();
    let big = fs.create(ROOT_INO, b"big", 0o644, 0, 0).unwrap();
    let mut written = 0u64;
    let err = loop {
        match fs.write(big, written, &pattern(BLOCK_SIZE, 7)) {
            Ok(n) => written += n as u64,
            Err(e) => break e,
        }
    };
    assert_eq!(err, FsError::NoSpace);
    assert_eq!(err.errno(), 28);
    // What fit is still readable; dropping the uncommitted tail makes room.
    assert_eq!(fs.read(big, 0, BLOCK_SIZE).unwrap(), pattern(BLOCK_SIZE, 7));
    fs.truncate(big, BLOCK_SIZE as u64).unwrap();
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    assert_eq!(fs.getattr(big).unwrap().size, BLOCK_SIZE as u64);
    assert_eq!(fs.read(big, 0, 1 << 20).unwrap(), pattern(BLOCK_SIZE, 7));
    assert_eq!(fs.read(keep, 0, 10000).unwrap(), pattern(5000, 6));
    // Fill it again, committed this time; deleting gives the space back.
    let mut at = BLOCK_SIZE as u64;
    while fs.write(big, at, &pattern(BLOCK_SIZE, 8)).is_ok() {
        at += BLOCK_SIZE as u64;
        if (at / BLOCK_SIZE as u64).is_multiple_of(4) {
            fs.commit().unwrap();
        }
    }
    fs.truncate(big, at).unwrap();
    fs.commit().unwrap();
    // Full: the slop still lets a delete commit.
    assert_eq!(fs.write(big, at, &[1]), Err(FsError::NoSpace));
    fs.unlink(ROOT_INO, b"big").unwrap();
    for _ in 0..=RING_SLOTS {
        fs.commit().unwrap();
    }
    let more = file(&mut fs, "more", &pattern(8 * BLOCK_SIZE, 9));
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    assert_eq!(
        fs.read(more, 0, 1 << 20).unwrap(),
        pattern(8 * BLOCK_SIZE, 9)
    );
    assert_eq!(fs.read(keep, 0, 10000).unwrap(), pattern(5000, 6));
}

/// A device whose writes fail once its budget is spent.
#[derive(Clone)]
struct Failing {
    dev: MemDevice,
    budget: std::rc::Rc<core::cell::Cell<u64>>,
}

impl BlockDevice for Failing {
    fn block_size(&self) -> usize {
        self.dev.block_size()
    }
    fn block_count(&self) -> u64 {
        self.dev.block_count()
    }
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), crate::device::DeviceError> {
        self.dev.read_block(n, buf)
    }
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), crate::device::DeviceError> {
        let left = self.budget.get();
        if left == 0 {
            return Err(crate::device::DeviceError::Io);
        }
        self.budget.set(left - 1);
        self.dev.write_block(n, buf)
    }
    fn flush(&mut self) -> Result<(), crate::device::DeviceError> {
        self.dev.flush()
    }
}

#[test]
fn a_failed_commit_gives_its_blocks_back_and_can_be_retried() {
    let budget = std::rc::Rc::new(core::cell::Cell::new(u64::MAX));
    let dev = Failing {
        dev: MemDevice::new(BLOCK_SIZE, 256).unwrap(),
        budget: budget.clone(),
    };
    let mut fs = Fs::format(Pool::format(dev, GUID).unwrap(), 0).unwrap();
    let ino = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    fs.write(ino, 0, &pattern(70 * BLOCK_SIZE, 8)).unwrap();
    let frontier = fs.pool().frontier();
    for cut in [0, 3, 70, 72] {
        budget.set(cut);
        assert!(matches!(
            fs.commit(),
            Err(FsError::Pool(pool::Error::Device(_)))
        ));
        assert_eq!(fs.pool().frontier(), frontier, "cut after {cut} writes");
        assert_eq!(
            fs.read(ino, 0, 1 << 20).unwrap(),
            pattern(70 * BLOCK_SIZE, 8)
        );
    }
    budget.set(u64::MAX);
    fs.commit().unwrap();
    let dev = fs.into_pool().into_device();
    let mut fs = Fs::mount(Pool::mount(dev).unwrap()).unwrap();
    assert_eq!(
        fs.read(ino, 0, 1 << 20).unwrap(),
        pattern(70 * BLOCK_SIZE, 8)
    );
}

#[test]
fn a_directory_of_100_000_entries_stays_fast() {
    const N: u32 = 100_000;
    let mut fs = fresh(16_384);
    let d = fs.mkdir(ROOT_INO, b"big", 0o755, 0, 0).unwrap();
    for i in 0..N {
        fs.create(d, format!("file-{i:06}").as_bytes(), 0o644, 0, 0)
            .unwrap();
    }
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    let attr = fs.getattr(d).unwrap();
    let buckets = attr.size / BLOCK_SIZE as u64;
    assert!(
        buckets.is_power_of_two() && buckets < 4096,
        "{buckets} buckets"
    );
    for i in (0..N).step_by(7) {
        let ino = fs.lookup(d, format!("file-{i:06}").as_bytes()).unwrap();
        assert_eq!(ino, u64::from(i) + 3);
    }
    assert_eq!(fs.lookup(d, b"file-100000"), Err(FsError::NotFound));
    assert_eq!(fs.readdir(d).unwrap().len(), N as usize);
    assert_eq!(fs.inode(d).unwrap().entries, u64::from(N));
}

/// Reads every name, attribute, file and link under `dir`.
fn read_everything(fs: &mut Fs<MemDevice>, dir: u64) -> Result<usize, FsError> {
    let mut bytes = 0;
    for e in fs.readdir(dir)? {
        let attr = fs.getattr(e.ino)?;
        bytes += match e.kind {
            Kind::Dir => read_everything(fs, e.ino)?,
            Kind::File => fs.read(e.ino, 0, attr.size as usize)?.len(),
            Kind::Symlink => fs.readlink(e.ino)?.len(),
        };
    }
    Ok(bytes)
}

#[test]
fn overwritten_and_deleted_blocks_are_reused() {
    // 400 data blocks: 200 commits of 13 blocks each need reclamation (a
    // freed block waits out the 16-slot ring, so about 16 commits are in flight).
    let mut fs = fresh(DATA_START + 401);
    let ino = file(&mut fs, "f", &pattern(10 * BLOCK_SIZE, 0));
    fs.commit().unwrap();
    for round in 1..200u8 {
        fs.write(ino, 0, &pattern(10 * BLOCK_SIZE, round)).unwrap();
        fs.commit().unwrap();
        if round % 50 == 0 {
            fs = remount(&fs);
        }
    }
    assert_eq!(
        fs.read(ino, 0, 1 << 20).unwrap(),
        pattern(10 * BLOCK_SIZE, 199)
    );
    // Fill what is left, delete it, and the space comes back.
    let free_before = fs.statfs().free_blocks;
    let big = file(&mut fs, "big", &pattern(40 * BLOCK_SIZE, 1));
    fs.commit().unwrap();
    assert!(fs.statfs().free_blocks < free_before);
    fs.unlink(ROOT_INO, b"big").unwrap();
    assert_eq!(fs.getattr(big), Err(FsError::NotFound));
    for _ in 0..=RING_SLOTS {
        fs.commit().unwrap();
    }
    assert!(fs.statfs().free_blocks >= free_before);
    let again = file(&mut fs, "again", &pattern(40 * BLOCK_SIZE, 2));
    fs.commit().unwrap();
    let mut fs = remount(&fs);
    assert_eq!(
        fs.read(again, 0, 1 << 20).unwrap(),
        pattern(40 * BLOCK_SIZE, 2)
    );
}

#[test]
fn mount_reclaims_what_no_uberblock_in_the_ring_reaches() {
    let mut fs = fresh(512);
    file(&mut fs, "f", &pattern(30 * BLOCK_SIZE, 3));
    fs.commit().unwrap();
    fs.unlink(ROOT_INO, b"f").unwrap();
    fs.commit().unwrap();
    // The ring still reaches the file's blocks: a remount holds them until
    // the ring has moved past, then they are free.
    let mut fs = remount(&fs);
    let held = fs.statfs().free_blocks;
    for _ in 0..=RING_SLOTS {
        fs.commit().unwrap();
    }
    // Each of those commits' object-set blocks waits out the ring in turn.
    let in_flight = RING_SLOTS + 1;
    let now = fs.statfs().free_blocks;
    assert!(now + in_flight >= held + 30, "{held} -> {now}");
    // A mount finds the same: nothing the ring reaches, everything else.
    let again = remount(&fs);
    assert!(again.statfs().free_blocks + in_flight >= held + 30);
}

#[test]
fn every_uberblock_in_the_ring_stays_whole_while_space_is_reused() {
    let mut fs = fresh(DATA_START + 400);
    let a = file(&mut fs, "a", &pattern(8 * BLOCK_SIZE, 0));
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    fs.commit().unwrap();
    for round in 1..120u64 {
        let at = (round * 7919) % (8 * BLOCK_SIZE as u64);
        fs.write(a, at, &pattern(3000, round as u8)).unwrap();
        let name = format!("n{}", round % 5);
        match fs.lookup(d, name.as_bytes()) {
            Ok(_) => fs.unlink(d, name.as_bytes()).unwrap(),
            Err(_) => drop(file_in(&mut fs, d, &name, round)),
        }
        fs.commit().unwrap();
        if round % 15 != 0 {
            continue;
        }
        let slot = fs.pool().slot();
        for newer in 0..RING_SLOTS {
            // Hide the `newer` newest uberblocks: mount falls back further.
            let mut dev = fs.pool().device().clone();
            for j in 0..newer {
                let s = (slot + RING_SLOTS - j) % RING_SLOTS;
                dev.write_block(crate::format::RING_START + s, &[0; BLOCK_SIZE])
                    .unwrap();
            }
            let pool = Pool::mount(dev).unwrap();
            assert_eq!(pool.txg(), fs.pool().txg() - newer);
            let mut old = Fs::mount(pool).unwrap();
            read_everything(&mut old, ROOT_INO)
                .unwrap_or_else(|e| panic!("round {round}, {newer} back: {e}"));
        }
    }
}

fn file_in(fs: &mut Fs<MemDevice>, dir: u64, name: &str, seed: u64) -> u64 {
    let ino = fs.create(dir, name.as_bytes(), 0o644, 0, 0).unwrap();
    fs.write(ino, 0, &pattern(2 * BLOCK_SIZE + 5, seed as u8))
        .unwrap();
    ino
}

/// Every path's expected bytes (file data or link target), by resolving
/// from the root.
fn expected(fs: &mut Fs<MemDevice>) -> Vec<(Vec<&'static str>, Kind, Vec<u8>)> {
    let mut out = Vec::new();
    let tree: [(&[&str], Kind); 6] = [
        (&["inline"], Kind::File),
        (&["one"], Kind::File),
        (&["sparse"], Kind::File),
        (&["d", "deep"], Kind::File),
        (&["d", "link"], Kind::Symlink),
        (&["d", "sub", "x"], Kind::File),
    ];
    for (path, kind) in tree {
        let ino = resolve_path(fs, path).unwrap();
        let data = match kind {
            Kind::Symlink => fs.readlink(ino).unwrap(),
            _ => fs.read(ino, 0, 1 << 24).unwrap(),
        };
        out.push((path.to_vec(), kind, data));
    }
    out
}

fn resolve_path(fs: &mut Fs<MemDevice>, path: &[&str]) -> Result<u64, FsError> {
    let mut ino = ROOT_INO;
    for part in path {
        ino = fs.lookup(ino, part.as_bytes())?;
    }
    Ok(ino)
}

#[test]
fn a_flipped_bit_anywhere_is_an_error_never_wrong_data_or_a_panic() {
    let mut fs = fresh(256);
    file(&mut fs, "inline", b"small");
    file(&mut fs, "one", &pattern(BLOCK_SIZE, 1));
    let sparse = file(&mut fs, "sparse", b"head");
    fs.write(sparse, 100 * BLOCK_SIZE as u64, &pattern(5000, 2))
        .unwrap();
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    let deep = fs.create(d, b"deep", 0o644, 0, 0).unwrap();
    fs.write(deep, 0, &pattern(70 * BLOCK_SIZE, 3)).unwrap();
    fs.symlink(d, b"link", &pattern(500, 4), 0, 0).unwrap();
    let sub = fs.mkdir(d, b"sub", 0o755, 0, 0).unwrap();
    for i in 0..300 {
        fs.create(sub, format!("entry-{i}").as_bytes(), 0o644, 0, 0)
            .unwrap();
    }
    let x = fs.create(sub, b"x", 0o644, 0, 0).unwrap();
    fs.write(x, 0, b"x marks").unwrap();
    fs.commit().unwrap();
    let want = expected(&mut fs);
    let txg = fs.pool().txg();
    let image = fs.pool().device().clone();
    let mut errors = 0;
    for block in 0..image.block_count() {
        let mut dev = image.clone();
        let mut buf = vec![0; BLOCK_SIZE];
        dev.read_block(block, &mut buf).unwrap();
        let bit = (block as usize * 7919) % (BLOCK_SIZE * 8);
        buf[bit / 8] ^= 1 << (bit % 8);
        dev.write_block(block, &buf).unwrap();
        let Ok(pool) = Pool::mount(dev) else {
            errors += 1;
            continue;
        };
        let Ok(mut fs) = Fs::mount(pool) else {
            errors += 1;
            continue;
        };
        if fs.pool().txg() != txg {
            // The newest root failed: mount fell back to the group before
            // (here, the empty filesystem), which is whole.
            assert_eq!(fs.readdir(ROOT_INO), Ok(Vec::new()), "block {block}");
            errors += 1;
            continue;
        }
        for (path, kind, data) in &want {
            let got = resolve_path(&mut fs, path).and_then(|ino| match kind {
                Kind::Symlink => fs.readlink(ino),
                _ => fs.read(ino, 0, 1 << 24),
            });
            match got {
                Ok(got) => assert!(got == *data, "block {block}: {path:?} read wrong bytes"),
                Err(FsError::Pool(pool::Error::Checksum { .. })) => errors += 1,
                Err(e) => panic!("block {block}: {path:?}: {e}"),
            }
        }
    }
    assert!(errors > 20, "{errors} damaged reads");
}

/// A device counting the blocks read.
struct Reads {
    dev: MemDevice,
    reads: u64,
}

impl BlockDevice for Reads {
    fn block_size(&self) -> usize {
        self.dev.block_size()
    }
    fn block_count(&self) -> u64 {
        self.dev.block_count()
    }
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), crate::device::DeviceError> {
        self.reads += 1;
        self.dev.read_block(n, buf)
    }
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), crate::device::DeviceError> {
        self.dev.write_block(n, buf)
    }
    fn flush(&mut self) -> Result<(), crate::device::DeviceError> {
        self.dev.flush()
    }
}

#[test]
fn blocks_written_whole_are_not_read_first_and_parts_are() {
    let dev = Reads {
        dev: MemDevice::new(BLOCK_SIZE, 1024).unwrap(),
        reads: 0,
    };
    let mut fs = Fs::format(Pool::format(dev, GUID).unwrap(), 0).unwrap();
    let ino = fs.create(ROOT_INO, b"f", 0o644, 0, 0).unwrap();
    fs.write(ino, 0, &pattern(200 * BLOCK_SIZE, 1)).unwrap();
    fs.commit().unwrap();
    let mut fs = Fs::mount(fs.into_pool()).unwrap();
    let reads = |fs: &Fs<Reads>| fs.pool().device().reads;
    // The record and the tree's indirect blocks are read once.
    fs.write(ino, 0, &[7; BLOCK_SIZE]).unwrap();
    let before = reads(&fs);
    let whole = pattern(100 * BLOCK_SIZE, 2);
    fs.write(ino, 50 * BLOCK_SIZE as u64, &whole).unwrap();
    assert_eq!(reads(&fs), before, "whole blocks: nothing read");
    // Parts of blocks keep the rest of each: those are read.
    for i in 160..170u64 {
        fs.write(ino, i * BLOCK_SIZE as u64 + 10, b"part").unwrap();
    }
    assert_eq!(reads(&fs), before + 10);
    fs.commit().unwrap();
    let mut fs = Fs::mount(fs.into_pool()).unwrap();
    let mut want = pattern(200 * BLOCK_SIZE, 1);
    want[..BLOCK_SIZE].fill(7);
    want[50 * BLOCK_SIZE..150 * BLOCK_SIZE].copy_from_slice(&whole);
    for i in 160..170 {
        want[i * BLOCK_SIZE + 10..i * BLOCK_SIZE + 14].copy_from_slice(b"part");
    }
    assert_eq!(fs.read(ino, 0, 200 * BLOCK_SIZE).unwrap(), want);
}
