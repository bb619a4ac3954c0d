//! The IDT: every vector goes through `interrupts.S`, arrives on an IST
//! stack, moves to the interrupted thread's kernel stack (`trap_enter`)
//! and is handled by `trap_dispatch`: exceptions (0-31) by `exception`,
//! device, timer and inter-processor interrupts (32-255) by registered
//! handlers. An interrupt that came from program code goes back through
//! `program::exit_to_program`, where signals are delivered and threads
//! switched.

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

/// The registers saved on entry: the program's, when it was program code
/// that was interrupted (see `syscalls::regs`).
pub type TrapFrame = syscalls::regs::UserRegs;

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
    /// Inter-processor interrupts: look at the run queue and pending work;
    /// flush TLB entries; stop (the VM is powering off).
    pub const RESCHEDULE: u8 = 0x40;
    pub const TLB_SHOOTDOWN: u8 = 0x41;
    pub const STOP: u8 = 0x42;
    /// The virtio-blk disk's request queue (MSI-X).
    pub const VIRTIO_BLK: u8 = 0x50;
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

/// Vectors that stay on their IST stack: they can arrive anywhere, even
/// inside another handler or with a broken stack.
fn stays_on_ist(v: u64) -> bool {
    matches!(
        v,
        vector::NMI | vector::DOUBLE_FAULT | vector::MACHINE_CHECK
    )
}

/// Below this much room a kernel stack is overflowing: the fault is
/// handled on its IST stack (and reported).
const STACK_MARGIN: u64 = 1024;

/// Moves the frame from the IST stack to the interrupted thread's kernel
/// stack: just below the interrupted RSP if the thread was running kernel
/// code on that stack (kernel code has no red zone), else at the stack's
/// top (the thread was in program code, whose stack and red zone must not
/// be touched; its kernel stack is empty then). Returns where the frame is.
#[unsafe(no_mangle)]
extern "C" fn trap_enter(frame: &mut TrapFrame) -> *mut TrapFrame {
    if stays_on_ist(frame.vector) || !super::percpu::ready() {
        return frame;
    }
    let Some(t) = crate::sched::try_current() else {
        return frame;
    };
    let top = if t.on_stack(frame.rsp) {
        frame.rsp & !15
    } else {
        t.stack_top
    };
    let at = top - size_of::<TrapFrame>() as u64;
    if at < t.stack_bottom + STACK_MARGIN {
        return frame;
    }
    let dest = at as *mut TrapFrame;
    // SAFETY: `dest` lies on the current thread's kernel stack below
    // anything in use (below the interrupted RSP, or the whole stack is
    // free), with room checked above; the IST frame is not used after.
    unsafe { dest.write(*frame) };
    dest
}

#[unsafe(no_mangle)]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    // The program's context: its code, the end of a quick syscall return,
    // or a kernel function it called directly (the vDSO's), which runs on
    // the program's stack (kernel code never does otherwise). There the
    // thread may be preempted and take signals as in its own code.
    let from_program = frame.rip < syscalls::user::USER_END
        || super::syscall::complete_syscall_return(frame)
        || frame.rsp < syscalls::user::USER_END;
    if frame.vector < 32 {
        super::exception::handle(frame);
    } else {
        irq(frame);
    }
    if from_program && !stays_on_ist(frame.vector) {
        crate::program::exit_to_program(frame);
    }
}

fn irq(frame: &mut TrapFrame) {
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
