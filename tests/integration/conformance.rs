//! The syscall conformance suite (DESIGN.md, "Tests", item 2).
//!
//! Every `tests/conformance/*.c` is a self-checking program (see
//! `sole_test.h`): it prints `ok N - ...` / `not ok N - ...` lines and
//! `# N passed, M failed`, and exits 0 only when every check passed. This
//! runner builds each one three ways (musl `-static`, glibc `-static-pie`,
//! glibc dynamic with `-DSOLE_DYNAMIC`), runs it natively first (a test that
//! fails on Linux is a broken test), then in Sole under TCG with two vCPUs,
//! two VMs at a time, on both of Sole's roots: from an initrd (`sole run
//! PROGRAM`, the root a tmpfs) and from a disk image (`sole build`, then
//! `sole run IMAGE`: the root is the image's rootfs over virtio-blk). It
//! prints a table and a summary line. A run in Sole that never ends is run
//! once more and, if that passes, reported as a hang rather than failed
//! (see [`HANG_RETRIES`]).
//!
//! Sole runs the variants in [`SOLE_VARIANTS`] (all three) and every test
//! but those in [`WAITING_FOR_KERNEL`] (none now); the others show `skip`
//! in its column, so a test can land before the kernel feature it checks.
//!
//! Environment:
//! - `SOLE_CONFORMANCE_NATIVE_ONLY=1` skips the Sole column (to check the
//!   tests themselves on a new host).
//! - `SOLE_CONFORMANCE_ONLY=name,name` runs only the tests named.
//! - `SOLE_CONFORMANCE_ALL=1` runs everything in Sole too, the variants
//!   and tests that are not expected to pass there yet included (to see
//!   how far the kernel has come).

#![deny(unsafe_code)]

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use sole::accel::AccelChoice;
use sole::initrd::AddSpec;
use sole::program::{DEFAULT_ENV, EnvVar, ImageFormat, ProgramSpec};
use sole::run::BootOptions;
use sole_tests::programs::Variant;

/// Compiler flags for every variant.
const CFLAGS: &[&str] = &["-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pthread"];

/// How long a test may run natively; the slowest take well under a second.
const NATIVE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a test may run in Sole under TCG, boot included (they take a
/// few seconds at most).
const SOLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How many failures the panic message explains in full; the table lists
/// them all.
const DETAILED_FAILURES: usize = 20;

/// QEMU instances at once (CI has two cores).
const SOLE_JOBS: usize = 2;

/// The vCPUs each test runs on in Sole.
const SOLE_CPUS: u16 = 2;

/// Set to `1` to skip the Sole column.
const NATIVE_ONLY_VAR: &str = "SOLE_CONFORMANCE_NATIVE_ONLY";

/// A comma-separated list of the tests to run (all if unset).
const ONLY_VAR: &str = "SOLE_CONFORMANCE_ONLY";

/// Set to `1` to run every variant and test in Sole, those not expected to
/// pass there yet included.
const ALL_VAR: &str = "SOLE_CONFORMANCE_ALL";

/// The ways each test is built and run natively: musl `-static`, glibc
/// `-static-pie`, and glibc dynamic (issue 6's third variant; the compilers
/// are the program tests', see `sole_tests::programs`).
const VARIANTS: [Variant; 3] = [
    Variant::MuslStatic,
    Variant::GlibcStaticPie,
    Variant::GlibcDynamic,
];

/// The variants run in Sole: all of them. To take one out (say, the
/// dynamic variant while `PT_INTERP` loading is broken), drop it here; its
/// cells then read `skip`, and `SOLE_CONFORMANCE_ALL=1` still runs it.
const SOLE_VARIANTS: &[Variant] = &[
    Variant::MuslStatic,
    Variant::GlibcStaticPie,
    Variant::GlibcDynamic,
];

/// Tests that pass natively but not yet in Sole, with what they wait for:
/// run natively only (`SOLE_CONFORMANCE_ALL=1` runs them in Sole too). A
/// new test of a feature the kernel lacks goes here until it lands.
const WAITING_FOR_KERNEL: &[(&str, &str)] = &[];

/// How one run of one test went.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Every check passed; this many ran.
    Pass(u32),
    /// Why it failed.
    Fail(String),
    /// Why it did not run.
    Skip(String),
    /// The first run never ended (stopped at the time limit) and a second
    /// passed with this many checks: a hang that comes and goes, which
    /// the report names (see [`HANG_RETRIES`]).
    PassAfterHang(u32, String),
}

