//! Choosing the accelerator: KVM when `/dev/kvm` works and a probe shows it
//! is fast, TCG otherwise (saying why, in one line).
//!
//! The probe's verdict is kept in the cache, keyed by the host's boot id and
//! the QEMU binary, so only the first run after a reboot pays for it.

pub mod probe;
pub mod probe_guest;

use std::io;
use std::path::Path;

use anyhow::{Result, bail};

use crate::cache::{self, Cache};
use crate::qemu::Accel;
use probe::Verdict;

/// The accelerator the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AccelChoice {
    /// KVM if it is usable and fast here, else TCG.
    #[default]
    Auto,
    /// KVM, or fail.
    Kvm,
    /// TCG (QEMU's binary translator), always available.
    Tcg,
}

/// The accelerator to use, and what to tell the user about the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The accelerator.
    pub accel: Accel,
    /// Why `auto` did not pick KVM (one line, without `sole: `).
    pub note: Option<String>,
}

/// Resolves `choice` to an accelerator. `icount` (instruction counting)
/// needs TCG. `auto` may probe KVM by booting a tiny guest with `qemu`.
pub fn decide(choice: AccelChoice, icount: bool, qemu: &Path, cache: &Cache) -> Result<Decision> {
    let tcg = |note: Option<String>| {
        Ok(Decision {
            accel: Accel::Tcg,
            note,
        })
    };
    match choice {
        AccelChoice::Tcg => tcg(None),
        AccelChoice::Kvm if icount => {
            bail!("--icount needs TCG; instruction counting does not work with --accel kvm")
        }
        AccelChoice::Kvm => match check_kvm() {
            Ok(()) => Ok(Decision {
                accel: Accel::Kvm,
                note: None,
            }),
            Err(why) => bail!("--accel kvm: {why}"),
        },
        // Instruction counting is a TCG feature: nothing to decide.
        AccelChoice::Auto if icount => tcg(None),
        AccelChoice::Auto => {
            if let Err(why) = check_kvm() {
                return tcg(Some(format!("{why}; using TCG")));
            }
            match kvm_verdict(qemu, cache)? {
                Verdict::Fast(_) => Ok(Decision {
                    accel: Accel::Kvm,
                    note: None,
                }),
                Verdict::Slow(why) => {
                    tcg(Some(format!("KVM is slow here (probe: {why}); using TCG")))
                }
                Verdict::Broken(why) => tcg(Some(format!(
                    "KVM does not work here (probe: {why}); using TCG"
                ))),
            }
        }
    }
}

/// Whether `/dev/kvm` can be opened and can create a VM; if not, why, as in
/// `/dev/kvm unavailable (No such file or directory)`.
pub fn check_kvm() -> Result<(), String> {
    let errno_text = |e: kvm_ioctls::Error| os_error_text(&io::Error::from_raw_os_error(e.errno()));
    let kvm =
        kvm_ioctls::Kvm::new().map_err(|e| format!("/dev/kvm unavailable ({})", errno_text(e)))?;
    // KVM_GET_API_VERSION has answered 12 since Linux 2.6.22; a failed
    // ioctl (-1) means the file is not a KVM device at all.
    match kvm.get_api_version() {
        12 => {}
        version if version < 0 => {
            return Err("/dev/kvm unusable (it is not a KVM device)".to_owned());
        }
        version => {
            return Err(format!(
                "/dev/kvm unusable (KVM API version {version}, expected 12)"
            ));
        }
    }
    kvm.create_vm()
        .map(drop)
        .map_err(|e| format!("/dev/kvm unusable (cannot create a VM: {})", errno_text(e)))
}

/// `e` as the C library words it, without Rust's ` (os error N)` suffix.
fn os_error_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The cached verdict on KVM for this boot of the host and this QEMU, or a
/// fresh one from the probe (then cached).
fn kvm_verdict(qemu: &Path, cache: &Cache) -> Result<Verdict> {
    const FILE: &str = "kvm-verdict";
    let key = format!(
        "sole-kvm-verdict 1\nboot {}\nqemu {}\n",
        cache::boot_id().unwrap_or_default(),
        qemu.display()
    );
    if let Some(verdict) = cache.read(FILE).and_then(|text| parse_verdict(&text, &key)) {
        return Ok(verdict);
    }
    let guest = cache.content_file("kvm-probe", "elf", &probe_guest::image())?;
    let verdict = probe::judge(&probe::measure(qemu, Accel::Kvm, &guest));
    // Keeping the verdict only saves time; a read-only cache is no error.
    let _ = cache.write(FILE, &format_verdict(&key, &verdict));
    Ok(verdict)
}

fn format_verdict(key: &str, verdict: &Verdict) -> String {
    let (kind, why) = match verdict {
        Verdict::Fast(why) => ("fast", why),
        Verdict::Slow(why) => ("slow", why),
        Verdict::Broken(why) => ("broken", why),
    };
    // Reasons are one line; keep it so whatever QEMU printed.
    format!("{key}{kind} {}\n", why.replace('\n', " "))
}

/// The verdict in `text` if it was stored under `key`.
fn parse_verdict(text: &str, key: &str) -> Option<Verdict> {
    let line = text.strip_prefix(key)?.lines().next()?;
    let (kind, why) = line.split_once(' ')?;
    let why = why.to_owned();
    match kind {
        "fast" => Some(Verdict::Fast(why)),
        "slow" => Some(Verdict::Slow(why)),
        "broken" => Some(Verdict::Broken(why)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_round_trip_only_under_their_key() {
        let key = "sole-kvm-verdict 1\nboot abc\nqemu /usr/bin/q\n";
        for verdict in [
            Verdict::Fast("started in 40 ms".into()),
            Verdict::Slow("1000 VM exits took 412 ms".into()),
            Verdict::Broken("qemu: failed".into()),
        ] {
            let text = format_verdict(key, &verdict);
            assert_eq!(parse_verdict(&text, key), Some(verdict));
            assert_eq!(parse_verdict(&text, "sole-kvm-verdict 1\nboot xyz\n"), None);
        }
        assert_eq!(parse_verdict(&format!("{key}maybe so\n"), key), None);
        assert_eq!(parse_verdict("", key), None);
    }

    #[test]
    fn multi_line_reasons_are_stored_on_one_line() {
        let key = "k\n";
        let text = format_verdict(key, &Verdict::Broken("one\ntwo".into()));
        assert_eq!(
            parse_verdict(&text, key),
            Some(Verdict::Broken("one two".into()))
        );
    }

    #[test]
    fn os_errors_read_like_the_c_library() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(os_error_text(&e), "No such file or directory");
        let e = io::Error::other("plain");
        assert_eq!(os_error_text(&e), "plain");
    }

    #[test]
    fn tcg_and_icount_need_no_probe() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path()).unwrap();
        let nowhere = Path::new("/nonexistent/qemu");
        let tcg = Decision {
            accel: Accel::Tcg,
            note: None,
        };
        assert_eq!(
            decide(AccelChoice::Tcg, false, nowhere, &cache).unwrap(),
            tcg
        );
        assert_eq!(
            decide(AccelChoice::Auto, true, nowhere, &cache).unwrap(),
            tcg
        );
        let err = decide(AccelChoice::Kvm, true, nowhere, &cache).unwrap_err();
        assert!(err.to_string().contains("--icount needs TCG"), "{err}");
        // Nothing was probed, so nothing was cached.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
