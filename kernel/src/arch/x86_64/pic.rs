//! The legacy 8259 PICs: remapped away from the exception vectors and fully
//! masked. Interrupts come through the local APIC (and later the I/O APIC).

use super::port::Port;

pub fn disable() {
    // SAFETY: 0x20/0x21 and 0xa0/0xa1 are the two PICs' command and data ports.
    let (cmd1, data1, cmd2, data2) = unsafe {
        (
            Port::<u8>::new(0x20),
            Port::<u8>::new(0x21),
            Port::<u8>::new(0xa0),
            Port::<u8>::new(0xa1),
        )
    };
    // ICW1-4: cascade mode, vectors 0x20-0x2f, 8086 mode; then mask all.
    cmd1.write(0x11);
    cmd2.write(0x11);
    data1.write(0x20);
    data2.write(0x28);
    data1.write(0x04);
    data2.write(0x02);
    data1.write(0x01);
    data2.write(0x01);
    data1.write(0xff);
    data2.write(0xff);
}
