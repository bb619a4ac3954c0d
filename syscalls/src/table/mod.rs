//! The syscall table: for each number, its name, how to show its arguments
//! (`--strace`) and its handler. Handlers live one per file in `sys/` and
//! take typed parameters; the closures here decode the registers.

mod fs;
mod process;

use crate::SysResult;
use crate::dispatch::{Args, Ctx};

/// How `--strace` shows an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    Int,
    Uint,
    Hex,
    Oct,
    Fd,
    Ptr,
    /// A NUL-terminated string.
    Str,
    /// A buffer the call reads, whose length is argument N.
    InBuf(usize),
    /// A buffer the call fills, whose length is argument N.
    OutBuf(usize),
}

pub type Handler = fn(&mut Ctx<'_>, &Args) -> SysResult;

#[derive(Clone, Copy)]
pub struct Entry {
    pub name: &'static str,
    pub args: &'static [Arg],
    pub handler: Handler,
    /// Show the result in hex (addresses: mmap, brk).
    pub hex_result: bool,
}

/// Declares a table: `NR => "name" [args] handler;` (append `, hex` to show
/// the result in hex).
macro_rules! syscall_table {
    ($($nr:ident => $name:literal [$($arg:expr),*] $handler:expr $(, $hex:ident)?;)*) => {
        pub(super) fn lookup(nr: usize) -> Option<super::Entry> {
            #[allow(unused_imports)]
            use super::Arg::*;
            match nr {
                $(crate::nr::$nr => Some(super::Entry {
                    name: $name,
                    args: &[$($arg),*],
                    handler: $handler,
                    hex_result: super::syscall_table!(@hex $($hex)?),
                }),)*
                _ => None,
            }
        }
    };
    (@hex hex) => { true };
    (@hex) => { false };
}
pub(crate) use syscall_table;

pub fn lookup(nr: usize) -> Option<Entry> {
    process::lookup(nr).or_else(|| fs::lookup(nr))
}
