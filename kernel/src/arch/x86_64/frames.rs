//! Walking the frame-pointer chain (the kernel is built with
//! `-C force-frame-pointers=yes`): each frame holds the caller's RBP at
//! `[rbp]` and the return address at `[rbp + 8]`.

use crate::mm::paging::AddressSpace;

const MAX_FRAMES: usize = 32;

/// Calls `visit` with each return address up the stack from `rbp`. Stops at a
/// null, misaligned or unmapped frame pointer, so a corrupt stack ends the
/// walk instead of faulting again.
pub fn walk(mut rbp: u64, mut visit: impl FnMut(u64)) {
    let space = AddressSpace::current();
    for _ in 0..MAX_FRAMES {
        let readable = |a: u64| space.translate(a).is_some();
        if rbp == 0 || !rbp.is_multiple_of(8) || !readable(rbp) || !readable(rbp + 8) {
            return;
        }
        // SAFETY: both words were checked to be mapped; the stack is only read.
        let (next, ret) = unsafe {
            (
                (rbp as *const u64).read_volatile(),
                ((rbp + 8) as *const u64).read_volatile(),
            )
        };
        if ret == 0 {
            return;
        }
        visit(ret);
        if next <= rbp {
            return; // stacks grow down: the caller's frame is above ours
        }
        rbp = next;
    }
}

/// The current frame pointer.
pub fn current_rbp() -> u64 {
    let rbp;
    // SAFETY: reading RBP has no side effects.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack)) };
    rbp
}
