//! The Linux personality: what a Linux x86-64 program sees when it makes a
//! system call (DESIGN.md, `syscalls/`). It reaches the machine only through
//! the [`Platform`] trait, so its semantics are tested on the host.
//!
//! [`dispatch`] is the entry point: the kernel's syscall stub calls it with
//! the process, the calling thread, the platform and the thread's saved
//! registers. [`signal::deliver::deliver`] runs before each return to the
//! program, and [`timers::expire`] when a timer the personality armed
//! fires.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod abi;
pub mod dispatch;
pub mod errno;
pub mod error;
pub mod fs;
pub mod futex;
pub mod mm;
pub mod nr;
pub mod platform;
pub mod process;
pub mod regs;
pub mod signal;
pub mod stats;
pub mod sys;
pub mod table;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod thread;
pub mod timers;
pub mod user;
pub mod wait;

pub use dispatch::{Ctx, Outcome, dispatch};
pub use errno::Errno;
pub use error::{Error, SysResult};
pub use platform::Platform;
