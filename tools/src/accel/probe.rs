//! Timing the probe guest (`probe_guest.rs`) under an accelerator and judging
//! whether KVM is worth using.
//!
//! A `/dev/kvm` that opens is not proof of a fast KVM: under some nested or
//! emulated setups every guest instruction is emulated, hundreds of times
//! slower than TCG. Timing `KVM_RUN` round trips on an empty VM does not tell
//! them apart (on such a host the ioctl returns an error in microseconds
//! without running anything), so the probe boots a real guest through QEMU
//! (the same path `sole run` takes) on the quick-starting microvm machine,
//! and times its phases from its serial output. Every phase has a budget;
//! the whole probe is over in well under a second however slow the host.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::probe_guest::{EXITED, IO_EXITS, LOOP_ITERATIONS, LOOPED, STARTED};
use crate::mem_size::MemSize;
use crate::qemu::{Accel, Machine, VmConfig};

/// How long QEMU may take to start the probe guest (it is ~50 ms normally).
const START_BUDGET: Duration = Duration::from_millis(400);
/// What the guest loop should take under a KVM worth using (~3 ms natively;
/// TCG needs ~30 ms).
const LOOP_EXPECTED: Duration = Duration::from_millis(20);
/// How long the loop may take before the probe stops waiting.
const LOOP_BUDGET: Duration = Duration::from_millis(150);
/// What [`IO_EXITS`] port writes should take (a few µs each on real KVM).
const EXITS_EXPECTED: Duration = Duration::from_millis(20);
/// How long the port writes may take before the probe stops waiting.
const EXITS_BUDGET: Duration = Duration::from_millis(100);

/// What timing the probe guest showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Guest code runs fast enough to beat TCG.
    Fast(String),
    /// The accelerator works but is slower than it should be; why.
    Slow(String),
    /// The probe guest did not run; why (QEMU's complaint).
    Broken(String),
}

/// How long each phase of the probe guest took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// From starting QEMU to the guest's first instruction.
    pub start: Duration,
    /// The register-only loop.
    pub loop_time: Duration,
    /// The port writes (VM exits).
    pub exits: Duration,
}

/// What came of one probe run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every phase finished in its budget.
    Finished(Timings),
    /// The guest did not start within [`START_BUDGET`].
    NoStart,
    /// The loop did not finish within [`LOOP_BUDGET`].
    LoopOverBudget,
    /// The port writes did not finish within [`EXITS_BUDGET`].
    ExitsOverBudget,
    /// QEMU ended before the guest finished; its error output.
    Failed(String),
}

/// Boots the probe guest at `guest` under `accel` and times it.
pub fn measure(qemu: &Path, accel: Accel, guest: &Path) -> Outcome {
    let config = VmConfig {
        machine: Machine::Microvm,
        accel,
        mem: MemSize::from_mib(16).expect("16 MiB is a valid size"),
        cpus: 1,
        icount: false,
        kernel: guest.to_path_buf(),
        append: String::new(),
        initrd: None,
        disk: None,
    };
    let mut command = match config.command(qemu) {
        Ok(command) => command,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let launched = Instant::now();
    let spawned = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return Outcome::Failed(format!("cannot run {}: {e}", qemu.display())),
    };
    let marks = watch_output(&mut child);
    let outcome = time_phases(&marks, launched);
    // The guest has exited or is past its budget; either way QEMU is done.
    let _ = child.kill();
    let _ = child.wait();
    match outcome {
        Some(outcome) => outcome,
        None => Outcome::Failed(qemu_complaint(&mut child)),
    }
}