/// A run in Sole that never ends is run once more, and counts as passed
/// if that passes, named in the report as a hang. The kernel has a rare
/// scheduling race (about one run in 40 of `mutex_pi` on two vCPUs hangs,
/// from an initrd as from a disk) that would otherwise make the suite's
/// ~700 runs fail now and then; any other failure, or a second hang,
/// fails as before.
const HANG_RETRIES: u32 = 1;

impl Outcome {
    fn failed(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }
}

impl fmt::Display for Outcome {
    /// The table cell.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Pass(checks) => write!(f, "pass ({checks})"),
            Outcome::PassAfterHang(checks, _) => write!(f, "pass ({checks}) after a hang"),
            Outcome::Fail(_) => f.write_str("FAIL"),
            Outcome::Skip(_) => f.write_str("skip"),
        }
    }
}

/// Where the guest's root is when a test runs in Sole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    /// `sole run PROGRAM`: the program and its libraries packed into an
    /// initrd, unpacked into a tmpfs root.
    Initrd,
    /// `sole build` into a disk image, then `sole run IMAGE`: the root is
    /// the image's rootfs, read and written over virtio-blk.
    Disk,
}

impl Root {
    const BOTH: [Root; 2] = [Root::Initrd, Root::Disk];

    /// Its column in the table.
    fn column(self) -> &'static str {
        match self {
            Root::Initrd => "sole",
            Root::Disk => "sole-disk",
        }
    }
}

/// One test built one way, and its results.
#[derive(Debug)]
struct Case {
    test: String,
    variant: Variant,
    binary: PathBuf,
    native: Outcome,
    /// In Sole, from an initrd.
    sole: Outcome,
    /// In Sole, from a disk image.
    disk: Outcome,
}

impl Case {
    fn in_sole(&self, root: Root) -> &Outcome {
        match root {
            Root::Initrd => &self.sole,
            Root::Disk => &self.disk,
        }
    }

    fn failed(&self) -> bool {
        self.native.failed() || self.sole.failed() || self.disk.failed()
    }
}

