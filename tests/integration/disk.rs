//! `sole run --disk`: the kernel's virtio-blk driver on q35 (PCI) and
//! microvm (virtio-mmio). The host writes a known block into a raw disk
//! file; the kernel's `blktest` reads it, writes another block, flushes and
//! reads it back, then writes and reads runs of blocks with many requests in
//! flight; the host then finds the kernel's blocks in the file.

#![deny(unsafe_code)]

use sole::qemu::Machine;
use sole::run::BootOptions;
use sole_tests::programs::Scratch;
use sole_tests::{boot_tcg, words};

/// rootfs's block size, the unit `blktest` reads and writes.
const BLOCK: usize = 4096;
/// As in kernel/src/virtio/blk.rs.
const HOST_MAGIC: &[u8] = b"sole disk test: written by the host\n";
const HOST_BLOCK: usize = 1;
const GUEST_MAGIC: &[u8] = b"sole disk test: written by the guest\n";
const GUEST_BLOCK: usize = 2;
const BATCH_MAGIC: &[u8] = b"sole disk test: written in a batch\n";
const BATCH_BLOCKS: std::ops::Range<usize> = 16..208;

/// Block `n` of the test pattern: `magic`, then byte `i` is `7i + 13n`.
fn test_block(magic: &[u8], n: usize) -> Vec<u8> {
    let mut b: Vec<u8> = (0..BLOCK).map(|i| (i * 7 + n * 13) as u8).collect();
    b[..magic.len()].copy_from_slice(magic);
    b
}

fn blktest_on(machine: Machine) {
    let dir = Scratch::new(&format!("disk-{machine}"));
    let disk = dir.0.join("disk.img");
    // 1 MiB and one sector: the tail shorter than a block is not used.
    let mut image = vec![0u8; (1 << 20) + 512];
    image[HOST_BLOCK * BLOCK..][..BLOCK].copy_from_slice(&test_block(HOST_MAGIC, HOST_BLOCK));
    std::fs::write(&disk, &image).expect("write the disk image");

    let boot = boot_tcg(BootOptions {
        machine,
        kernel_args: words(&["blktest"]),
        disk: Some(disk.clone()),
        ..BootOptions::default()
    });
    let text = &boot.console.text;
    assert_eq!(boot.status, 0, "console:\n{text}");
    // q35: MSI-X; microvm: the I/O APIC line its DSDT names.
    let disk_line = "blktest: disk of 256 blocks of 4096 bytes, completions by interrupt";
    assert!(
        text.lines().any(|l| l.trim_end() == disk_line),
        "no `{disk_line}` in:\n{text}"
    );
    for line in [
        "blktest: read the host's block: ok",
        "blktest: read into a buffer on the stack: ok",
        "blktest: write, flush, read back: ok",
        "blktest: refuse blocks past the end: ok",
        "blktest: 256 reads in a row: ok",
        "blktest: runs written and read back, many in flight: ok",
        "blktest: single writes gather, the last write wins: ok",
        "blktest: queue interrupts arrive: ok",
        "blktest: passed",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }

    let after = std::fs::read(&disk).expect("read the disk image back");
    assert_eq!(after.len(), image.len(), "the disk file changed size");
    assert!(
        after[GUEST_BLOCK * BLOCK..][..BLOCK] == test_block(GUEST_MAGIC, GUEST_BLOCK)[..],
        "the block the kernel wrote is not in the file"
    );
    for n in BATCH_BLOCKS {
        assert!(
            after[n * BLOCK..][..BLOCK] == test_block(BATCH_MAGIC, n)[..],
            "block {n} of the batch is not in the file"
        );
    }
    // Nothing else changed.
    image[GUEST_BLOCK * BLOCK..][..BLOCK].copy_from_slice(&test_block(GUEST_MAGIC, GUEST_BLOCK));
    for n in BATCH_BLOCKS {
        image[n * BLOCK..][..BLOCK].copy_from_slice(&test_block(BATCH_MAGIC, n));
    }
    assert!(after == image, "the kernel wrote outside its blocks");
}

#[test]
fn blktest_on_q35() {
    blktest_on(Machine::Q35);
}

#[test]
fn blktest_on_microvm() {
    blktest_on(Machine::Microvm);
}

#[test]
fn blktest_without_a_disk_fails_cleanly() {
    let boot = boot_tcg(BootOptions {
        kernel_args: words(&["blktest"]),
        ..BootOptions::default()
    });
    assert_eq!(boot.status, 1, "console:\n{}", boot.console.text);
    assert!(
        boot.console.text.contains("blktest: no virtio-blk disk"),
        "console:\n{}",
        boot.console.text
    );
}

#[test]
fn a_missing_disk_file_is_refused_before_qemu_starts() {
    let dir = Scratch::new("disk-missing");
    let err = sole::run::boot(
        &BootOptions {
            disk: Some(dir.0.join("nope.img")),
            ..BootOptions::default()
        },
        Box::new(std::io::sink()),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("not a file"), "{err:#}");
}
