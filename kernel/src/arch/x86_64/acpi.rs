//! Just enough ACPI (ACPI 6.5 spec, chapter 5.2) to learn the machine: CPUs
//! and the local APIC from the MADT, the HPET, the PM timer from the FADT,
//! and virtio-mmio devices from the DSDT.
//! Every table is checksummed and bounds-checked before use.

use crate::mm::{self, phys_to_virt};
use crate::virtio::MmioDevice;

#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Enabled (or online-capable) processors listed in the MADT.
    pub cpus: u32,
    /// Their local APIC ids.
    pub apic_ids: alloc::vec::Vec<u32>,
    pub lapic_phys: Option<u64>,
    pub hpet_phys: Option<u64>,
    pub pm_timer_port: Option<u16>,
    /// I/O APICs from the MADT.
    pub io_apics: alloc::vec::Vec<super::ioapic::IoApic>,
    /// virtio-mmio devices the DSDT describes (QEMU's microvm).
    pub virtio_mmio: alloc::vec::Vec<MmioDevice>,
}

#[derive(Debug)]
pub enum AcpiError {
    NoRsdp,
    BadChecksum(&'static str),
    Truncated(&'static str),
}

impl core::fmt::Display for AcpiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AcpiError::NoRsdp => write!(f, "no RSDP"),
            AcpiError::BadChecksum(t) => write!(f, "bad checksum in the {t}"),
            AcpiError::Truncated(t) => write!(f, "the {t} is truncated"),
        }
    }
}

/// Copies physical memory into a fixed buffer through the direct map,
/// mapping it first if needed.
fn bytes(phys: u64, len: usize) -> &'static [u8] {
    mm::ensure_mapped(phys, len as u64);
    // SAFETY: ensure_mapped made the range readable through the direct map;
    // firmware tables are never written after boot.
    unsafe { core::slice::from_raw_parts(phys_to_virt(phys) as *const u8, len) }
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}

fn checksum_ok(b: &[u8]) -> bool {
    b.iter().fold(0u8, |s, &x| s.wrapping_add(x)) == 0
}

/// Finds the RSDP: where the loader said, else in the BIOS area (5.2.5.1).
fn find_rsdp(hint: Option<u64>) -> Option<u64> {
    if let Some(p) = hint {
        return Some(p);
    }
    let ebda = u64::from(u16_at(bytes(0x40e, 2), 0)?) << 4;
    let areas = [(ebda, 1024u64), (0xe0000, 0x20000)];
    for (start, len) in areas {
        if start == 0 {
            continue;
        }
        let area = bytes(start, len as usize);
        for off in (0..area.len().saturating_sub(20)).step_by(16) {
            if &area[off..off + 8] == b"RSD PTR " && checksum_ok(&area[off..off + 20]) {
                return Some(start + off as u64);
            }
        }
    }
    None
}

