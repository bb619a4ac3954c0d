//! Integrity of the object layer on a populated image: `verify` names
//! exactly the objects whose blocks were damaged, reads of damaged data are
//! `EIO` and everything else stays readable; random and mutated images
//! never panic; images are deterministic; packed text takes fewer blocks.

use super::*;
use crate::blockptr::Compression;
use crate::device::MemDevice;
use crate::format::{DATA_START, RING_START};
use crate::testdata::{noise, text};
use alloc::format;
use alloc::string::ToString;
use proptest::prelude::*;
use std::sync::OnceLock;

const GUID: u64 = 0x1a7e_6e17;

/// A populated filesystem, built as an image builder would (packing on,
/// clock at 0): text and random files, a sparse file, a deep file with
/// indirect blocks, a symlink, a big directory, nested directories.
fn populated(packing: bool) -> Fs<MemDevice> {
    let dev = MemDevice::new(BLOCK_SIZE, 1024).unwrap();
    let mut pool = Pool::format(dev, GUID).unwrap();
    pool.set_packing(packing);
    let mut fs = Fs::format(pool, 0).unwrap();
    let mk = |fs: &mut Fs<MemDevice>, dir: u64, name: &str, data: &[u8]| {
        let ino = fs.create(dir, name.as_bytes(), 0o644, 0, 0).unwrap();
        fs.write(ino, 0, data).unwrap();
        ino
    };
    mk(&mut fs, ROOT_INO, "inline", b"small");
    mk(&mut fs, ROOT_INO, "text", &text(5 * BLOCK_SIZE + 17, 1));
    mk(&mut fs, ROOT_INO, "noise", &noise(3 * BLOCK_SIZE, 2));
    let sparse = mk(&mut fs, ROOT_INO, "sparse", b"head");
    fs.write(sparse, 200 * BLOCK_SIZE as u64, &text(5000, 3))
        .unwrap();
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    mk(&mut fs, d, "deep", &text(70 * BLOCK_SIZE, 4));
    fs.symlink(d, b"link", &text(600, 5), 0, 0).unwrap();
    let sub = fs.mkdir(d, b"sub", 0o755, 0, 0).unwrap();
    for i in 0..200 {
        mk(&mut fs, sub, &format!("entry-{i}"), &text(i * 40, i as u64));
    }
    fs.commit().unwrap();
    // A second group, so the ring has an older root that shares blocks.
    mk(&mut fs, d, "later", &text(2 * BLOCK_SIZE, 6));
    fs.commit().unwrap();
    fs
}

/// Who owns each stored block of the committed root: `(address, bytes of
/// the device it occupies, owner)`, the owner an object number or 0 for the
/// object set and record array.
fn owners(fs: &mut Fs<MemDevice>) -> Vec<(u64, core::ops::Range<usize>, u64)> {
    let mut out = Vec::new();
    let range = |bp: &BlockPtr| {
        let r = bp.physical_range().unwrap();
        let base = bp.address as usize * BLOCK_SIZE;
        base + r.start..base + r.end
    };
    let root = fs.pool().root();
    out.push((root.address, range(&root), 0));
    let (levels, meta) = (fs.meta_levels, fs.meta_root);
    tree::walk(&mut fs.store, levels, meta, &mut |_, bp| {
        out.push((bp.address, range(bp), 0));
        true
    })
    .unwrap();
    let last = fs.next_ino;
    for ino in 1..last {
        let Ok(inode) = fs.inode(ino) else { continue };
        let (levels, root) = (inode.levels, inode.root);
        let mut last = None;
        tree::walk(&mut fs.store, levels, root, &mut |_, bp| {
            // A block running on into the next is visited again with the
            // next address: the same bytes.
            if last != Some((bp.checksum, bp.physical_offset)) {
                out.push((bp.address, range(bp), ino));
            }
            last = Some((bp.checksum, bp.physical_offset));
            true
        })
        .unwrap();
    }
    out
}

/// Every object reachable by name, with its kind (the walk that reads
/// everything a user could).
fn all_objects(fs: &mut Fs<MemDevice>) -> Vec<(u64, Kind)> {
    let mut out = vec![(ROOT_INO, Kind::Dir)];
    let mut i = 0;
    while i < out.len() {
        let (ino, kind) = out[i];
        i += 1;
        if kind == Kind::Dir
            && let Ok(entries) = fs.readdir(ino)
        {
            out.extend(entries.into_iter().map(|e| (e.ino, e.kind)));
        }
    }
    out
}

