//! Starting the application processors (Intel SDM Vol. 3A, 9.4.4: INIT,
//! then STARTUP twice) one at a time, each into `ap_main`, which gives it
//! its own GDT, TSS, per-CPU area, local APIC and idle thread; and the
//! cross-CPU work that follows: TLB shootdowns and stopping every CPU.

use super::{apic, cpu, fpu, gdt, idt, percpu, syscall};
use crate::mm::kstack::KernelStack;
use crate::mm::{self, PAGE_SIZE, phys_to_virt};
use crate::time;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

core::arch::global_asm!(include_str!("ap_boot.S"), options(att_syntax));

// SAFETY: symbols the assembly defines; only their addresses are used.
unsafe extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_end: u8;
    static ap_params: u8;
}

/// Where the start-up code goes (below 1 MiB, page-aligned: the STARTUP
/// vector is its page number), and the temporary page tables after it.
const TRAMPOLINE: u64 = 0x8000;
const TEMP_PML4: u64 = 0x9000;
const TEMP_PDPT: u64 = 0xa000;
const TEMP_PD: u64 = 0xb000;
/// An AP's stack until it runs threads (then its idle thread's).
const AP_STACK_SIZE: u64 = 32 * 1024;

/// The CPU that has finished starting (its index), for the boot CPU.
static STARTED: AtomicU32 = AtomicU32::new(0);
/// The kernel's page tables, which every AP switches to.
static KERNEL_CR3: AtomicU64 = AtomicU64::new(0);
/// Stack bounds handed to the AP being started.
static AP_STACK: AtomicU64 = AtomicU64::new(0);

fn write_phys<T: Copy>(phys: u64, value: T) {
    // SAFETY: the low pages used here are reserved (the first MiB is never
    // handed out) and mapped by the direct map; nothing else uses them.
    unsafe { (phys_to_virt(phys) as *mut T).write_volatile(value) };
}

/// Copies the start-up code down and builds the temporary page tables:
/// the kernel's upper half, plus an identity map of the first 2 MiB.
fn prepare() {
    mm::ensure_mapped(TRAMPOLINE, 4 * PAGE_SIZE);
    let start = &raw const ap_trampoline_start as u64;
    let len = (&raw const ap_trampoline_end as u64 - start) as usize;
    // SAFETY: the code is `len` bytes of kernel rodata; the destination is
    // the reserved trampoline page (len is far below a page).
    unsafe {
        core::ptr::copy_nonoverlapping(start as *const u8, phys_to_virt(TRAMPOLINE) as *mut u8, len)
    };
    let cr3 = cpu::read_cr3() & mm::paging::ADDR_MASK;
    KERNEL_CR3.store(cr3, Ordering::Relaxed);
    for i in 0..512u64 {
        write_phys(TEMP_PML4 + i * 8, 0u64);
        write_phys(TEMP_PDPT + i * 8, 0u64);
        write_phys(TEMP_PD + i * 8, 0u64);
    }
    let present_writable = 0b11u64;
    write_phys(TEMP_PML4, TEMP_PDPT | present_writable);
    write_phys(TEMP_PDPT, TEMP_PD | present_writable);
    write_phys(TEMP_PD, present_writable | (1 << 7)); // 2 MiB at 0
}

/// Copies the kernel's upper-half PML4 entries into the temporary PML4
/// (again before each AP: starting one may have added some, for its stack).
fn copy_kernel_half() {
    let cr3 = KERNEL_CR3.load(Ordering::Relaxed);
    for i in 256..512u64 {
        // SAFETY: reads the live PML4 through the direct map.
        let e = unsafe { (phys_to_virt(cr3 + i * 8) as *const u64).read_volatile() };
        write_phys(TEMP_PML4 + i * 8, e);
    }
}

fn params_at() -> u64 {
    TRAMPOLINE + (&raw const ap_params as u64 - &raw const ap_trampoline_start as u64)
}

/// Starts every CPU in `apic_ids` but this one; returns how many CPUs are
/// online afterwards.
pub fn start_aps(apic_ids: &[u32]) -> u32 {
    let me = apic::id();
    let others: alloc::vec::Vec<u32> = apic_ids.iter().copied().filter(|&id| id != me).collect();
    if others.is_empty() {
        return 1;
    }
    prepare();
    let mut next = 1u32;
    for id in others {
        if next as usize >= percpu::MAX_CPUS {
            break;
        }
        let Some(stack) = KernelStack::new(AP_STACK_SIZE) else {
            log::warn!("no memory for CPU {next}'s stack; not starting it");
            break;
        };
        copy_kernel_half();
        let p = params_at();
        write_phys(p, stack.top());
        write_phys(p + 8, ap_main as *const () as u64);
        write_phys(p + 16, TEMP_PML4 as u32);
        write_phys(p + 20, next);
        AP_STACK.store(stack.bottom(), Ordering::Release);
        STARTED.store(0, Ordering::Release);
        // INIT (level assert), then STARTUP with the trampoline's page, and
        // a second STARTUP if the first went unnoticed. The SDM's 10 ms
        // wait after INIT is for old processors; Linux skips it on modern
        // ones (and in VMs), as here.
        apic::send_command(id, 0x4500);
        time::spin_ns(10_000);
        for _ in 0..2 {
            apic::send_command(id, 0x4600 | (TRAMPOLINE >> 12) as u32);
            let wait = time::monotonic_ns() + 200_000;
            while STARTED.load(Ordering::Acquire) != next && time::monotonic_ns() < wait {
                cpu::pause();
            }
            if STARTED.load(Ordering::Acquire) == next {
                break;
            }
        }
        let deadline = time::monotonic_ns() + 1_000_000_000;
        while STARTED.load(Ordering::Acquire) != next && time::monotonic_ns() < deadline {
            cpu::pause();
        }
        if STARTED.load(Ordering::Acquire) != next {
            log::warn!("CPU with APIC id {id} did not start");
            continue;
        }
        // It runs on this stack for good (its idle thread's).
        core::mem::forget(stack);
        next += 1;
    }
    next
}

