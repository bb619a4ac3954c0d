//! virtio-blk (virtio 1.2, section 5.2) as a [`BlockDevice`] of rootfs
//! blocks, and `blktest`, the check `sole run --disk` tests boot with.
//!
//! Many requests are in flight at once: each of the queue's slots
//! ([`VirtIOBlk::virt_queue_size`], 16; with indirect descriptors a request
//! takes one descriptor, else three and the queue holds five) owns a
//! buffer of up to [`RUN_BLOCKS`] blocks in physically contiguous frames,
//! so no request is bounced (`KernelHal::share`). A request is one run of
//! contiguous blocks, one data segment: the crate negotiates neither
//! `SEG_MAX` nor `SIZE_MAX`, and QEMU sets no size limit, but 64 KiB keeps
//! each slot's frames small.
//!
//! Writes are sent behind: [`write_runs`](BlockDevice::write_runs) and
//! [`write_block`](BlockDevice::write_block) copy the data into free slots
//! and return once the requests are queued; consecutive `write_block`s
//! gather into one request until it is full or the next block is not the
//! next one. A write that overlaps one in flight waits for it first (the
//! device may complete requests in any order), so the last write of a
//! block wins. [`flush`](BlockDevice::flush) waits for every write, then
//! sends FLUSH; a write that failed makes the next flush fail, which the
//! commit sees before it writes an uberblock (the filesystem then discards
//! the group and writes it all again). Reads wait for the writes in flight,
//! then keep many reads in flight themselves.
//!
//! A completion is an interrupt (on PCI through MSI-X,
//! `msix::route_queue`; on virtio-mmio through the I/O APIC that serves its
//! line) and the CPU halts until one arrives; a device whose interrupt
//! cannot be routed is polled. FLUSH alone still spins on the used ring:
//! `virtio-drivers` 0.13 has no non-blocking flush (`read_blocks_nb` and
//! `write_blocks_nb` set the request type themselves, and the queue is
//! private), and that would take forking the crate. Still to come: a
//! waiting thread that sleeps (`sched::sleep`) so others run instead of the
//! CPU halting.

use super::{AnyTransport, KernelHal, MmioDevice};
use crate::arch::idt::{self, vector};
use crate::arch::ioapic::{self, IoApic, Trigger};
use crate::arch::{apic, cpu};
use crate::mm::{PAGE_SIZE, frame, phys_to_virt};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use rootfs::device::{BlockDevice, DeviceError, check_run};
use rootfs::format::BLOCK_SIZE;
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::DeviceType;

const SECTORS_PER_BLOCK: u64 = (BLOCK_SIZE / SECTOR_SIZE) as u64;

/// Blocks in one request at most (64 KiB).
pub const RUN_BLOCKS: usize = 16;

/// A virtio-blk disk seen as rootfs blocks of [`BLOCK_SIZE`] bytes (a tail
/// shorter than a block is not used).
pub struct Disk {
    // Dropped first: resetting the device ends its use of the slots.
    blk: VirtIOBlk<KernelHal, AnyTransport>,
    blocks: u64,
    /// Completions arrive as interrupts (else the used ring is polled).
    interrupts: bool,
    /// The local APIC the interrupts go to: only that CPU can halt for
    /// one; another CPU waiting on the disk polls.
    target: u32,
    /// One per queue entry; a boxed slice, so a slot never moves while the
    /// device holds pointers into it.
    slots: Box<[Slot]>,
    /// The slot `write_block` is gathering blocks in, not yet sent.
    gathering: Option<usize>,
    in_flight: usize,
    /// The most requests that were in flight at once.
    max_in_flight: usize,
    /// Requests sent.
    requests: u64,
    /// The first write that failed since the last flush.
    failed: Option<DeviceError>,
}

/// One request: its header, status and data.
struct Slot {
    req: BlkReq,
    resp: BlkResp,
    buf: DmaBuf,
    /// The first block and how many bytes of `buf` the request moves.
    first: u64,
    len: usize,
    /// The request's token while it is in the queue, else [`NO_TOKEN`].
    token: u16,
    job: Job,
}

/// No descriptor has this index (the queue has 16).
const NO_TOKEN: u16 = u16::MAX;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    Free,
    /// `write_block` is filling it.
    Gathering,
    Write,
    /// A read for the caller's run `run`, from byte `offset`.
    Read {
        run: usize,
        offset: usize,
    },
}