#[test]
fn conformance() {
    let source_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance");
    let all = test_names(&source_dir);
    assert!(
        all.len() >= 40,
        "only {} conformance tests in {}",
        all.len(),
        source_dir.display()
    );
    let tests = only_the_chosen(all, &source_dir);
    for variant in &VARIANTS {
        check_compiler(variant);
    }

    // The programs go where the guest can find them at the same absolute
    // path, with no symbolic link in the way (/proc/self/exe must equal
    // argv[0]).
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    fs::create_dir_all(&out_dir).expect("cannot create the build directory");
    let out_dir = out_dir.canonicalize().expect("the build directory exists");

    let mut cases: Vec<Case> = VARIANTS
        .iter()
        .flat_map(|variant| {
            let out_dir = &out_dir;
            tests.iter().map(move |test| Case {
                test: test.clone(),
                variant: *variant,
                binary: out_dir.join(variant.name()).join(test),
                native: Outcome::Skip("not run".into()),
                sole: Outcome::Skip("not run".into()),
                disk: Outcome::Skip("not run".into()),
            })
        })
        .collect();

    let cores = thread::available_parallelism().map_or(2, |n| n.get());
    progress(&format!(
        "conformance: building {} programs in {}",
        cases.len(),
        out_dir.display()
    ));
    let built = parallel(&cases, cores, |_, case| {
        build(&source_dir, &case.test, &case.variant, &case.binary)
    });
    progress("conformance: running them natively");
    let native = parallel(&cases, cores, |i, case| match &built[i] {
        Ok(()) => run_native(&case.binary),
        Err(why) => Outcome::Fail(format!("build failed:\n{why}")),
    });
    for (case, outcome) in cases.iter_mut().zip(native) {
        case.native = outcome;
    }

    let native_only = std::env::var(NATIVE_ONLY_VAR).is_ok_and(|v| v == "1");
    let everything = std::env::var(ALL_VAR).is_ok_and(|v| v == "1");
    if native_only {
        for case in &mut cases {
            case.sole = Outcome::Skip(format!("{NATIVE_ONLY_VAR}=1"));
            case.disk = Outcome::Skip(format!("{NATIVE_ONLY_VAR}=1"));
        }
    } else {
        progress(&format!(
            "conformance: running them in Sole from an initrd and from a disk image \
             (TCG, {SOLE_JOBS} at a time)"
        ));
        let runs: Vec<(&Case, Root)> = cases
            .iter()
            .flat_map(|case| Root::BOTH.map(|root| (case, root)))
            .collect();
        let sole = parallel(&runs, SOLE_JOBS, |_, &(case, root)| {
            if case.native.failed() {
                Outcome::Skip("fails natively".into())
            } else if let Some(why) = not_in_sole(case).filter(|_| !everything) {
                Outcome::Skip(why)
            } else {
                run_in_sole(case, root)
            }
        });
        let mut sole = sole.into_iter();
        for case in &mut cases {
            for root in Root::BOTH {
                let outcome = sole.next().expect("one outcome per case and root");
                match root {
                    Root::Initrd => case.sole = outcome,
                    Root::Disk => case.disk = outcome,
                }
            }
        }
    }

    let report = report(&cases, native_only);
    // Straight to stderr, past the test harness's capture: the table is
    // the point of running the suite.
    let _ = io::stderr().write_all(report.as_bytes());
    let _ = fs::write(out_dir.join("report.txt"), &report);

    let mut failures = failure_details(&cases);
    if failures.len() > DETAILED_FAILURES {
        let more = failures.len() - DETAILED_FAILURES;
        failures.truncate(DETAILED_FAILURES);
        failures.push(format!("... and {more} more failures"));
    }
    assert!(
        failures.is_empty(),
        "{}\n(the table: {})",
        failures.join("\n\n"),
        out_dir.join("report.txt").display()
    );
}

/// The tests in `dir`: the stems of its `*.c` files, sorted.
fn test_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "c").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    names.sort();
    names
}

/// The tests `SOLE_CONFORMANCE_ONLY` names, if it is set; else all.
fn only_the_chosen(all: Vec<String>, dir: &Path) -> Vec<String> {
    let Ok(list) = std::env::var(ONLY_VAR) else {
        return all;
    };
    let chosen: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
    for name in &chosen {
        assert!(
            all.contains(name),
            "{ONLY_VAR} names `{name}`, which is not a test in {}",
            dir.display()
        );
    }
    all.into_iter().filter(|t| chosen.contains(t)).collect()
}

/// Why `case` is not run in Sole yet, if it is not.
fn not_in_sole(case: &Case) -> Option<String> {
    if !SOLE_VARIANTS.contains(&case.variant) {
        return Some(format!("{} waits for the kernel", case.variant.name()));
    }
    WAITING_FOR_KERNEL
        .iter()
        .find(|(test, _)| *test == case.test)
        .map(|(_, what)| format!("waits for {what}"))
}

/// Fails, naming the Debian package, if `variant`'s compiler or C library
/// is missing.
fn check_compiler(variant: &Variant) {
    let install = format!(
        "install the Debian package {} (`cargo xtask setup` does)",
        variant.packages()
    );
    let runs = Command::new(variant.compiler())
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        runs,
        "the conformance suite needs `{}` for its {} variant: {install}",
        variant.compiler(),
        variant.name()
    );
    // A static link needs the static C library, a dynamic one the shared.
    let library = if variant.is_static() {
        "libc.a"
    } else {
        "libc.so"
    };
    let libc = Command::new(variant.compiler())
        .arg(format!("-print-file-name={library}"))
        .output()
        .ok()
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    assert!(
        libc.as_deref()
            .is_some_and(|p| p.is_absolute() && p.is_file()),
        "`{}` has no C library ({library}) for the {} variant: {install}",
        variant.compiler(),
        variant.name()
    );
}

