//! The initial process stack: argc, argv, envp and the auxiliary vector, laid
//! out as the x86-64 psABI ("Initial Stack and Register State", section 3.4.1)
//! specifies and as Linux builds it (`fs/exec.c` copies the strings,
//! `fs/binfmt_elf.c` `create_elf_tables` writes the rest).
//!
//! From `sp` upward:
//!
//! ```text
//! sp         argc
//!            argv[0] .. argv[argc - 1], NULL
//!            envp[0] .. envp[envc - 1], NULL
//!            auxv (type, value) pairs, ending with AT_NULL
//!            padding (sp is 16-byte aligned)
//!            16 AT_RANDOM bytes
//!            "x86_64\0" (AT_PLATFORM)
//!            padding (to 16 bytes)
//!            argv strings, envp strings, execfn (AT_EXECFN), each NUL-ended
//!            8 zero bytes
//! stack_top
//! ```

use crate::elf::{LoadPlan, PAGE_SIZE};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

mod auxv;

pub use auxv::*;

/// Longest single argument or environment string, NUL included (Linux
/// MAX_ARG_STRLEN: 32 pages).
pub const MAX_ARG_STRLEN: u64 = 32 * PAGE_SIZE;

/// Most bytes the strings and the argv/envp pointers may take together:
/// Linux allows a quarter of the stack limit, 2 MiB under the usual 8 MiB
/// `RLIMIT_STACK` (`bprm_stack_limits`). Beyond it `execve` fails with E2BIG.
pub const MAX_ARG_BYTES: u64 = 2 << 20;

/// The `AT_PLATFORM` string on x86-64 (Linux ELF_PLATFORM).
pub const PLATFORM: &[u8] = b"x86_64";

/// What the auxiliary vector and the argument area carry besides what the
/// load plan says.
#[derive(Clone, Copy, Debug)]
pub struct AuxParams<'a> {
    /// Arguments, without NULs. An empty list becomes `[""]`, as Linux (since
    /// 5.18) does, so `argv[0]` is never NULL.
    pub argv: &'a [&'a [u8]],
    /// Environment strings ("NAME=value"), without NULs.
    pub envp: &'a [&'a [u8]],
    /// The path the program was executed by (`AT_EXECFN`).
    pub execfn: &'a [u8],
    /// `AT_RANDOM`: 16 bytes of real entropy (the C library's stack
    /// protector and pointer guard come from them).
    pub random: [u8; 16],
    pub hwcap: u64,
    pub hwcap2: u64,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    /// `AT_SECURE`: the C library should distrust the environment.
    pub secure: bool,
    /// `AT_CLKTCK`: the `times()` clock rate (Linux: USER_HZ, 100).
    pub clktck: u64,
    /// `AT_MINSIGSTKSZ`: the smallest signal stack, which depends on the
    /// CPU's XSAVE area size.
    pub minsigstksz: u64,
    /// `AT_BASE`: where the interpreter was loaded; `None` gives 0.
    pub interp_base: Option<u64>,
    /// `AT_SYSINFO_EHDR`: the vDSO's ELF header; `None` leaves it out.
    pub sysinfo_ehdr: Option<u64>,
}

/// The memory image of the initial stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialStack {
    /// The stack pointer at the program's entry, 16-byte aligned; it points
    /// at argc.
    pub sp: u64,
    /// The bytes of `[sp, stack_top)`.
    pub bytes: Vec<u8>,
    /// Where the argument strings lie, `[arg_start, arg_end)` (Linux
    /// `mm->arg_start`, what `/proc/self/cmdline` shows).
    pub arg_start: u64,
    pub arg_end: u64,
    /// Where the environment strings lie (`/proc/self/environ`).
    pub env_start: u64,
    pub env_end: u64,
    /// The auxiliary vector as written, AT_NULL included (what
    /// `/proc/self/auxv` shows).
    pub auxv: Vec<(u64, u64)>,
}

/// Which string a [`StackError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringKind {
    Arg,
    Env,
    ExecFn,
}

/// Why [`build`] could not lay out a stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackError {
    /// A string contains a NUL byte, which would cut it short.
    ContainsNul { kind: StringKind, index: usize },
    /// A string exceeds [`MAX_ARG_STRLEN`] (E2BIG).
    StringTooLong {
        kind: StringKind,
        index: usize,
        len: usize,
    },
    /// Strings and pointers together exceed [`MAX_ARG_BYTES`] (E2BIG).
    TooLarge { bytes: u64 },
    /// The stack image does not fit below `stack_top`.
    TopTooLow { stack_top: u64 },
}

