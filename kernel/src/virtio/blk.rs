//! virtio-blk (virtio 1.2, section 5.2) as a [`BlockDevice`] of rootfs
//! blocks, and `blktest`, the check `sole run --disk` tests boot with.
//!
//! Requests wait for the device by polling the used ring: one request in
//! flight at a time, no interrupt. That is correct but leaves the CPU
//! spinning while the host does the I/O; interrupt-driven completion with
//! several requests in flight (`read_blocks_nb` and the queue's
//! notification) is the next step.

use super::MmioDevice;
use super::{AnyTransport, KernelHal};
use alloc::vec;
use rootfs::device::{BlockDevice, DeviceError};
use rootfs::format::BLOCK_SIZE;
use virtio_drivers::device::blk::{SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::DeviceType;

const SECTORS_PER_BLOCK: u64 = (BLOCK_SIZE / SECTOR_SIZE) as u64;

/// A virtio-blk disk seen as rootfs blocks of [`BLOCK_SIZE`] bytes (a tail
/// shorter than a block is not used).
pub struct Disk {
    blk: VirtIOBlk<KernelHal, AnyTransport>,
    blocks: u64,
}

impl Disk {
    /// The first virtio-blk device, if the machine has one.
    pub fn find(mmio: &[MmioDevice]) -> Option<Disk> {
        let transport = super::find(DeviceType::Block, mmio).into_iter().next()?;
        match VirtIOBlk::<KernelHal, _>::new(transport) {
            Ok(blk) => {
                let blocks = blk.capacity() / SECTORS_PER_BLOCK;
                log::info!(
                    "virtio-blk: {blocks} blocks of {BLOCK_SIZE} bytes{}",
                    if blk.readonly() { ", read-only" } else { "" }
                );
                Some(Disk { blk, blocks })
            }
            Err(e) => {
                log::warn!("virtio-blk: cannot start the device: {e}");
                None
            }
        }
    }

    fn check(&self, n: u64, len: usize) -> Result<usize, DeviceError> {
        if len != BLOCK_SIZE {
            return Err(DeviceError::BadBufferLength {
                expected: BLOCK_SIZE,
                actual: len,
            });
        }
        if n >= self.blocks {
            return Err(DeviceError::OutOfRange {
                block: n,
                count: self.blocks,
            });
        }
        usize::try_from(n * SECTORS_PER_BLOCK).map_err(|_| DeviceError::BadGeometry)
    }
}

impl BlockDevice for Disk {
    fn block_size(&self) -> usize {
        BLOCK_SIZE
    }

    fn block_count(&self) -> u64 {
        self.blocks
    }

    fn read_block(&mut self, n: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let sector = self.check(n, buf.len())?;
        self.blk.read_blocks(sector, buf).map_err(io_error)
    }

    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let sector = self.check(n, buf.len())?;
        self.blk.write_blocks(sector, buf).map_err(io_error)
    }

    /// VIRTIO_BLK_T_FLUSH (5.2.6.1); the crate skips it when the device did
    /// not offer VIRTIO_BLK_F_FLUSH, whose writes are then durable at once.
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.blk.flush().map_err(io_error)
    }
}

fn io_error(e: virtio_drivers::Error) -> DeviceError {
    log::warn!("virtio-blk: {e}");
    DeviceError::Io
}

/// What the host writes at the start of block [`HOST_BLOCK`] before the
/// boot (tests/integration/disk.rs); the rest of the block is
/// [`pattern`]`(HOST_BLOCK)`.
pub const HOST_MAGIC: &[u8] = b"sole disk test: written by the host\n";
pub const HOST_BLOCK: u64 = 1;
/// Where `blktest` writes [`GUEST_MAGIC`] followed by
/// [`pattern`]`(GUEST_BLOCK)`.
pub const GUEST_MAGIC: &[u8] = b"sole disk test: written by the guest\n";
pub const GUEST_BLOCK: u64 = 2;

/// Byte `i` of a test block `n` after its magic.
fn pattern(n: u64, i: usize) -> u8 {
    (i as u64 * 7 + n * 13) as u8
}

fn test_block(magic: &[u8], n: u64) -> alloc::vec::Vec<u8> {
    let mut b: alloc::vec::Vec<u8> = (0..BLOCK_SIZE).map(|i| pattern(n, i)).collect();
    b[..magic.len()].copy_from_slice(magic);
    b
}

/// One `blktest` step: `Err` says what went wrong.
type Step = fn(&mut Disk) -> Result<(), &'static str>;

/// `blktest`: reads the block the host wrote, writes a block, flushes,
/// reads it back, checks the edges of the device, printing one line per
/// step. Returns whether every step passed.
pub fn blktest(mmio: &[MmioDevice]) -> bool {
    let Some(mut disk) = Disk::find(mmio) else {
        crate::println!("blktest: no virtio-blk disk");
        return false;
    };
    crate::println!(
        "blktest: disk of {} blocks of {} bytes",
        disk.block_count(),
        disk.block_size()
    );
    let steps: [(&str, Step); 4] = [
        ("read the host's block", read_host_block),
        ("read into a buffer on the stack", read_to_stack),
        ("write, flush, read back", write_flush_read),
        ("refuse blocks past the end", past_the_end),
    ];
    let mut passed = true;
    for (name, step) in steps {
        match step(&mut disk) {
            Ok(()) => crate::println!("blktest: {name}: ok"),
            Err(why) => {
                crate::println!("blktest: {name}: FAILED: {why}");
                passed = false;
            }
        }
    }
    crate::println!("blktest: {}", if passed { "passed" } else { "FAILED" });
    passed
}

fn read_host_block(disk: &mut Disk) -> Result<(), &'static str> {
    let mut buf = vec![0u8; BLOCK_SIZE];
    disk.read_block(HOST_BLOCK, &mut buf)
        .map_err(|_| "the read failed")?;
    if buf != test_block(HOST_MAGIC, HOST_BLOCK) {
        return Err("the block is not what the host wrote");
    }
    Ok(())
}

/// A kernel stack's pages are not physically contiguous: the buffer is
/// bounced (`KernelHal::share`) and must still arrive whole.
fn read_to_stack(disk: &mut Disk) -> Result<(), &'static str> {
    let mut buf = [0u8; BLOCK_SIZE];
    disk.read_block(HOST_BLOCK, &mut buf)
        .map_err(|_| "the read failed")?;
    if buf[..] != test_block(HOST_MAGIC, HOST_BLOCK)[..] {
        return Err("the block is not what the host wrote");
    }
    Ok(())
}

fn write_flush_read(disk: &mut Disk) -> Result<(), &'static str> {
    let block = test_block(GUEST_MAGIC, GUEST_BLOCK);
    disk.write_block(GUEST_BLOCK, &block)
        .map_err(|_| "the write failed")?;
    disk.flush().map_err(|_| "the flush failed")?;
    let mut back = vec![0u8; BLOCK_SIZE];
    disk.read_block(GUEST_BLOCK, &mut back)
        .map_err(|_| "the read failed")?;
    if back != block {
        return Err("the block read back differs from the one written");
    }
    Ok(())
}

fn past_the_end(disk: &mut Disk) -> Result<(), &'static str> {
    let mut buf = vec![0u8; BLOCK_SIZE];
    let last = disk
        .block_count()
        .checked_sub(1)
        .ok_or("the disk has no whole block")?;
    disk.read_block(last, &mut buf)
        .map_err(|_| "reading the last block failed")?;
    match disk.read_block(last + 1, &mut buf) {
        Err(DeviceError::OutOfRange { .. }) => Ok(()),
        _ => Err("a block past the end was not refused"),
    }
}
