//! The Sole kernel: boots by PVH, brings up memory, interrupts and clocks, and
//! (in later issues) runs one Linux program in ring 0.
#![no_std]
#![no_main]
#![allow(unsafe_code)]

mod arch;

use core::panic::PanicInfo;

#[unsafe(no_mangle)]
extern "C" fn kernel_main(start_info: u32, entry_tsc: u64) -> ! {
    let _ = (start_info, entry_tsc);
    arch::serial_write(b"Sole hello\n");
    arch::exit(0)
}

#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    arch::exit(1)
}