/// Reads an object whole: data, link target or entries.
fn read_whole(fs: &mut Fs<MemDevice>, ino: u64, kind: Kind) -> Result<Vec<u8>, FsError> {
    let attr = fs.getattr(ino)?;
    match kind {
        Kind::File => fs.read(ino, 0, attr.size as usize),
        Kind::Symlink => fs.readlink(ino),
        Kind::Dir => Ok(fs.readdir(ino)?.into_iter().flat_map(|e| e.name).collect()),
    }
}

#[test]
fn an_intact_image_verifies_clean() {
    for packing in [false, true] {
        let mut fs = populated(packing);
        let report = fs.verify();
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.objects, fs.next_ino - 1);
        assert!(report.blocks_checked > 80, "{report}");
        // Groups 2, 1 and 0 (the empty pool) are still in the ring.
        assert_eq!(report.ring.len(), 3, "{report}");
        assert!(report.to_string().ends_with("no damage found"));
        assert_eq!(fs.pool().checksum_errors(), 0);
    }
}

#[test]
fn random_bit_flips_are_named_exactly_by_verify_and_read_as_eio() {
    for packing in [false, true] {
        let mut fs = populated(packing);
        let objects = all_objects(&mut fs);
        let mut want: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        for &(ino, kind) in &objects {
            want.insert(ino, read_whole(&mut fs, ino, kind).unwrap());
        }
        let owned = owners(&mut fs);
        let object_blocks: Vec<&(u64, core::ops::Range<usize>, u64)> =
            owned.iter().filter(|(_, _, o)| *o != 0).collect();
        let image = fs.pool().device().clone();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut hits = 0;
        for _trial in 0..40 {
            let mut dev = image.clone();
            let mut expect = BTreeSet::new();
            for _ in 0..1 + next() % 3 {
                // A bit inside a stored block of some object.
                let (_, range, _) = object_blocks[(next() % object_blocks.len() as u64) as usize];
                let at = range.start + (next() % range.len() as u64) as usize;
                let (block, byte) = ((at / BLOCK_SIZE) as u64, at % BLOCK_SIZE);
                let mut buf = vec![0; BLOCK_SIZE];
                dev.read_block(block, &mut buf).unwrap();
                buf[byte] ^= 1 << (next() % 8);
                dev.write_block(block, &buf).unwrap();
                // Every owner whose bytes hold that bit (packed blocks hold
                // several objects' blocks; each owns its own range).
                for (_, r, o) in &owned {
                    if r.contains(&at) {
                        expect.insert(*o);
                    }
                }
            }
            let mut fs = Fs::mount(Pool::mount(dev).unwrap()).unwrap();
            let report = fs.verify();
            assert_eq!(report.damaged_objects(), expect, "{report}");
            assert!(report.metadata.is_empty(), "{report}");
            for d in &report.damaged {
                if d.ino != ROOT_INO && objects.iter().any(|&(i, _)| i == d.ino) {
                    // Named by a directory that is intact, or itself a
                    // directory that failed: a path is found unless an
                    // ancestor is damaged too.
                    let ancestors_ok = !expect.iter().any(|&o| {
                        o != d.ino && objects.iter().any(|&(i, k)| i == o && k == Kind::Dir)
                    });
                    if ancestors_ok {
                        assert!(d.path.is_some(), "{report}");
                    }
                }
            }
            for &(ino, kind) in &objects {
                match read_whole(&mut fs, ino, kind) {
                    Ok(got) => {
                        assert!(!expect.contains(&ino), "object {ino} read despite damage");
                        assert!(got == want[&ino], "object {ino} read wrong bytes");
                    }
                    Err(e) => {
                        assert!(expect.contains(&ino), "object {ino}: {e}");
                        assert_eq!(e.errno(), 5);
                        hits += 1;
                    }
                }
            }
        }
        assert!(hits >= 40, "{hits} damaged reads");
    }
}

#[test]
fn damaged_metadata_is_reported_and_never_panics() {
    let mut fs = populated(true);
    let owned = owners(&mut fs);
    let meta: Vec<u64> = owned
        .iter()
        .filter(|(_, _, o)| *o == 0)
        .map(|(a, _, _)| *a)
        .collect();
    let image = fs.pool().device().clone();
    let newest = image_txg(&image);
    for (n, &address) in meta.iter().enumerate() {
        let mut dev = image.clone();
        let mut buf = vec![0; BLOCK_SIZE];
        dev.read_block(address, &mut buf).unwrap();
        buf[(n * 997) % BLOCK_SIZE] ^= 4;
        dev.write_block(address, &buf).unwrap();
        let pool = Pool::mount(dev).unwrap();
        let txg = pool.txg();
        let mut fs = Fs::mount(pool).unwrap();
        let report = fs.verify();
        if txg == newest {
            assert!(!report.is_clean(), "block {address}: {report}");
            assert!(!report.metadata.is_empty(), "{report}");
        } else {
            // The object set itself failed: mount fell back a group, and
            // the damaged newer root is not reached (the ring walk names it
            // only if an older root shares the block).
            assert!(report.to_string().contains("txg"));
        }
    }
}

