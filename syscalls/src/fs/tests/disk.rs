//! The root on a rootfs disk (`fs::disk`): what a sync commits survives a
//! remount and what it did not commit does not; metadata, links, renames,
//! open unlinked files and a full disk.

use super::*;
use crate::fs::FsContext;
use alloc::boxed::Box;
use alloc::sync::Arc;
use rootfs::device::{BlockDevice, DeviceError, MemDevice};
use rootfs::fs::Fs;
use rootfs::pool::Pool;
use spin::Mutex;

/// A memory disk the test keeps a handle on, to mount it again after the
/// "machine" that used it is gone.
#[derive(Clone)]
pub struct SharedDisk(Arc<Mutex<MemDevice>>, Arc<core::sync::atomic::AtomicU64>);

impl SharedDisk {
    /// Blocks read so far.
    fn reads(&self) -> u64 {
        self.1.load(core::sync::atomic::Ordering::Relaxed)
    }
}

impl BlockDevice for SharedDisk {
    fn block_size(&self) -> usize {
        self.0.lock().block_size()
    }
    fn block_count(&self) -> u64 {
        self.0.lock().block_count()
    }
    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.1.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        self.0.lock().read_block(n, buf)
    }
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        self.0.lock().write_block(n, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.0.lock().flush()
    }
}

/// A formatted rootfs on `blocks` blocks of memory.
pub fn fresh_device(blocks: u64) -> SharedDisk {
    let dev = MemDevice::new(4096, blocks).expect("device");
    let pool = Pool::format(dev, 0x5eed).expect("pool");
    let fs = Fs::format(pool, 1_700_000_000_000_000_000).expect("fs");
    SharedDisk(
        Arc::new(Mutex::new(fs.into_pool().into_device())),
        Arc::default(),
    )
}

/// A machine booted on `disk` (root and /tmp on it).
fn boot(disk: &SharedDisk) -> T {
    let fs = FsContext::with_disk_and(Box::new(disk.clone()), Some(false)).expect("mount");
    T::with(testing::harness_with(fs))
}

fn sync(t: &mut T) {
    t.ok(nr::SYNC, &[]);
}

#[test]
fn synced_files_survive_a_reboot_and_unsynced_ones_do_not() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkdir("/etc");
        t.mkfile("/etc/motd", b"hello from the disk\n");
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        t.mkfile("/big", &big);
        sync(&mut t);
        t.mkfile("/later", b"never synced");
    }
    let mut t = boot(&disk);
    assert_eq!(t.cat("/etc/motd").unwrap(), b"hello from the disk\n");
    let big = t.cat("/big").unwrap();
    assert_eq!(big.len(), 100_000);
    assert!(big.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    assert_eq!(t.cat("/later"), Err(Errno::ENOENT));
}

#[test]
fn writeback_commits_unsynced_writes_every_five_seconds() {
    use crate::fs::writeback::{self, INTERVAL_NS, WRITEBACK_TIMER_ID};
    let disk = fresh_device(4096);
    {
        let t = boot(&disk);
        writeback::start(&t.process, &t.platform);
        let armed = |t: &T| t.platform.timers.lock().get(&WRITEBACK_TIMER_ID).copied();
        let started = t.platform.monotonic_ns();
        assert_eq!(armed(&t), Some(started + INTERVAL_NS));
        let mut t = t;
        t.mkfile("/unsynced", b"written back, not fsync'd");
        t.platform.sleep_until(started + INTERVAL_NS);
        crate::timers::expire(&t.process, &t.platform, WRITEBACK_TIMER_ID);
        // Only due: it runs where the kernel calls `run_if_due`.
        assert_eq!(armed(&t), Some(started + INTERVAL_NS));
        writeback::run_if_due(&t.process, &t.platform);
        assert_eq!(armed(&t), Some(started + 2 * INTERVAL_NS), "armed again");
        // Once only.
        writeback::run_if_due(&t.process, &t.platform);
        assert_eq!(armed(&t), Some(started + 2 * INTERVAL_NS));
        // Busy files: it tries again soon instead of waiting.
        crate::timers::expire(&t.process, &t.platform, WRITEBACK_TIMER_ID);
        let held = t.process.fs.lock();
        writeback::run_if_due(&t.process, &t.platform);
        drop(held);
        let retry = armed(&t).unwrap() - (started + INTERVAL_NS);
        assert!(retry > 0 && retry < INTERVAL_NS / 10, "{retry}");
        t.mkfile("/later", b"after the last writeback");
    }
    let mut t = boot(&disk);
    assert_eq!(t.cat("/unsynced").unwrap(), b"written back, not fsync'd");
    assert_eq!(t.cat("/later"), Err(Errno::ENOENT));
}

