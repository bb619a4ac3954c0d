//! x86-64: boot, CPU tables, interrupts, timers and devices.
core::arch::global_asm!(include_str!("boot.S"), options(att_syntax));

fn outb(port: u16, v: u8) {
    // SAFETY: port I/O to the COM1 and debug-exit ports has no memory effects.
    unsafe { core::arch::asm!("out dx, al", in("dx") port, in("al") v, options(nostack, nomem)) };
}

pub fn serial_write(b: &[u8]) {
    for &c in b {
        outb(0x3f8, c);
    }
}

pub fn exit(code: u8) -> ! {
    outb(0xf4, code);
    loop {
        // SAFETY: halting with interrupts off only stops this CPU.
        unsafe { core::arch::asm!("cli; hlt") };
    }
}
