//! The local APIC (Intel SDM Vol. 3A, chapter 11), in x2APIC mode when the
//! CPU has it (MSR access, no MMIO) and xAPIC mode otherwise, and its timer:
//! TSC-deadline when available, one-shot otherwise. There is no periodic tick.

use super::cpu::{self, feature};
use super::idt::{self, vector};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const IA32_APIC_BASE: u32 = 0x1b;
const IA32_TSC_DEADLINE: u32 = 0x6e0;
const APIC_GLOBAL_ENABLE: u64 = 1 << 11;
const APIC_X2APIC_ENABLE: u64 = 1 << 10;

// Register offsets in xAPIC MMIO; x2APIC MSR = 0x800 + offset / 16.
const REG_ID: u32 = 0x20;
const REG_TPR: u32 = 0x80;
const REG_EOI: u32 = 0xb0;
const REG_SVR: u32 = 0xf0;
const REG_ICR_LOW: u32 = 0x300;
const REG_ICR_HIGH: u32 = 0x310;
const REG_LVT_TIMER: u32 = 0x320;
const REG_LVT_LINT0: u32 = 0x350;
const REG_LVT_LINT1: u32 = 0x360;
const REG_LVT_ERROR: u32 = 0x370;
const REG_TIMER_INIT: u32 = 0x380;
const REG_TIMER_CURRENT: u32 = 0x390;
const REG_TIMER_DIVIDE: u32 = 0x3e0;

const LVT_MASKED: u32 = 1 << 16;
const LVT_TSC_DEADLINE: u32 = 0b10 << 17;
const DIVIDE_BY_1: u32 = 0b1011;

static X2APIC: AtomicBool = AtomicBool::new(false);
static MMIO_BASE: AtomicU64 = AtomicU64::new(0);
static TSC_DEADLINE: AtomicBool = AtomicBool::new(false);
/// One-shot mode: APIC timer ticks per second (divide by 1).
static TIMER_HZ: AtomicU64 = AtomicU64::new(0);
static TIMER_IRQS: AtomicU64 = AtomicU64::new(0);

fn read(reg: u32) -> u32 {
    if X2APIC.load(Ordering::Relaxed) {
        cpu::read_msr(0x800 + reg / 16) as u32
    } else {
        let base = MMIO_BASE.load(Ordering::Relaxed);
        // SAFETY: `init` mapped the APIC page uncached at `base`; registers
        // are 32-bit and 16-byte aligned.
        unsafe { ((base + u64::from(reg)) as *const u32).read_volatile() }
    }
}

fn write(reg: u32, value: u32) {
    if X2APIC.load(Ordering::Relaxed) {
        // SAFETY: x2APIC registers are MSRs 0x800-0x8ff; writing the local
        // APIC's own registers affects only interrupt delivery to this CPU.
        unsafe { cpu::write_msr(0x800 + reg / 16, u64::from(value)) };
    } else {
        let base = MMIO_BASE.load(Ordering::Relaxed);
        // SAFETY: as in `read`.
        unsafe { ((base + u64::from(reg)) as *mut u32).write_volatile(value) };
    }
}

/// Which timer the APIC uses, for the log and the selftest.
pub fn timer_mode() -> &'static str {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        "TSC-deadline"
    } else {
        "one-shot"
    }
}

/// Enables this CPU's local APIC with everything masked but the timer.
/// The boot CPU maps the registers; the others (same address, each sees
/// its own APIC) reuse the mapping.
pub fn init(lapic_phys: Option<u64>) {
    let base = cpu::read_msr(IA32_APIC_BASE);
    let x2 = feature::x2apic();
    let mut enable = base | APIC_GLOBAL_ENABLE;
    if x2 {
        enable |= APIC_X2APIC_ENABLE;
    } else if MMIO_BASE.load(Ordering::Relaxed) == 0 {
        let phys = lapic_phys.unwrap_or(base & 0xf_ffff_f000);
        MMIO_BASE.store(crate::mm::map_mmio(phys, 4096), Ordering::Relaxed);
    }
    // SAFETY: enabling the local APIC (and x2APIC mode, which CPUID said
    // exists) only changes how this CPU receives interrupts.
    unsafe { cpu::write_msr(IA32_APIC_BASE, enable) };
    X2APIC.store(x2, Ordering::Relaxed);
    TSC_DEADLINE.store(feature::tsc_deadline(), Ordering::Relaxed);

    write(REG_TPR, 0);
    write(REG_LVT_LINT0, LVT_MASKED);
    write(REG_LVT_LINT1, LVT_MASKED);
    write(REG_LVT_ERROR, LVT_MASKED);
    write(REG_SVR, 0x100 | u32::from(vector::SPURIOUS)); // software enable
    idt::set_irq_handler(vector::TIMER, timer_interrupt);
    disarm();
}