#[test]
fn a_root_in_memory_has_no_writeback() {
    let t = T::new();
    crate::fs::writeback::start(&t.process, &t.platform);
    assert!(t.platform.timers.lock().is_empty());
}

#[test]
fn fsync_commits_and_the_inode_numbers_are_the_objects() {
    let disk = fresh_device(4096);
    let ino = {
        let mut t = boot(&disk);
        let fd = t.open("/f", O_CREAT | O_RDWR, 0o640).unwrap();
        t.write(fd, b"durable").unwrap();
        t.ok(nr::FSYNC, &[fd]);
        t.stat("/f").unwrap().ino
    };
    let mut t = boot(&disk);
    let st = t.stat("/f").unwrap();
    assert_eq!(st.ino, ino, "st_ino is stable across boots");
    assert_eq!(st.mode & 0o7777, 0o640);
    assert_eq!(st.size, 7);
    assert_eq!(t.cat("/f").unwrap(), b"durable");
}

#[test]
fn the_namespace_persists_links_renames_symlinks_and_removals() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkdir("/a");
        t.mkdir("/a/b");
        t.mkfile("/a/one", b"1");
        t.mkfile("/a/two", b"2");
        t.mkfile("/gone", b"x");
        let (old, new) = (t.s("/a/one"), t.s("/a/b/hard"));
        t.ok(nr::LINK, &[old, new]);
        let (old, new) = (t.s("/a/two"), t.s("/renamed"));
        t.ok(nr::RENAME, &[old, new]);
        let (target, path) = (t.s("a/b/hard"), t.s("/sym"));
        t.ok(nr::SYMLINK, &[target, path]);
        let p = t.s("/gone");
        t.ok(nr::UNLINK, &[p]);
        let p = t.s("/a/one");
        t.ok(nr::CHMOD, &[p, 0o600]);
        sync(&mut t);
    }
    let mut t = boot(&disk);
    let hard = t.stat("/a/b/hard").unwrap();
    assert_eq!(hard.nlink, 2);
    assert_eq!(hard.ino, t.stat("/a/one").unwrap().ino);
    assert_eq!(hard.mode & 0o7777, 0o600, "chmod reached the shared object");
    assert_eq!(t.cat("/sym").unwrap(), b"1", "the symlink resolves");
    assert_eq!(t.cat("/renamed").unwrap(), b"2");
    assert_eq!(t.stat("/a/two").map(|_| ()), Err(Errno::ENOENT));
    assert_eq!(t.stat("/gone").map(|_| ()), Err(Errno::ENOENT));
    assert_eq!(t.stat("/a").unwrap().nlink, 3, "2 + the subdirectory b");
}

#[test]
fn rename_exchange_swaps_on_the_disk() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkdir("/d");
        t.mkfile("/x", b"file x");
        t.mkfile("/d/inside", b"in d");
        let (a, b) = (t.s("/x"), t.s("/d"));
        // renameat2(RENAME_EXCHANGE)
        t.ok(nr::RENAMEAT2, &[AT_FDCWD, a, AT_FDCWD, b, 2]);
        sync(&mut t);
    }
    let mut t = boot(&disk);
    assert_eq!(t.cat("/d").unwrap(), b"file x");
    assert_eq!(t.cat("/x/inside").unwrap(), b"in d");
}