/// Compiles `test` with `variant` into `binary`; the compiler's messages
/// on failure.
fn build(source_dir: &Path, test: &str, variant: &Variant, binary: &Path) -> Result<(), String> {
    let dir = binary.parent().expect("binaries live in a directory");
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let out = Command::new(variant.compiler())
        .args(variant.flags())
        .args(CFLAGS)
        .arg("-o")
        .arg(binary)
        // From the source directory, so that messages name `test.c:LINE`.
        .current_dir(source_dir)
        .arg(format!("{test}.c"))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", variant.compiler()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {}: {}\n{}",
            variant.compiler(),
            variant.flags().join(" "),
            describe(out.status),
            String::from_utf8_lossy(&out.stderr).trim_end()
        ))
    }
}

/// Runs `binary` on this machine as Sole would: from `/`, with Sole's
/// default environment, stdin empty (`/dev/null`), no terminal.
fn run_native(binary: &Path) -> Outcome {
    let spawned = Command::new(binary)
        .current_dir("/")
        .env_clear()
        .envs(DEFAULT_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return Outcome::Fail(format!("cannot run {}: {e}", binary.display())),
    };
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let stdout = thread::spawn(move || read_lossy(stdout));
    let stderr = thread::spawn(move || read_lossy(stderr));

    let deadline = Instant::now() + NATIVE_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("still running after {NATIVE_TIMEOUT:?}; killed it"));
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => break Err(format!("cannot wait for it: {e}")),
        }
    };
    let mut text = stdout.join().expect("reader does not panic");
    text.push_str(&stderr.join().expect("reader does not panic"));
    let status = status.and_then(|s| s.code().ok_or_else(|| describe(s)));
    judge(status, &text)
}

/// Runs `case` in Sole as `sole run PROGRAM` does (packed into an initrd
/// at its absolute path, with what it loads itself, see [`DLOPENED`]) or
/// as `sole build` and `sole run IMAGE` do (the same files in a disk
/// image), booted under TCG, its console read back.
fn run_in_sole(case: &Case, root: Root) -> Outcome {
    let adds = match dlopened(case) {
        Ok(adds) => adds,
        Err(why) => return Outcome::Fail(why),
    };
    retrying_a_hang(|| {
        let booted = match root {
            Root::Initrd => boot_program(&case.binary, adds.clone()),
            Root::Disk => boot_image(&case.binary, adds.clone()),
        };
        match booted {
            Ok((status, console)) => judge(Ok(i32::from(status)), &console),
            Err(why) => Outcome::Fail(why),
        }
    })
}

/// `run`'s outcome, run again (up to [`HANG_RETRIES`] times) while it
/// hangs: a pass after a hang is [`Outcome::PassAfterHang`].
fn retrying_a_hang(mut run: impl FnMut() -> Outcome) -> Outcome {
    let mut hangs = Vec::new();
    loop {
        match run() {
            Outcome::Fail(why) if why.contains(HANG) && hangs.len() < HANG_RETRIES as usize => {
                hangs.push(why);
            }
            Outcome::Pass(checks) if !hangs.is_empty() => {
                return Outcome::PassAfterHang(checks, hangs.join("\n"));
            }
            other => return other,
        }
    }
}

/// What `sole::run::boot` says of a VM stopped at its time limit.
const HANG: &str = "did not finish within";

/// Libraries a dynamic test loads with dlopen(3): `sole run` packs what the
/// program needs (DT_NEEDED, and the libgcc_s.so.1 glibc loads itself), not
/// these.
const DLOPENED: &[(&str, &[&str])] = &[("dlopen", &["libm.so.6"])];

