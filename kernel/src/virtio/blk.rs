//! virtio-blk (virtio 1.2, section 5.2) as a [`BlockDevice`] of rootfs
//! blocks, and `blktest`, the check `sole run --disk` tests boot with.
//!
//! One request is in flight at a time. Its completion is an interrupt (on
//! PCI through MSI-X, `msix::route_queue`; on virtio-mmio through the I/O
//! APIC that serves its line) and the CPU halts until it arrives; a device
//! whose interrupt cannot be routed is polled. Still to come: several
//! requests in flight, and a waiting thread that sleeps (`sched::sleep`) so
//! others run instead of the CPU halting; FLUSH still polls
//! (`virtio-drivers` has no non-blocking flush).

use super::{AnyTransport, KernelHal, MmioDevice};
use crate::arch::idt::{self, vector};
use crate::arch::ioapic::{self, IoApic, Trigger};
use crate::arch::{apic, cpu};
use alloc::vec;
use core::sync::atomic::{AtomicU64, Ordering};
use rootfs::device::{BlockDevice, DeviceError};
use rootfs::format::BLOCK_SIZE;
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::DeviceType;

const SECTORS_PER_BLOCK: u64 = (BLOCK_SIZE / SECTOR_SIZE) as u64;

/// A virtio-blk disk seen as rootfs blocks of [`BLOCK_SIZE`] bytes (a tail
/// shorter than a block is not used).
pub struct Disk {
    blk: VirtIOBlk<KernelHal, AnyTransport>,
    blocks: u64,
    /// Completions arrive as interrupts (else the used ring is polled).
    interrupts: bool,
    /// The local APIC the interrupts go to: only that CPU can halt for
    /// one; another CPU waiting on the disk polls.
    target: u32,
}

// SAFETY: a `Disk` is used by one CPU at a time (the rootfs keeps it under
// its lock); the queue memory its pointers reach is DMA memory it owns, not
// memory tied to the CPU that made it.
unsafe impl Send for Disk {}

/// Queue interrupts taken.
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);

/// MSI-X needs no acknowledgement at the device (the ISR register is for
/// INTx, virtio 1.2 4.1.4.5); the waiting CPU checks the used ring.
fn queue_interrupt(_frame: &mut idt::TrapFrame) {
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    apic::end_of_interrupt();
}