#[test]
fn an_open_unlinked_file_keeps_its_data_and_leaves_nothing_on_disk() {
    let disk = fresh_device(4096);
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7) as u8).collect();
    {
        let mut t = boot(&disk);
        t.mkfile("/tmpdata", &data);
        sync(&mut t);
    }
    let before = {
        let mut t = boot(&disk);
        let fd = t.open("/tmpdata", O_RDONLY, 0).unwrap();
        let p = t.s("/tmpdata");
        t.ok(nr::UNLINK, &[p]);
        sync(&mut t);
        // Never read before the unlink: the pages came from the disk.
        let mut got = Vec::new();
        loop {
            let chunk = t.read(fd, 4096).unwrap();
            if chunk.is_empty() {
                break;
            }
            got.extend_from_slice(&chunk);
        }
        assert_eq!(got, data);
        t.close(fd);
        t.stat("/").unwrap()
    };
    let mut t = boot(&disk);
    assert_eq!(t.stat("/tmpdata").map(|_| ()), Err(Errno::ENOENT));
    assert_eq!(t.stat("/").unwrap().nlink, before.nlink);
}

#[test]
fn truncate_and_holes_reach_the_disk() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkfile("/f", &[7u8; 3 * 4096]);
        sync(&mut t);
    }
    {
        let mut t = boot(&disk);
        let p = t.s("/f");
        // Cut into the middle of the second page, then grow again: what
        // lay past the cut reads as zeros, on the disk too.
        t.ok(nr::TRUNCATE, &[p, 5000]);
        t.ok(nr::TRUNCATE, &[p, 10_000]);
        sync(&mut t);
    }
    let mut t = boot(&disk);
    let got = t.cat("/f").unwrap();
    assert_eq!(got.len(), 10_000);
    assert!(got[..5000].iter().all(|&b| b == 7));
    assert!(got[5000..].iter().all(|&b| b == 0));
}

#[test]
fn times_and_owners_persist() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkfile("/f", b"x");
        let p = t.s("/f");
        t.ok(nr::CHOWN, &[p, 1000, 1001]);
        // utimensat: atime 1e9 s, mtime 2e9 s + 5 ns.
        let times = t.bytes(
            &[1_000_000_000i64, 0, 2_000_000_000, 5]
                .iter()
                .flat_map(|v| v.to_ne_bytes())
                .collect::<Vec<u8>>(),
        );
        t.ok(nr::UTIMENSAT, &[AT_FDCWD, p, times, 0]);
        sync(&mut t);
    }
    let mut t = boot(&disk);
    let st = t.stat("/f").unwrap();
    assert_eq!((st.uid, st.gid), (1000, 1001));
    assert_eq!((st.atime, st.atime_nsec), (1_000_000_000, 0));
    assert_eq!((st.mtime, st.mtime_nsec), (2_000_000_000, 5));
}

#[test]
fn a_directory_has_its_size_on_disk_whether_or_not_it_was_read() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkdir("/d");
        for i in 0..300 {
            t.mkfile(&format!("/d/file-with-a-long-name-{i:04}"), b"x");
        }
        t.mkdir("/empty");
        sync(&mut t);
    }
    let mut t = boot(&disk);
    // Not read yet: the size is the disk's, in whole blocks.
    let before = t.stat("/d").unwrap();
    assert!(before.size >= 2 * 4096, "{}", before.size);
    assert_eq!(before.size % 4096, 0);
    assert_eq!(before.blocks, before.size / 512);
    // Reading the entries changes nothing.
    let fd = t.open("/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let buf = t.alloc(1 << 16);
    t.ok(nr::GETDENTS64, &[fd, buf, 1 << 16]);
    assert_eq!(t.stat("/d").unwrap().size, before.size);
    let empty = t.stat("/empty").unwrap();
    assert_eq!((empty.size, empty.blocks), (4096, 8));
    // A tmpfs directory keeps tmpfs's count (two entries: 80 bytes).
    let fs = FsContext::with_disk_and(Box::new(disk.clone()), Some(true)).expect("mount");
    let mut t = T::with(testing::harness_with(fs));
    t.mkdir("/tmp/x");
    t.mkfile("/tmp/x/a", b"");
    t.mkfile("/tmp/x/b", b"");
    assert_eq!(t.stat("/tmp/x").unwrap().size, 80);
    assert_eq!(t.stat("/tmp/x").unwrap().blocks, 0);
}