/// A validated system description table: header plus body.
fn table(phys: u64, name: &'static str) -> Result<&'static [u8], AcpiError> {
    let header = bytes(phys, 36);
    let len = u32_at(header, 4).ok_or(AcpiError::Truncated(name))? as usize;
    if !(36..=1 << 20).contains(&len) {
        return Err(AcpiError::Truncated(name));
    }
    let t = bytes(phys, len);
    if !checksum_ok(t) {
        return Err(AcpiError::BadChecksum(name));
    }
    Ok(t)
}

pub fn discover(rsdp_hint: Option<u64>) -> Result<Facts, AcpiError> {
    let rsdp_phys = find_rsdp(rsdp_hint).ok_or(AcpiError::NoRsdp)?;
    let rsdp = bytes(rsdp_phys, 36);
    if &rsdp[..8] != b"RSD PTR " || !checksum_ok(&rsdp[..20]) {
        return Err(AcpiError::BadChecksum("RSDP"));
    }
    let revision = rsdp[15];
    let xsdt = if revision >= 2 {
        u64_at(rsdp, 24).filter(|&x| x != 0)
    } else {
        None
    };
    let (root, entry_size, name) = match xsdt {
        Some(x) => (x, 8, "XSDT"),
        None => (
            u64::from(u32_at(rsdp, 16).ok_or(AcpiError::Truncated("RSDP"))?),
            4,
            "RSDT",
        ),
    };
    let root = table(root, name)?;
    let mut facts = Facts::default();
    for entry in root[36..].chunks_exact(entry_size) {
        let phys = if entry_size == 8 {
            u64::from_le_bytes(entry.try_into().unwrap_or_default())
        } else {
            u64::from(u32::from_le_bytes(entry.try_into().unwrap_or_default()))
        };
        let sig = bytes(phys, 4);
        match sig {
            b"APIC" => parse_madt(table(phys, "MADT")?, &mut facts),
            b"HPET" => {
                let t = table(phys, "HPET")?;
                // Generic address structure at 40; address space 0 = memory.
                if t.get(40) == Some(&0) {
                    facts.hpet_phys = u64_at(t, 44).filter(|&a| a != 0);
                }
            }
            b"FACP" => {
                let t = table(phys, "FADT")?;
                facts.pm_timer_port = u32_at(t, 76)
                    .filter(|&p| p != 0 && p <= 0xffff)
                    .map(|p| p as u16);
                // X_DSDT (offset 140) when present, else DSDT (40).
                let dsdt = u64_at(t, 140)
                    .filter(|&a| a != 0)
                    .or_else(|| u32_at(t, 40).map(u64::from))
                    .filter(|&a| a != 0);
                // A DSDT we cannot read costs only its devices, not the
                // rest of what ACPI told us.
                match dsdt.map(|d| table(d, "DSDT")) {
                    Some(Ok(t)) => facts.virtio_mmio = virtio_mmio_devices(t),
                    Some(Err(e)) => log::warn!("ignoring the DSDT: {e}"),
                    None => {}
                }
            }
            _ => {}
        }
    }
    Ok(facts)
}

/// MADT (5.2.12): the local APIC address and one entry per processor.
fn parse_madt(t: &[u8], facts: &mut Facts) {
    facts.lapic_phys = u32_at(t, 36).map(u64::from);
    let mut off = 44;
    while let (Some(&kind), Some(&len)) = (t.get(off), t.get(off + 1)) {
        let len = len as usize;
        if len < 2 || off + len > t.len() {
            break;
        }
        let e = &t[off..off + len];
        let usable = |flags: Option<u32>| flags.is_some_and(|f| f & 0b11 != 0);
        match kind {
            0 if usable(u32_at(e, 4)) => {
                facts.cpus += 1;
                facts.apic_ids.extend(e.get(3).map(|&id| u32::from(id)));
            }
            9 if usable(u32_at(e, 8)) => {
                facts.cpus += 1;
                facts.apic_ids.extend(u32_at(e, 4));
            }
            5 => facts.lapic_phys = u64_at(e, 4),
            1 => {
                if let (Some(phys), Some(gsi_base)) = (u32_at(e, 4), u32_at(e, 8)) {
                    facts.io_apics.push(super::ioapic::IoApic {
                        phys: u64::from(phys),
                        gsi_base,
                    });
                }
            }
            _ => {}
        }
        off += len;
    }
}

/// The `_HID` of a virtio-mmio device, as Linux's virtio_mmio driver
/// matches it (an AML string: prefix 0x0D, the characters, a NUL).
const VIRTIO_MMIO_HID: &[u8] = b"\x0dLNRO0005\x00";

/// virtio-mmio devices in a DSDT, found without an AML interpreter: QEMU's
/// microvm (hw/i386/acpi-microvm.c) gives each a `_HID` of "LNRO0005" and a
/// `_CRS` buffer holding a Memory32Fixed descriptor (ACPI 6.5, 6.4.3.4,
/// tag 0x86) for its registers and an Extended Interrupt descriptor
/// (6.4.3.6, tag 0x89) for its line. Each `_HID` is paired with the first
/// such descriptors before the next one.
pub fn virtio_mmio_devices(dsdt: &[u8]) -> alloc::vec::Vec<MmioDevice> {
    let body = dsdt.get(36..).unwrap_or_default();
    let starts: alloc::vec::Vec<usize> = body
        .windows(VIRTIO_MMIO_HID.len())
        .enumerate()
        .filter(|(_, w)| *w == VIRTIO_MMIO_HID)
        .map(|(i, _)| i)
        .collect();
    let mut devices = alloc::vec::Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(body.len());
        let device = &body[start..end];
        let memory = device
            .windows(12)
            .find(|w| w[0] == 0x86 && w[1] == 0x09 && w[2] == 0x00)
            .and_then(|w| Some((u32_at(w, 4)?, u32_at(w, 8)?)));
        let irq = device
            .windows(9)
            .find(|w| w[0] == 0x89 && u16_at(w, 1).is_some_and(|l| l >= 6) && w[4] >= 1)
            .and_then(|w| u32_at(w, 5));
        if let (Some((base, size)), Some(irq)) = (memory, irq)
            && base != 0
            && size != 0
        {
            devices.push(MmioDevice {
                base: u64::from(base),
                size: u64::from(size),
                irq,
            });
        }
    }
    devices
}

