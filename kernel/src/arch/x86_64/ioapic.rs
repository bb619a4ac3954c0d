//! I/O APICs (Intel 82093AA datasheet, section 3.2): routing a device's
//! interrupt line, numbered as a global system interrupt (ACPI 6.5, 5.2.13),
//! to a vector on one CPU. The MADT says where each I/O APIC is and which
//! GSIs it serves.

use crate::sync::IrqMutex;

const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const REG_VERSION: u32 = 0x01;
const REG_REDIRECTION: u32 = 0x10;
const ACTIVE_LOW: u32 = 1 << 13;
const LEVEL: u32 = 1 << 15;
const MASKED: u32 = 1 << 16;

/// An I/O APIC the MADT lists: its registers and first GSI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoApic {
    pub phys: u64,
    pub gsi_base: u32,
}

/// The select/window pair: one access at a time.
static REGISTERS: IrqMutex<()> = IrqMutex::new(());

fn read(base: u64, reg: u32) -> u32 {
    let _registers = REGISTERS.lock();
    // SAFETY: `base` maps an I/O APIC's registers uncached (`route`);
    // IOREGSEL and IOWIN are 32-bit registers used under `REGISTERS`.
    unsafe {
        ((base + IOREGSEL) as *mut u32).write_volatile(reg);
        ((base + IOWIN) as *const u32).read_volatile()
    }
}

fn write(base: u64, reg: u32, value: u32) {
    let _registers = REGISTERS.lock();
    // SAFETY: as in `read`.
    unsafe {
        ((base + IOREGSEL) as *mut u32).write_volatile(reg);
        ((base + IOWIN) as *mut u32).write_volatile(value);
    }
}

/// How an interrupt line signals.
#[derive(Clone, Copy, Debug)]
pub struct Trigger {
    pub level: bool,
    pub active_low: bool,
}

/// Delivers `gsi` as `vector` (fixed, physical destination) to the CPU
/// whose APIC id is `apic_id`, unmasked. Returns false when no I/O APIC in
/// `io_apics` serves `gsi` or the id does not fit.
pub fn route(io_apics: &[IoApic], gsi: u32, vector: u8, apic_id: u32, trigger: Trigger) -> bool {
    if apic_id > 0xff {
        return false;
    }
    for io in io_apics {
        let base = crate::mm::map_mmio(io.phys, 0x20);
        let entries = ((read(base, REG_VERSION) >> 16) & 0xff) + 1;
        let Some(pin) = gsi.checked_sub(io.gsi_base).filter(|&p| p < entries) else {
            continue;
        };
        let mut low = u32::from(vector);
        if trigger.level {
            low |= LEVEL;
        }
        if trigger.active_low {
            low |= ACTIVE_LOW;
        }
        // Masked while the destination is written, then unmasked.
        write(base, REG_REDIRECTION + 2 * pin, low | MASKED);
        write(base, REG_REDIRECTION + 2 * pin + 1, apic_id << 24);
        write(base, REG_REDIRECTION + 2 * pin, low);
        return true;
    }
    false
}