/// The libraries `case` dlopens, found as the compiler finds them, at
/// their real paths.
fn dlopened(case: &Case) -> Result<Vec<AddSpec>, String> {
    if case.variant.is_static() {
        return Ok(Vec::new());
    }
    let names = DLOPENED
        .iter()
        .filter(|(test, _)| *test == case.test)
        .flat_map(|(_, names)| names.iter());
    let mut adds = Vec::new();
    for name in names {
        let out = Command::new(case.variant.compiler())
            .arg(format!("-print-file-name={name}"))
            .output()
            .map_err(|e| format!("cannot run {}: {e}", case.variant.compiler()))?;
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let path = path
            .canonicalize()
            .map_err(|e| format!("{name} ({}): {e}", path.display()))?;
        adds.push(AddSpec {
            src: path,
            dest: None,
        });
    }
    Ok(adds)
}

/// The Sole side in one place: the guest's exit status and console text.
fn boot_program(binary: &Path, adds: Vec<AddSpec>) -> Result<(u8, String), String> {
    let spec = ProgramSpec {
        program: binary.to_path_buf(),
        adds,
        ..ProgramSpec::default()
    };
    let initrd = spec.pack().map_err(|e| format!("{e:#}"))?;
    let options = BootOptions {
        accel: AccelChoice::Tcg,
        // Two CPUs, so threads really run at once (and migrate).
        cpus: SOLE_CPUS,
        mem: sole::program::memory_for(initrd.size(), None).map_err(|e| format!("{e:#}"))?,
        timeout: Some(SOLE_TIMEOUT),
        initrd: Some(initrd.path().to_path_buf()),
        ..BootOptions::default()
    };
    let boot = boot_capturing(&options)?;
    Ok((boot.status, boot.console.text))
}

/// The Sole side from a disk image: `sole build` writes `binary` (and
/// `adds`) into `BINARY.img` beside it, `sole run IMAGE` boots it with the
/// image as its root. The test's scratch directory is made in `/`
/// (`SOLE_SCRATCH_DIR`, see `sole_test.h`), on the disk, as /tmp is a
/// tmpfs there too. A fresh image each time: what an earlier run wrote is
/// gone.
fn boot_image(binary: &Path, adds: Vec<AddSpec>) -> Result<(u8, String), String> {
    let image = binary.with_extension("img");
    ProgramSpec {
        program: binary.to_path_buf(),
        adds,
        env: vec![EnvVar {
            key: "SOLE_SCRATCH_DIR".to_owned(),
            value: "/".to_owned(),
        }],
        ..ProgramSpec::default()
    }
    .build(&image, ImageFormat::Disk { size: None })
    .map_err(|e| format!("sole build: {e:#}"))?;
    let initrd = ProgramSpec {
        program: image.clone(),
        ..ProgramSpec::default()
    }
    .pack()
    .map_err(|e| format!("{e:#}"))?;
    if initrd.disk() != Some(image.as_path()) {
        return Err(format!("{} does not boot as a disk image", image.display()));
    }
    let mut options = BootOptions {
        accel: AccelChoice::Tcg,
        cpus: SOLE_CPUS,
        timeout: Some(SOLE_TIMEOUT),
        ..BootOptions::default()
    };
    initrd
        .boot_into(&mut options, None)
        .map_err(|e| format!("{e:#}"))?;
    let boot = boot_capturing(&options)?;
    Ok((boot.status, boot.console.text))
}

/// Boots `options`; on a failure (a run that never ended, above all) the
/// error ends with the last lines the guest printed, to show where.
fn boot_capturing(options: &BootOptions) -> Result<sole::run::Boot, String> {
    let echo = Echo::default();
    sole::run::boot(options, Box::new(echo.clone())).map_err(|e| {
        let text = String::from_utf8_lossy(&echo.0.lock().expect("no writer panics")).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        format!("{e:#}; the guest's last lines:\n{}", tail(&lines, 15))
    })
}