fn image_txg(dev: &MemDevice) -> u64 {
    Pool::mount(dev.clone()).unwrap().txg()
}

#[test]
fn verify_walks_the_older_roots_in_the_ring() {
    let mut fs = populated(false);
    // The "later" file lives only in the newest root; damage a block that
    // only the older root reaches: the previous object set.
    let ring = fs.store.pool.ring_roots().unwrap();
    let (_, older) = ring[1];
    let mut dev = fs.pool().device().clone();
    let mut buf = vec![0; BLOCK_SIZE];
    dev.read_block(older.address, &mut buf).unwrap();
    buf[9] ^= 1;
    dev.write_block(older.address, &buf).unwrap();
    let mut fs = Fs::mount(Pool::mount(dev).unwrap()).unwrap();
    let report = fs.verify();
    assert!(report.damaged.is_empty() && report.metadata.is_empty());
    assert_eq!(report.ring[0].problems.len(), 1, "{report}");
    assert!(!report.is_clean());
}

#[test]
fn the_same_tree_builds_byte_identical_images() {
    for packing in [false, true] {
        let a = populated(packing).into_pool().into_device();
        let b = populated(packing).into_pool().into_device();
        assert!(a == b, "packing {packing}: images differ");
    }
}

#[test]
fn ten_mib_of_text_packs_into_clearly_fewer_blocks() {
    const MIB: usize = 1 << 20;
    let mut used = Vec::new();
    for packing in [false, true] {
        let dev = MemDevice::new(BLOCK_SIZE, 4096).unwrap();
        let mut pool = Pool::format(dev, GUID).unwrap();
        pool.set_packing(packing);
        let mut fs = Fs::format(pool, 0).unwrap();
        for f in 0..10 {
            let ino = fs
                .create(ROOT_INO, format!("f{f}").as_bytes(), 0o644, 0, 0)
                .unwrap();
            fs.write(ino, 0, &text(MIB, f)).unwrap();
        }
        fs.commit().unwrap();
        used.push(fs.pool().frontier() - DATA_START);
        let mut fs = Fs::mount(Pool::mount(fs.into_pool().into_device()).unwrap()).unwrap();
        let ino = fs.lookup(ROOT_INO, b"f3").unwrap();
        assert_eq!(fs.read(ino, 0, MIB).unwrap(), text(MIB, 3));
        assert!(fs.verify().is_clean());
    }
    let data_blocks = (10 * MIB / BLOCK_SIZE) as u64;
    // Unpacked: every block still takes a physical block (plus indirect
    // blocks and records); packed: well under two thirds.
    assert!(used[0] > data_blocks, "{used:?}");
    assert!(used[1] * 3 < data_blocks * 2, "{used:?}");
    std::println!(
        "10 MiB of text: {} blocks unpacked, {} packed",
        used[0],
        used[1]
    );
}

/// A small populated image, built once.
fn base_image() -> &'static Vec<u8> {
    static IMAGE: OnceLock<Vec<u8>> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dev = MemDevice::new(BLOCK_SIZE, 96).unwrap();
        let mut pool = Pool::format(dev, GUID).unwrap();
        pool.set_packing(true);
        let mut fs = Fs::format(pool, 0).unwrap();
        let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
        for (i, dir) in [ROOT_INO, d, ROOT_INO, d].into_iter().enumerate() {
            let ino = fs
                .create(dir, format!("f{i}").as_bytes(), 0o644, 0, 0)
                .unwrap();
            fs.write(ino, 0, &text(i * 3000 + 100, i as u64)).unwrap();
        }
        fs.symlink(d, b"l", &text(300, 9), 0, 0).unwrap();
        let big = fs.create(d, b"big", 0o644, 0, 0).unwrap();
        fs.write(big, 65 * BLOCK_SIZE as u64, b"far").unwrap();
        fs.commit().unwrap();
        fs.into_pool().into_device().into_bytes()
    })
}

