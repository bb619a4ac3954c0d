//! x86-64: boot, CPU tables, interrupts, timers and devices.

core::arch::global_asm!(include_str!("boot.S"), options(att_syntax));

pub mod acpi;
pub mod apic;
pub mod cpu;
pub mod cpuinfo;
pub mod exception;
pub mod fpu;
pub mod frames;
pub mod gdt;
pub mod hpet;
pub mod idt;
pub mod ioapic;
pub mod kvmclock;
pub mod pci;
pub mod percpu;
pub mod pic;
pub mod pit;
pub mod port;
pub mod power;
pub mod pvh;
pub mod random;
pub mod rtc;
pub mod serial;
pub mod smp;
pub mod syscall;
pub mod tsc;

/// Pages that must stay unmapped: one below each kernel stack.
pub fn stack_guard_pages() -> impl Iterator<Item = u64> {
    // SAFETY: symbols the linker script or assembly defines; only their
    // addresses are used, and each use says why the memory there is valid.
    unsafe extern "C" {
        static boot_stack_guard: u8;
    }
    core::iter::once(&raw const boot_stack_guard as u64).chain(gdt::guard_pages())
}

/// The boot CPU's stack (its idle thread's): bottom and top.
pub fn boot_stack() -> (u64, u64) {
    // SAFETY: symbols boot.S defines; only their addresses are used.
    unsafe extern "C" {
        static boot_stack: u8;
        static boot_stack_top: u8;
    }
    (
        &raw const boot_stack as u64,
        &raw const boot_stack_top as u64,
    )
}

/// Per-CPU tables for the boot CPU: GDT/TSS (with IST stacks) and the IDT.
/// The legacy PICs are masked so only the local APIC interrupts us.
pub fn init_cpu_tables() {
    gdt::init_bsp();
    idt::init();
    pic::disable();
}
