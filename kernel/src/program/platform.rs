//! The kernel as the Linux personality's `Platform`.

use super::memory;
use crate::arch::fpu::{self, FpuArea};
use crate::arch::{cpuinfo, percpu, random, serial, syscall};
use crate::mm::frame;
use crate::sched::{self, thread::ThreadWaker};
use crate::time;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use syscalls::Errno;
use syscalls::mm::Prot;
use syscalls::platform::{CpuMask, Fault, Machine, Platform, ThreadSpec};
use syscalls::thread::Thread as LinuxThread;
use syscalls::user::USER_END;

/// The host said its input ended.
static CONSOLE_EOF: AtomicBool = AtomicBool::new(false);

pub struct KernelPlatform {
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

    fn cmpxchg_user_u32(&self, addr: u64, old: u32, new: u32) -> Result<u32, Fault> {
        if !in_user_half(addr, 4) || !addr.is_multiple_of(4) {
            return Err(Fault { addr });
        }
        // SAFETY: an aligned word in the program's half; a fault there ends
        // at the fixup.
        unsafe { syscall::cmpxchg_with_fixup(addr, old, new) }.map_err(|()| Fault { addr })
    }

    fn console_write(&self, bytes: &[u8]) {
        crate::klog::console_write(bytes);
    }

    /// What the host has typed. The host ends its input with ^D (EOT),
    /// which reads as end of file from then on, as a terminal in canonical
    /// mode reads it. The UART has no interrupt yet: readers poll.
    fn console_read(&self, buf: &mut [u8]) -> Option<usize> {
        const EOT: u8 = 0x04;
        if buf.is_empty() || CONSOLE_EOF.load(Ordering::Relaxed) {
            return Some(0);
        }
        let n = serial::read_available(buf);
        if let Some(eot) = buf[..n].iter().position(|&b| b == EOT) {
            CONSOLE_EOF.store(true, Ordering::Relaxed);
            return Some(eot);
        }
        (n > 0).then_some(n)
    }

    fn monotonic_ns(&self) -> u64 {
        time::monotonic_ns()
    }

    fn realtime_ns(&self) -> Option<u64> {
        time::realtime_ns()
    }

    fn fill_random(&self, buf: &mut [u8]) {
        random::fill(buf);
    }

    fn prepare_sleep(&self) {
        sched::prepare_sleep();
    }

    fn sleep(&self, deadline: Option<u64>) {
        sched::sleep(deadline);
    }

    fn cancel_sleep(&self) {
        sched::cancel_sleep();
    }

    fn yield_now(&self) {
        sched::yield_now();
    }

    fn spawn_thread(
        &self,
        spec: ThreadSpec<'_>,
        register: &mut dyn FnMut(&Arc<LinuxThread>) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let me = sched::current();
        // The new thread starts with the creator's FPU state (as Linux
        // copies it), FS base unless CLONE_SETTLS, and GS base.
        let mut fpu = FpuArea::new();
        fpu.save();
        let fs = spec
            .tls
            .unwrap_or_else(|| me.fs_base.load(Ordering::Relaxed));
        let gs = percpu::program_gs_base();
        let t = sched::new_program_thread(spec.tid, spec.regs, fs, gs, fpu).ok_or(Errno::ENOMEM)?;
        // Its CPUs are its creator's (sched_setaffinity(2)).
        sched::inherit_affinity(&t, me);
        let linux = Arc::new(LinuxThread::new(
            spec.tid,
            Arc::new(ThreadWaker(Arc::downgrade(&t))),
            spec.comm,
        ));
        t.linux.call_once(|| linux.clone());
        register(&linux)?;
        sched::start(t);
        Ok(())
    }

    fn current_cpu(&self) -> u32 {
        percpu::this().index
    }

    fn affinity(&self, tid: u32) -> Option<CpuMask> {
        sched::thread(tid).map(|t| sched::affinity(&t))
    }

    fn set_affinity(&self, tid: u32, mask: &CpuMask) -> Result<(), Errno> {
        let t = sched::thread(tid).ok_or(Errno::ESRCH)?;
        sched::set_affinity(&t, *mask);
        Ok(())
    }

    fn thread_cpu_ns(&self, tid: u32) -> Option<u64> {
        sched::thread(tid).map(|t| t.cpu_time_ns())
    }

    fn set_fs_base(&self, base: u64) {
        sched::current().fs_base.store(base, Ordering::Relaxed);
        syscall::set_fs_base(base);
    }
    fn fs_base(&self) -> u64 {
        sched::current().fs_base.load(Ordering::Relaxed)
    }
    fn set_gs_base(&self, base: u64) {
        percpu::set_program_gs_base(base);
    }
    fn gs_base(&self) -> u64 {
        percpu::program_gs_base()
    }

    fn xstate_size(&self) -> usize {
        fpu::size()
    }

    fn xfeatures(&self) -> u64 {
        fpu::xfeatures()
    }

    fn save_fpu(&self, buf: &mut [u8]) {
        let mut area = FpuArea::new();
        area.save();
        let n = buf.len().min(area.bytes().len());
        buf[..n].copy_from_slice(&area.bytes()[..n]);
    }

    fn restore_fpu(&self, buf: &[u8]) -> bool {
        if !fpu::valid(buf) {
            return false;
        }
        let mut area = FpuArea::new();
        area.bytes_mut().copy_from_slice(buf);
        area.restore();
        true
    }

    fn arm_timer(&self, id: u64, deadline: Option<u64>) {
        sched::arm_personality_timer(id, deadline);
    }

    fn watch_cpu_time(&self, on: bool) {
        sched::watch_cpu_time(on);
    }

    fn unmap(&self, start: u64, end: u64) {
        memory::unmap(start, end);
    }
    fn unmap_borrowed(&self, start: u64, end: u64) {
        memory::unmap_borrowed(start, end);
    }

    fn resident(&self, page: u64) -> bool {
        memory::resident(page)
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
            cpus: percpu::online().max(1),
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
