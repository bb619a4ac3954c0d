//! The `sole` host tool as a library: pack a program and its files into an
//! initrd, boot the Sole kernel under QEMU, watch its console, and measure
//! it.
//!
//! The binary (`main.rs`) is a thin shell over these modules; the integration
//! tests (`tests/`) call them directly.

#![deny(unsafe_code)]

pub mod accel;
pub mod bench;
pub mod cache;
pub mod cli;
pub mod console;
pub mod disk;
pub mod image;
pub mod initrd;
pub mod mem_size;
pub mod program;
pub mod qemu;
pub mod run;

/// The kernel ELF built for this version of `sole` (see `build/main.rs`).
pub const KERNEL_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sole-kernel.elf"));