/// What the guest printed, kept as `sole::run::boot` echoes it.
#[derive(Clone, Default)]
struct Echo(std::sync::Arc<Mutex<Vec<u8>>>);

impl Write for Echo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .expect("no writer panics")
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Decides how a run went from its exit status (or why there is none) and
/// its output: it passes if it exited 0, printed its summary line with no
/// failures, and printed no `not ok` or `Bail out!` line.
fn judge(status: Result<i32, String>, output: &str) -> Outcome {
    let lines: Vec<&str> = output.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut problems = Vec::new();
    match &status {
        Ok(0) => {}
        Ok(code) => problems.push(format!("exit status {code}")),
        Err(why) => problems.push(why.clone()),
    }
    let not_ok: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("not ok") || l.starts_with("Bail out!"))
        .collect();
    if let Some(first) = not_ok.first() {
        problems.push(format!("{} failed, first: {first}", not_ok.len()));
    }
    let summary = lines.iter().rev().find_map(|l| summary_line(l));
    match summary {
        None => problems.push("no `# N passed, M failed` line".to_owned()),
        Some((_, failed)) if failed > 0 => {
            problems.push(format!("its summary says {failed} failed"));
        }
        Some(_) => {}
    }
    match (problems.is_empty(), summary) {
        (true, Some((passed, _))) => Outcome::Pass(passed),
        _ => Outcome::Fail(format!("{}\n{}", problems.join("; "), tail(&lines, 15))),
    }
}

/// `(passed, failed)` from a `# N passed, M failed` line.
fn summary_line(line: &str) -> Option<(u32, u32)> {
    let rest = line.strip_prefix("# ")?;
    let (passed, rest) = rest.split_once(" passed, ")?;
    let failed = rest.strip_suffix(" failed")?;
    Some((passed.parse().ok()?, failed.parse().ok()?))
}