impl Slot {
    /// Whether blocks `first .. first + blocks` overlap this slot's.
    fn overlaps(&self, first: u64, blocks: u64) -> bool {
        let mine = (self.len / BLOCK_SIZE) as u64;
        first < self.first + mine && self.first < first + blocks
    }
}

/// [`RUN_BLOCKS`] blocks of physically contiguous frames, reached through
/// the direct map: the device gets their address as they are.
struct DmaBuf {
    phys: u64,
    bytes: &'static mut [u8],
}

const DMA_PAGES: u64 = (RUN_BLOCKS * BLOCK_SIZE) as u64 / PAGE_SIZE;

impl DmaBuf {
    fn new() -> Option<DmaBuf> {
        let phys = frame::alloc(DMA_PAGES)?;
        let len = RUN_BLOCKS * BLOCK_SIZE;
        // SAFETY: the frames were just allocated, so nothing else refers to
        // them until `drop` gives them back; the direct map covers all RAM
        // and the frames are contiguous, so the range is one mapped run.
        let bytes = unsafe { core::slice::from_raw_parts_mut(phys_to_virt(phys) as *mut u8, len) };
        Some(DmaBuf { phys, bytes })
    }
}

impl Drop for DmaBuf {
    fn drop(&mut self) {
        frame::dealloc(self.phys, DMA_PAGES);
    }
}