/// This CPU's local APIC id.
pub fn id() -> u32 {
    if X2APIC.load(Ordering::Relaxed) {
        read(REG_ID)
    } else {
        read(REG_ID) >> 24
    }
}

fn wait_icr_idle() {
    if !X2APIC.load(Ordering::Relaxed) {
        let mut spins = 0u32;
        while read(REG_ICR_LOW) & (1 << 12) != 0 && spins < 1_000_000 {
            spins += 1;
            cpu::pause();
        }
    }
}

/// Writes the interrupt command register (SDM Vol. 3A, 11.6.1): `low` is
/// the vector and delivery mode, sent to the APIC `dest`.
pub fn send_command(dest: u32, low: u32) {
    if X2APIC.load(Ordering::Relaxed) {
        // SAFETY: the x2APIC ICR (MSR 0x830) only sends an interrupt.
        unsafe { cpu::write_msr(0x830, (u64::from(dest) << 32) | u64::from(low)) };
    } else {
        wait_icr_idle();
        write(REG_ICR_HIGH, dest << 24);
        write(REG_ICR_LOW, low);
        wait_icr_idle();
    }
}

/// Sends a fixed interrupt with `vector` to the CPU whose APIC id is
/// `dest`.
pub fn send_ipi(dest: u32, vector: u8) {
    send_command(dest, u32::from(vector));
}

pub fn end_of_interrupt() {
    write(REG_EOI, 0);
}

/// Measures the one-shot timer's rate against the (calibrated) TSC.
pub fn calibrate_timer(tsc_hz: u64) {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        return;
    }
    write(REG_TIMER_DIVIDE, DIVIDE_BY_1);
    write(REG_LVT_TIMER, LVT_MASKED | u32::from(vector::TIMER));
    let window = tsc_hz / 20_000; // 50 us
    let t0 = cpu::rdtsc();
    write(REG_TIMER_INIT, u32::MAX);
    while cpu::rdtsc() - t0 < window {
        cpu::pause();
    }
    let elapsed_ticks = u64::from(u32::MAX - read(REG_TIMER_CURRENT));
    let elapsed_tsc = cpu::rdtsc() - t0;
    write(REG_TIMER_INIT, 0);
    TIMER_HZ.store(
        elapsed_ticks * tsc_hz / elapsed_tsc.max(1),
        Ordering::Relaxed,
    );
}

/// Arms the timer to fire once `delta_tsc` TSC ticks from now (`now_tsc`).
pub fn arm(now_tsc: u64, delta_tsc: u64, tsc_hz: u64) {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        write(REG_LVT_TIMER, LVT_TSC_DEADLINE | u32::from(vector::TIMER));
        // SAFETY: IA32_TSC_DEADLINE exists (CPUID said so); writing it only
        // schedules this CPU's timer interrupt.
        unsafe { cpu::write_msr(IA32_TSC_DEADLINE, now_tsc.saturating_add(delta_tsc.max(1))) };
    } else {
        let hz = u128::from(TIMER_HZ.load(Ordering::Relaxed));
        let ticks =
            (u128::from(delta_tsc) * hz / u128::from(tsc_hz.max(1))).clamp(1, u32::MAX.into());
        write(REG_LVT_TIMER, u32::from(vector::TIMER));
        write(REG_TIMER_INIT, ticks as u32);
    }
}

pub fn disarm() {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        // SAFETY: see `arm`; zero disarms the deadline.
        unsafe { cpu::write_msr(IA32_TSC_DEADLINE, 0) };
    }
    write(REG_LVT_TIMER, LVT_MASKED | u32::from(vector::TIMER));
    write(REG_TIMER_INIT, 0);
}

/// Timer interrupts taken so far.
pub fn timer_interrupts() -> u64 {
    TIMER_IRQS.load(Ordering::Relaxed)
}

fn timer_interrupt(_frame: &mut idt::TrapFrame) {
    TIMER_IRQS.fetch_add(1, Ordering::Relaxed);
    end_of_interrupt();
    if super::percpu::ready() && crate::sched::try_current().is_some() {
        crate::sched::on_timer_interrupt();
    }
}
