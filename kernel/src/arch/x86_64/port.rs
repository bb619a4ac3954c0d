//! x86 I/O ports.

use core::arch::asm;
use core::marker::PhantomData;

/// A value that can move through an I/O port.
pub trait PortValue: Copy {
    /// # Safety
    /// The port must belong to a device whose driver is the caller.
    unsafe fn read_from(port: u16) -> Self;
    /// # Safety
    /// As for `read_from`.
    unsafe fn write_to(port: u16, value: Self);
}

impl PortValue for u8 {
    unsafe fn read_from(port: u16) -> u8 {
        let v;
        // SAFETY: the caller owns the port; IN has no memory effects.
        unsafe { asm!("in al, dx", in("dx") port, out("al") v, options(nostack, nomem)) };
        v
    }
    unsafe fn write_to(port: u16, value: u8) {
        // SAFETY: the caller owns the port.
        unsafe { asm!("out dx, al", in("dx") port, in("al") value, options(nostack, nomem)) };
    }
}

impl PortValue for u16 {
    unsafe fn read_from(port: u16) -> u16 {
        let v;
        // SAFETY: the caller owns the port; IN has no memory effects.
        unsafe { asm!("in ax, dx", in("dx") port, out("ax") v, options(nostack, nomem)) };
        v
    }
    unsafe fn write_to(port: u16, value: u16) {
        // SAFETY: the caller owns the port.
        unsafe { asm!("out dx, ax", in("dx") port, in("ax") value, options(nostack, nomem)) };
    }
}

impl PortValue for u32 {
    unsafe fn read_from(port: u16) -> u32 {
        let v;
        // SAFETY: the caller owns the port; IN has no memory effects.
        unsafe { asm!("in eax, dx", in("dx") port, out("eax") v, options(nostack, nomem)) };
        v
    }
    unsafe fn write_to(port: u16, value: u32) {
        // SAFETY: the caller owns the port.
        unsafe { asm!("out dx, eax", in("dx") port, in("eax") value, options(nostack, nomem)) };
    }
}

/// One I/O port of a device. Creating it is the unsafe step: it asserts that
/// the port belongs to the device the caller drives; reads and writes are then
/// safe (port I/O never touches memory the kernel owns).
#[derive(Clone, Copy)]
pub struct Port<T: PortValue> {
    port: u16,
    _value: PhantomData<T>,
}

impl<T: PortValue> Port<T> {
    /// # Safety
    /// `port` must belong to a device whose driver is the caller, and the device
    /// must not be able to reach memory (DMA) through what is written.
    pub const unsafe fn new(port: u16) -> Self {
        Port {
            port,
            _value: PhantomData,
        }
    }

    pub fn read(&self) -> T {
        // SAFETY: `new`'s contract makes the port ours.
        unsafe { T::read_from(self.port) }
    }

    pub fn write(&self, value: T) {
        // SAFETY: `new`'s contract makes the port ours.
        unsafe { T::write_to(self.port, value) }
    }
}