// SAFETY: a `Disk` is used by one CPU at a time (the rootfs keeps it under
// its lock); the queue memory and slot buffers its pointers reach are DMA
// memory it owns, not memory tied to the CPU that made it.
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
                let slots = (0..blk.virt_queue_size())
                    .map(|_| {
                        Some(Slot {
                            req: BlkReq::default(),
                            resp: BlkResp::default(),
                            buf: DmaBuf::new()?,
                            first: 0,
                            len: 0,
                            token: NO_TOKEN,
                            job: Job::Free,
                        })
                    })
                    .collect::<Option<Vec<_>>>();
                let Some(slots) = slots else {
                    log::warn!("virtio-blk: no memory for the request buffers");
                    return None;
                };
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
                    "virtio-blk: {blocks} blocks of {BLOCK_SIZE} bytes{}, {} requests of up to {} KiB in flight, completions by {}",
                    if blk.readonly() { ", read-only" } else { "" },
                    slots.len(),
                    RUN_BLOCKS * BLOCK_SIZE / 1024,
                    if interrupts { "interrupt" } else { "polling" }
                );
                Some(Disk {
                    blk,
                    blocks,
                    interrupts,
                    target: apic::id(),
                    slots: slots.into_boxed_slice(),
                    gathering: None,
                    in_flight: 0,
                    max_in_flight: 0,
                    requests: 0,
                    failed: None,
                })
            }
            Err(e) => {
                log::warn!("virtio-blk: cannot start the device: {e}");
                None
            }
        }
    }

    /// Checks a run of `len` bytes from block `first`; returns its blocks.
    fn check(&self, first: u64, len: usize) -> Result<u64, DeviceError> {
        let blocks = check_run(BLOCK_SIZE, len)?;
        match first.checked_add(blocks) {
            Some(end) if end <= self.blocks => Ok(blocks),
            _ => Err(DeviceError::OutOfRange {
                block: first.max(self.blocks),
                count: self.blocks,
            }),
        }
    }

    /// Whether completions arrive as interrupts.
    pub fn interrupt_driven(&self) -> bool {
        self.interrupts
    }

    /// The most requests that have been in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// Requests sent so far (not counting FLUSH).
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Waits until some request is in the used ring and returns its token:
    /// halted until an interrupt when they are routed to this CPU, spinning
    /// otherwise. Interrupts are as they were on return.
    fn wait_any(&mut self) -> u16 {
        let were = cpu::interrupts_enabled();
        let halt = self.interrupts && apic::id() == self.target;
        let token = loop {
            cpu::interrupts_disable();
            if let Some(token) = self.blk.peek_used() {
                if self.interrupts {
                    self.blk.ack_interrupt();
                }
                break token;
            }
            if halt {
                // The check above ran with interrupts off, and STI covers
                // HLT: a completion after the check still wakes us.
                cpu::enable_and_halt();
            } else {
                cpu::pause();
            }
        };
        if were {
            cpu::interrupts_enable();
        }
        token
    }

    /// Waits for one request to complete and frees its slot. A read's
    /// bytes go to `reads[run][offset..]`, and its error is returned; a
    /// write's error is kept for the next flush.
    fn reap(&mut self, reads: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        let token = self.wait_any();
        let Self { blk, slots, .. } = self;
        let Some(slot) = slots.iter_mut().find(|s| s.token == token) else {
            log::warn!("virtio-blk: completion of unknown request {token}");
            return Err(DeviceError::Io);
        };
        let data = &mut slot.buf.bytes[..slot.len];
        let result = match slot.job {
            // SAFETY: the buffers the request was made with (`submit`),
            // untouched since.
            Job::Write => unsafe {
                blk.complete_write_blocks(token, &slot.req, data, &mut slot.resp)
            },
            // SAFETY: as above.
            _ => unsafe { blk.complete_read_blocks(token, &slot.req, data, &mut slot.resp) },
        }
        .map_err(io_error);
        let job = core::mem::replace(&mut slot.job, Job::Free);
        slot.token = NO_TOKEN;
        self.in_flight -= 1;
        match job {
            Job::Read { run, offset } => {
                result?;
                let dest = reads
                    .get_mut(run)
                    .and_then(|(_, buf)| buf.get_mut(offset..offset + data.len()))
                    .ok_or(DeviceError::Io)?;
                dest.copy_from_slice(data);
                Ok(())
            }
            _ => {
                if let Err(e) = result {
                    self.failed.get_or_insert(e);
                }
                Ok(())
            }
        }
    }

    /// A free slot (not the one gathering), waiting for a completion if
    /// every slot is busy.
    fn free_slot(&mut self, reads: &mut [(u64, &mut [u8])]) -> Result<usize, DeviceError> {
        loop {
            if let Some(i) = self.slots.iter().position(|s| s.job == Job::Free) {
                return Ok(i);
            }
            if self.in_flight == 0 {
                // Every slot is gathering: cannot happen with more than one.
                return Err(DeviceError::Io);
            }
            self.reap(reads)?;
        }
    }

    /// Sends slot `i`, whose job, first block and length are set; when the
    /// queue has no room, completions are waited for first. A write waits
    /// for every write in flight to blocks it overlaps.
    fn submit(&mut self, i: usize, reads: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        let (first, blocks) = (self.slots[i].first, (self.slots[i].len / BLOCK_SIZE) as u64);
        if self.slots[i].job == Job::Write {
            while self
                .slots
                .iter()
                .enumerate()
                .any(|(j, s)| j != i && s.token != NO_TOKEN && s.overlaps(first, blocks))
            {
                self.reap(reads)?;
            }
        }
        let sector =
            usize::try_from(first * SECTORS_PER_BLOCK).map_err(|_| DeviceError::BadGeometry)?;
        loop {
            let Self { blk, slots, .. } = &mut *self;
            let slot = &mut slots[i];
            let data = &mut slot.buf.bytes[..slot.len];
            let sent = match slot.job {
                // SAFETY: the slot's header, data and status stay untouched
                // until `reap` finds its token in the used ring and
                // completes it with the same buffers; the slot lives in a
                // boxed slice that does not move, and `Drop` waits for (or
                // resets) the device before the buffers go.
                Job::Write => unsafe {
                    blk.write_blocks_nb(sector, &mut slot.req, data, &mut slot.resp)
                },
                // SAFETY: as above.
                _ => unsafe { blk.read_blocks_nb(sector, &mut slot.req, data, &mut slot.resp) },
            };
            match sent {
                Ok(token) => {
                    slot.token = token;
                    self.in_flight += 1;
                    self.max_in_flight = self.max_in_flight.max(self.in_flight);
                    self.requests += 1;
                    return Ok(());
                }
                Err(virtio_drivers::Error::QueueFull) if self.in_flight > 0 => self.reap(reads)?,
                Err(e) => {
                    self.slots[i].job = Job::Free;
                    return Err(io_error(e));
                }
            }
        }
    }

    /// Sends the gathered writes, if any.
    fn send_gathered(&mut self) -> Result<(), DeviceError> {
        if let Some(i) = self.gathering.take() {
            self.slots[i].job = Job::Write;
            self.submit(i, &mut [])?;
        }
        Ok(())
    }

    /// Sends the gathered writes and waits for every request in flight.
    fn drain(&mut self) -> Result<(), DeviceError> {
        self.send_gathered()?;
        while self.in_flight > 0 {
            self.reap(&mut [])?;
        }
        Ok(())
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // The slots must outlive the requests that point into them.
        let _ = self.drain();
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
        if buf.len() != BLOCK_SIZE {
            return Err(DeviceError::BadBufferLength {
                expected: BLOCK_SIZE,
                actual: buf.len(),
            });
        }
        self.read_runs(&mut [(n, buf)])
    }

    /// Gathers `buf` behind the previous block when it is the next one and
    /// the request has room; sends the gathered request otherwise.
    fn write_block(&mut self, n: u64, buf: &[u8]) -> Result<(), DeviceError> {
        if buf.len() != BLOCK_SIZE {
            return Err(DeviceError::BadBufferLength {
                expected: BLOCK_SIZE,
                actual: buf.len(),
            });
        }
        self.check(n, BLOCK_SIZE)?;
        if let Some(i) = self.gathering {
            let slot = &mut self.slots[i];
            let at = if slot.overlaps(n, 1) {
                Some(((n - slot.first) as usize) * BLOCK_SIZE)
            } else if n == slot.first + (slot.len / BLOCK_SIZE) as u64
                && slot.len < slot.buf.bytes.len()
            {
                slot.len += BLOCK_SIZE;
                Some(slot.len - BLOCK_SIZE)
            } else {
                None
            };
            if let Some(at) = at {
                slot.buf.bytes[at..at + BLOCK_SIZE].copy_from_slice(buf);
                return Ok(());
            }
            self.send_gathered()?;
        }
        let i = self.free_slot(&mut [])?;
        let slot = &mut self.slots[i];
        slot.buf.bytes[..BLOCK_SIZE].copy_from_slice(buf);
        (slot.first, slot.len, slot.job) = (n, BLOCK_SIZE, Job::Gathering);
        self.gathering = Some(i);
        Ok(())
    }

    /// VIRTIO_BLK_T_FLUSH (5.2.6.1) once every write has completed; the
    /// crate skips it when the device did not offer VIRTIO_BLK_F_FLUSH,
    /// whose writes are then durable at once. Fails if a write since the
    /// last flush failed.
    fn flush(&mut self) -> Result<(), DeviceError> {
        let drained = self.drain();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        drained?;
        let flushed = self.blk.flush().map_err(io_error);
        // The crate polled: lower the line its completion raised, so the
        // next completion is a new edge.
        if self.interrupts {
            self.blk.ack_interrupt();
        }
        flushed
    }

    /// Each run goes out in requests of up to [`RUN_BLOCKS`] blocks, as
    /// many in flight as the queue holds; returns once they are sent.
    fn write_runs(&mut self, runs: &[(u64, &[u8])]) -> Result<(), DeviceError> {
        for &(first, data) in runs {
            self.check(first, data.len())?;
        }
        self.send_gathered()?;
        for &(first, data) in runs {
            for (k, part) in data.chunks(RUN_BLOCKS * BLOCK_SIZE).enumerate() {
                let i = self.free_slot(&mut [])?;
                let slot = &mut self.slots[i];
                slot.buf.bytes[..part.len()].copy_from_slice(part);
                slot.first = first + (k * RUN_BLOCKS) as u64;
                slot.len = part.len();
                slot.job = Job::Write;
                self.submit(i, &mut [])?;
            }
        }
        Ok(())
    }

    /// Waits for the writes in flight, then reads each run in requests of
    /// up to [`RUN_BLOCKS`] blocks, as many in flight as the queue holds.
    fn read_runs(&mut self, runs: &mut [(u64, &mut [u8])]) -> Result<(), DeviceError> {
        for (first, buf) in runs.iter() {
            self.check(*first, buf.len())?;
        }
        self.drain()?;
        let mut result = Ok(());
        'runs: for run in 0..runs.len() {
            let (first, len) = (runs[run].0, runs[run].1.len());
            for offset in (0..len).step_by(RUN_BLOCKS * BLOCK_SIZE) {
                let i = match self.free_slot(runs) {
                    Ok(i) => i,
                    Err(e) => {
                        result = Err(e);
                        break 'runs;
                    }
                };
                let slot = &mut self.slots[i];
                slot.first = first + (offset / BLOCK_SIZE) as u64;
                slot.len = (len - offset).min(RUN_BLOCKS * BLOCK_SIZE);
                slot.job = Job::Read { run, offset };
                if let Err(e) = self.submit(i, runs) {
                    result = Err(e);
                    break 'runs;
                }
            }
        }
        // Every read must finish before the caller's buffers go back.
        while self.in_flight > 0 {
            let reaped = self.reap(runs);
            if result.is_ok() {
                result = reaped;
            }
        }
        result
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
/// What the batch steps leave in blocks [`BATCH_BLOCKS`]: each starts with
/// [`BATCH_MAGIC`], followed by [`pattern`]`(n)`.
pub const BATCH_MAGIC: &[u8] = b"sole disk test: written in a batch\n";
pub const BATCH_BLOCKS: core::ops::Range<u64> = 16..208;

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
    let steps: [(&str, Step); 7] = [
        ("read the host's block", read_host_block),
        ("read into a buffer on the stack", read_to_stack),
        ("write, flush, read back", write_flush_read),
        ("refuse blocks past the end", past_the_end),
        ("256 reads in a row", many_reads),
        ("runs written and read back, many in flight", runs_in_flight),
        ("single writes gather, the last write wins", writes_gather),
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
    crate::println!(
        "blktest: {} requests, at most {} in flight",
        disk.requests(),
        disk.max_in_flight()
    );
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

/// [`BATCH_BLOCKS`] as runs of 1, 2, 3, 5, 8, ... blocks (the longer ones
/// split into several requests).
fn batch_runs() -> Vec<(u64, u64)> {
    let (mut runs, mut n, mut a, mut b) = (Vec::new(), BATCH_BLOCKS.start, 1, 2);
    while n < BATCH_BLOCKS.end {
        let len = a.min(BATCH_BLOCKS.end - n);
        runs.push((n, len));
        n += len;
        (a, b) = (b, a + b);
    }
    runs
}

/// The run of `blocks` blocks from `first` as the batch steps leave it.
fn batch_bytes(first: u64, blocks: u64) -> Vec<u8> {
    (first..first + blocks)
        .flat_map(|n| test_block(BATCH_MAGIC, n))
        .collect()
}

/// Writes the batch blocks as runs, last run first, flushes and reads
/// them back as runs of another shape; more than one request must have
/// been in flight.
fn runs_in_flight(disk: &mut Disk) -> Result<(), &'static str> {
    let data: Vec<(u64, Vec<u8>)> = batch_runs()
        .into_iter()
        .rev()
        .map(|(first, blocks)| (first, batch_bytes(first, blocks)))
        .collect();
    let runs: Vec<(u64, &[u8])> = data.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    disk.write_runs(&runs).map_err(|_| "the writes failed")?;
    disk.flush().map_err(|_| "the flush failed")?;
    let count = BATCH_BLOCKS.end - BATCH_BLOCKS.start;
    let mut back = vec![0u8; count as usize * BLOCK_SIZE];
    let mut reads: Vec<(u64, &mut [u8])> = back
        .chunks_mut(7 * BLOCK_SIZE)
        .zip((BATCH_BLOCKS.start..).step_by(7))
        .map(|(buf, n)| (n, buf))
        .collect();
    disk.read_runs(&mut reads).map_err(|_| "the reads failed")?;
    if back != batch_bytes(BATCH_BLOCKS.start, count) {
        return Err("the blocks read back differ from those written");
    }
    if disk.max_in_flight() < 2 {
        return Err("never more than one request in flight");
    }
    Ok(())
}

