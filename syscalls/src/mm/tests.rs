use super::*;
use crate::platform::Platform;
use crate::testing::TestPlatform;
use alloc::sync::Arc;

fn setup() -> (Arc<Mm>, TestPlatform) {
    let mm = Arc::new(Mm::new());
    let p = TestPlatform::new(mm.clone());
    (mm, p)
}

const RW: Prot = Prot::READ.union(Prot::WRITE);
const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS);

#[test]
fn mmap_places_top_down_below_the_base_and_faults_in_zeroes() {
    let (mm, p) = setup();
    let a = mm.mmap_anonymous(&p, 0, 3 * PAGE_SIZE, RW, ANON).unwrap();
    assert_eq!(a, MMAP_BASE - 3 * PAGE_SIZE);
    let b = mm.mmap_anonymous(&p, 0, 100, RW, ANON).unwrap();
    assert_eq!(b, a - PAGE_SIZE, "next mapping goes right below");
    assert_eq!(
        mm.fault(a + 5, Access::Write),
        FaultResolution::Map { page: a, prot: RW }
    );
    assert_eq!(
        mm.fault(a + 3 * PAGE_SIZE + 1, Access::Read),
        FaultResolution::Segv { code: SEGV_MAPERR }
    );
}

#[test]
fn mmap_validates_its_arguments() {
    let (mm, p) = setup();
    assert_eq!(
        mm.mmap_anonymous(&p, 0, 0, RW, ANON).unwrap_err().errno,
        Errno::EINVAL
    );
    let fixed = ANON | MapFlags::FIXED;
    assert_eq!(
        mm.mmap_anonymous(&p, 0x10_0001, 4096, RW, fixed)
            .unwrap_err()
            .errno,
        Errno::EINVAL
    );
    assert_eq!(
        mm.mmap_anonymous(&p, 0x1000, 4096, RW, fixed)
            .unwrap_err()
            .errno,
        Errno::EPERM
    );
    assert_eq!(
        mm.mmap_anonymous(&p, 0, u64::MAX - 10, RW, ANON)
            .unwrap_err()
            .errno,
        Errno::ENOMEM
    );
}

#[test]
fn fixed_replaces_and_noreplace_refuses() {
    let (mm, p) = setup();
    let a = mm
        .mmap_anonymous(&p, 0x4000_0000, 4 * PAGE_SIZE, RW, ANON | MapFlags::FIXED)
        .unwrap();
    assert_eq!(a, 0x4000_0000);
    p.write_user(a, b"old").unwrap();
    let noreplace = ANON | MapFlags::FIXED_NOREPLACE;
    assert_eq!(
        mm.mmap_anonymous(&p, a + PAGE_SIZE, PAGE_SIZE, RW, noreplace)
            .unwrap_err()
            .errno,
        Errno::EEXIST
    );
    mm.mmap_anonymous(&p, a, PAGE_SIZE, Prot::READ, ANON | MapFlags::FIXED)
        .unwrap();
    let mut buf = [9u8; 3];
    p.read_user(a, &mut buf).unwrap();
    assert_eq!(buf, [0, 0, 0], "MAP_FIXED gives fresh zero pages");
    assert!(
        p.write_user(a, b"x").is_err(),
        "the new mapping is read-only"
    );
    assert!(
        p.write_user(a + PAGE_SIZE, b"x").is_ok(),
        "the rest keeps its protection"
    );
}

#[test]
fn munmap_splits_and_drops_pages() {
    let (mm, p) = setup();
    let a = mm.mmap_anonymous(&p, 0, 3 * PAGE_SIZE, RW, ANON).unwrap();
    p.write_user(a + PAGE_SIZE, b"data").unwrap();
    mm.munmap(&p, a + PAGE_SIZE, PAGE_SIZE).unwrap();
    assert!(!p.is_present(a + PAGE_SIZE));
    assert_eq!(mm.vmas().len(), 2, "one VMA split in two");
    assert!(p.read_user(a + PAGE_SIZE, &mut [0]).is_err());
    assert!(p.read_user(a, &mut [0]).is_ok());
    assert_eq!(
        mm.munmap(&p, a + 1, PAGE_SIZE).unwrap_err().errno,
        Errno::EINVAL
    );
    assert_eq!(mm.munmap(&p, a, 0).unwrap_err().errno, Errno::EINVAL);
    mm.munmap(&p, 0x1234_0000, PAGE_SIZE)
        .expect("unmapping nothing is fine");
}

#[test]
fn mprotect_needs_a_fully_mapped_range() {
    let (mm, p) = setup();
    let a = mm.mmap_anonymous(&p, 0, 2 * PAGE_SIZE, RW, ANON).unwrap();
    p.write_user(a, b"x").unwrap();
    mm.mprotect(&p, a, PAGE_SIZE, Prot::READ).unwrap();
    assert!(p.write_user(a, b"y").is_err());
    assert!(p.write_user(a + PAGE_SIZE, b"y").is_ok());
    assert_eq!(
        mm.fault(a, Access::Write),
        FaultResolution::Segv { code: SEGV_ACCERR }
    );
    assert_eq!(
        mm.mprotect(&p, a, 3 * PAGE_SIZE, RW).unwrap_err().errno,
        Errno::ENOMEM
    );
    assert_eq!(
        mm.mprotect(&p, a + 1, PAGE_SIZE, RW).unwrap_err().errno,
        Errno::EINVAL
    );
    mm.mprotect(&p, a, 2 * PAGE_SIZE, RW).unwrap();
    assert_eq!(mm.vmas().len(), 1, "equal neighbours merge again");
}

