//! CPU exceptions. A page fault in program memory may be demand paging;
//! one in a user-memory copy ends the copy. In program code an exception
//! becomes a signal for the faulting thread (`program::fault`). In the
//! kernel it is fatal: report everything a developer needs (vector, error
//! code, RIP, CR2, every register, a symbolized backtrace) and power off
//! with `KERNEL_FAILURE_STATUS`.

use super::cpu;
use super::idt::{TrapFrame, vector};
use super::serial::RawConsole;
use core::fmt::Write;
use syscalls::mm::Access;

const NAMES: [(&str, &str); 32] = [
    ("#DE", "divide error"),
    ("#DB", "debug"),
    ("NMI", "non-maskable interrupt"),
    ("#BP", "breakpoint"),
    ("#OF", "overflow"),
    ("#BR", "bound range exceeded"),
    ("#UD", "invalid opcode"),
    ("#NM", "device not available"),
    ("#DF", "double fault"),
    ("--", "coprocessor segment overrun"),
    ("#TS", "invalid TSS"),
    ("#NP", "segment not present"),
    ("#SS", "stack-segment fault"),
    ("#GP", "general protection fault"),
    ("#PF", "page fault"),
    ("--", "reserved"),
    ("#MF", "x87 floating-point error"),
    ("#AC", "alignment check"),
    ("#MC", "machine check"),
    ("#XM", "SIMD floating-point exception"),
    ("#VE", "virtualization exception"),
    ("#CP", "control protection exception"),
    ("--", "reserved"),
    ("--", "reserved"),
    ("--", "reserved"),
    ("--", "reserved"),
    ("--", "reserved"),
    ("--", "reserved"),
    ("#HV", "hypervisor injection exception"),
    ("#VC", "VMM communication exception"),
    ("#SX", "security exception"),
    ("--", "reserved"),
];

pub fn handle(frame: &mut TrapFrame) {
    let cr2 = cpu::read_cr2();
    let in_program = |addr: u64| addr < syscalls::user::USER_END;
    use syscalls::signal::{BUS_ADRERR, SIGBUS, SIGSEGV};
    let mut page_signal = (SIGSEGV, syscalls::mm::SEGV_MAPERR);
    if frame.vector == vector::PAGE_FAULT {
        let access = if frame.error_code & 16 != 0 {
            Access::Execute
        } else if frame.error_code & 2 != 0 {
            Access::Write
        } else {
            Access::Read
        };
        // Demand paging of program memory, whoever touched it. It takes
        // locks, so interrupts come back on if the faulting code had them
        // (a TLB shootdown waits for this CPU meanwhile).
        if in_program(cr2) {
            if frame.rflags & (1 << 9) != 0 && super::percpu::ready() {
                cpu::interrupts_enable();
            }
            match crate::program::resolve_fault(cr2, access) {
                crate::program::Demand::Mapped => return,
                crate::program::Demand::OutOfMemory => crate::program::fault::out_of_memory(cr2),
                crate::program::Demand::Fault(code) => page_signal = (SIGSEGV, code),
                crate::program::Demand::PastEndOfFile => page_signal = (SIGBUS, BUS_ADRERR),
            }
        }
        // A copy to or from program memory that hit a hole: fail the copy.
        if let Some(fixup) = super::syscall::copy_fixup(frame.rip) {
            frame.rip = fixup;
            return;
        }
    }
    if in_program(frame.rip) && crate::sched::try_current().is_some_and(|t| t.is_program()) {
        crate::program::fault::program_exception(frame, cr2, page_signal);
        return;
    }
    cpu::interrupts_disable();
    let mut out = RawConsole;
    let (mnemonic, name) = NAMES[frame.vector as usize & 31];
    let _ = write!(
        out,
        "\nKERNEL FAULT: {mnemonic} {name} (vector {}), error code {:#x}",
        frame.vector, frame.error_code
    );
    if frame.vector == vector::PAGE_FAULT {
        let e = frame.error_code;
        let _ = write!(
            out,
            " [{} {}{}{}]",
            if e & 2 != 0 { "write," } else { "read," },
            if e & 1 != 0 {
                "protection violation"
            } else {
                "page not present"
            },
            if e & 16 != 0 {
                ", instruction fetch"
            } else {
                ""
            },
            if e & 8 != 0 { ", reserved bit set" } else { "" },
        );
    }
    let _ = writeln!(out);
    if frame.vector == vector::PAGE_FAULT
        && (super::stack_guard_pages().any(|g| (g..g + crate::mm::PAGE_SIZE).contains(&cr2))
            || crate::mm::kstack::is_guard(cr2))
    {
        let _ = writeln!(
            out,
            "stack overflow: CR2 is in the guard page below a kernel stack"
        );
    }
    print_registers(&mut out, frame, cr2);
    crate::backtrace::print(&mut out, frame.rip, frame.rbp);
    super::power::exit(super::power::KERNEL_FAILURE_STATUS);
}

fn print_registers(out: &mut RawConsole, f: &TrapFrame, cr2: u64) {
    let _ = writeln!(
        out,
        "RIP={:#018x} CR2={:#018x} RFLAGS={:#018x}",
        f.rip, cr2, f.rflags
    );
    let rows: [[(&str, u64); 4]; 5] = [
        [
            ("RAX", f.rax),
            ("RBX", f.rbx),
            ("RCX", f.rcx),
            ("RDX", f.rdx),
        ],
        [
            ("RSI", f.rsi),
            ("RDI", f.rdi),
            ("RBP", f.rbp),
            ("RSP", f.rsp),
        ],
        [("R8 ", f.r8), ("R9 ", f.r9), ("R10", f.r10), ("R11", f.r11)],
        [
            ("R12", f.r12),
            ("R13", f.r13),
            ("R14", f.r14),
            ("R15", f.r15),
        ],
        [
            ("CS ", f.cs),
            ("SS ", f.ss),
            ("CR0", cpu::read_cr0()),
            ("CR3", cpu::read_cr3()),
        ],
    ];
    for row in rows {
        for (i, (name, v)) in row.iter().enumerate() {
            let sep = if i == 3 { "\n" } else { " " };
            let _ = write!(out, "{name}={v:#018x}{sep}");
        }
    }
    let _ = writeln!(out, "CR4={:#018x}", cpu::read_cr4());
}
