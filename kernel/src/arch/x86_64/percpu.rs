//! Per-CPU data, reached through the GS base (Intel SDM Vol. 3A, 5.8.8:
//! SWAPGS). While the kernel runs, IA32_GS_BASE points at this CPU's
//! `PerCpu` and IA32_KERNEL_GS_BASE holds the current program thread's GS
//! base; the entry stubs swap the two when they come from or go back to
//! program code. The first words have fixed offsets: the syscall stub uses
//! them before it has a stack.

use super::cpu;
use crate::sched::CpuSched;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicU32, Ordering};

const IA32_GS_BASE: u32 = 0xc000_0101;
const IA32_KERNEL_GS_BASE: u32 = 0xc000_0102;
const IA32_TSC_AUX: u32 = 0xc000_0103;

/// The most CPUs Sole runs on (`--cpus` is at most 255).
pub const MAX_CPUS: usize = 256;

#[repr(C)]
pub struct PerCpu {
    /// %gs:0 — this structure's own address.
    self_ptr: u64,
    /// %gs:8 — the program's RSP while the syscall stub switches stacks.
    pub scratch_rsp: u64,
    /// %gs:16 — the top of the current thread's kernel stack.
    pub kstack_top: u64,
    /// This CPU's number (0 is the boot CPU), and its local APIC's id.
    pub index: u32,
    pub apic_id: u32,
    pub sched: CpuSched,
}

/// Offsets the assembly relies on.
pub const SCRATCH_RSP_OFFSET: usize = 8;
pub const KSTACK_TOP_OFFSET: usize = 16;
const _: () = assert!(core::mem::offset_of!(PerCpu, scratch_rsp) == SCRATCH_RSP_OFFSET);
const _: () = assert!(core::mem::offset_of!(PerCpu, kstack_top) == KSTACK_TOP_OFFSET);

/// How code that runs with the program's GS base (the vDSO's kernel
/// functions) reads this CPU's index: IA32_TSC_AUX holds it, as Linux's
/// vgetcpu reads it, through RDPID or else RDTSCP.
const AUX_NONE: u8 = 0;
const AUX_RDPID: u8 = 1;
const AUX_RDTSCP: u8 = 2;
static AUX_READ: AtomicU8 = AtomicU8::new(AUX_NONE);

static CPUS: [AtomicPtr<PerCpu>; MAX_CPUS] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_CPUS];
static ONLINE: AtomicU32 = AtomicU32::new(0);

/// Makes a `PerCpu` for CPU `index` and points this CPU's GS base at it.
/// The program's GS base starts at 0.
pub fn init(index: u32, apic_id: u32) -> &'static PerCpu {
    let p = Box::leak(Box::new(PerCpu {
        self_ptr: 0,
        scratch_rsp: 0,
        kstack_top: 0,
        index,
        apic_id,
        sched: CpuSched::new(),
    }));
    p.self_ptr = p as *mut PerCpu as u64;
    // SAFETY: GS is the kernel's per-CPU pointer from here on (the program's
    // GS lives in KERNEL_GS_BASE while the kernel runs, see the module);
    // the structure is leaked, so it lives forever.
    unsafe {
        cpu::write_msr(IA32_GS_BASE, p.self_ptr);
        cpu::write_msr(IA32_KERNEL_GS_BASE, 0);
    }
    CPUS[index as usize].store(p, Ordering::Release);
    ONLINE.fetch_max(index + 1, Ordering::AcqRel);
    let aux = if cpu::feature::rdpid() {
        AUX_RDPID
    } else if cpu::feature::rdtscp() {
        AUX_RDTSCP
    } else {
        AUX_NONE
    };
    if aux != AUX_NONE {
        // SAFETY: CPUID says IA32_TSC_AUX exists; only RDPID and RDTSCP
        // read it, and the kernel uses neither for anything else.
        unsafe { cpu::write_msr(IA32_TSC_AUX, u64::from(index)) };
    }
    AUX_READ.store(aux, Ordering::Relaxed);
    p
}

/// This CPU's index read in one instruction from IA32_TSC_AUX, without GS:
/// for code running in the program's context (the vDSO). None when the
/// CPU has neither RDPID nor RDTSCP. The thread may move to another CPU
/// right after, as with getcpu(2).
pub fn index_from_tsc_aux() -> Option<u32> {
    match AUX_READ.load(Ordering::Relaxed) {
        AUX_RDPID => Some(cpu::rdpid() as u32),
        AUX_RDTSCP => Some(cpu::rdtscp_aux()),
        _ => None,
    }
}

/// This CPU's data. Valid from `init` on; the kernel never runs with the
/// program's GS base loaded.
pub fn this() -> &'static PerCpu {
    let p: u64;
    // SAFETY: reads the first word of the per-CPU area through GS, which
    // `init` set up before any caller runs.
    unsafe {
        core::arch::asm!("mov {}, gs:[0]", out(reg) p, options(nostack, readonly, preserves_flags))
    };
    // SAFETY: the pointer was leaked from a Box in `init` and never freed.
    unsafe { &*(p as *const PerCpu) }
}

/// Whether `init` has run on this CPU (the fault path asks before `this`).
pub fn ready() -> bool {
    cpu::read_msr(IA32_GS_BASE) >> 63 == 1
}

/// CPU `index`'s data, if it is online.
pub fn cpu(index: u32) -> Option<&'static PerCpu> {
    let p = CPUS.get(index as usize)?.load(Ordering::Acquire);
    // SAFETY: non-null entries come from `init`'s leaked boxes.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// How many CPUs are online (their indexes are 0..count).
pub fn online() -> u32 {
    ONLINE.load(Ordering::Acquire)
}

/// Every online CPU.
pub fn all() -> impl Iterator<Item = &'static PerCpu> {
    (0..online()).filter_map(cpu)
}

/// The program's GS base while the kernel runs (swapped out to
/// KERNEL_GS_BASE).
pub fn program_gs_base() -> u64 {
    cpu::read_msr(IA32_KERNEL_GS_BASE)
}

pub fn set_program_gs_base(v: u64) {
    // SAFETY: KERNEL_GS_BASE holds the program's GS base while the kernel
    // runs; SWAPGS on the way out makes it the program's GS.
    unsafe { cpu::write_msr(IA32_KERNEL_GS_BASE, v) };
}
