//! virtio devices through the `virtio-drivers` crate: the [`KernelHal`] it
//! needs (DMA memory from the frame allocator, addresses through the direct
//! map), and finding devices on PCI (q35: bus 0 through the legacy
//! configuration ports) and on virtio-mmio (microvm: the
//! `virtio_mmio.device=` words QEMU adds to the command line).

pub mod blk;
mod msix;

use crate::arch::pci::PortConfigAccess;
use crate::mm::{self, PAGE_SIZE, frame, paging::AddressSpace, phys_to_virt};
use core::ptr::NonNull;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::pci::bus::{Command, DeviceFunction, PciRoot};
use virtio_drivers::transport::pci::{PciTransport, virtio_device_type};
use virtio_drivers::transport::{DeviceType, SomeTransport, Transport};
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

/// A virtio-mmio register window and its interrupt line, from the command
/// line (`virtio_mmio.device=`) or the ACPI DSDT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmioDevice {
    pub base: u64,
    pub size: u64,
    pub irq: u32,
}

/// The kernel's side of `virtio-drivers`. Guest-physical addresses are what
/// the device sees (there is no IOMMU); a buffer that is not physically
/// contiguous (a kernel stack spans pages mapped one by one) is bounced
/// through frames that are.
#[derive(Debug)]
pub struct KernelHal;

// SAFETY: `dma_alloc` returns zeroed, page-aligned frames that the frame
// allocator hands to no one else until `dma_dealloc`; `mmio_phys_to_virt`
// maps device registers uncached in the direct map, where no RAM is; `share`
// returns an address the device can use for exactly the buffer's bytes.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let Some(phys) = frame::alloc(pages as u64) else {
            return (0, NonNull::dangling());
        };
        let virt = phys_to_virt(phys) as *mut u8;
        // SAFETY: the frames were just allocated, so nothing else refers to
        // them; the direct map covers all RAM.
        unsafe { core::ptr::write_bytes(virt, 0, pages * PAGE_SIZE as usize) };
        (
            phys,
            NonNull::new(virt).expect("the direct map is not at 0"),
        )
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        frame::dealloc(paddr, pages as u64);
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        NonNull::new(mm::map_mmio(paddr, size as u64) as *mut u8)
            .expect("the direct map is not at 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, direction: BufferDirection) -> PhysAddr {
        let (start, len) = (buffer.cast::<u8>().as_ptr() as u64, buffer.len());
        if let Some(phys) = contiguous_phys(start, len as u64) {
            return phys;
        }
        let pages = (len as u64).div_ceil(PAGE_SIZE);
        let phys = frame::alloc(pages).expect("out of memory for a DMA bounce buffer");
        if direction != BufferDirection::DeviceToDriver {
            // SAFETY: the caller keeps `buffer` valid and unaliased for this
            // call; the bounce frames were just allocated.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    start as *const u8,
                    phys_to_virt(phys) as *mut u8,
                    len,
                )
            };
        }
        phys
    }

    unsafe fn unshare(paddr: PhysAddr, buffer: NonNull<[u8]>, direction: BufferDirection) {
        let (start, len) = (buffer.cast::<u8>().as_ptr() as u64, buffer.len());
        if contiguous_phys(start, len as u64) == Some(paddr) {
            return;
        }
        // `share` bounced the buffer through frames at `paddr`.
        if direction != BufferDirection::DriverToDevice {
            // SAFETY: as in `share`: the caller's buffer is valid and ours
            // for this call, and `paddr` is the bounce frames `share` took.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    phys_to_virt(paddr) as *const u8,
                    start as *mut u8,
                    len,
                )
            };
        }
        frame::dealloc(paddr, (len as u64).div_ceil(PAGE_SIZE));
    }
}

/// The physical address of `[virt, virt+len)` if those bytes are mapped to
/// one physical run.
fn contiguous_phys(virt: u64, len: u64) -> Option<u64> {
    let space = AddressSpace::current();
    let phys = space.translate(virt)?;
    let mut page = mm::align_down(virt, PAGE_SIZE) + PAGE_SIZE;
    while page < virt + len {
        if space.translate(page)? != phys + (page - virt) {
            return None;
        }
        page += PAGE_SIZE;
    }
    Some(phys)
}

/// A virtio device found, on whichever transport.
pub type AnyTransport = SomeTransport<'static>;

/// A virtio device found, and where it is on PCI or, on virtio-mmio, its
/// interrupt line (a GSI).
pub struct Found {
    pub transport: AnyTransport,
    pub pci: Option<DeviceFunction>,
    pub gsi: Option<u32>,
}

/// Every virtio device of type `wanted`: the virtio-mmio ones the command
/// line or ACPI names, then those on PCI bus 0 (with memory decoding and
/// bus mastering turned on; the firmware assigned their BARs).
pub fn find(wanted: DeviceType, mmio: &[MmioDevice]) -> alloc::vec::Vec<Found> {
    let mut found = alloc::vec::Vec::new();
    for d in mmio {
        let virt = mm::map_mmio(d.base, d.size);
        let Some(header) = NonNull::new(virt as *mut VirtIOHeader) else {
            continue;
        };
        // SAFETY: `[base, base+size)` is a virtio-mmio register window the
        // hypervisor named, now mapped uncached; nothing else uses it.
        match unsafe { MmioTransport::new(header, d.size as usize) } {
            Ok(t) if t.device_type() == wanted => found.push(Found {
                transport: SomeTransport::from(t),
                pci: None,
                gsi: Some(d.irq),
            }),
            Ok(_) => {}
            Err(e) => log::debug!("virtio-mmio at {:#x}: {e}", d.base),
        }
    }
    // Without a PCI host bridge (microvm) every read gives all ones, which
    // no device's vendor id is, and the scan finds nothing.
    let mut root = PciRoot::new(PortConfigAccess::new());
    let devices: alloc::vec::Vec<_> = root.enumerate_bus(0).collect();
    for (df, info) in devices {
        if virtio_device_type(&info) != Some(wanted) {
            continue;
        }
        root.set_command(
            df,
            Command::IO_SPACE | Command::MEMORY_SPACE | Command::BUS_MASTER,
        );
        match PciTransport::new::<KernelHal, _>(&mut root, df) {
            Ok(t) => found.push(Found {
                transport: SomeTransport::from(t),
                pci: Some(df),
                gsi: None,
            }),
            Err(e) => log::warn!("virtio PCI device at {df}: {e}"),
        }
    }
    found
}
