//! A Platform over plain memory for host tests: program memory is a map of
//! pages populated on demand through `Mm::fault` as the kernel would, the
//! console is a byte buffer, and the clock moves only when slept on.

use crate::Errno;
use crate::dispatch::{Ctx, Outcome, dispatch};
use crate::mm::{Access, FaultResolution, Mm, PAGE_SIZE, Prot, page_floor};
use crate::platform::{CpuMask, Fault, Machine, Platform, ThreadSpec};
use crate::process::Process;
use crate::regs::{SYSCALL_VECTOR, UserRegs};
use crate::thread::Thread;
use crate::wait::Wake;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;

struct Page {
    data: Box<[u8; PAGE_SIZE as usize]>,
    prot: Prot,
    /// A file's page (here a copy of it), as a `Share` fault maps it.
    borrowed: bool,
    /// ... read-only for a private mapping, until a write copies it.
    cow: bool,
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
    /// Armed personality timers: id -> deadline.
    pub timers: Mutex<BTreeMap<u64, u64>>,
    /// Threads spawned (by clone): their tids and start registers.
    pub spawned: Mutex<Vec<(u32, UserRegs, Option<u64>)>>,
    /// CPU time each thread "used" (tests set it).
    pub cpu_ns: Mutex<BTreeMap<u32, u64>>,
    fpu: Mutex<Vec<u8>>,
    /// What the personality last said of CPU-time timers.
    pub cpu_watch: AtomicBool,
}

/// A test thread's waker: records that it was woken.
#[derive(Default)]
pub struct TestWaker {
    pub woken: AtomicBool,
}

impl Wake for TestWaker {
    fn wake(&self) {
        self.woken.store(true, Ordering::Release);
    }
}