impl Disk {
    /// The first virtio-blk device, if the machine has one; its interrupt
    /// goes through `io_apics` when it is on virtio-mmio.
    pub fn find(mmio: &[MmioDevice], io_apics: &[IoApic]) -> Option<Disk> {
        let found = super::find(DeviceType::Block, mmio).into_iter().next()?;
        match VirtIOBlk::<KernelHal, _>::new(found.transport) {
            Ok(mut blk) => {
                let blocks = blk.capacity() / SECTORS_PER_BLOCK;
                idt::set_irq_handler(vector::VIRTIO_BLK, queue_interrupt);
                blk.enable_interrupts();
                let interrupts = match (found.pci, found.gsi) {
                    (Some(df), _) => {
                        super::msix::route_queue(df, 0, vector::VIRTIO_BLK, apic::id())
                    }
                    // Edge-triggered: `wait` acknowledges each completion
                    // (InterruptACK lowers the line), so the next one is a
                    // new edge, and the handler needs no device access.
                    (None, Some(gsi)) => ioapic::route(
                        io_apics,
                        gsi,
                        vector::VIRTIO_BLK,
                        apic::id(),
                        Trigger {
                            level: false,
                            active_low: false,
                        },
                    ),
                    (None, None) => false,
                };
                log::info!(
                    "virtio-blk: {blocks} blocks of {BLOCK_SIZE} bytes{}, completions by {}",
                    if blk.readonly() { ", read-only" } else { "" },
                    if interrupts { "interrupt" } else { "polling" }
                );
                Some(Disk {
                    blk,
                    blocks,
                    interrupts,
                    target: apic::id(),
                })
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

    /// Whether completions arrive as interrupts.
    pub fn interrupt_driven(&self) -> bool {
        self.interrupts
    }

    /// Waits until request `token` is in the used ring: halted until an
    /// interrupt when they are routed to this CPU, spinning otherwise.
    /// Interrupts are as they were on return.
    fn wait(&mut self, token: u16) {
        let were = cpu::interrupts_enabled();
        let halt = self.interrupts && apic::id() == self.target;
        loop {
            cpu::interrupts_disable();
            if self.blk.peek_used() == Some(token) {
                if self.interrupts {
                    self.blk.ack_interrupt();
                }
                break;
            }
            if halt {
                // The check above ran with interrupts off, and STI covers
                // HLT: a completion after the check still wakes us.
                cpu::enable_and_halt();
            } else {
                cpu::pause();
            }
        }
        if were {
            cpu::interrupts_enable();
        }
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
        let (mut req, mut resp) = (BlkReq::default(), BlkResp::default());
        // SAFETY: `req`, `buf` and `resp` are not touched until the request
        // completes: `wait` returns only once it has, before they are used.
        let token = unsafe { self.blk.read_blocks_nb(sector, &mut req, buf, &mut resp) }
            .map_err(io_error)?;
        self.wait(token);
        // SAFETY: the same buffers the request was made with.
        unsafe { self.blk.complete_read_blocks(token, &req, buf, &mut resp) }.map_err(io_error)
    }

    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let sector = self.check(n, buf.len())?;
        let (mut req, mut resp) = (BlkReq::default(), BlkResp::default());
        // SAFETY: as in `read_block`.
        let token = unsafe { self.blk.write_blocks_nb(sector, &mut req, buf, &mut resp) }
            .map_err(io_error)?;
        self.wait(token);
        // SAFETY: the same buffers the request was made with.
        unsafe { self.blk.complete_write_blocks(token, &req, buf, &mut resp) }.map_err(io_error)
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
pub fn blktest(mmio: &[MmioDevice], io_apics: &[IoApic]) -> bool {
    let Some(mut disk) = Disk::find(mmio, io_apics) else {
        crate::println!("blktest: no virtio-blk disk");
        return false;
    };
    crate::println!(
        "blktest: disk of {} blocks of {} bytes, completions by {}",
        disk.block_count(),
        disk.block_size(),
        if disk.interrupt_driven() {
            "interrupt"
        } else {
            "polling"
        }
    );
    let before = INTERRUPTS.load(Ordering::Relaxed);
    let steps: [(&str, Step); 5] = [
        ("read the host's block", read_host_block),
        ("read into a buffer on the stack", read_to_stack),
        ("write, flush, read back", write_flush_read),
        ("refuse blocks past the end", past_the_end),
        ("256 reads in a row", many_reads),
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
    if disk.interrupt_driven() {
        match queue_interrupts_since(before) {
            Ok(()) => crate::println!("blktest: queue interrupts arrive: ok"),
            Err(why) => {
                crate::println!("blktest: queue interrupts arrive: FAILED: {why}");
                passed = false;
            }
        }
    }
    crate::println!("blktest: {}", if passed { "passed" } else { "FAILED" });
    passed
}

/// The requests above raised queue interrupts since the count was
/// `before`. Boot code runs with interrupts off, and a request that
/// completes before its first check never halts, so the interrupt may
/// still be pending: it is let in here, waiting up to a second.
fn queue_interrupts_since(before: u64) -> Result<(), &'static str> {
    let deadline = crate::time::monotonic_ns() + 1_000_000_000;
    let were = cpu::interrupts_enabled();
    cpu::interrupts_enable();
    while INTERRUPTS.load(Ordering::Relaxed) == before && crate::time::monotonic_ns() < deadline {
        cpu::pause();
    }
    if !were {
        cpu::interrupts_disable();
    }
    if INTERRUPTS.load(Ordering::Relaxed) == before {
        return Err("none arrived");
    }
    Ok(())
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

/// Enough requests back to back that some wait for their completion (on
/// PCI: halt until its interrupt).
fn many_reads(disk: &mut Disk) -> Result<(), &'static str> {
    let want = test_block(HOST_MAGIC, HOST_BLOCK);
    let mut buf = vec![0u8; BLOCK_SIZE];
    for _ in 0..256 {
        buf.fill(0);
        disk.read_block(HOST_BLOCK, &mut buf)
            .map_err(|_| "a read failed")?;
        if buf != want {
            return Err("a read returned other bytes");
        }
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
