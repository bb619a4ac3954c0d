//! PCI configuration space through the legacy configuration mechanism #1
//! (PCI Local Bus Specification 3.0, section 3.2.2.3.2): an address written
//! to port 0xCF8 selects a bus, device, function and register, whose 32-bit
//! value then moves through port 0xCFC. q35 has it beside its ECAM; it
//! reaches the first 256 bytes of each function, where the virtio
//! capabilities live.

use super::port::Port;
use crate::sync::IrqMutex;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction};

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

/// The address and data ports: one access at a time, or another CPU could
/// move the address between our write of it and our use of the data.
static PORTS: IrqMutex<()> = IrqMutex::new(());

/// Configuration-space access through ports 0xCF8/0xCFC.
#[derive(Debug)]
pub struct PortConfigAccess(());

impl PortConfigAccess {
    pub fn new() -> Self {
        PortConfigAccess(())
    }

    fn address(df: DeviceFunction, register: u8) -> u32 {
        (1 << 31)
            | (u32::from(df.bus) << 16)
            | (u32::from(df.device & 0x1f) << 11)
            | (u32::from(df.function & 0x7) << 8)
            | u32::from(register & 0xfc)
    }

    fn ports() -> (Port<u32>, Port<u32>) {
        // SAFETY: 0xCF8 and 0xCFC are the PCI host bridge's configuration
        // ports, which only this module drives (under `PORTS`); they reach
        // configuration registers, not memory.
        unsafe { (Port::new(CONFIG_ADDRESS), Port::new(CONFIG_DATA)) }
    }
}

impl ConfigurationAccess for PortConfigAccess {
    fn read_word(&self, df: DeviceFunction, register: u8) -> u32 {
        let _ports = PORTS.lock();
        let (address, data) = Self::ports();
        address.write(Self::address(df, register));
        data.read()
    }

    fn write_word(&mut self, df: DeviceFunction, register: u8, value: u32) {
        let _ports = PORTS.lock();
        let (address, data) = Self::ports();
        address.write(Self::address(df, register));
        data.write(value);
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortConfigAccess(())
    }
}
