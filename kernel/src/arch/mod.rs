//! Architecture support. Only x86-64 exists; everything hardware-specific lives below.
mod x86_64;
pub use x86_64::*;
