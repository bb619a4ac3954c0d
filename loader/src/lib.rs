//! The ELF loader: parses, validates and plans the mappings of the Linux
//! program the kernel runs, and builds its initial stack (DESIGN.md, `loader/`).
//!
//! - [`elf`]: validate a program and plan its mappings (ET_EXEC, and ET_DYN
//!   placed at a Linux-like base);
//! - [`stack`]: the initial stack (argv, envp, auxv) the program starts with;
//! - [`launch`]: the manifest `sole run` puts in the initrd saying what to run;
//! - [`vdso`]: the vDSO image the kernel maps for every program;
//! - [`symtab`] and [`elf_patch`]: the kernel's own symbol table, written into
//!   its image after linking, for symbolized fault reports.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod elf;
pub mod elf_patch;
pub mod launch;
pub mod stack;
pub mod symtab;
pub mod vdso;