/// Sends each byte the guest writes, with the time it arrived; the channel
/// closes when QEMU's output does.
fn watch_output(child: &mut Child) -> mpsc::Receiver<(u8, Instant)> {
    let (tx, rx) = mpsc::channel();
    let mut stdout = child.stdout.take().expect("stdout is piped");
    thread::spawn(move || {
        let mut buf = [0u8; 64];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            let now = Instant::now();
            for &byte in &buf[..n] {
                if tx.send((byte, now)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// Waits for each phase's marker within its budget. `None` if QEMU's output
/// ended first.
fn time_phases(marks: &mpsc::Receiver<(u8, Instant)>, launched: Instant) -> Option<Outcome> {
    let wait_for = |marker: u8, since: Instant, budget: Duration| -> Option<Option<Instant>> {
        let deadline = since + budget;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match marks.recv_timeout(left) {
                Ok((byte, at)) if byte == marker => return Some(Some(at)),
                Ok(_) => {} // firmware chatter
                Err(mpsc::RecvTimeoutError::Timeout) => return Some(None),
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
    };
    let Some(started) = wait_for(STARTED, launched, START_BUDGET)? else {
        return Some(Outcome::NoStart);
    };
    let Some(looped) = wait_for(LOOPED, started, LOOP_BUDGET)? else {
        return Some(Outcome::LoopOverBudget);
    };
    let Some(exited) = wait_for(EXITED, looped, EXITS_BUDGET)? else {
        return Some(Outcome::ExitsOverBudget);
    };
    Some(Outcome::Finished(Timings {
        start: started - launched,
        loop_time: looped - started,
        exits: exited - looped,
    }))
}

/// QEMU's error output, or a note that there was none.
fn qemu_complaint(child: &mut Child) -> String {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let stderr = stderr.trim();
    if stderr.is_empty() {
        "QEMU exited before the probe guest finished".to_owned()
    } else {
        stderr.lines().take(3).collect::<Vec<_>>().join("; ")
    }
}

/// Whether `outcome` shows an accelerator worth using.
pub fn judge(outcome: &Outcome) -> Verdict {
    let ms = |d: Duration| d.as_millis();
    let loop_words = format!(
        "a loop of {} million guest instructions",
        2 * LOOP_ITERATIONS / 1_000_000
    );
    match outcome {
        Outcome::Finished(t) if t.loop_time > LOOP_EXPECTED => Verdict::Slow(format!(
            "{loop_words} took {} ms, expected < {} ms",
            ms(t.loop_time),
            ms(LOOP_EXPECTED)
        )),
        Outcome::Finished(t) if t.exits > EXITS_EXPECTED => Verdict::Slow(format!(
            "{} ms for {IO_EXITS} VM exits, expected < {} ms",
            ms(t.exits),
            ms(EXITS_EXPECTED)
        )),
        Outcome::Finished(t) => Verdict::Fast(format!(
            "started in {} ms, {loop_words} in {} ms, {IO_EXITS} VM exits in {} ms",
            ms(t.start),
            ms(t.loop_time),
            ms(t.exits)
        )),
        Outcome::NoStart => Verdict::Slow(format!(
            "the probe VM did not start within {} ms",
            ms(START_BUDGET)
        )),
        Outcome::LoopOverBudget => Verdict::Slow(format!(
            "{loop_words} took over {} ms, expected < {} ms",
            ms(LOOP_BUDGET),
            ms(LOOP_EXPECTED)
        )),
        Outcome::ExitsOverBudget => Verdict::Slow(format!(
            "over {} ms for {IO_EXITS} VM exits, expected < {} ms",
            ms(EXITS_BUDGET),
            ms(EXITS_EXPECTED)
        )),
        Outcome::Failed(why) => Verdict::Broken(why.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(start: u64, loop_ms: u64, exits: u64) -> Outcome {
        Outcome::Finished(Timings {
            start: Duration::from_millis(start),
            loop_time: Duration::from_millis(loop_ms),
            exits: Duration::from_millis(exits),
        })
    }

    #[test]
    fn fast_only_when_both_timed_phases_meet_expectations() {
        assert!(matches!(judge(&finished(60, 3, 4)), Verdict::Fast(_)));
        assert_eq!(
            judge(&finished(60, 412, 4)),
            Verdict::Slow(
                "a loop of 10 million guest instructions took 412 ms, expected < 20 ms".into()
            )
        );
        assert_eq!(
            judge(&finished(60, 3, 35)),
            Verdict::Slow("35 ms for 1000 VM exits, expected < 20 ms".into())
        );
    }

    #[test]
    fn over_budget_phases_are_slow_and_failures_broken() {
        assert_eq!(
            judge(&Outcome::LoopOverBudget),
            Verdict::Slow(
                "a loop of 10 million guest instructions took over 150 ms, expected < 20 ms".into()
            )
        );
        assert!(matches!(judge(&Outcome::NoStart), Verdict::Slow(m) if m.contains("400 ms")));
        assert!(matches!(judge(&Outcome::ExitsOverBudget), Verdict::Slow(_)));
        assert_eq!(
            judge(&Outcome::Failed("no KVM".into())),
            Verdict::Broken("no KVM".into())
        );
    }

    #[test]
    fn phase_timing_follows_the_markers() {
        let (tx, rx) = mpsc::channel();
        let t0 = Instant::now();
        for (byte, ms) in [(b'?', 1), (STARTED, 50), (LOOPED, 53), (EXITED, 57)] {
            tx.send((byte, t0 + Duration::from_millis(ms))).unwrap();
        }
        assert_eq!(time_phases(&rx, t0), Some(finished(50, 3, 4)));

        // Output ends after the start: QEMU failed.
        let (tx, rx) = mpsc::channel();
        tx.send((STARTED, Instant::now())).unwrap();
        drop(tx);
        assert_eq!(time_phases(&rx, Instant::now()), None);
    }
}
