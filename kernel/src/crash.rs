//! Faulting on purpose (`crash=...` on the command line), so tests can check
//! the fault report end to end.

use crate::cmdline::Crash;

/// The address `crash=page-fault` writes to: unmapped, and easy to spot in
/// the report's CR2.
pub const FAULT_ADDRESS: u64 = 0xdead_0000;

#[inline(never)]
pub fn trigger(kind: Crash) -> ! {
    log::warn!("crashing on purpose: {kind:?}");
    match kind {
        // SAFETY: none; this write is meant to fault (nothing is mapped at
        // FAULT_ADDRESS) and the fault handler does not return.
        Crash::PageFault => unsafe { (FAULT_ADDRESS as *mut u64).write_volatile(1) },
        // SAFETY: dividing by zero raises #DE, whose handler does not return.
        Crash::DivideError => unsafe {
            core::arch::asm!("xor edx, edx", "div ecx", in("ecx") 0, inout("eax") 1 => _, out("edx") _)
        },
        // SAFETY: UD2 raises #UD, whose handler does not return.
        Crash::InvalidOpcode => unsafe { core::arch::asm!("ud2") },
        Crash::StackOverflow => {
            recurse(0);
        }
        Crash::Panic => panic!("crash=panic requested on the command line"),
    }
    unreachable!("the {kind:?} crash did not fault")
}

/// Recurses until the stack's guard page stops it.
#[inline(never)]
#[allow(unconditional_recursion, reason = "it is meant to overflow the stack")]
fn recurse(depth: u64) -> u64 {
    let frame = core::hint::black_box([depth; 64]);
    recurse(depth + 1) + frame[depth as usize % 64]
}