/// The size of the test platform's FPU image (an XSAVE image with x87,
/// SSE and AVX: 512 + 64 + 256).
pub const TEST_XSTATE_SIZE: usize = 832;

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
            timers: Mutex::new(BTreeMap::new()),
            spawned: Mutex::new(Vec::new()),
            cpu_ns: Mutex::new(BTreeMap::new()),
            fpu: Mutex::new(alloc::vec![0u8; TEST_XSTATE_SIZE]),
            cpu_watch: AtomicBool::new(false),
        }
    }

    /// Moves the clock forward to `deadline_ns` (as if the test slept).
    pub fn sleep_until(&self, deadline_ns: u64) {
        self.clock
            .fetch_max(deadline_ns.min(u64::MAX / 2), Ordering::Relaxed);
    }

    /// Marks the FPU image the "CPU" holds (byte 100, in the x87 registers).
    pub fn fpu_image_set(&self, byte: u8) {
        self.fpu.lock()[100] = byte;
    }

    /// The FPU image the "CPU" holds now.
    pub fn fpu_image(&self) -> Vec<u8> {
        self.fpu.lock().clone()
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
        if let Some(p) = pages.get_mut(&page)
            && allowed(p.prot)
            && !(p.borrowed && access == Access::Write && p.cow)
        {
            return Ok(f(&mut p.data[..]));
        }
        let mut borrowed = false;
        let mut cow = false;
        let (page, prot, data) = match self.mm.fault(addr, access) {
            FaultResolution::Map { page, prot } => (page, prot, Box::new([0; PAGE_SIZE as usize])),
            FaultResolution::Fill {
                page,
                prot,
                file,
                offset,
            } => {
                let mut data = Box::new([0; PAGE_SIZE as usize]);
                file.source
                    .read_page(offset, &mut data[..])
                    .map_err(|_| Fault { addr })?;
                (page, prot, data)
            }
            // A shared file page is the file's own; a test sees a copy
            // (writes through it do not reach the file here).
            FaultResolution::Share {
                page,
                prot,
                file,
                offset,
                cow: c,
                ..
            } => {
                let mut data = Box::new([0; PAGE_SIZE as usize]);
                file.source
                    .read_page(offset, &mut data[..])
                    .map_err(|_| Fault { addr })?;
                borrowed = true;
                cow = c;
                (page, prot, data)
            }
            FaultResolution::Segv { .. } | FaultResolution::Bus => return Err(Fault { addr }),
        };
        let mut p = Page {
            data,
            prot,
            borrowed,
            cow,
        };
        let r = f(&mut p.data[..]);
        pages.insert(page, p);
        Ok(r)
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

    fn console_read(&self, buf: &mut [u8]) -> Option<usize> {
        let mut input = self.input.lock();
        let n = buf.len().min(input.len());
        for b in buf.iter_mut().take(n) {
            *b = input.pop_front().unwrap_or(0);
        }
        Some(n)
    }

    fn cmpxchg_user_u32(&self, addr: u64, old: u32, new: u32) -> Result<u32, Fault> {
        let mut cur = [0u8; 4];
        self.read_user(addr, &mut cur)?;
        let cur = u32::from_le_bytes(cur);
        if cur == old {
            self.write_user(addr, &new.to_le_bytes())?;
        }
        Ok(cur)
    }

    fn prepare_sleep(&self) {}

    /// A host test runs one thread: nothing else can wake it, so a sleep
    /// only ends at its deadline (the clock jumps there).
    fn sleep(&self, deadline: Option<u64>) {
        match deadline {
            Some(d) => self.sleep_until(d),
            None => panic!("a host test would sleep forever (nothing can wake it)"),
        }
    }

    fn cancel_sleep(&self) {}

    fn yield_now(&self) {}

    fn spawn_thread(
        &self,
        spec: ThreadSpec<'_>,
        register: &mut dyn FnMut(&Arc<Thread>) -> Result<(), Errno>,
    ) -> Result<(), Errno> {
        let t = Arc::new(Thread::new(
            spec.tid,
            Arc::new(TestWaker::default()),
            spec.comm,
        ));
        register(&t)?;
        self.spawned.lock().push((spec.tid, *spec.regs, spec.tls));
        Ok(())
    }

    fn current_cpu(&self) -> u32 {
        0
    }

    fn affinity(&self, _tid: u32) -> Option<CpuMask> {
        let mut m = [0u64; 4];
        m[0] = 0b11;
        Some(m)
    }

    fn set_affinity(&self, _tid: u32, _mask: &CpuMask) -> Result<(), Errno> {
        Ok(())
    }

    fn thread_cpu_ns(&self, tid: u32) -> Option<u64> {
        Some(self.cpu_ns.lock().get(&tid).copied().unwrap_or(0))
    }

    fn xstate_size(&self) -> usize {
        TEST_XSTATE_SIZE
    }

    fn xfeatures(&self) -> u64 {
        0b111
    }

    fn save_fpu(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.fpu.lock());
    }

    fn restore_fpu(&self, buf: &[u8]) -> bool {
        if buf.len() != TEST_XSTATE_SIZE {
            return false;
        }
        // As XRSTOR: features outside XCR0 in XSTATE_BV fault.
        let bv = u64::from_le_bytes(buf[512..520].try_into().unwrap_or_default());
        if bv & !0b111 != 0 {
            return false;
        }
        self.fpu.lock().copy_from_slice(buf);
        true
    }

    fn watch_cpu_time(&self, on: bool) {
        self.cpu_watch.store(on, Ordering::Relaxed);
    }

    fn arm_timer(&self, id: u64, deadline: Option<u64>) {
        let mut t = self.timers.lock();
        match deadline {
            Some(d) => t.insert(id, d),
            None => t.remove(&id),
        };
    }

    fn monotonic_ns(&self) -> u64 {
        self.clock.load(Ordering::Relaxed)
    }

    fn realtime_ns(&self) -> Option<u64> {
        // 2026-01-01T00:00:00Z plus the monotonic clock.
        Some(1_767_225_600_000_000_000 + self.monotonic_ns())
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

    fn unmap_borrowed(&self, start: u64, end: u64) {
        self.pages
            .lock()
            .retain(|&k, p| !(start..end).contains(&k) || !p.borrowed);
    }

    fn resident(&self, page: u64) -> bool {
        self.pages.lock().contains_key(&page)
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

/// A process with its main thread on a test platform, and calls into it
/// as the kernel makes them.
pub struct Harness {
    pub process: Process,
    pub thread: Arc<Thread>,
    pub platform: TestPlatform,
    /// The registers after the last call (and any signal delivery).
    pub regs: UserRegs,
    /// The thread's stack pointer for calls (0: none; a signal frame
    /// then cannot be written).
    pub stack: u64,
}

/// Where `Harness::interrupt_with` says the handler and its restorer are.
pub const TEST_HANDLER: u64 = 0x40_2000;
pub const TEST_RESTORER: u64 = 0x40_3000;

impl Harness {
    /// Runs syscall `nr` with `args` from a thread whose stack is at `sp`,
    /// then, as the kernel does before returning to the program, delivers
    /// a pending signal. The outcome and the raw RAX.
    pub fn call_from(&mut self, nr: usize, args: &[u64], sp: u64) -> (Outcome, i64) {
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        let mut regs = UserRegs {
            orig_rax: nr as u64,
            rax: nr as u64,
            rdi: a[0],
            rsi: a[1],
            rdx: a[2],
            r10: a[3],
            r8: a[4],
            r9: a[5],
            rip: 0x40_1002,
            rcx: 0x40_1002,
            rflags: 0x202,
            r11: 0x202,
            rsp: sp,
            vector: SYSCALL_VECTOR,
            ..UserRegs::default()
        };
        let outcome = dispatch(&self.process, &self.thread, &self.platform, &mut regs);
        let mut result = regs.rax as i64;
        if outcome == Outcome::Continue && (self.thread.has_work() || regs.restart_pending()) {
            use crate::signal::deliver::{Delivery, deliver};
            // As the kernel's way back to the program: until nothing is left.
            for _ in 0..8 {
                let mut ctx = Ctx::new(&self.process, &self.thread, &self.platform, &mut regs);
                match deliver(&mut ctx) {
                    Delivery::Changed if self.thread.has_work() => continue,
                    _ => break,
                }
            }
            if regs.rip == TEST_HANDLER {
                // A handler was entered: the call's result is what the
                // frame will give back to the program.
                let mut frame = crate::signal::frame::RtSigFrame::default();
                use zerocopy::IntoBytes;
                self.platform
                    .read_user(regs.rsp, frame.as_mut_bytes())
                    .expect("the signal frame");
                result = frame.uc.mcontext.rax as i64;
            } else {
                result = regs.rax as i64;
            }
        }
        self.regs = regs;
        (outcome, result)
    }

    /// Gives `sig` a handler (at TEST_HANDLER, with `flags`) and makes it
    /// pending for the thread, so that the next blocking call is
    /// interrupted and the handler entered.
    pub fn interrupt_with(&mut self, sig: usize, flags: u64) {
        use crate::signal::{SA_RESTORER, SI_USER, SigAction, SigInfo, generate};
        self.process.signals.lock().actions[sig - 1] = SigAction {
            handler: TEST_HANDLER,
            flags: flags | SA_RESTORER,
            restorer: TEST_RESTORER,
            mask: 0,
        };
        let info = SigInfo::user(sig, SI_USER, 1, 0);
        generate::send(
            &self.process,
            generate::Target::Thread(self.thread.tid),
            info,
        )
        .expect("send");
    }

    /// Runs syscall `nr`; the raw result register.
    pub fn call(&mut self, nr: usize, args: &[u64]) -> i64 {
        match self.call_from(nr, args, self.stack) {
            (Outcome::Continue, rax) => rax,
            (other, _) => panic!("unexpected {other:?}"),
        }
    }
}

/// A process with an empty address space, console fds and one thread.
pub fn harness() -> Harness {
    harness_with(crate::fs::FsContext::with_console())
}

/// A harness whose process has the files of `fs`.
pub fn harness_with(fs: crate::fs::FsContext) -> Harness {
    let mm = Arc::new(Mm::new());
    let platform = TestPlatform::new(mm.clone());
    let process = Process::new(mm, fs, platform.monotonic_ns());
    let tid = process.alloc_tid();
    let thread = Arc::new(Thread::new(tid, Arc::new(TestWaker::default()), [0; 16]));
    process.add_thread(&thread, 0).expect("the first thread");
    Harness {
        process,
        thread,
        platform,
        regs: UserRegs::default(),
        stack: 0,
    }
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
