//! The KVM probe's guest really boots and reports each phase: timed here
//! under TCG, which every machine has.

#![deny(unsafe_code)]

use sole::accel::probe::{self, Outcome};
use sole::accel::probe_guest;
use sole::cache::Cache;
use sole::qemu::{self, Accel};

#[test]
fn probe_guest_runs_every_phase_under_tcg() {
    let qemu = qemu::find_qemu().expect("the tests need QEMU");
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::at(dir.path()).unwrap();
    let guest = cache
        .content_file("kvm-probe", "elf", &probe_guest::image())
        .unwrap();
    // The start budget is tight for a loaded test machine; a retry keeps a
    // slow start from failing the test, while a broken guest fails every time.
    let outcome = (0..3)
        .map(|_| probe::measure(&qemu, Accel::Tcg, &guest))
        .find(|o| matches!(o, Outcome::Finished(_)));
    assert!(
        outcome.is_some(),
        "the probe guest never finished: {:?}",
        probe::measure(&qemu, Accel::Tcg, &guest)
    );
}

#[test]
fn a_qemu_that_cannot_start_is_reported_as_broken() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-guest.elf");
    let qemu = qemu::find_qemu().expect("the tests need QEMU");
    let outcome = probe::measure(&qemu, Accel::Tcg, &missing);
    let Outcome::Failed(why) = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(why.contains("no-such-guest.elf"), "{why}");
    assert!(matches!(probe::judge(&outcome), probe::Verdict::Broken(_)));
}