#[test]
fn a_full_disk_says_enospc_and_works_again_after_a_delete() {
    // 1 MiB: about 200 blocks left once the slop is kept back.
    let disk = fresh_device(256);
    let mut t = boot(&disk);
    let fd = t.open("/fill", O_CREAT | O_WRONLY, 0o644).unwrap();
    let chunk = vec![0x5au8; 4096];
    let mut written = 0u64;
    let err = loop {
        match t.write(fd, &chunk) {
            Ok(n) => written += n,
            Err(e) => break e,
        }
        assert!(written < 2 << 20, "a 1 MiB disk took 2 MiB");
    };
    assert_eq!(err, Errno::ENOSPC);
    assert!(written > 0);
    t.ok(nr::FSYNC, &[fd]);
    t.close(fd);
    let p = t.s("/fill");
    t.ok(nr::UNLINK, &[p]);
    sync(&mut t);
    t.mkfile("/small", b"fits again");
    sync(&mut t);
    drop(t);
    let mut t = boot(&disk);
    assert_eq!(t.cat("/small").unwrap(), b"fits again");
}

#[test]
fn statfs_tells_the_disks_size() {
    let disk = fresh_device(4096);
    let mut t = boot(&disk);
    let p = t.s("/");
    let buf = t.alloc(size_of::<crate::fs::stat::Statfs>());
    t.ok(nr::STATFS, &[p, buf]);
    let s: crate::fs::stat::Statfs = t.obj(buf);
    assert_eq!(s.f_type, 0x534f_4c45);
    assert!(s.blocks > 4000 && s.blocks < 4096, "{}", s.blocks);
    let free_before = s.bfree;
    t.mkfile("/f", &[1u8; 40 * 4096]);
    t.ok(nr::STATFS, &[p, buf]);
    let s: crate::fs::stat::Statfs = t.obj(buf);
    assert!(
        s.bfree + 40 <= free_before,
        "{} then {}",
        free_before,
        s.bfree
    );
}

/// Page `i` of the pattern files below: every byte is `i * 7 + salt`.
fn pattern(pages: u64, salt: u8) -> Vec<u8> {
    (0..pages)
        .flat_map(|i| core::iter::repeat_n((i as u8).wrapping_mul(7).wrapping_add(salt), 4096))
        .collect()
}

/// A disk holding /big (256 pages of `pattern(256, 1)`), committed.
fn disk_with_a_big_file() -> SharedDisk {
    let disk = fresh_device(4096);
    let mut t = boot(&disk);
    t.mkfile("/big", &pattern(256, 1));
    sync(&mut t);
    disk
}

/// File pages the root's superblock holds.
fn held_pages(t: &T) -> u64 {
    t.process
        .fs
        .lock()
        .root
        .sb
        .used_pages
        .load(core::sync::atomic::Ordering::Relaxed)
}

/// Lets the disk root hold `clean` clean pages and `dirty` uncommitted
/// ones (`DiskFs::set_memory_budget`).
fn set_limits(t: &T, clean: u64, dirty: u64) {
    let fs = t.process.fs.lock();
    let disk = fs.root.sb.disk.as_ref().unwrap();
    disk.set_memory_budget(clean, dirty);
}

fn set_budget(t: &T, pages: u64) {
    set_limits(t, pages, u64::MAX);
}

/// Reads `path` whole through one descriptor, `chunk` bytes at a time.
fn read_all(t: &mut T, path: &str, chunk: usize) -> Vec<u8> {
    let fd = t.open(path, O_RDONLY, 0).unwrap();
    let mut all = Vec::new();
    loop {
        let part = t.read(fd, chunk).unwrap();
        if part.is_empty() {
            break;
        }
        all.extend(part);
    }
    t.close(fd);
    all
}

#[test]
fn a_file_larger_than_the_cache_is_read_whole_and_clean_pages_go() {
    let disk = disk_with_a_big_file();
    // Without a budget every page read stays.
    let mut t = boot(&disk);
    assert!(read_all(&mut t, "/big", 65536) == pattern(256, 1));
    assert!(held_pages(&t) >= 256, "{}", held_pages(&t));
    // With one of 32 pages, the file is read whole, and held pages stay
    // near the budget; reading it again reads the disk again.
    let mut t = boot(&disk);
    set_budget(&t, 32);
    for _ in 0..2 {
        assert!(read_all(&mut t, "/big", 65536) == pattern(256, 1));
        assert!(held_pages(&t) <= 32, "{}", held_pages(&t));
    }
    // Random reads too.
    let fd = t.open("/big", O_RDONLY, 0).unwrap();
    let buf = t.alloc(4096);
    for i in [200u64, 3, 150, 77, 255, 0, 128] {
        t.ok(nr::PREAD64, &[fd, buf, 4096, i * 4096]);
        assert!(
            t.mem(buf, 4096)
                .iter()
                .all(|&b| b == (i as u8).wrapping_mul(7).wrapping_add(1))
        );
    }
    assert!(held_pages(&t) <= 32, "{}", held_pages(&t));
}

