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
    /// A path the call looks up (a NUL-terminated string; `--trace-missing`
    /// reports the first one of a call that fails with ENOENT).
    Path,
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
        pub(super) const ENTRIES: &[(usize, super::Entry)] = {
            #[allow(unused_imports)]
            use super::Arg::*;
            &[$((crate::nr::$nr, super::Entry {
                name: $name,
                args: &[$($arg),*],
                handler: $handler,
                hex_result: super::syscall_table!(@hex $($hex)?),
            }),)*]
        };
    };
    (@hex hex) => { true };
    (@hex) => { false };
}
pub(crate) use syscall_table;

/// Syscall numbers the table covers (the highest Linux number is below).
const SLOTS: usize = 512;

/// Every entry at its number: one index per call, no search.
static TABLE: [Option<Entry>; SLOTS] = build();

const fn build() -> [Option<Entry>; SLOTS] {
    let mut table = [None; SLOTS];
    let groups: [&[(usize, Entry)]; 2] = [process::ENTRIES, fs::ENTRIES];
    let mut g = 0;
    while g < groups.len() {
        let mut i = 0;
        while i < groups[g].len() {
            let (nr, entry) = groups[g][i];
            assert!(nr < SLOTS, "a syscall number beyond the table");
            assert!(table[nr].is_none(), "a syscall listed twice");
            table[nr] = Some(entry);
            i += 1;
        }
        g += 1;
    }
    table
}

pub fn lookup(nr: usize) -> Option<&'static Entry> {
    TABLE.get(nr)?.as_ref()
}
