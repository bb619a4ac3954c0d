//! Boots the kernel under QEMU (TCG) through the `sole` library and checks
//! the host protocol: the ready banner, exit statuses, the self-tests, the
//! fault report, and the initrd `sole run PROGRAM` packs.

#![deny(unsafe_code)]

use std::time::Duration;

use sole::accel::AccelChoice;
use sole::mem_size::MemSize;
use sole::qemu::Machine;
use sole::run::BootOptions;
use sole_tests::{backtrace, boot_tcg, register, selftest_results, selftest_summary, words};

fn mem(mib: u32) -> MemSize {
    MemSize::from_mib(mib).expect("valid size")
}

/// Boots `machine` with 2 CPUs and `mib` MiB and checks the banner.
fn boots_and_reports(machine: Machine, mib: u32) {
    let boot = boot_tcg(BootOptions {
        machine,
        mem: mem(mib),
        cpus: 2,
        ..BootOptions::default()
    });
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    let banner = boot
        .banner()
        .unwrap_or_else(|| panic!("no banner in:\n{}", boot.console.text));
    assert_eq!(banner.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(banner.cpus, 2);
    // Firmware and the kernel image take a little; most must be usable.
    let mem_mib = u64::from(mib);
    assert!(
        (mem_mib * 3 / 4..=mem_mib).contains(&banner.mem_mib),
        "{} MiB reported for a {mib} MiB guest",
        banner.mem_mib
    );
    assert!(banner.ready_us > 0);
    assert!(
        !boot.console.text.contains("[sole-exit"),
        "the exit marker is protocol, not output:\n{}",
        boot.console.text
    );
}

#[test]
fn boots_on_q35() {
    boots_and_reports(Machine::Q35, 256);
}

#[test]
fn boots_on_microvm() {
    boots_and_reports(Machine::Microvm, 128);
}

#[test]
fn selftest_passes() {
    let boot = boot_tcg(BootOptions {
        selftest: true,
        ..BootOptions::default()
    });
    let text = &boot.console.text;
    let results = selftest_results(text);
    let failed: Vec<_> = results.iter().filter(|(_, why)| why.is_some()).collect();
    assert!(failed.is_empty(), "failed self-tests: {failed:?}");
    let (passed, failed) =
        selftest_summary(text).unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    assert_eq!(failed, 0);
    assert!(passed >= 5, "only {passed} self-tests ran");
    assert_eq!(passed as usize, results.len(), "one line per test");
    assert_eq!(boot.status, 0);
}

#[test]
fn page_fault_is_reported_with_registers_and_a_backtrace() {
    let boot = boot_tcg(BootOptions {
        kernel_args: words(&["crash=page-fault"]),
        ..BootOptions::default()
    });
    let text = &boot.console.text;
    assert_eq!(boot.status, 125, "console:\n{text}");
    assert!(
        text.lines().any(|l| l.starts_with("KERNEL FAULT: ")),
        "{text}"
    );
    assert!(text.contains("CR2=0x00000000dead0000"), "{text}");
    let rip = register(text, "RIP").unwrap_or_else(|| panic!("no RIP in:\n{text}"));
    let frames = backtrace(text);
    assert!(
        frames.iter().any(|f| f.symbol.is_some()),
        "no named frame in:\n{text}"
    );
    // The first frame is where the fault happened.
    assert_eq!(frames[0].address, rip, "{text}");
}

#[test]
fn every_deliberate_crash_exits_125_with_a_report() {
    for (kind, heading) in [
        ("divide-error", "KERNEL FAULT: "),
        ("invalid-opcode", "KERNEL FAULT: "),
        ("stack-overflow", "KERNEL FAULT: "),
        ("panic", "KERNEL PANIC: "),
    ] {
        let boot = boot_tcg(BootOptions {
            kernel_args: words(&[&format!("crash={kind}")]),
            ..BootOptions::default()
        });
        let text = &boot.console.text;
        assert_eq!(boot.status, 125, "crash={kind}:\n{text}");
        assert!(
            text.lines().any(|l| l.starts_with(heading)),
            "crash={kind}: no `{heading}` line in:\n{text}"
        );
        // A fault has a machine state to show; a panic at least has a stack.
        if heading == "KERNEL FAULT: " {
            assert!(register(text, "RIP").is_some(), "crash={kind}:\n{text}");
        }
        assert!(!backtrace(text).is_empty(), "crash={kind}:\n{text}");
        if kind == "stack-overflow" {
            assert!(
                text.contains("stack overflow: CR2 is in the guard page"),
                "{text}"
            );
        }
    }
}

#[test]
fn instruction_counted_boots_take_the_same_guest_time() {
    let ready_us = || {
        let boot = boot_tcg(BootOptions {
            icount: true,
            ..BootOptions::default()
        });
        assert_eq!(boot.status, 0);
        boot.banner().expect("a banner").ready_us
    };
    assert_eq!(ready_us(), ready_us());
}

#[test]
fn a_hung_vm_is_stopped_at_the_time_limit() {
    let options = BootOptions {
        accel: AccelChoice::Tcg,
        // No VM gets through QEMU's start-up this quickly.
        timeout: Some(Duration::from_millis(1)),
        ..BootOptions::default()
    };
    let err = sole::run::boot(&options, Box::new(std::io::sink()))
        .expect_err("a 1 ms limit is too short for any boot");
    assert!(err.to_string().contains("did not finish within"), "{err:#}");
}
