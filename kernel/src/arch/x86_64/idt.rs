//! The IDT: every vector goes through `interrupts.S` to `trap_dispatch` on an
//! IST stack. Exceptions (0-31) are fatal in the kernel for now and produce a
//! fault report; device and timer interrupts (32-255) go to registered
//! handlers.

use super::gdt::{KERNEL_CODE, ist};
use core::arch::asm;
use core::sync::atomic::{AtomicUsize, Ordering};

core::arch::global_asm!(include_str!("interrupts.S"), options(att_syntax));

// SAFETY: symbols the linker script or assembly defines; only their
// addresses are used, and each use says why the memory there is valid.
unsafe extern "C" {
    static isr_stubs: u8;
}
const STUB_SIZE: u64 = 16;

/// The registers saved on entry, in stack order (see interrupts.S).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_high: u32,
    _zero: u32,
}

impl Gate {
    const EMPTY: Gate = Gate {
        offset_low: 0,
        selector: 0,
        ist: 0,
        type_attr: 0,
        offset_mid: 0,
        offset_high: 0,
        _zero: 0,
    };

    /// A present interrupt gate (IF cleared on entry), DPL 0.
    fn interrupt(handler: u64, ist: u8) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector: KERNEL_CODE,
            ist,
            type_attr: 0x8e,
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            _zero: 0,
        }
    }
}

#[repr(C, align(16))]
struct Idt([Gate; 256]);

static mut IDT: Idt = Idt([Gate::EMPTY; 256]);

pub mod vector {
    pub const NMI: u64 = 2;
    pub const DOUBLE_FAULT: u64 = 8;
    pub const PAGE_FAULT: u64 = 14;
    pub const MACHINE_CHECK: u64 = 18;
    /// The local APIC timer.
    pub const TIMER: u8 = 0x30;
    /// The local APIC's spurious-interrupt vector.
    pub const SPURIOUS: u8 = 0xff;
}

fn ist_for(v: u64) -> u8 {
    match v {
        vector::PAGE_FAULT => ist::PAGE_FAULT,
        vector::DOUBLE_FAULT => ist::DOUBLE_FAULT,
        vector::NMI => ist::NMI,
        vector::MACHINE_CHECK => ist::MACHINE_CHECK,
        0..32 => ist::EXCEPTION,
        _ => ist::IRQ,
    }
}

/// Fills and loads the IDT.
pub fn init() {
    let stubs = &raw const isr_stubs as u64;
    // SAFETY: called once on the boot CPU before interrupts are enabled; the
    // CPU reads the table only after `lidt` below.
    let idt = unsafe { &mut *core::ptr::addr_of_mut!(IDT) };
    for (v, gate) in idt.0.iter_mut().enumerate() {
        *gate = Gate::interrupt(stubs + v as u64 * STUB_SIZE, ist_for(v as u64));
    }
    load();
}

/// Loads the (shared) IDT on this CPU.
pub fn load() {
    #[repr(C, packed(2))]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    let ptr = Pointer {
        limit: (size_of::<Idt>() - 1) as u16,
        base: &raw const IDT as u64,
    };
    // SAFETY: the IDT is a static whose gates all point at valid stubs.
    unsafe { asm!("lidt [{}]", in(reg) &ptr, options(nostack, readonly)) };
}

/// A handler for a device or timer interrupt. It runs with interrupts off.
pub type IrqHandler = fn(&mut TrapFrame);

static IRQ_HANDLERS: [AtomicUsize; 256] = [const { AtomicUsize::new(0) }; 256];

pub fn set_irq_handler(vector: u8, handler: IrqHandler) {
    IRQ_HANDLERS[vector as usize].store(handler as usize, Ordering::Release);
}

#[unsafe(no_mangle)]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    if frame.vector < 32 {
        super::exception::handle(frame);
        return;
    }
    let raw = IRQ_HANDLERS[frame.vector as usize].load(Ordering::Acquire);
    if raw != 0 {
        // SAFETY: only `set_irq_handler` stores non-zero values, and it stores
        // `IrqHandler` function pointers.
        let handler: IrqHandler = unsafe { core::mem::transmute::<usize, IrqHandler>(raw) };
        handler(frame);
    } else if frame.vector != u64::from(vector::SPURIOUS) {
        log::warn!("unexpected interrupt, vector {}", frame.vector);
        super::apic::end_of_interrupt();
    }
}
