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

/// `in`/`out` with the accumulator register of the value's width.
macro_rules! port_value {
    ($t:ty, $reg:tt) => {
        impl PortValue for $t {
            // SAFETY (contract): `PortValue::read_from`'s; the caller owns the port.
            unsafe fn read_from(port: u16) -> $t {
                let v;
                // SAFETY: the caller owns the port; IN has no memory effects.
                unsafe {
                    asm!(concat!("in ", $reg, ", dx"), in("dx") port, out($reg) v,
                         options(nostack, nomem))
                };
                v
            }
            // SAFETY (contract): `PortValue::write_to`'s; the caller owns the port.
            unsafe fn write_to(port: u16, value: $t) {
                // SAFETY: the caller owns the port.
                unsafe {
                    asm!(concat!("out dx, ", $reg), in("dx") port, in($reg) value,
                         options(nostack, nomem))
                };
            }
        }
    };
}

port_value!(u8, "al");
port_value!(u16, "ax");
port_value!(u32, "eax");

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
