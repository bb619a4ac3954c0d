//! Faults in program code become signals for the faulting thread, as
//! Linux's trap handlers raise them (arch/x86/kernel/traps.c): the signal,
//! its si_code and address, and the trap number, error code and CR2 for
//! the signal frame's sigcontext. If the signal kills the process, the
//! report is Linux's: the one-line `segfault at ...` (or `trap ...`) with
//! the code bytes around RIP and the registers, then how it died; the VM
//! exits with 128 + the signal number.

use crate::arch::idt::TrapFrame;
use crate::arch::serial::RawConsole;
use crate::sched;
use core::fmt::Write;
use spin::Once;
use syscalls::platform::Platform;
use syscalls::process::ExitStatus;
use syscalls::signal::generate::force_fault;
use syscalls::signal::{
    BUS_ADRALN, FPE_FLTDIV, FPE_FLTINV, FPE_FLTOVF, FPE_FLTRES, FPE_FLTUND, FPE_INTDIV, FaultInfo,
    ILL_ILLOPN, SI_KERNEL, SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGTRAP, SigInfo, TRAP_TRACE,
};

/// The program's name (argv[0]'s last component, as Linux's comm) and where
/// its image lies, for the report.
pub struct Identity {
    pub name: alloc::string::String,
    pub image_start: u64,
    pub image_end: u64,
}

pub static IDENTITY: Once<Identity> = Once::new();

/// The signal, si_code and si_addr for a CPU exception in program code;
/// `page` is what a page fault raises (SIGSEGV or, past the end of a
/// mapped file, SIGBUS) with its si_code.
fn classify(frame: &TrapFrame, cr2: u64, page: (usize, i32)) -> (usize, i32, u64) {
    let rip = frame.rip;
    match frame.vector {
        0 => (SIGFPE, FPE_INTDIV, rip),
        1 => (SIGTRAP, TRAP_TRACE, rip),
        3 => (SIGTRAP, SI_KERNEL, 0),
        6 => (SIGILL, ILL_ILLOPN, rip),
        11 | 12 => (SIGBUS, SI_KERNEL, 0),
        14 => (page.0, page.1, cr2),
        16 | 19 => (SIGFPE, simd_fpe_code(), rip),
        17 => (SIGBUS, BUS_ADRALN, cr2),
        _ => (SIGSEGV, SI_KERNEL, 0),
    }
}

/// The SIGFPE code for an SSE exception, from MXCSR's unmasked flags
/// (Linux's fpu__exception_code).
fn simd_fpe_code() -> i32 {
    let mut mxcsr: u32 = 0;
    // SAFETY: STMXCSR only stores the (program's) MXCSR into a local.
    unsafe { core::arch::asm!("stmxcsr [{}]", in(reg) &mut mxcsr, options(nostack)) };
    let flags = mxcsr & !(mxcsr >> 7) & 0x3f;
    if flags & 0x01 != 0 {
        FPE_FLTINV
    } else if flags & 0x04 != 0 {
        FPE_FLTDIV
    } else if flags & 0x08 != 0 {
        FPE_FLTOVF
    } else if flags & 0x12 != 0 {
        FPE_FLTUND
    } else if flags & 0x20 != 0 {
        FPE_FLTRES
    } else {
        0
    }
}

/// An exception in program code: the faulting thread gets its signal,
/// delivered (or fatal) on the way back to the program.
pub fn program_exception(frame: &TrapFrame, cr2: u64, page: (usize, i32)) {
    let (Some(process), Some(t)) = (super::process(), sched::current().linux()) else {
        return;
    };
    let (sig, code, addr) = classify(frame, cr2, page);
    let page_fault = frame.vector == 14;
    let fault = FaultInfo {
        trapno: frame.vector,
        // Linux's page-fault error code has the user bit (4) set for
        // faults in programs; ours run in ring 0.
        error_code: if page_fault {
            frame.error_code | 4
        } else {
            frame.error_code
        },
        cr2: if page_fault { cr2 } else { 0 },
    };
    force_fault(process, t.tid, SigInfo::fault(sig, code, addr), fault);
}

/// The program touched memory it may use, and no frame is left: as Linux's
/// OOM killer, end it with SIGKILL and say why.
pub fn out_of_memory(addr: u64) -> ! {
    let name = IDENTITY.get().map_or("program", |i| i.name.as_str());
    let total = super::platform().map_or(0, |p| p.total_ram >> 20);
    let _ = writeln!(
        RawConsole,
        "\nOut of memory: {name}[1] needed a page at {addr:#x} and none is left \
         ({total} MiB of RAM; give the VM more with --mem)"
    );
    super::end(
        ExitStatus::Signal {
            sig: SIGKILL as u8,
            core: false,
        },
        None,
        None,
    )
}