impl fmt::Display for StringKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Arg => "argv",
            Self::Env => "envp",
            Self::ExecFn => "execfn",
        })
    }
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::ContainsNul {
                kind: StringKind::ExecFn,
                ..
            } => write!(f, "execfn contains a NUL byte"),
            Self::ContainsNul { kind, index } => {
                write!(f, "{kind}[{index}] contains a NUL byte")
            }
            Self::StringTooLong {
                kind: StringKind::ExecFn,
                len,
                ..
            } => write!(
                f,
                "execfn is {len} bytes, more than the {MAX_ARG_STRLEN}-byte limit"
            ),
            Self::StringTooLong { kind, index, len } => write!(
                f,
                "{kind}[{index}] is {len} bytes, more than the {MAX_ARG_STRLEN}-byte limit"
            ),
            Self::TooLarge { bytes } => write!(
                f,
                "arguments and environment take {bytes} bytes, more than the \
                 {MAX_ARG_BYTES}-byte limit"
            ),
            Self::TopTooLow { stack_top } => write!(
                f,
                "the initial stack does not fit below stack top {stack_top:#x}"
            ),
        }
    }
}

impl core::error::Error for StackError {}

/// Bytes in a stack word.
const WORD: u64 = 8;

/// Lays out the initial stack of the program `plan` describes, ending just
/// below `stack_top`.
pub fn build(
    stack_top: u64,
    plan: &LoadPlan,
    params: &AuxParams<'_>,
) -> Result<InitialStack, StackError> {
    const EMPTY_ARGV: &[&[u8]] = &[b""];
    let argv = if params.argv.is_empty() {
        EMPTY_ARGV
    } else {
        params.argv
    };
    let args_len = strings_len(StringKind::Arg, argv)?;
    let env_len = strings_len(StringKind::Env, params.envp)?;
    let execfn_len = strings_len(StringKind::ExecFn, &[params.execfn])?;
    let pointers = (argv.len() as u64 + params.envp.len() as u64).saturating_mul(WORD);
    let total = args_len
        .saturating_add(env_len)
        .saturating_add(execfn_len)
        .saturating_add(pointers);
    if total > MAX_ARG_BYTES {
        return Err(StackError::TooLarge { bytes: total });
    }
    // Every length is now bounded by MAX_ARG_BYTES, so only the distance
    // from address 0 can make the subtractions below fail.
    let low = StackError::TopTooLow { stack_top };
    let below = |addr: u64, len: u64| addr.checked_sub(len).ok_or(low);

    // The strings, contiguous, below an end marker word (Linux `bprm->p`).
    let arg_start = below(below(stack_top, WORD)?, args_len + env_len + execfn_len)?;
    let env_start = arg_start + args_len;
    let execfn_addr = env_start + env_len;
    let platform_addr = below(arg_start & !15, PLATFORM.len() as u64 + 1)?;
    let random_addr = below(platform_addr, 16)?;

    let auxv = auxv::entries(plan, params, random_addr, platform_addr, execfn_addr);
    let words =
        1 + (argv.len() as u64 + 1) + (params.envp.len() as u64 + 1) + 2 * auxv.len() as u64;
    let sp = below(random_addr, words * WORD)? & !15;

    let mut image = Image {
        sp,
        bytes: vec![0; usize::try_from(stack_top - sp).map_err(|_| low)?],
    };
    let mut at = sp;
    image.word(&mut at, argv.len() as u64);
    // Strings are written without their NULs: the image starts zeroed.
    let mut string_at = arg_start;
    for strings in [argv, params.envp] {
        for s in strings {
            image.word(&mut at, string_at);
            image.put(string_at, s);
            string_at += s.len() as u64 + 1;
        }
        image.word(&mut at, 0);
    }
    for &(key, value) in &auxv {
        image.word(&mut at, key);
        image.word(&mut at, value);
    }
    image.put(execfn_addr, params.execfn);
    image.put(platform_addr, PLATFORM);
    image.put(random_addr, &params.random);
    Ok(InitialStack {
        sp,
        bytes: image.bytes,
        arg_start,
        arg_end: env_start,
        env_start,
        env_end: execfn_addr,
        auxv,
    })
}

/// Total bytes of `strings` with their NULs, after checking each.
fn strings_len(kind: StringKind, strings: &[&[u8]]) -> Result<u64, StackError> {
    let mut total: u64 = 0;
    for (index, s) in strings.iter().enumerate() {
        if s.contains(&0) {
            return Err(StackError::ContainsNul { kind, index });
        }
        let len = s.len() as u64 + 1;
        if len > MAX_ARG_STRLEN {
            return Err(StackError::StringTooLong {
                kind,
                index,
                len: s.len(),
            });
        }
        total = total.saturating_add(len);
    }
    Ok(total)
}

/// The stack bytes under construction, addressed by program address.
struct Image {
    sp: u64,
    bytes: Vec<u8>,
}

impl Image {
    /// Writes `data` at `addr`. Every address written was laid out inside
    /// `[sp, stack_top)`; a write outside would be a bug here, and is dropped
    /// (the round-trip tests would catch it) rather than panicking.
    fn put(&mut self, addr: u64, data: &[u8]) {
        let Some(start) = addr
            .checked_sub(self.sp)
            .and_then(|o| usize::try_from(o).ok())
        else {
            return;
        };
        if let Some(dst) = start
            .checked_add(data.len())
            .and_then(|end| self.bytes.get_mut(start..end))
        {
            dst.copy_from_slice(data);
        }
    }

    fn word(&mut self, at: &mut u64, value: u64) {
        self.put(*at, &value.to_le_bytes());
        *at += WORD;
    }
}

#[cfg(test)]
mod tests;
