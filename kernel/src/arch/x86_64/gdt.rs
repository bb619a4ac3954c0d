//! The GDT and TSS. Long mode ignores segmentation except for CS's privilege
//! level and the TSS, whose job here is the Interrupt Stack Table: every
//! interrupt and exception switches to a known-good stack, because program
//! code runs in ring 0 and uses the red zone below its RSP (DESIGN.md
//! "Memory"), so the CPU must never push a frame onto the interrupted stack.

use core::arch::asm;
use core::mem::size_of;

pub const KERNEL_CODE: u16 = 0x08;
pub const KERNEL_DATA: u16 = 0x10;
const TSS_SELECTOR: u16 = 0x18;

/// IST slots (1-based, as the IDT names them). Classes that may nest get
/// separate stacks, so a fault inside an interrupt handler does not overwrite
/// the frame of the interrupt it interrupted.
pub mod ist {
    pub const EXCEPTION: u8 = 1;
    pub const PAGE_FAULT: u8 = 2;
    pub const DOUBLE_FAULT: u8 = 3;
    pub const NMI: u8 = 4;
    pub const MACHINE_CHECK: u8 = 5;
    pub const IRQ: u8 = 6;
    pub const COUNT: usize = 6;
}

const IST_STACK_SIZE: usize = 16 * 1024;

#[repr(C, packed(4))]
struct Tss {
    _reserved0: u32,
    rsp: [u64; 3],
    _reserved1: u64,
    ist: [u64; 7],
    _reserved2: u64,
    _reserved3: u16,
    iomap_base: u16,
}

/// A stack with an unmapped page below it (see `guard_pages`).
#[repr(C, align(4096))]
struct GuardedStack {
    guard: [u8; 4096],
    stack: [u8; IST_STACK_SIZE],
}

/// One CPU's tables: the boot CPU's are static, the others' are allocated
/// when they start.
struct CpuTables {
    gdt: [u64; 5],
    tss: Tss,
}

impl CpuTables {
    /// Empty tables (`load` fills the GDT; the IST slots come first).
    const EMPTY: CpuTables = CpuTables {
        gdt: [0; 5],
        tss: Tss {
            _reserved0: 0,
            rsp: [0; 3],
            _reserved1: 0,
            ist: [0; 7],
            _reserved2: 0,
            _reserved3: 0,
            iomap_base: size_of::<Tss>() as u16,
        },
    };
}

static mut BSP_TABLES: CpuTables = CpuTables::EMPTY;
static mut BSP_IST_STACKS: [GuardedStack; ist::COUNT] = [const {
    GuardedStack {
        guard: [0; 4096],
        stack: [0; IST_STACK_SIZE],
    }
}; ist::COUNT];

/// The guard page of each IST stack, for `mm` to unmap.
pub fn guard_pages() -> [u64; ist::COUNT] {
    let base = &raw const BSP_IST_STACKS as u64;
    core::array::from_fn(|i| base + (i * size_of::<GuardedStack>()) as u64)
}

#[repr(C, packed(2))]
struct DescriptorPointer {
    limit: u16,
    base: u64,
}

/// Loads the boot CPU's GDT and TSS and reloads every segment register.
pub fn init_bsp() {
    // SAFETY: called once, on the boot CPU, before interrupts are enabled;
    // nothing else references these statics until they are loaded.
    let tables = unsafe { &mut *core::ptr::addr_of_mut!(BSP_TABLES) };
    // SAFETY: as above; the stacks are only ever used by the CPU through the TSS.
    let stacks = unsafe { &mut *core::ptr::addr_of_mut!(BSP_IST_STACKS) };
    for (i, s) in stacks.iter_mut().enumerate() {
        tables.tss.ist[i] = s.stack.as_mut_ptr() as u64 + IST_STACK_SIZE as u64;
    }
    load(tables);
}

/// Gives an application processor its own GDT, TSS and IST stacks (each
/// guarded) and loads them. False if memory is out.
pub fn init_ap() -> bool {
    let tables = alloc::boxed::Box::leak(alloc::boxed::Box::new(CpuTables::EMPTY));
    for i in 0..ist::COUNT {
        let Some(stack) = crate::mm::kstack::KernelStack::new(IST_STACK_SIZE as u64) else {
            return false;
        };
        tables.tss.ist[i] = stack.top();
        // The CPU uses it for as long as the machine runs.
        core::mem::forget(stack);
    }
    load(tables);
    true
}

fn load(tables: &'static mut CpuTables) {
    let tss_base = &raw const tables.tss as u64;
    let tss_limit = (size_of::<Tss>() - 1) as u64;
    tables.gdt = [
        0,
        0x00af_9a00_0000_ffff, // 64-bit code, DPL 0
        0x00cf_9200_0000_ffff, // data, DPL 0
        // 64-bit available TSS (type 9), present; base split over two slots.
        (tss_limit & 0xffff)
            | ((tss_base & 0xff_ffff) << 16)
            | (0x89 << 40)
            | (((tss_limit >> 16) & 0xf) << 48)
            | (((tss_base >> 24) & 0xff) << 56),
        tss_base >> 32,
    ];
    let ptr = DescriptorPointer {
        limit: (size_of::<[u64; 5]>() - 1) as u16,
        base: tables.gdt.as_ptr() as u64,
    };
    // SAFETY: the GDT keeps the boot GDT's code/data selectors, so reloading
    // CS (far return) and the data segments changes nothing but the table's
    // address; the TSS descriptor points at a TSS that lives forever.
    unsafe {
        asm!(
            "lgdt [{ptr}]",
            "push {code}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ds, {data:x}",
            "mov es, {data:x}",
            "mov ss, {data:x}",
            "ltr {tss:x}",
            ptr = in(reg) &ptr,
            code = in(reg) u64::from(KERNEL_CODE),
            data = in(reg) u32::from(KERNEL_DATA),
            tss = in(reg) u32::from(TSS_SELECTOR),
            tmp = out(reg) _,
        );
    }
}
