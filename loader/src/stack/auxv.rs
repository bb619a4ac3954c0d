//! The auxiliary vector: the `AT_*` types (Linux
//! `include/uapi/linux/auxvec.h` and `arch/x86/include/uapi/asm/auxvec.h`)
//! and the entries the initial stack carries, in the order Linux's
//! `create_elf_tables` writes them (architecture entries first).

use super::AuxParams;
use crate::elf::{LoadPlan, PAGE_SIZE};
use alloc::vec::Vec;

/// End of the vector.
pub const AT_NULL: u64 = 0;
/// Entry to be ignored.
pub const AT_IGNORE: u64 = 1;
/// File descriptor of the program (binfmt_misc).
pub const AT_EXECFD: u64 = 2;
/// Address of the program headers in memory.
pub const AT_PHDR: u64 = 3;
/// Size of one program header.
pub const AT_PHENT: u64 = 4;
/// Number of program headers.
pub const AT_PHNUM: u64 = 5;
/// Page size.
pub const AT_PAGESZ: u64 = 6;
/// Base address of the interpreter (0 without one).
pub const AT_BASE: u64 = 7;
/// Flags (always 0 here).
pub const AT_FLAGS: u64 = 8;
/// The program's entry point.
pub const AT_ENTRY: u64 = 9;
/// The program is not ELF.
pub const AT_NOTELF: u64 = 10;
/// Real user id.
pub const AT_UID: u64 = 11;
/// Effective user id.
pub const AT_EUID: u64 = 12;
/// Real group id.
pub const AT_GID: u64 = 13;
/// Effective group id.
pub const AT_EGID: u64 = 14;
/// Address of the platform string.
pub const AT_PLATFORM: u64 = 15;
/// CPU capabilities (x86: CPUID leaf 1 EDX).
pub const AT_HWCAP: u64 = 16;
/// Frequency of `times()`.
pub const AT_CLKTCK: u64 = 17;
/// Secure mode (setuid-like): distrust the environment.
pub const AT_SECURE: u64 = 23;
/// Address of the base platform string.
pub const AT_BASE_PLATFORM: u64 = 24;
/// Address of 16 random bytes.
pub const AT_RANDOM: u64 = 25;
/// More CPU capabilities (x86: ring-3 MONITOR/MWAIT, FSGSBASE).
pub const AT_HWCAP2: u64 = 26;
/// rseq feature size.
pub const AT_RSEQ_FEATURE_SIZE: u64 = 27;
/// rseq area alignment.
pub const AT_RSEQ_ALIGN: u64 = 28;
/// Address of the executed file name.
pub const AT_EXECFN: u64 = 31;
/// Address of the vDSO's ELF header.
pub const AT_SYSINFO_EHDR: u64 = 33;
/// Smallest signal stack size.
pub const AT_MINSIGSTKSZ: u64 = 51;

/// The vector for `plan` and `params`, AT_NULL included, given where the
/// random bytes, the platform string and the execfn string were placed.
pub(super) fn entries(
    plan: &LoadPlan,
    params: &AuxParams<'_>,
    random: u64,
    platform: u64,
    execfn: u64,
) -> Vec<(u64, u64)> {
    let mut auxv = Vec::with_capacity(24);
    // ARCH_DLINFO (arch/x86/include/asm/elf.h).
    if let Some(vdso) = params.sysinfo_ehdr {
        auxv.push((AT_SYSINFO_EHDR, vdso));
    }
    auxv.extend([
        (AT_MINSIGSTKSZ, params.minsigstksz),
        (AT_HWCAP, params.hwcap),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, params.clktck),
        (AT_PHDR, plan.phdr),
        (AT_PHENT, u64::from(plan.phent)),
        (AT_PHNUM, u64::from(plan.phnum)),
        (AT_BASE, params.interp_base.unwrap_or(0)),
        (AT_FLAGS, 0),
        (AT_ENTRY, plan.entry),
        (AT_UID, u64::from(params.uid)),
        (AT_EUID, u64::from(params.euid)),
        (AT_GID, u64::from(params.gid)),
        (AT_EGID, u64::from(params.egid)),
        (AT_SECURE, u64::from(params.secure)),
        (AT_RANDOM, random),
        (AT_HWCAP2, params.hwcap2),
        (AT_EXECFN, execfn),
        (AT_PLATFORM, platform),
        (AT_NULL, 0),
    ]);
    auxv
}