/// Overwrites the batch blocks with their complement as runs and, before
/// any flush, block by block with what `runs_in_flight` wrote: the single
/// writes gather into requests of [`RUN_BLOCKS`], each waits for the run
/// it overlaps, and the blocks read back are the last ones written.
fn writes_gather(disk: &mut Disk) -> Result<(), &'static str> {
    let count = BATCH_BLOCKS.end - BATCH_BLOCKS.start;
    let mut junk = batch_bytes(BATCH_BLOCKS.start, count);
    junk.iter_mut().for_each(|b| *b = !*b);
    disk.write_runs(&[(BATCH_BLOCKS.start, &junk)])
        .map_err(|_| "the runs failed")?;
    let before = disk.requests();
    for n in BATCH_BLOCKS {
        disk.write_block(n, &test_block(BATCH_MAGIC, n))
            .map_err(|_| "a write failed")?;
    }
    disk.flush().map_err(|_| "the flush failed")?;
    if disk.requests() - before > count.div_ceil(RUN_BLOCKS as u64) {
        return Err("the single writes were not gathered");
    }
    let mut buf = vec![0u8; BLOCK_SIZE];
    for n in BATCH_BLOCKS {
        disk.read_block(n, &mut buf).map_err(|_| "a read failed")?;
        if buf != test_block(BATCH_MAGIC, n) {
            return Err("a block is not the last one written");
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