#[test]
fn changed_pages_are_never_let_go_before_they_are_written_back() {
    let disk = disk_with_a_big_file();
    let mut t = boot(&disk);
    set_budget(&t, 16);
    // 64 changed pages, more than the budget, then a read of the big file
    // that makes the cache let clean pages go.
    let changed = pattern(64, 9);
    t.mkfile("/changed", &changed);
    let fd = t.open("/big", O_RDWR, 0).unwrap();
    t.write(fd, &pattern(40, 5)).unwrap();
    t.close(fd);
    assert!(read_all(&mut t, "/big", 8192)[40 * 4096..] == pattern(256, 1)[40 * 4096..]);
    assert!(t.cat("/changed").unwrap() == changed);
    sync(&mut t);
    drop(t);
    let mut t = boot(&disk);
    assert!(t.cat("/changed").unwrap() == changed);
    let big = t.cat("/big").unwrap();
    assert!(big[..40 * 4096] == pattern(40, 5)[..]);
    assert!(big[40 * 4096..] == pattern(256, 1)[40 * 4096..]);
}

#[test]
fn an_open_unlinked_file_larger_than_the_cache_keeps_every_page() {
    let disk = disk_with_a_big_file();
    let mut t = boot(&disk);
    set_budget(&t, 16);
    let fd = t.open("/big", O_RDONLY, 0).unwrap();
    let p = t.s("/big");
    t.ok(nr::UNLINK, &[p]);
    sync(&mut t);
    let buf = t.alloc(256 * 4096);
    t.ok(nr::PREAD64, &[fd, buf, 256 * 4096, 0]);
    assert!(t.mem(buf, 256 * 4096) == pattern(256, 1));
}

/// The disk's free blocks, as statfs(2) reports them.
fn free_blocks(t: &mut T) -> u64 {
    let p = t.s("/");
    let buf = t.alloc(size_of::<crate::fs::stat::Statfs>());
    t.ok(nr::STATFS, &[p, buf]);
    t.obj::<crate::fs::stat::Statfs>(buf).bfree
}

#[test]
fn a_mapped_file_keeps_its_pages_and_a_read_only_view_writes_nothing_back() {
    const PROT_READ: u64 = 1;
    const MAP_PRIVATE: u64 = 2;
    let disk = disk_with_a_big_file();
    let mut t = boot(&disk);
    set_budget(&t, 16);
    let free = free_blocks(&mut t);
    let fd = t.open("/big", O_RDONLY, 0).unwrap();
    let a = t.ok(nr::MMAP, &[0, 256 * 4096, PROT_READ, MAP_PRIVATE, fd, 0]);
    for i in 0..256u64 {
        let mut b = [0u8];
        t.platform.read_user(a + i * 4096 + 5, &mut b).unwrap();
        assert_eq!(b[0], (i as u8).wrapping_mul(7).wrapping_add(1), "page {i}");
    }
    // The mapping maps the file's own pages: none may go.
    assert!(held_pages(&t) >= 256, "{}", held_pages(&t));
    // Nothing changed, so a sync writes nothing (a program's libraries,
    // mapped so, are not copied at every commit).
    sync(&mut t);
    assert_eq!(free_blocks(&mut t), free);
    // Another file's reads do not take them either.
    t.mkfile("/other", &pattern(64, 3));
    sync(&mut t);
    assert!(read_all(&mut t, "/other", 4096) == pattern(64, 3));
    for i in 0..256u64 {
        let mut b = [0u8];
        t.platform.read_user(a + i * 4096 + 5, &mut b).unwrap();
        assert_eq!(b[0], (i as u8).wrapping_mul(7).wrapping_add(1), "page {i}");
    }
}

