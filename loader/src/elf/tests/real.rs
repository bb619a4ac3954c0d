//! Plans of real binaries from the host, when present (Debian paths);
//! absent files are skipped with a note. Each plan is checked against the
//! program headers as read by a few lines of independent code here.

use super::super::{Copy, ElfKind, LoadPlan, PIE_BASE, plan};
use super::check_invariants;
use std::println;

fn read(path: &str) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            println!("skipping {path}: {err}");
            None
        }
    }
}

fn field(file: &[u8], at: usize, width: usize) -> u64 {
    let mut raw = [0u8; 8];
    raw[..width].copy_from_slice(&file[at..at + width]);
    u64::from_le_bytes(raw)
}

/// Plans `path` and checks the plan against its raw program headers.
fn plan_real(path: &str) -> Option<LoadPlan> {
    let file = read(path)?;
    let plan = plan(&file, PIE_BASE).unwrap_or_else(|e| panic!("{path}: {e}"));
    check_invariants(&file, &plan);

    let e_type = field(&file, 16, 2);
    let entry = field(&file, 24, 8);
    let phoff = field(&file, 32, 8) as usize;
    let phnum = field(&file, 56, 2) as usize;
    assert_eq!(plan.kind == ElfKind::SharedObject, e_type == 3, "{path}");
    assert_eq!(plan.entry, entry.wrapping_add(plan.bias), "{path}");
    let mut copies = Vec::new();
    let mut lowest = u64::MAX;
    for i in 0..phnum {
        let at = phoff + i * 56;
        let (p_type, offset, vaddr, filesz) = (
            field(&file, at, 4),
            field(&file, at + 8, 8),
            field(&file, at + 16, 8),
            field(&file, at + 32, 8),
        );
        if p_type == 1 {
            lowest = lowest.min(vaddr & !0xfff);
            if filesz > 0 {
                copies.push(Copy {
                    vaddr: vaddr.wrapping_add(plan.bias),
                    file_offset: offset,
                    len: filesz,
                });
            }
        }
    }
    assert_eq!(plan.copies, copies, "{path}");
    if plan.kind == ElfKind::SharedObject {
        assert_eq!(lowest.wrapping_add(plan.bias), PIE_BASE, "{path}");
    }
    println!(
        "{path}: {} mappings, brk {:#x}",
        plan.mappings.len(),
        plan.brk
    );
    Some(plan)
}

#[test]
fn dynamic_pie_from_the_host() {
    let Some(plan) = plan_real("/bin/ls") else {
        return;
    };
    assert_eq!(plan.kind, ElfKind::SharedObject);
    assert_eq!(plan.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
    assert!(plan.relro.is_some());
    assert!(!plan.executable_stack);
}

#[test]
fn static_pie_from_the_host() {
    // Debian's ldconfig is a static-PIE with TLS.
    let Some(plan) = plan_real("/sbin/ldconfig") else {
        return;
    };
    assert_eq!(plan.kind, ElfKind::SharedObject);
    assert_eq!(plan.interp, None);
    assert!(plan.tls.is_some());
    assert!(plan.relro.is_some());
}

#[test]
fn shared_objects_from_the_host() {
    for path in [
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/ld-linux-x86-64.so.2",
        "/bin/busybox",
    ] {
        plan_real(path);
    }
}
