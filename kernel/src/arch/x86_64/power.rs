//! Leaving the VM with an exit status the host can see.
//!
//! The last console line is always `[sole-exit N]` (`sole run` reads the
//! status from it), or `[sole-exit N +nl]` when the kernel had to end the
//! program's last line for it. Then, in order:
//! 1. isa-debug-exit at port 0xf4 (QEMU; `sole run` adds the device on both
//!    q35 and microvm): QEMU exits with `(N << 1) | 1`.
//! 2. Where the machine has no such device (Firecracker, Cloud Hypervisor,
//!    QEMU without it), a keyboard-controller reset (port 0x64, command 0xfe),
//!    which those VMMs and `qemu -no-reboot` treat as the VM stopping; the
//!    console line then carries the status.
//! 3. If even that does nothing, a triple fault (an empty IDT and `int3`).

use super::cpu;
use super::port::Port;
use super::serial::RawConsole;
use core::fmt::Write;

/// The status the kernel reports when it faults or panics.
pub const KERNEL_FAILURE_STATUS: u8 = 125;

pub fn exit(status: u8) -> ! {
    cpu::interrupts_disable();
    if super::serial::at_line_start() {
        let _ = writeln!(RawConsole, "[sole-exit {status}]");
    } else {
        // The newline is ours, not the program's: say so.
        let _ = writeln!(RawConsole, "\n[sole-exit {status} +nl]");
    }
    // SAFETY: 0xf4 is isa-debug-exit where present and unused otherwise;
    // 0x64 is the i8042 command port, whose 0xfe command resets the machine.
    let (debug_exit, i8042) = unsafe { (Port::<u32>::new(0xf4), Port::<u8>::new(0x64)) };
    debug_exit.write(u32::from(status));
    i8042.write(0xfe);
    #[repr(C, packed(2))]
    struct Pointer {
        limit: u16,
        base: u64,
    }
    let empty = Pointer { limit: 0, base: 0 };
    // SAFETY: we are leaving: an empty IDT turns the breakpoint into a triple
    // fault, which resets (stops, with -no-reboot) the VM.
    unsafe { core::arch::asm!("lidt [{}]", "int3", in(reg) &empty) };
    cpu::halt_forever()
}
