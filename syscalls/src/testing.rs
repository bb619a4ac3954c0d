//! A Platform over plain memory for host tests: program memory is a map of
//! pages populated on demand through `Mm::fault` as the kernel would, the
//! console is a byte buffer, and the clock moves only when slept on.

use crate::mm::{Access, FaultResolution, Mm, PAGE_SIZE, Prot, page_floor};
use crate::platform::{Fault, Machine, Platform};
use crate::process::Process;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;

struct Page {
    data: Box<[u8; PAGE_SIZE as usize]>,
    prot: Prot,
}

pub struct TestPlatform {
    pub mm: Arc<Mm>,
    pages: Mutex<BTreeMap<u64, Page>>,
    pub console: Mutex<Vec<u8>>,
    pub input: Mutex<VecDeque<u8>>,
    clock: AtomicU64,
    fs: AtomicU64,
    gs: AtomicU64,
    random: AtomicU64,
}

impl TestPlatform {
    pub fn new(mm: Arc<Mm>) -> Self {
        TestPlatform {
            mm,
            pages: Mutex::new(BTreeMap::new()),
            console: Mutex::new(Vec::new()),
            input: Mutex::new(VecDeque::new()),
            clock: AtomicU64::new(1_000_000_000),
            fs: AtomicU64::new(0),
            gs: AtomicU64::new(0),
            random: AtomicU64::new(0x9e37_79b9_7f4a_7c15),
        }
    }

    /// Whether a page is populated (for tests of munmap and madvise).
    pub fn is_present(&self, addr: u64) -> bool {
        self.pages.lock().contains_key(&page_floor(addr))
    }

    pub fn console_text(&self) -> alloc::string::String {
        alloc::string::String::from_utf8_lossy(&self.console.lock()).into_owned()
    }

    /// Runs `f` on the page holding `addr`, populating it as a fault would.
    fn with_page<R>(
        &self,
        addr: u64,
        access: Access,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> Result<R, Fault> {
        let page = page_floor(addr);
        let mut pages = self.pages.lock();
        let allowed = |prot: Prot| match access {
            Access::Read => !prot.is_empty(),
            Access::Write => prot.contains(Prot::WRITE),
            Access::Execute => prot.contains(Prot::EXEC),
        };
        if let Some(p) = pages.get_mut(&page) {
            if allowed(p.prot) {
                return Ok(f(&mut p.data[..]));
            }
            return Err(Fault { addr });
        }
        match self.mm.fault(addr, access) {
            FaultResolution::Map { page, prot } => {
                let mut p = Page {
                    data: Box::new([0; PAGE_SIZE as usize]),
                    prot,
                };
                let r = f(&mut p.data[..]);
                pages.insert(page, p);
                Ok(r)
            }
            FaultResolution::Segv { .. } => Err(Fault { addr }),
        }
    }

    fn copy(
        &self,
        addr: u64,
        len: usize,
        access: Access,
        mut f: impl FnMut(usize, &mut [u8]),
    ) -> Result<(), Fault> {
        let mut done = 0;
        while done < len {
            let at = addr + done as u64;
            let off = (at % PAGE_SIZE) as usize;
            let n = (PAGE_SIZE as usize - off).min(len - done);
            self.with_page(at, access, |page| f(done, &mut page[off..off + n]))?;
            done += n;
        }
        Ok(())
    }
}

impl Platform for TestPlatform {
    fn read_user(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let len = buf.len();
        self.copy(addr, len, Access::Read, |done, src| {
            buf[done..done + src.len()].copy_from_slice(src)
        })
    }

    fn write_user(&self, addr: u64, data: &[u8]) -> Result<(), Fault> {
        self.copy(addr, data.len(), Access::Write, |done, dst| {
            let n = dst.len();
            dst.copy_from_slice(&data[done..done + n])
        })
    }

    fn console_write(&self, bytes: &[u8]) {
        self.console.lock().extend_from_slice(bytes);
    }

    fn console_read(&self, buf: &mut [u8]) -> usize {
        let mut input = self.input.lock();
        let n = buf.len().min(input.len());
        for b in buf.iter_mut().take(n) {
            *b = input.pop_front().unwrap_or(0);
        }
        n
    }

    fn monotonic_ns(&self) -> u64 {
        self.clock.load(Ordering::Relaxed)
    }

    fn realtime_ns(&self) -> Option<u64> {
        // 2026-01-01T00:00:00Z plus the monotonic clock.
        Some(1_767_225_600_000_000_000 + self.monotonic_ns())
    }

    fn sleep_until(&self, deadline_ns: u64) {
        self.clock
            .fetch_max(deadline_ns.min(u64::MAX / 2), Ordering::Relaxed);
    }

    fn fill_random(&self, buf: &mut [u8]) {
        for b in buf {
            // xorshift64: deterministic, good enough for tests.
            let mut x = self.random.load(Ordering::Relaxed);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.random.store(x, Ordering::Relaxed);
            *b = x as u8;
        }
    }

    fn set_fs_base(&self, base: u64) {
        self.fs.store(base, Ordering::Relaxed);
    }
    fn fs_base(&self) -> u64 {
        self.fs.load(Ordering::Relaxed)
    }
    fn set_gs_base(&self, base: u64) {
        self.gs.store(base, Ordering::Relaxed);
    }
    fn gs_base(&self) -> u64 {
        self.gs.load(Ordering::Relaxed)
    }

    fn unmap(&self, start: u64, end: u64) {
        let mut pages = self.pages.lock();
        let keys: Vec<u64> = pages.range(start..end).map(|(k, _)| *k).collect();
        for k in keys {
            pages.remove(&k);
        }
    }

    fn protect(&self, start: u64, end: u64, prot: Prot) {
        for (_, p) in self.pages.lock().range_mut(start..end) {
            p.prot = prot;
        }
    }

    fn move_pages(&self, from: u64, to: u64, len: u64) {
        let mut pages = self.pages.lock();
        let keys: Vec<u64> = pages.range(from..from + len).map(|(k, _)| *k).collect();
        for k in keys {
            if let Some(p) = pages.remove(&k) {
                pages.insert(to + (k - from), p);
            }
        }
    }

    fn machine(&self) -> Machine {
        Machine {
            cpus: 2,
            total_ram: 128 << 20,
            free_ram: 100 << 20,
            tsc_hz: 1_000_000_000,
            cpu_vendor: "GenuineIntel",
            cpu_model_name: "Test CPU @ 1.00GHz",
            cpu_family: 6,
            cpu_model: 85,
            cpu_stepping: 7,
            cpu_flags: "fpu tsc msr pae sse sse2 ssse3 sse4_1 sse4_2 avx avx2",
        }
    }
}

/// A process with an empty address space and console fds, and its platform.
pub fn process() -> (Process, TestPlatform) {
    let mm = Arc::new(Mm::new());
    let platform = TestPlatform::new(mm.clone());
    let process = Process::new(
        mm,
        crate::fs::FsContext::with_console(),
        platform.monotonic_ns(),
    );
    (process, platform)
}

/// Maps `len` bytes of read-write anonymous memory for a test and returns
/// its address.
pub fn scratch(process: &Process, platform: &TestPlatform, len: u64) -> u64 {
    process
        .mm
        .mmap_anonymous(
            platform,
            0,
            len,
            Prot::READ | Prot::WRITE,
            crate::mm::MapFlags::PRIVATE | crate::mm::MapFlags::ANONYMOUS,
        )
        .expect("scratch mapping")
}
