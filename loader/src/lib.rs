//! The ELF loader: parses, validates and plans the mappings of the Linux
//! program the kernel runs, and builds its initial stack (DESIGN.md, `loader/`).
//!
//! For now it holds the pieces the kernel image itself needs: the kernel
//! symbol table format ([`symtab`]) and the post-link step that places that
//! table in the kernel ELF ([`elf_patch`]). The program loader comes in a later
//! issue.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod elf_patch;
pub mod symtab;