/// Without ACPI (some microVMs), the MultiProcessor Specification's table
/// (version 1.4, chapter 4) lists the processors: find its floating
/// pointer in the EBDA, the last KiB of base memory or the BIOS ROM, then
/// read the processor entries of its configuration table.
pub fn mp_table_apic_ids() -> Option<alloc::vec::Vec<u32>> {
    let ebda = u64::from(u16_at(bytes(0x40e, 2), 0)?) << 4;
    let areas = [(ebda, 1024u64), (0x9fc00, 1024), (0xf0000, 0x10000)];
    let mut config = None;
    for (start, len) in areas {
        if start == 0 {
            continue;
        }
        let area = bytes(start, len as usize);
        for off in (0..area.len().saturating_sub(16)).step_by(16) {
            let f = &area[off..off + 16];
            if &f[..4] == b"_MP_" && checksum_ok(f) {
                config = u32_at(f, 4).filter(|&p| p != 0);
                break;
            }
        }
        if config.is_some() {
            break;
        }
    }
    let phys = u64::from(config?);
    let header = bytes(phys, 44);
    if &header[..4] != b"PCMP" {
        return None;
    }
    let len = usize::from(u16_at(header, 4)?);
    let count = usize::from(u16_at(header, 34)?);
    if len < 44 {
        return None;
    }
    let table = bytes(phys, len);
    if !checksum_ok(table) {
        return None;
    }
    let mut ids = alloc::vec::Vec::new();
    let mut off = 44;
    for _ in 0..count {
        let Some(&kind) = table.get(off) else { break };
        if kind == 0 {
            // Processor: APIC id at 1, flags at 3 (bit 0: enabled).
            let (Some(&id), Some(&flags)) = (table.get(off + 1), table.get(off + 3)) else {
                break;
            };
            if flags & 1 != 0 {
                ids.push(u32::from(id));
            }
            off += 20;
        } else {
            off += 8;
        }
    }
    (!ids.is_empty()).then_some(ids)
}

/// The last resort on QEMU without ACPI or an MP table (microvm with
/// acpi=off): the firmware configuration device (docs/specs/fw_cfg.txt)
/// says how many CPUs there are (FW_CFG_NB_CPUS); QEMU numbers their
/// local APICs from 0.
pub fn fw_cfg_apic_ids() -> Option<alloc::vec::Vec<u32>> {
    use super::port::Port;
    const SIGNATURE: u16 = 0x0000;
    const NB_CPUS: u16 = 0x0005;
    // SAFETY: QEMU's fw_cfg selector and data ports; on a machine without
    // the device, reads give 0xff and the signature check fails.
    let (selector, data) = unsafe { (Port::<u16>::new(0x510), Port::<u8>::new(0x511)) };
    selector.write(SIGNATURE);
    let mut sig = [0u8; 4];
    for b in &mut sig {
        *b = data.read();
    }
    if &sig != b"QEMU" {
        return None;
    }
    selector.write(NB_CPUS);
    let n = u16::from(data.read()) | (u16::from(data.read()) << 8);
    (n > 0).then(|| (0..u32::from(n)).collect())
}