/// An application processor's first Rust code, on its start-up stack.
extern "C" fn ap_main(index: u32) -> ! {
    // SAFETY: the kernel's page tables map everything the temporary ones
    // did but the identity-mapped trampoline, which is no longer executed.
    unsafe { cpu::write_cr3(KERNEL_CR3.load(Ordering::Relaxed)) };
    if !gdt::init_ap() {
        cpu::halt_forever();
    }
    idt::load();
    apic::init(None);
    let cpu = percpu::init(index, apic::id());
    fpu::init_cpu(false, true);
    syscall::init_cpu();
    let bottom = AP_STACK.load(Ordering::Acquire);
    crate::sched::init_cpu(cpu, bottom, bottom + AP_STACK_SIZE);
    log::debug!("CPU {index} (APIC id {}) online", cpu.apic_id);
    STARTED.store(index, Ordering::Release);
    cpu::interrupts_enable();
    crate::sched::idle_loop()
}

/// Whether the machine is going down: every CPU stops where it is.
static STOPPING: AtomicBool = AtomicBool::new(false);
static STOPPED: AtomicU32 = AtomicU32::new(0);

/// Stops every other CPU (the VM is about to power off, so nothing they
/// print can land after the last line). Waits briefly for them.
pub fn stop_others() {
    if STOPPING.swap(true, Ordering::AcqRel) {
        return;
    }
    let me = percpu::this().index;
    let others: alloc::vec::Vec<u32> = percpu::all()
        .filter(|c| c.index != me)
        .map(|c| c.apic_id)
        .collect();
    for &id in &others {
        apic::send_ipi(id, idt::vector::STOP);
    }
    let deadline = time::monotonic_ns() + 50_000_000;
    while (STOPPED.load(Ordering::Acquire) as usize) < others.len()
        && time::monotonic_ns() < deadline
    {
        cpu::pause();
    }
}

fn stop_interrupt(_frame: &mut idt::TrapFrame) {
    apic::end_of_interrupt();
    park();
}

/// Stops this CPU for good, counted as stopped (the VM is going down).
pub fn park() -> ! {
    STOPPED.fetch_add(1, Ordering::AcqRel);
    cpu::halt_forever();
}

fn reschedule_interrupt(_frame: &mut idt::TrapFrame) {
    apic::end_of_interrupt();
    // The interrupt's way back to a program thread looks at its signals;
    // with others queued here, this thread's slice gives way.
    let cpu = percpu::this();
    if cpu.sched.queued() > 0 && crate::sched::try_current().is_some_and(|t| t.is_program()) {
        cpu.sched.need_resched.store(true, Ordering::Release);
    }
}

/// One TLB shootdown at a time: the range and who has yet to flush.
static SHOOTDOWN: spin::Mutex<()> = spin::Mutex::new(());
static RANGE_START: AtomicU64 = AtomicU64::new(0);
static RANGE_END: AtomicU64 = AtomicU64::new(0);
static PENDING: AtomicU32 = AtomicU32::new(0);
/// Beyond this many pages a shootdown flushes everything.
const FLUSH_ALL_PAGES: u64 = 32;

fn flush_range(start: u64, end: u64) {
    if (end - start) / PAGE_SIZE > FLUSH_ALL_PAGES {
        // SAFETY: reloading CR3 with its own value only drops cached
        // (non-global) translations; program pages are not global.
        unsafe { cpu::write_cr3(cpu::read_cr3()) };
    } else {
        let mut a = start;
        while a < end {
            cpu::invlpg(a);
            a += PAGE_SIZE;
        }
    }
}

fn shootdown_interrupt(_frame: &mut idt::TrapFrame) {
    flush_range(
        RANGE_START.load(Ordering::Acquire),
        RANGE_END.load(Ordering::Acquire),
    );
    PENDING.fetch_sub(1, Ordering::AcqRel);
    apic::end_of_interrupt();
}

/// Makes every other CPU forget its translations for `[start, end)` (the
/// page tables are shared, the TLBs are not), and waits until they have.
/// Called with interrupts on, so this CPU can serve another CPU's
/// shootdown while it waits.
pub fn shootdown(start: u64, end: u64) {
    let online = percpu::online();
    if online <= 1 || STOPPING.load(Ordering::Acquire) {
        return;
    }
    let me = percpu::this().index;
    let _one = SHOOTDOWN.lock();
    RANGE_START.store(start, Ordering::Release);
    RANGE_END.store(end, Ordering::Release);
    let targets: alloc::vec::Vec<u32> = percpu::all()
        .filter(|c| c.index != me)
        .map(|c| c.apic_id)
        .collect();
    PENDING.store(targets.len() as u32, Ordering::Release);
    for id in targets {
        apic::send_ipi(id, idt::vector::TLB_SHOOTDOWN);
    }
    while PENDING.load(Ordering::Acquire) != 0 {
        cpu::pause();
    }
}

/// Registers the inter-processor interrupt handlers (once, on the boot CPU;
/// the IDT is shared).
pub fn init_ipis() {
    idt::set_irq_handler(idt::vector::RESCHEDULE, reschedule_interrupt);
    idt::set_irq_handler(idt::vector::TLB_SHOOTDOWN, shootdown_interrupt);
    idt::set_irq_handler(idt::vector::STOP, stop_interrupt);
}
