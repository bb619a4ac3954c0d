//! The kernel as the Linux personality's `Platform`.

use super::memory;
use crate::arch::{cpuinfo, random, serial, syscall};
use crate::mm::frame;
use crate::time;
use core::sync::atomic::{AtomicBool, Ordering};
use syscalls::mm::Prot;
use syscalls::platform::{Fault, Machine, Platform};
use syscalls::user::USER_END;

/// The host said its input ended.
static CONSOLE_EOF: AtomicBool = AtomicBool::new(false);

pub struct KernelPlatform {
    pub cpus: u32,
    pub total_ram: u64,
}

fn in_user_half(addr: u64, len: usize) -> bool {
    addr.checked_add(len as u64)
        .is_some_and(|end| end <= USER_END)
}

impl Platform for KernelPlatform {
    fn read_user(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        if !in_user_half(addr, buf.len()) {
            return Err(Fault { addr });
        }
        // SAFETY: `buf` is kernel memory of the right length; the source is
        // entirely in the program's half, where faults are resolved or end
        // the copy through the exception table.
        unsafe { syscall::copy_with_fixup(buf.as_mut_ptr(), addr as *const u8, buf.len()) }.map_err(
            |left| Fault {
                addr: addr + (buf.len() - left) as u64,
            },
        )
    }

    fn write_user(&self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        if !in_user_half(addr, data.len()) {
            return Err(Fault { addr });
        }
        // SAFETY: as in read_user, with the roles swapped.
        unsafe { syscall::copy_with_fixup(addr as *mut u8, data.as_ptr(), data.len()) }.map_err(
            |left| Fault {
                addr: addr + (data.len() - left) as u64,
            },
        )
    }

    fn console_write(&self, bytes: &[u8]) {
        serial::write_bytes(bytes);
    }

    /// Blocks until input arrives. The host ends its input with ^D (EOT),
    /// which reads as end of file from then on, as a terminal in canonical
    /// mode reads it. The UART is polled every millisecond (its interrupt
    /// comes with the I/O APIC).
    fn console_read(&self, buf: &mut [u8]) -> usize {
        const EOT: u8 = 0x04;
        if buf.is_empty() || CONSOLE_EOF.load(Ordering::Relaxed) {
            return 0;
        }
        loop {
            let n = serial::read_available(buf);
            if let Some(eot) = buf[..n].iter().position(|&b| b == EOT) {
                CONSOLE_EOF.store(true, Ordering::Relaxed);
                return eot;
            }
            if n > 0 {
                return n;
            }
            time::sleep_ns(1_000_000);
        }
    }

    fn monotonic_ns(&self) -> u64 {
        time::monotonic_ns()
    }

    fn realtime_ns(&self) -> Option<u64> {
        time::realtime_ns()
    }

    fn sleep_until(&self, deadline_ns: u64) {
        time::sleep_until(deadline_ns);
    }

    fn fill_random(&self, buf: &mut [u8]) {
        random::fill(buf);
    }

    fn set_fs_base(&self, base: u64) {
        syscall::set_fs_base(base);
    }
    fn fs_base(&self) -> u64 {
        syscall::fs_base()
    }
    fn set_gs_base(&self, base: u64) {
        syscall::set_gs_base(base);
    }
    fn gs_base(&self) -> u64 {
        syscall::gs_base()
    }

    fn unmap(&self, start: u64, end: u64) {
        memory::unmap(start, end);
    }
    fn protect(&self, start: u64, end: u64, prot: Prot) {
        memory::protect(start, end, prot);
    }
    fn move_pages(&self, from: u64, to: u64, len: u64) {
        memory::move_pages(from, to, len);
    }

    fn machine(&self) -> Machine {
        let cpu = cpuinfo::get();
        Machine {
            cpus: self.cpus,
            total_ram: self.total_ram,
            free_ram: frame::free_frames() * crate::mm::PAGE_SIZE,
            tsc_hz: time::tsc_hz(),
            cpu_vendor: &cpu.vendor,
            cpu_model_name: &cpu.model_name,
            cpu_family: cpu.family,
            cpu_model: cpu.model,
            cpu_stepping: cpu.stepping,
            cpu_flags: &cpu.flags,
        }
    }
}
