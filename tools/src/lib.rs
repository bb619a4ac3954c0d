//! The `sole` host tool as a library: boot images under QEMU, inspect them.

/// The kernel ELF built for this version of `sole` (see `build/main.rs`).
pub const KERNEL_ELF: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sole-kernel.elf"));