#[test]
fn a_writer_past_the_dirty_limit_commits_what_it_wrote() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        set_limits(&t, u64::MAX, 64);
        let fd = t.open("/log", O_WRONLY | O_CREAT, 0o644).unwrap();
        let buf = t.alloc(8192);
        for chunk in pattern(256, 3).chunks(8192) {
            t.put(buf, chunk);
            t.ok(nr::WRITE, &[fd, buf, chunk.len() as u64]);
        }
        // No fsync, no sync: the machine stops here.
    }
    let mut t = boot(&disk);
    let log = t.cat("/log").unwrap();
    assert!(
        log.len() >= (256 - 65) * 4096,
        "{} bytes committed",
        log.len()
    );
    assert!(log[..] == pattern(256, 3)[..log.len()]);
}

#[test]
fn writing_back_much_commits_in_several_groups() {
    let disk = fresh_device(8192);
    let mut t = boot(&disk);
    let flushes = || disk.0.lock().flushes();
    let data = pattern(3 * 1024, 5); // 12 MiB
    let fd = t.open("/big", O_WRONLY | O_CREAT, 0o644).unwrap();
    let buf = t.alloc(65536);
    for chunk in data.chunks(65536) {
        t.put(buf, chunk);
        t.ok(nr::WRITE, &[fd, buf, chunk.len() as u64]);
    }
    t.close(fd);
    let before = flushes();
    sync(&mut t);
    // Each commit flushes twice; 12 MiB is more than one group's 8 MiB.
    assert!(flushes() - before >= 4, "{} flushes", flushes() - before);
    drop(t);
    let mut t = boot(&disk);
    let fd = t.open("/big", O_RDONLY, 0).unwrap();
    let buf = t.alloc(65536);
    for (i, chunk) in data.chunks(65536).enumerate() {
        let off = (i * 65536) as u64;
        assert_eq!(t.ok(nr::PREAD64, &[fd, buf, 65536, off]), 65536);
        assert!(t.mem(buf, 65536) == chunk, "at {off}");
    }
}

#[test]
fn pages_written_back_count_against_the_cache_budget() {
    let disk = fresh_device(4096);
    let mut t = boot(&disk);
    set_budget(&t, 32);
    let data = pattern(256, 8);
    let fd = t.open("/w", O_WRONLY | O_CREAT, 0o644).unwrap();
    let buf = t.alloc(65536);
    for chunk in data.chunks(65536) {
        t.put(buf, chunk);
        t.ok(nr::WRITE, &[fd, buf, chunk.len() as u64]);
    }
    // Written and not committed: every page stays.
    assert!(held_pages(&t) >= 256, "{}", held_pages(&t));
    sync(&mut t);
    // Committed, so clean: they may go, and do down to the budget.
    assert!(held_pages(&t) <= 32, "{}", held_pages(&t));
    assert!(read_all(&mut t, "/w", 65536) == data);
}

#[test]
fn a_page_written_whole_is_not_read_first() {
    let disk = disk_with_a_big_file();
    let mut t = boot(&disk);
    let fd = t.open("/big", O_RDWR, 0).unwrap();
    let buf = t.alloc(8192);
    t.put(buf, &[0x5a; 8192]);
    // Warm up what every write needs (the file's record, its tree).
    t.ok(nr::PWRITE64, &[fd, buf, 4096, 0]);
    let before = disk.reads();
    for i in 1..100u64 {
        t.ok(nr::PWRITE64, &[fd, buf, 4096, i * 4096]);
    }
    assert_eq!(disk.reads(), before, "whole pages: nothing read");
    // A part of a page keeps the rest: that is read.
    t.ok(nr::PWRITE64, &[fd, buf, 100, 200 * 4096 + 8]);
    assert!(disk.reads() > before);
    t.ok(nr::PREAD64, &[fd, buf, 8192, 200 * 4096]);
    let page = t.mem(buf, 8192);
    let old = (200u8).wrapping_mul(7).wrapping_add(1);
    assert!(page[..8].iter().all(|&b| b == old));
    assert!(page[8..108].iter().all(|&b| b == 0x5a));
    assert!(page[108..4096].iter().all(|&b| b == old));
}

