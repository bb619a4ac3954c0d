//! A program that faults dies the way it would on Linux without a handler
//! (signal delivery comes in the signals issue): the kernel prints Linux's
//! one-line report (`segfault at ADDR ip IP sp SP error N in NAME[BASE+LEN]`),
//! the registers and the code bytes around RIP, and the VM exits with
//! 128 + the signal number.

use crate::arch::idt::TrapFrame;
use crate::arch::power;
use crate::arch::serial::RawConsole;
use core::fmt::Write;
use spin::Once;
use syscalls::platform::Platform;

pub const SIGILL: u8 = 4;
pub const SIGTRAP: u8 = 5;
pub const SIGBUS: u8 = 7;
pub const SIGFPE: u8 = 8;
pub const SIGSEGV: u8 = 11;

/// The program's name (argv[0]'s last component, as Linux's comm) and where
/// its image lies, for the report.
pub struct Identity {
    pub name: alloc::string::String,
    pub image_start: u64,
    pub image_end: u64,
}

pub static IDENTITY: Once<Identity> = Once::new();

fn signal_name(sig: u8) -> &'static str {
    match sig {
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        _ => "SIGSEGV",
    }
}

/// Which signal a CPU exception in program code raises (Linux's traps.c).
pub fn signal_for(vector: u64) -> u8 {
    match vector {
        0 | 16 | 19 => SIGFPE, // #DE, #MF, #XM
        1 | 3 => SIGTRAP,      // #DB, #BP
        6 => SIGILL,           // #UD
        17 => SIGBUS,          // #AC
        _ => SIGSEGV,          // #GP, #SS, #PF, #NP...
    }
}

pub const SIGKILL: u8 = 9;

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
    let _ = writeln!(RawConsole, "sole: {name} killed by SIGKILL (signal 9)");
    power::exit(128 + SIGKILL)
}

pub fn kill(frame: &TrapFrame, cr2: u64) -> ! {
    let sig = signal_for(frame.vector);
    let mut out = RawConsole;
    let id = IDENTITY.get();
    let name = id.map_or("program", |i| i.name.as_str());
    let _ = writeln!(out);
    if frame.vector == 14 {
        // Linux's error code has the user bit (4) set for faults in programs;
        // ours run in ring 0, so add it to read like Linux's.
        let _ = write!(
            out,
            "{name}[1]: segfault at {cr2:x} ip {:016x} sp {:016x} error {:x}",
            frame.rip,
            frame.rsp,
            frame.error_code | 4
        );
    } else {
        let _ = write!(
            out,
            "{name}[1]: trap {} ip:{:x} sp:{:x} error:{:x}",
            trap_name(frame.vector),
            frame.rip,
            frame.rsp,
            frame.error_code
        );
    }
    match id {
        Some(i) if (i.image_start..i.image_end).contains(&frame.rip) => {
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
    print_code(&mut out, frame.rip);
    let f = frame;
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
    let _ = writeln!(
        out,
        "sole: {name} killed by {} (signal {sig})",
        signal_name(sig)
    );
    power::exit(128 + sig)
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
    // Only read pages that are present: a fault here would land on the IST
    // stack this handler is running on.
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