/// What the console shows when a signal kills the process.
pub fn report_fatal(sig: usize, info: Option<SigInfo>, regs: Option<&TrapFrame>) {
    let mut out = RawConsole;
    let id = IDENTITY.get();
    let name = id.map_or("program", |i| i.name.as_str());
    let tid = sched::try_current()
        .and_then(|t| t.linux().map(|l| l.tid))
        .unwrap_or(1);
    // A fault the kernel raised (not one sent with kill) gets Linux's
    // unhandled-signal report.
    let fault = info.filter(|i| i.code > 0 || i.code == SI_KERNEL);
    if let (Some(info), Some(f)) = (fault, regs)
        && matches!(sig, SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP)
    {
        let err = super::process()
            .and_then(|p| p.signals.lock().thread(tid).map(|t| t.fault))
            .unwrap_or_default();
        let _ = writeln!(out);
        if err.trapno == 14 {
            let _ = write!(
                out,
                "{name}[{tid}]: segfault at {:x} ip {:016x} sp {:016x} error {:x}",
                info.addr(),
                f.rip,
                f.rsp,
                err.error_code
            );
        } else {
            let _ = write!(
                out,
                "{name}[{tid}]: trap {} ip:{:x} sp:{:x} error:{:x}",
                trap_name(err.trapno),
                f.rip,
                f.rsp,
                err.error_code
            );
        }
        match id {
            Some(i) if (i.image_start..i.image_end).contains(&f.rip) => {
                let _ = writeln!(
                    out,
                    " in {name}[{:x}+{:x}]",
                    i.image_start,
                    i.image_end - i.image_start
                );
            }
            _ => {
                let _ = writeln!(out);
            }
        }
        print_code(&mut out, f.rip);
        print_registers(&mut out, f);
    } else {
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "sole: {name} killed by {} (signal {sig})",
        syscalls::signal::name(sig)
    );
}

fn print_registers(out: &mut RawConsole, f: &TrapFrame) {
    let _ = writeln!(
        out,
        "RIP: {:016x} RSP: {:016x} EFLAGS: {:08x}",
        f.rip, f.rsp, f.rflags
    );
    let _ = writeln!(
        out,
        "RAX: {:016x} RBX: {:016x} RCX: {:016x}",
        f.rax, f.rbx, f.rcx
    );
    let _ = writeln!(
        out,
        "RDX: {:016x} RSI: {:016x} RDI: {:016x}",
        f.rdx, f.rsi, f.rdi
    );
    let _ = writeln!(
        out,
        "RBP: {:016x} R08: {:016x} R09: {:016x}",
        f.rbp, f.r8, f.r9
    );
    let _ = writeln!(
        out,
        "R10: {:016x} R11: {:016x} R12: {:016x}",
        f.r10, f.r11, f.r12
    );
    let _ = writeln!(
        out,
        "R13: {:016x} R14: {:016x} R15: {:016x}",
        f.r13, f.r14, f.r15
    );
}

fn trap_name(vector: u64) -> &'static str {
    match vector {
        0 => "divide error",
        3 => "int3",
        6 => "invalid opcode",
        13 => "general protection",
        17 => "alignment check",
        19 => "SIMD floating point",
        _ => "exception",
    }
}

/// Linux's `Code:` line: bytes around RIP with the faulting one in `<>`.
fn print_code(out: &mut RawConsole, rip: u64) {
    const BEFORE: u64 = 21;
    const AFTER: u64 = 21;
    let Some(p) = super::platform() else { return };
    let mut bytes = [0u8; (BEFORE + AFTER) as usize];
    let start = rip.saturating_sub(BEFORE);
    // Only read pages that are present: reading must not fault in pages
    // (or fail) while the process is being reported.
    let space = crate::mm::paging::AddressSpace::current();
    let present = |a: u64| {
        space
            .flags(a)
            .is_some_and(|f| f & crate::mm::paging::PRESENT != 0)
    };
    if !present(start)
        || !present(start + BEFORE + AFTER - 1)
        || p.read_user(start, &mut bytes).is_err()
    {
        let _ = writeln!(out, "Code: Unable to access opcode bytes at {rip:#x}.");
        return;
    }
    let _ = write!(out, "Code:");
    for (i, b) in bytes.iter().enumerate() {
        if start + i as u64 == rip {
            let _ = write!(out, " <{b:02x}>");
        } else {
            let _ = write!(out, " {b:02x}");
        }
    }
    let _ = writeln!(out);
}