/// The last `n` lines, indented, to show with a failure.
fn tail(lines: &[&str], n: usize) -> String {
    let skip = lines.len().saturating_sub(n);
    let mut out = String::new();
    if skip > 0 {
        out.push_str(&format!("    ... ({skip} lines before)\n"));
    }
    for line in &lines[skip..] {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The table, the summary lines, and a note when Sole was skipped.
fn report(cases: &[Case], native_only: bool) -> String {
    let rows: Vec<[String; 5]> = cases
        .iter()
        .map(|c| {
            [
                c.test.clone(),
                c.variant.name().to_owned(),
                c.native.to_string(),
                c.sole.to_string(),
                c.disk.to_string(),
            ]
        })
        .collect();
    let header = [
        "test",
        "variant",
        "native",
        Root::Initrd.column(),
        Root::Disk.column(),
    ]
    .map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    let failed = cases.iter().filter(|c| c.failed()).count();
    let passed = cases.len() - failed;
    if native_only {
        out.push_str(&format!(
            "(Sole not run: {NATIVE_ONLY_VAR}=1; `passed` counts native runs)\n"
        ));
    }
    for case in cases {
        for root in Root::BOTH {
            if let Outcome::PassAfterHang(_, why) = case.in_sole(root) {
                out.push_str(&format!(
                    "HANG (passed when run again): {} ({}) in {}: {why}\n",
                    case.test,
                    case.variant.name(),
                    root.column()
                ));
            }
        }
    }
    out.push_str(&format!("conformance: {passed} passed, {failed} failed\n"));
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    out
}

/// One paragraph per failure: broken tests first (they fail on Linux),
/// then failures in Sole.
fn failure_details(cases: &[Case]) -> Vec<String> {
    let mut out = Vec::new();
    for case in cases {
        if let Outcome::Fail(why) = &case.native {
            out.push(format!(
                "broken test: {} ({}) fails natively: {why}",
                case.test,
                case.variant.name()
            ));
        }
    }
    for root in Root::BOTH {
        for case in cases {
            if let Outcome::Fail(why) = case.in_sole(root) {
                let from = match root {
                    Root::Initrd => "",
                    Root::Disk => " from a disk image",
                };
                out.push(format!(
                    "{} ({}) fails in Sole{from}: {why}",
                    case.test,
                    case.variant.name()
                ));
            }
        }
    }
    out
}

/// Applies `f` to every item (with its index), `jobs` at a time; results
/// in order.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(i, item);
                    results.lock().expect("no worker panics")[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .map(|r| r.expect("every item was done"))
        .collect()
}

/// Prints a progress line past the test harness's capture.
fn progress(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

fn read_lossy(mut from: impl Read) -> String {
    let mut bytes = Vec::new();
    let _ = from.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// How a process ended, in words.
fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => status.to_string(),
    }
}

#[test]
fn a_clean_run_passes() {
    let output = "ok 1 - a\nok 2 - b\n# note\n# 2 passed, 0 failed\n";
    assert_eq!(judge(Ok(0), output), Outcome::Pass(2));
    // The console may end lines with CR LF, and the kernel may print
    // around the program's output.
    let console = "Sole 0.1.0: 127 MiB RAM\r\nok 1 - a\r\n# 1 passed, 0 failed\r\n";
    assert_eq!(judge(Ok(0), console), Outcome::Pass(1));
}

#[test]
fn any_sign_of_failure_fails() {
    let failed = |status, output| judge(status, output).failed();
    assert!(failed(Ok(1), "ok 1 - a\n# 1 passed, 0 failed\n"));
    assert!(failed(
        Ok(0),
        "ok 1 - a\nnot ok 2 - b\n# 1 passed, 0 failed\n"
    ));
    assert!(failed(Ok(0), "ok 1 - a\n# 1 passed, 1 failed\n"));
    assert!(failed(Ok(0), "ok 1 - a\n"));
    assert!(failed(Ok(0), "Bail out! mmap\n# 0 passed, 0 failed\n"));
    assert!(failed(
        Err("killed by signal 11".into()),
        "# 1 passed, 0 failed\n"
    ));
    let Outcome::Fail(why) = judge(Ok(3), "not ok 1 - x (a.c:1: y)\n") else {
        panic!("a failure");
    };
    assert!(why.contains("exit status 3"), "{why}");
    assert!(why.contains("not ok 1 - x"), "{why}");
}

#[test]
fn a_hang_is_run_again_once_and_named() {
    let script = |outcomes: Vec<Outcome>| {
        let mut outcomes = outcomes.into_iter();
        retrying_a_hang(|| outcomes.next().expect("no more runs than scripted"))
    };
    let hang = || Outcome::Fail(format!("the VM {HANG} 60 s; stopped it"));
    assert_eq!(script(vec![Outcome::Pass(3)]), Outcome::Pass(3));
    assert!(matches!(
        script(vec![hang(), Outcome::Pass(3)]),
        Outcome::PassAfterHang(3, _)
    ));
    // Two hangs, or a hang then another failure, fail.
    assert_eq!(script(vec![hang(), hang()]), hang());
    let other = Outcome::Fail("exit status 1".into());
    assert_eq!(script(vec![hang(), other.clone()]), other);
    // Other failures are not run again.
    assert_eq!(script(vec![other.clone()]), other);
}

#[test]
fn summary_lines_are_read_exactly() {
    assert_eq!(summary_line("# 12 passed, 3 failed"), Some((12, 3)));
    assert_eq!(summary_line("# lots passed, 0 failed"), None);
    assert_eq!(summary_line("12 passed, 3 failed"), None);
}

#[test]
fn work_is_shared_out_and_comes_back_in_order() {
    let items: Vec<u32> = (0..50).collect();
    let doubled = parallel(&items, 3, |i, item| (i, item * 2));
    assert_eq!(
        doubled,
        (0..50).map(|i| (i as usize, i * 2)).collect::<Vec<_>>()
    );
    assert!(parallel(&[] as &[u32], 2, |_, item| *item).is_empty());
}
