//! Routing a virtio PCI device's queue interrupt to a local APIC vector
//! through MSI-X (PCI Local Bus 3.0, section 6.8.2; virtio 1.2, 4.1.4.3 and
//! 4.1.5.1.2), which `virtio-drivers` leaves alone: one table entry aimed
//! at one CPU, and the device told to signal the queue through it.

use crate::arch::pci::PortConfigAccess;
use crate::mm;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};

const CAP_MSIX: u8 = 0x11;
const CAP_VENDOR: u8 = 0x09;
const VIRTIO_PCI_CAP_COMMON_CFG: u8 = 1;
/// Message control (the upper half of the capability's first dword).
const MSIX_ENABLE: u32 = 1 << 31;
const MSIX_FUNCTION_MASK: u32 = 1 << 30;
/// Offsets in the virtio common configuration structure.
const COMMON_QUEUE_SELECT: u64 = 0x16;
const COMMON_QUEUE_MSIX_VECTOR: u64 = 0x1a;
/// virtio's "no vector" (4.1.4.3).
const NO_VECTOR: u16 = 0xffff;

/// The physical address a memory BAR decodes, from its register (a 64-bit
/// BAR takes the next register too).
fn bar_address(access: &PortConfigAccess, df: DeviceFunction, bar: u8) -> Option<u64> {
    if bar > 5 {
        return None;
    }
    let low = access.read_word(df, 0x10 + 4 * bar);
    if low & 1 != 0 {
        return None; // I/O space
    }
    let base = u64::from(low & !0xf);
    let address = if (low >> 1) & 0b11 == 0b10 && bar < 5 {
        base | (u64::from(access.read_word(df, 0x10 + 4 * (bar + 1))) << 32)
    } else {
        base
    };
    (address != 0).then_some(address)
}

/// Sends virtqueue `queue` of the device at `df` to `vector` on the CPU
/// whose local APIC id is `apic_id`, through MSI-X table entry 0. The
/// device must have finished initialisation (a virtio reset forgets the
/// queue's vector). Returns false, leaving things as they were, when the
/// device has no MSI-X or refuses the vector.
pub fn route_queue(df: DeviceFunction, queue: u16, vector: u8, apic_id: u32) -> bool {
    let root = PciRoot::new(PortConfigAccess::new());
    let mut msix = None;
    let mut common = None;
    for cap in root.capabilities(df) {
        match cap.id {
            CAP_MSIX => msix = Some(cap.offset),
            CAP_VENDOR if (cap.private_header >> 8) as u8 == VIRTIO_PCI_CAP_COMMON_CFG => {
                common = Some(cap.offset)
            }
            _ => {}
        }
    }
    let (Some(msix), Some(common)) = (msix, common) else {
        return false;
    };
    let mut access = PortConfigAccess::new();
    let table = access.read_word(df, msix + 4);
    let cfg = access.read_word(df, common + 4);
    let cfg_offset = access.read_word(df, common + 8);
    let (Some(table_bar), Some(cfg_bar)) = (
        bar_address(&access, df, (table & 0x7) as u8),
        bar_address(&access, df, (cfg & 0xff) as u8),
    ) else {
        return false;
    };
    if apic_id > 0xff {
        return false; // beyond what an xAPIC-format MSI address names
    }

    // Entry 0: address, data (fixed delivery, edge), unmasked (6.8.2.8).
    let entry = mm::map_mmio(table_bar + u64::from(table & !0x7), 16);
    let address = 0xfee0_0000u32 | (apic_id << 12);
    for (offset, value) in [(0u64, address), (4, 0), (8, u32::from(vector)), (12, 0)] {
        // SAFETY: `entry` maps MSI-X table entry 0 of this device uncached;
        // its dwords are written whole, as the specification requires.
        unsafe { ((entry + offset) as *mut u32).write_volatile(value) };
    }
    let control = access.read_word(df, msix);
    access.write_word(df, msix, (control | MSIX_ENABLE) & !MSIX_FUNCTION_MASK);

    let cfg = mm::map_mmio(cfg_bar + u64::from(cfg_offset), 0x38);
    let select = (cfg + COMMON_QUEUE_SELECT) as *mut u16;
    let msix_vector = (cfg + COMMON_QUEUE_MSIX_VECTOR) as *mut u16;
    // SAFETY: `cfg` maps the device's common configuration structure
    // uncached; queue_select and queue_msix_vector are 16-bit registers.
    // The driver owning the device is single-threaded and not using it now.
    let accepted = unsafe {
        select.write_volatile(queue);
        msix_vector.write_volatile(0);
        msix_vector.read_volatile()
    };
    if accepted == NO_VECTOR {
        access.write_word(df, msix, control);
        return false;
    }
    true
}