#[test]
fn mremap_grows_in_place_or_moves_keeping_contents() {
    let (mm, p) = setup();
    let a = mm
        .mmap_anonymous(&p, 0x5000_0000, PAGE_SIZE, RW, ANON | MapFlags::FIXED)
        .unwrap();
    p.write_user(a, b"keep").unwrap();
    assert_eq!(
        mm.mremap(&p, a, PAGE_SIZE, 2 * PAGE_SIZE, MremapFlags::empty(), 0)
            .unwrap(),
        a
    );
    // Block growth in place, then grow again: it must move.
    mm.mmap_anonymous(&p, a + 2 * PAGE_SIZE, PAGE_SIZE, RW, ANON | MapFlags::FIXED)
        .unwrap();
    assert_eq!(
        mm.mremap(&p, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, MremapFlags::empty(), 0)
            .unwrap_err()
            .errno,
        Errno::ENOMEM
    );
    let b = mm
        .mremap(&p, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, MremapFlags::MAYMOVE, 0)
        .unwrap();
    assert_ne!(a, b);
    let mut buf = [0u8; 4];
    p.read_user(b, &mut buf).unwrap();
    assert_eq!(&buf, b"keep");
    assert!(p.read_user(a, &mut buf).is_err(), "the old range is gone");
    assert_eq!(
        mm.mremap(
            &p,
            0x7000_0000,
            PAGE_SIZE,
            2 * PAGE_SIZE,
            MremapFlags::MAYMOVE,
            0
        )
        .unwrap_err()
        .errno,
        Errno::EFAULT
    );
}

#[test]
fn brk_grows_shrinks_and_refuses_collisions() {
    let (mm, p) = setup();
    mm.set_brk_start(0x60_0000);
    assert_eq!(mm.brk(&p, 0), 0x60_0000, "brk(0) reports the break");
    assert_eq!(mm.brk(&p, 0x60_2010), 0x60_2010);
    p.write_user(0x60_2000, b"heap").unwrap();
    assert_eq!(mm.brk(&p, 0x60_0800), 0x60_0800);
    assert!(!p.is_present(0x60_2000), "shrinking drops pages");
    mm.mmap_anonymous(&p, 0x70_0000, PAGE_SIZE, RW, ANON | MapFlags::FIXED)
        .unwrap();
    assert_eq!(
        mm.brk(&p, 0x80_0000),
        0x60_0800,
        "cannot grow over a mapping"
    );
    assert_eq!(mm.brk(&p, 0x10), 0x60_0800, "below the start is refused");
}

#[test]
fn madvise_dontneed_zeroes_and_hints_are_accepted() {
    let (mm, p) = setup();
    let a = mm.mmap_anonymous(&p, 0, PAGE_SIZE, RW, ANON).unwrap();
    p.write_user(a, b"gone").unwrap();
    mm.madvise(&p, a, PAGE_SIZE, ops::MADV_DONTNEED).unwrap();
    let mut buf = [1u8; 4];
    p.read_user(a, &mut buf).unwrap();
    assert_eq!(buf, [0; 4]);
    mm.madvise(&p, a, PAGE_SIZE, 3).expect("WILLNEED is a hint");
    assert_eq!(
        mm.madvise(&p, a, PAGE_SIZE, 999).unwrap_err().errno,
        Errno::EINVAL
    );
    assert_eq!(
        mm.madvise(&p, a + 2 * PAGE_SIZE, PAGE_SIZE, 4)
            .unwrap_err()
            .errno,
        Errno::ENOMEM
    );
}

#[test]
fn prot_none_faults_with_accerr() {
    let (mm, p) = setup();
    let a = mm
        .mmap_anonymous(&p, 0, PAGE_SIZE, Prot::empty(), ANON)
        .unwrap();
    assert_eq!(
        mm.fault(a, Access::Read),
        FaultResolution::Segv { code: SEGV_ACCERR }
    );
    assert!(p.read_user(a, &mut [0]).is_err());
}

#[test]
fn a_growsdown_mapping_grows_on_a_fault_below_it_within_its_limits() {
    let (mm, p) = setup();
    let flags = ANON | MapFlags::GROWSDOWN | MapFlags::FIXED;
    let top = MMAP_BASE - (64 << 20);
    let g = mm
        .mmap_anonymous(&p, top - 4 * PAGE_SIZE, 4 * PAGE_SIZE, RW, flags)
        .unwrap();
    // Just below: the stack grows to that page.
    let below = g - 3 * PAGE_SIZE + 8;
    assert_eq!(
        mm.fault(below, Access::Write),
        FaultResolution::Map {
            page: g - 3 * PAGE_SIZE,
            prot: RW
        }
    );
    assert_eq!(mm.find(g - 3 * PAGE_SIZE).unwrap().end, top);
    // Past RLIMIT_STACK's default: no.
    assert_eq!(
        mm.fault(top - STACK_SIZE - PAGE_SIZE, Access::Read),
        FaultResolution::Segv { code: SEGV_MAPERR }
    );
    // New mappings keep the guard gap below it free...
    let next = mm.mmap_anonymous(&p, 0, PAGE_SIZE, RW, ANON).unwrap();
    assert!(next + PAGE_SIZE <= g - 3 * PAGE_SIZE - STACK_GUARD_GAP || next > top);
    // ... and one placed in the gap stops the growth.
    let blocker = g - 3 * PAGE_SIZE - 2 * PAGE_SIZE;
    mm.mmap_anonymous(&p, blocker, PAGE_SIZE, RW, ANON | MapFlags::FIXED)
        .unwrap();
    assert_eq!(
        mm.fault(g - 4 * PAGE_SIZE, Access::Read),
        FaultResolution::Segv { code: SEGV_MAPERR }
    );
}