#[test]
fn fadvise_drops_clean_pages_and_reads_pages_in() {
    const WILLNEED: u64 = 3;
    const DONTNEED: u64 = 4;
    let disk = disk_with_a_big_file();
    let mut t = boot(&disk);
    let fd = t.open("/big", O_RDWR, 0).unwrap();
    // WILLNEED reads pages 16..48 in; reading them then reads no block.
    let held = held_pages(&t);
    t.ok(nr::FADVISE64, &[fd, 16 * 4096, 32 * 4096, WILLNEED]);
    assert!(held_pages(&t) >= held + 32, "{}", held_pages(&t));
    let reads = disk.reads();
    let buf = t.alloc(32 * 4096);
    t.ok(nr::PREAD64, &[fd, buf, 32 * 4096, 16 * 4096]);
    assert_eq!(disk.reads(), reads, "the pages were in memory");
    assert!(t.mem(buf, 32 * 4096) == pattern(256, 1)[16 * 4096..48 * 4096]);
    // DONTNEED lets go of the clean ones, not of one changed since.
    t.ok(nr::PWRITE64, &[fd, buf, 100, 20 * 4096]);
    let before = held_pages(&t);
    t.ok(nr::FADVISE64, &[fd, 0, 0, DONTNEED]);
    assert_eq!(
        held_pages(&t),
        1,
        "only the changed page is left (of {before})"
    );
    t.ok(nr::PREAD64, &[fd, buf, 4096, 20 * 4096]);
    let page = t.mem(buf, 4096);
    assert!(page[..100] == pattern(256, 1)[16 * 4096..16 * 4096 + 100]);
    assert!(page[100..] == pattern(256, 1)[20 * 4096 + 100..21 * 4096]);
    // A range lets go only of the pages it covers whole: of 0..3, page 1.
    t.ok(nr::PREAD64, &[fd, buf, 3 * 4096, 0]);
    let before = held_pages(&t);
    t.ok(nr::FADVISE64, &[fd, 100, 2 * 4096, DONTNEED]);
    assert_eq!(held_pages(&t), before - 1);
    // Past the end of the file: nothing to let go of or read.
    t.ok(nr::FADVISE64, &[fd, 1 << 30, 4096, DONTNEED]);
    t.ok(nr::FADVISE64, &[fd, 1 << 30, 0, WILLNEED]);
    assert_eq!(held_pages(&t), before - 1);
}

/// The objects the disk has listed as changed.
fn listed(t: &T) -> Vec<u64> {
    let fs = t.process.fs.lock();
    let changes = fs.root.sb.disk.as_ref().unwrap().changes();
    changes.lock().iter().copied().collect()
}

#[test]
fn a_sync_visits_what_changed_and_writes_all_of_it() {
    let disk = fresh_device(4096);
    {
        let mut t = boot(&disk);
        t.mkdir("/d");
        for i in 0..200 {
            t.mkfile(&format!("/d/f{i}"), b"same");
        }
        sync(&mut t);
        assert!(listed(&t).is_empty(), "{:?}", listed(&t));
        // Three changes of three kinds, among 200 files held.
        let p = t.s("/d/f7");
        t.ok(nr::CHMOD, &[p, 0o600]);
        let fd = t.open("/d/f8", O_WRONLY, 0).unwrap();
        t.write(fd, b"new").unwrap();
        t.close(fd);
        let p = t.s("/d/f9");
        t.ok(nr::TRUNCATE, &[p, 1]);
        let f7 = t.stat("/d/f7").unwrap().ino;
        let f8 = t.stat("/d/f8").unwrap().ino;
        let f9 = t.stat("/d/f9").unwrap().ino;
        let mut want = vec![f7, f8, f9];
        want.sort();
        assert_eq!(listed(&t), want);
        sync(&mut t);
        assert!(listed(&t).is_empty());
        // A file written back is listed again by its next change.
        let fd = t.open("/d/f8", O_WRONLY, 0).unwrap();
        t.write(fd, b"n").unwrap();
        t.close(fd);
        assert_eq!(listed(&t), [f8]);
        sync(&mut t);
    }
    let mut t = boot(&disk);
    assert_eq!(t.stat("/d/f7").unwrap().mode & 0o777, 0o600);
    assert_eq!(t.cat("/d/f8").unwrap(), b"newe");
    assert_eq!(t.cat("/d/f9").unwrap(), b"s");
    assert_eq!(t.cat("/d/f10").unwrap(), b"same");
}
