//! What the CPU says about itself (CPUID), in the terms /proc/cpuinfo uses:
//! vendor, brand string, family/model/stepping with Linux's folding of the
//! extended fields, and feature flags with Linux's names
//! (arch/x86/include/asm/cpufeatures.h).

use super::cpu::{cpuid, max_extended_leaf, max_leaf};
use alloc::string::String;
use spin::Once;

pub struct CpuInfo {
    pub vendor: String,
    pub model_name: String,
    pub family: u32,
    pub model: u32,
    pub stepping: u32,
    pub flags: String,
}

/// (register, bit, name) for CPUID leaf 1 EDX and ECX.
const LEAF1_EDX: &[(u32, &str)] = &[
    (0, "fpu"),
    (1, "vme"),
    (2, "de"),
    (3, "pse"),
    (4, "tsc"),
    (5, "msr"),
    (6, "pae"),
    (7, "mce"),
    (8, "cx8"),
    (9, "apic"),
    (11, "sep"),
    (12, "mtrr"),
    (13, "pge"),
    (14, "mca"),
    (15, "cmov"),
    (16, "pat"),
    (17, "pse36"),
    (19, "clflush"),
    (23, "mmx"),
    (24, "fxsr"),
    (25, "sse"),
    (26, "sse2"),
    (27, "ss"),
    (28, "ht"),
];
const LEAF1_ECX: &[(u32, &str)] = &[
    (0, "pni"),
    (1, "pclmulqdq"),
    (3, "monitor"),
    (9, "ssse3"),
    (12, "fma"),
    (13, "cx16"),
    (19, "sse4_1"),
    (20, "sse4_2"),
    (21, "x2apic"),
    (22, "movbe"),
    (23, "popcnt"),
    (24, "tsc_deadline_timer"),
    (25, "aes"),
    (26, "xsave"),
    (28, "avx"),
    (29, "f16c"),
    (30, "rdrand"),
    (31, "hypervisor"),
];
const LEAF7_EBX: &[(u32, &str)] = &[
    (0, "fsgsbase"),
    (3, "bmi1"),
    (5, "avx2"),
    (7, "smep"),
    (8, "bmi2"),
    (9, "erms"),
    (10, "invpcid"),
    (16, "avx512f"),
    (18, "rdseed"),
    (19, "adx"),
    (20, "smap"),
    (23, "clflushopt"),
    (24, "clwb"),
    (29, "sha_ni"),
];
const EXT_EDX: &[(u32, &str)] = &[
    (11, "syscall"),
    (20, "nx"),
    (26, "pdpe1gb"),
    (27, "rdtscp"),
    (29, "lm"),
];
const EXT_ECX: &[(u32, &str)] = &[
    (0, "lahf_lm"),
    (5, "abm"),
    (6, "sse4a"),
    (8, "3dnowprefetch"),
];

fn push_flags(out: &mut String, reg: u32, table: &[(u32, &str)]) {
    for &(bit, name) in table {
        if reg & (1 << bit) != 0 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(name);
        }
    }
}

fn describe() -> CpuInfo {
    let l0 = cpuid(0, 0);
    let mut vendor = String::new();
    for r in [l0.ebx, l0.edx, l0.ecx] {
        vendor.extend(r.to_le_bytes().iter().map(|&b| b as char));
    }
    let l1 = cpuid(1, 0);
    let base_family = (l1.eax >> 8) & 0xf;
    let family = if base_family == 0xf {
        base_family + ((l1.eax >> 20) & 0xff)
    } else {
        base_family
    };
    let mut model = (l1.eax >> 4) & 0xf;
    if base_family >= 6 {
        model |= ((l1.eax >> 16) & 0xf) << 4;
    }
    let stepping = l1.eax & 0xf;
    let mut model_name = String::new();
    if max_extended_leaf() >= 0x8000_0004 {
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            let r = cpuid(leaf, 0);
            for reg in [r.eax, r.ebx, r.ecx, r.edx] {
                model_name.extend(
                    reg.to_le_bytes()
                        .iter()
                        .filter(|&&b| b != 0)
                        .map(|&b| b as char),
                );
            }
        }
    }
    let model_name = String::from(model_name.trim());
    let mut flags = String::new();
    push_flags(&mut flags, l1.edx, LEAF1_EDX);
    if max_extended_leaf() >= 0x8000_0001 {
        push_flags(&mut flags, cpuid(0x8000_0001, 0).edx, EXT_EDX);
    }
    push_flags(&mut flags, l1.ecx, LEAF1_ECX);
    if max_extended_leaf() >= 0x8000_0001 {
        push_flags(&mut flags, cpuid(0x8000_0001, 0).ecx, EXT_ECX);
    }
    if max_leaf() >= 7 {
        push_flags(&mut flags, cpuid(7, 0).ebx, LEAF7_EBX);
    }
    CpuInfo {
        vendor,
        model_name,
        family,
        model,
        stepping,
        flags,
    }
}

static INFO: Once<CpuInfo> = Once::new();

/// The boot CPU's description, computed once.
pub fn get() -> &'static CpuInfo {
    INFO.call_once(describe)
}
