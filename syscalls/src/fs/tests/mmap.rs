//! Private file mappings (mmap(2) with a file): pages come from the file
//! at the mapping's offset, writes stay private, pages wholly past the end
//! of the file fault (SIGBUS in the kernel), and splitting or growing a
//! mapping keeps each page's file offset.

use super::*;
use crate::platform::Platform;

const PAGE: u64 = 4096;
const PROT_READ: u64 = 1;
const PROT_WRITE: u64 = 2;
const MAP_SHARED: u64 = 1;
const MAP_PRIVATE: u64 = 2;

/// A file of `pages` pages plus 100 bytes, each page filled with its
/// index + 1.
fn numbered_file(t: &mut T, pages: u64) -> u64 {
    let mut data = Vec::new();
    for i in 0..pages {
        data.extend(core::iter::repeat_n(i as u8 + 1, PAGE as usize));
    }
    data.extend([0xeeu8; 100]);
    t.mkfile("/tmp/m", &data);
    t.open("/tmp/m", O_RDWR, 0).unwrap()
}

fn byte(t: &T, addr: u64) -> Option<u8> {
    let mut b = [0u8];
    t.platform.read_user(addr, &mut b).ok().map(|()| b[0])
}

#[test]
fn a_private_mapping_reads_the_file_and_keeps_its_writes() {
    let mut t = T::new();
    let fd = numbered_file(&mut t, 3);
    let rw = PROT_READ | PROT_WRITE;
    // From the second page on: pages 2, 3 and the 100-byte tail.
    let a = t.ok(nr::MMAP, &[0, 3 * PAGE, rw, MAP_PRIVATE, fd, PAGE]);
    assert_eq!(byte(&t, a), Some(2));
    assert_eq!(byte(&t, a + PAGE + 7), Some(3));
    assert_eq!(byte(&t, a + 2 * PAGE + 99), Some(0xee));
    assert_eq!(
        byte(&t, a + 2 * PAGE + 100),
        Some(0),
        "past EOF in the last page: zero"
    );
    t.put(a, b"private");
    assert_eq!(&t.mem(a, 7), b"private");
    assert_eq!(
        t.cat("/tmp/m").unwrap()[PAGE as usize],
        2,
        "the file is unchanged"
    );
    // Unmapping the middle page and faulting the last again keeps offsets.
    t.ok(nr::MUNMAP, &[a + PAGE, PAGE]);
    assert_eq!(byte(&t, a + PAGE), None);
    assert_eq!(byte(&t, a + 2 * PAGE), Some(0xee));
}

#[test]
fn pages_wholly_past_the_end_of_the_file_fault() {
    let mut t = T::new();
    let fd = numbered_file(&mut t, 1);
    let a = t.ok(nr::MMAP, &[0, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0]);
    assert_eq!(byte(&t, a + PAGE + 99), Some(0xee));
    assert_eq!(byte(&t, a + 2 * PAGE), None, "SIGBUS territory");
    let fault = t.process.mm.fault(a + 3 * PAGE, crate::mm::Access::Read);
    assert_eq!(fault, crate::mm::FaultResolution::Bus);
    // Growing the file makes the page reachable.
    t.ok(nr::FTRUNCATE, &[fd, 3 * PAGE]);
    assert_eq!(byte(&t, a + 2 * PAGE), Some(0));
}

#[test]
fn mprotect_and_mremap_keep_file_offsets() {
    let mut t = T::new();
    let fd = numbered_file(&mut t, 4);
    let a = t.ok(nr::MMAP, &[0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0]);
    // Split by mprotect: the upper half still maps page 2 of the file.
    t.ok(nr::MPROTECT, &[a + PAGE, PAGE, PROT_READ | PROT_WRITE]);
    assert_eq!(byte(&t, a + PAGE), Some(2));
    // Grow in place (nothing above? then it moves): the new pages continue
    // the file.
    let b = t.ok(nr::MREMAP, &[a + PAGE, PAGE, 3 * PAGE, 1 /* MAYMOVE */, 0]);
    assert_eq!(byte(&t, b), Some(2));
    assert_eq!(byte(&t, b + PAGE), Some(3));
    assert_eq!(byte(&t, b + 2 * PAGE), Some(4));
    let maps = t.cat("/proc/self/maps").unwrap();
    let maps = String::from_utf8(maps).unwrap();
    assert!(
        maps.lines()
            .any(|l| l.contains(" 00001000 ") && l.ends_with("/tmp/m")),
        "{maps}"
    );
}

#[test]
fn mmap_of_files_checks_what_it_is_given() {
    let mut t = T::new();
    let fd = numbered_file(&mut t, 1);
    t.close(fd);
    let ro = t.open("/tmp/m", O_RDONLY, 0).unwrap();
    let wo = t.open("/tmp/m", O_WRONLY, 0).unwrap();
    t.fails(
        nr::MMAP,
        &[0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0],
        Errno::EACCES,
    );
    t.fails(
        nr::MMAP,
        &[0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0],
        Errno::EACCES,
    );
    t.fails(
        nr::MMAP,
        &[0, PAGE, PROT_READ, MAP_PRIVATE, 99, 0],
        Errno::EBADF,
    );
    t.fails(
        nr::MMAP,
        &[0, PAGE, PROT_READ, MAP_PRIVATE, ro, 12],
        Errno::EINVAL,
    );
    let dir = t.open("/tmp", O_RDONLY, 0).unwrap();
    t.fails(
        nr::MMAP,
        &[0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0],
        Errno::ENODEV,
    );
    // A private writable mapping of a read-only file is fine.
    let a = t.ok(
        nr::MMAP,
        &[0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0],
    );
    t.put(a, b"x");
    // /dev/zero maps as anonymous memory.
    let z = t.open("/dev/zero", O_RDWR, 0).unwrap();
    let b = t.ok(
        nr::MMAP,
        &[0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0],
    );
    assert_eq!(byte(&t, b), Some(0));
}
