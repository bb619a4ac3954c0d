//! Single instructions: CPUID, MSRs, control registers, the TSC, halting.

use core::arch::asm;
use core::arch::x86_64::{__cpuid_count, CpuidResult};

pub fn cpuid(leaf: u32, subleaf: u32) -> CpuidResult {
    __cpuid_count(leaf, subleaf)
}

/// The highest basic CPUID leaf.
pub fn max_leaf() -> u32 {
    cpuid(0, 0).eax
}

/// The highest extended CPUID leaf (0x8000_0000 range).
pub fn max_extended_leaf() -> u32 {
    cpuid(0x8000_0000, 0).eax
}

pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC only reads the time-stamp counter (CR4.TSD is clear).
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// RDPID: IA32_TSC_AUX, read without serializing (Intel SDM Vol. 2B).
pub fn rdpid() -> u64 {
    let v;
    // SAFETY: RDPID only reads IA32_TSC_AUX; callers check CPUID first.
    unsafe { asm!("rdpid {}", out(reg) v, options(nostack, nomem, preserves_flags)) };
    v
}

/// RDTSCP's IA32_TSC_AUX (the TSC it also reads is dropped).
pub fn rdtscp_aux() -> u32 {
    let aux: u32;
    // SAFETY: RDTSCP only reads the TSC and IA32_TSC_AUX (CR4.TSD is
    // clear); callers check CPUID first.
    unsafe {
        asm!("rdtscp", out("eax") _, out("edx") _, out("ecx") aux,
             options(nostack, nomem, preserves_flags))
    };
    aux
}

pub fn read_msr(msr: u32) -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: the callers read architectural MSRs that exist on every x86-64
    // CPU or that CPUID said exist; RDMSR has no memory effects.
    unsafe { asm!("rdmsr", in("ecx") msr, out("eax") lo, out("edx") hi, options(nostack, nomem)) };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// Writes a model-specific register.
///
/// # Safety
/// The MSR must exist and the value must not break an invariant the kernel
/// relies on (paging, segment bases, the syscall entry).
pub unsafe fn write_msr(msr: u32, value: u64) {
    // SAFETY: the caller upholds this function's contract.
    unsafe {
        asm!("wrmsr", in("ecx") msr, in("eax") value as u32, in("edx") (value >> 32) as u32,
             options(nostack))
    };
}

macro_rules! read_control_register {
    ($name:ident, $reg:literal) => {
        pub fn $name() -> u64 {
            let v;
            // SAFETY: reading a control register has no side effects.
            unsafe { asm!(concat!("mov {}, ", $reg), out(reg) v, options(nostack, nomem)) };
            v
        }
    };
}

read_control_register!(read_cr0, "cr0");
read_control_register!(read_cr2, "cr2");
read_control_register!(read_cr3, "cr3");
read_control_register!(read_cr4, "cr4");

/// Loads a new top-level page table.
///
/// # Safety
/// `pml4_phys` must be the physical address of a valid PML4 that maps the
/// kernel's code, data and stacks at their current addresses.
pub unsafe fn write_cr3(pml4_phys: u64) {
    // SAFETY: the caller upholds this function's contract.
    unsafe { asm!("mov cr3, {}", in(reg) pml4_phys, options(nostack)) };
}

/// Invalidates the TLB entry for one page.
pub fn invlpg(virt: u64) {
    // SAFETY: INVLPG only drops a cached translation.
    unsafe { asm!("invlpg [{}]", in(reg) virt, options(nostack)) };
}

pub fn read_rflags() -> u64 {
    let v;
    // SAFETY: reading RFLAGS through the stack changes nothing else.
    unsafe { asm!("pushfq; pop {}", out(reg) v, options(nomem, preserves_flags)) };
    v
}

pub fn interrupts_enable() {
    // SAFETY: the IDT is loaded before any caller enables interrupts.
    unsafe { asm!("sti", options(nostack, nomem)) };
}

pub fn interrupts_disable() {
    // SAFETY: masking interrupts is always allowed in ring 0.
    unsafe { asm!("cli", options(nostack, nomem)) };
}

pub fn interrupts_enabled() -> bool {
    read_rflags() & (1 << 9) != 0
}

/// Enables interrupts and halts until the next one, atomically (STI's
/// one-instruction shadow covers HLT, so no wakeup is lost).
pub fn enable_and_halt() {
    // SAFETY: see interrupts_enable.
    unsafe { asm!("sti; hlt", options(nostack, nomem)) };
}

/// Stops this CPU for good.
pub fn halt_forever() -> ! {
    loop {
        // SAFETY: with interrupts masked HLT just stops the CPU.
        unsafe { asm!("cli; hlt", options(nostack, nomem)) };
    }
}

pub fn pause() {
    core::hint::spin_loop();
}

/// CPUID feature bits the kernel decides on.
pub mod feature {
    use super::cpuid;

    pub fn x2apic() -> bool {
        cpuid(1, 0).ecx & (1 << 21) != 0
    }
    pub fn tsc_deadline() -> bool {
        cpuid(1, 0).ecx & (1 << 24) != 0
    }
    pub fn gigabyte_pages() -> bool {
        super::max_extended_leaf() >= 0x8000_0001 && cpuid(0x8000_0001, 0).edx & (1 << 26) != 0
    }
    pub fn rdtscp() -> bool {
        super::max_extended_leaf() >= 0x8000_0001 && cpuid(0x8000_0001, 0).edx & (1 << 27) != 0
    }
    pub fn rdpid() -> bool {
        super::max_leaf() >= 7 && cpuid(7, 0).ecx & (1 << 22) != 0
    }
    pub fn invariant_tsc() -> bool {
        super::max_extended_leaf() >= 0x8000_0007 && cpuid(0x8000_0007, 0).edx & (1 << 8) != 0
    }
}
