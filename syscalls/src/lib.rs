//! The Linux personality: what a Linux x86-64 program sees when it makes a
//! system call (DESIGN.md, `syscalls/`). It reaches the machine only through
//! the kernel's Platform traits, so its semantics are tested on the host.
//!
//! For now it holds the ABI's vocabulary: error numbers ([`errno`]) and
//! system call numbers ([`nr`]). Dispatch comes in a later issue.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod errno;
pub mod nr;

pub use errno::Errno;
