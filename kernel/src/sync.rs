//! Locks for data that interrupt handlers also touch: a spin lock taken
//! with interrupts disabled on this CPU (and restored as they were), so a
//! handler can never spin on a lock the code it interrupted holds.

use crate::arch::cpu;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

pub struct IrqMutex<T> {
    inner: spin::Mutex<T>,
}

pub struct IrqGuard<'a, T> {
    guard: ManuallyDrop<spin::MutexGuard<'a, T>>,
    were_enabled: bool,
}

impl<T> IrqMutex<T> {
    pub const fn new(value: T) -> Self {
        IrqMutex {
            inner: spin::Mutex::new(value),
        }
    }

    pub fn lock(&self) -> IrqGuard<'_, T> {
        let were_enabled = cpu::interrupts_enabled();
        cpu::interrupts_disable();
        IrqGuard {
            guard: ManuallyDrop::new(self.inner.lock()),
            were_enabled,
        }
    }

    /// The lock if it is free now (the fault path must not wait).
    pub fn try_lock(&self) -> Option<IrqGuard<'_, T>> {
        let were_enabled = cpu::interrupts_enabled();
        cpu::interrupts_disable();
        match self.inner.try_lock() {
            Some(g) => Some(IrqGuard {
                guard: ManuallyDrop::new(g),
                were_enabled,
            }),
            None => {
                if were_enabled {
                    cpu::interrupts_enable();
                }
                None
            }
        }
    }
}

impl<T> Deref for IrqGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for IrqGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for IrqGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: dropped exactly once, here; the guard is not used after.
        unsafe { ManuallyDrop::drop(&mut self.guard) };
        if self.were_enabled {
            cpu::interrupts_enable();
        }
    }
}