/// Mounts `bytes` and touches everything: never panics, errors are fine.
fn exercise(bytes: Vec<u8>) {
    let Ok(dev) = MemDevice::from_bytes(BLOCK_SIZE, bytes) else {
        return;
    };
    let Ok(pool) = Pool::mount(dev) else { return };
    let Ok(mut fs) = Fs::mount(pool) else { return };
    let mut dirs = vec![ROOT_INO];
    let mut visited = BTreeSet::new();
    while let Some(dir) = dirs.pop() {
        if !visited.insert(dir) || visited.len() > 64 {
            continue;
        }
        let Ok(entries) = fs.readdir(dir) else {
            continue;
        };
        for e in entries.into_iter().take(300) {
            let _ = fs.getattr(e.ino);
            match e.kind {
                Kind::Dir => dirs.push(e.ino),
                Kind::File => drop(fs.read(e.ino, 0, 1 << 20)),
                Kind::Symlink => drop(fs.readlink(e.ino)),
            }
        }
    }
    let _ = fs.statfs();
    let report = fs.verify();
    let _ = report.to_string();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random damage to a real image: flipped bytes, blocks overwritten
    /// with garbage or zeros, a truncated image.
    #[test]
    fn mutated_images_never_panic(
        edits in prop::collection::vec((any::<u64>(), any::<u16>(), any::<u8>(), 0u8..4), 1..12),
        cut in prop::option::of(any::<u32>()),
    ) {
        let mut bytes = base_image().clone();
        let blocks = (bytes.len() / BLOCK_SIZE) as u64;
        for (block, offset, value, how) in edits {
            let start = (block % blocks) as usize * BLOCK_SIZE;
            let at = start + usize::from(offset) % BLOCK_SIZE;
            match how {
                0 => bytes[at] ^= value | 1,
                1 => bytes[start..start + BLOCK_SIZE].fill(value),
                2 => {
                    let garbage = noise(BLOCK_SIZE, u64::from(value) << 16 | u64::from(offset));
                    bytes[start..start + BLOCK_SIZE].copy_from_slice(&garbage);
                }
                _ => bytes[at..(at + 64).min(start + BLOCK_SIZE)].fill(0),
            }
        }
        if let Some(cut) = cut {
            bytes.truncate(cut as usize % (bytes.len() + 1));
        }
        exercise(bytes);
    }

    /// Mutations the checksums cannot catch: a block of random bytes
    /// written through the pool (so it verifies) and committed as the
    /// object set, or as a file's data, or with the magic and version of an
    /// object set in front.
    #[test]
    fn sealed_garbage_never_panics(seed in any::<u64>(), len in 0usize..=BLOCK_SIZE, how in 0u8..3) {
        let dev = MemDevice::from_bytes(BLOCK_SIZE, base_image().clone()).unwrap();
        let mut pool = Pool::mount(dev).unwrap();
        let mut garbage = noise(len, seed);
        if how == 1 && len >= 12 {
            garbage[..8].copy_from_slice(&OBJSET_MAGIC);
            garbage[8..12].copy_from_slice(&VERSION.to_le_bytes());
        }
        let bp = if how == 2 {
            pool.write_compressible(&text(len, seed)).unwrap()
        } else {
            pool.write_block(&garbage).unwrap()
        };
        pool.commit(bp, 0).unwrap();
        exercise(pool.into_device().into_bytes());
    }

    /// Bytes that were never an image.
    #[test]
    fn random_bytes_never_panic(blocks in 0usize..40, seed in any::<u64>(), label in any::<bool>()) {
        let mut bytes = noise(blocks * BLOCK_SIZE, seed);
        if label && blocks > 0 {
            // A real label in front, so mount gets as far as the ring.
            let l = crate::label::Label::new(blocks as u64, GUID);
            if let Some(l) = l {
                bytes[..crate::label::LABEL_LEN].copy_from_slice(&l.encode());
                let slot = RING_START as usize * BLOCK_SIZE;
                bytes[slot..slot + BLOCK_SIZE].fill(0);
            }
        }
        exercise(bytes);
    }
}

#[test]
fn compressed_blocks_are_really_used_for_file_data() {
    let mut fs = populated(true);
    let ino = fs.lookup(ROOT_INO, b"text").unwrap();
    let (levels, root) = (fs.inode(ino).unwrap().levels, fs.inode(ino).unwrap().root);
    let mut compressed = BTreeSet::new();
    tree::walk(&mut fs.store, levels, root, &mut |level, bp| {
        if level == 0 && bp.compression == Compression::Lz4 && bp.packed {
            compressed.insert(bp.checksum);
        }
        true
    })
    .unwrap();
    assert_eq!(compressed.len(), 6);
}
