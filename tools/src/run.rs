//! Booting the kernel once: choose the accelerator, start QEMU, stream the
//! console, enforce the time limit, and turn how the VM ended into the
//! guest's exit status.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use crate::accel::{self, AccelChoice};
use crate::cache::Cache;
use crate::console::{Banner, Console, Transcript};
use crate::mem_size::MemSize;
use crate::qemu::{self, Accel, Machine, VmConfig};

/// The kernel's console log level (`log=` on its command line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Errors and warnings (the kernel's default).
    Warn,
    /// Also progress messages.
    Info,
    /// Also details for debugging.
    Debug,
    /// Everything.
    Trace,
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        })
    }
}

/// How to boot the kernel.
#[derive(Debug, Clone)]
pub struct BootOptions {
    /// The QEMU machine.
    pub machine: Machine,
    /// The accelerator wanted.
    pub accel: AccelChoice,
    /// Guest memory.
    pub mem: MemSize,
    /// Number of vCPUs (1..=255).
    pub cpus: u16,
    /// Run the kernel's own unit tests, then exit.
    pub selftest: bool,
    /// The console log level. `None`: the kernel's default (warn) when it
    /// boots alone, errors only when it runs a program, so the console
    /// carries the program's output (`--log warn` shows what Sole refused).
    pub log: Option<LogLevel>,
    /// More kernel command-line words (`crash=page-fault`, ...).
    pub kernel_args: Vec<String>,
    /// Count instructions for guest time (TCG only).
    pub icount: bool,
    /// Stop QEMU after this long.
    pub timeout: Option<Duration>,
    /// The initrd to pass as the PVH module (the packed program).
    pub initrd: Option<PathBuf>,
    /// A raw disk image to attach as a virtio-blk device.
    pub disk: Option<PathBuf>,
    /// The guest's root is the filesystem on `disk` (`root=disk` on the
    /// kernel command line): the kernel mounts it as `/` and takes only the
    /// launch manifest from the initrd.
    pub root_disk: bool,
    /// What the guest's console reads.
    pub input: Input,
}

/// What the guest reads from its console. Input reaches the guest's serial
/// port through QEMU's standard input (a pipe: QEMU never touches the user's
/// terminal, which keeps doing echo and line editing); its end is sent as
/// ^D (EOT), which the kernel reads as end of file from then on, as a
/// terminal in canonical mode does. A 0x04 byte in the input ends it too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Input {
    /// Nothing: reads see end of file.
    #[default]
    Eof,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// This process's standard input, until it ends.
    Stdin,
}

/// The byte that ends console input (ASCII EOT, ^D).
const EOT: u8 = 0x04;

impl Default for BootOptions {
    /// One CPU, 128 MiB, q35, `auto` accelerator, no time limit, no
    /// initrd.
    fn default() -> Self {
        Self {
            machine: Machine::default(),
            accel: AccelChoice::default(),
            mem: MemSize::default(),
            cpus: 1,
            selftest: false,
            log: None,
            kernel_args: Vec::new(),
            icount: false,
            timeout: None,
            initrd: None,
            disk: None,
            root_disk: false,
            input: Input::Eof,
        }
    }
}

impl BootOptions {
    /// The kernel command line these options ask for.
    pub fn kernel_command_line(&self) -> Result<String> {
        let mut words = Vec::new();
        let level = match (self.log, &self.initrd) {
            (Some(level), _) => Some(level),
            (None, Some(_)) => Some(LogLevel::Error),
            (None, None) => None,
        };
        if let Some(level) = level {
            words.push(format!("log={level}"));
        }
        if self.selftest {
            words.push("selftest".to_owned());
        }
        if self.root_disk {
            if self.disk.is_none() {
                bail!("root=disk needs a disk to boot from");
            }
            words.push(ROOT_DISK_WORD.to_owned());
        }
        for word in &self.kernel_args {
            if word.is_empty() || word.contains(char::is_whitespace) {
                bail!("kernel argument `{word}` must be one word without spaces");
            }
            words.push(word.clone());
        }
        Ok(words.join(" "))
    }
}

/// The kernel command-line word that makes the attached virtio-blk disk
/// the guest's root filesystem.
pub const ROOT_DISK_WORD: &str = "root=disk";

/// How a boot went.
#[derive(Debug, Clone)]
pub struct Boot {
    /// The guest's exit status.
    pub status: u8,
    /// What the console showed (without the exit marker) and said.
    pub console: Transcript,
    /// The accelerator used.
    pub accel: Accel,
    /// From starting QEMU until it exited.
    pub wall_time: Duration,
}

impl Boot {
    /// The kernel's ready line, if it printed one.
    pub fn banner(&self) -> Option<&Banner> {
        self.console.banner.as_ref()
    }
}

/// A VM ready to start: the QEMU binary and its configuration.
#[derive(Debug, Clone)]
pub struct PreparedVm {
    /// The QEMU binary.
    pub qemu: PathBuf,
    /// The VM.
    pub config: VmConfig,
}

/// Finds QEMU, chooses the accelerator (saying on stderr, in one line, why
/// `auto` falls back to TCG), and stores the embedded kernel where QEMU can
/// read it.
pub fn prepare(options: &BootOptions) -> Result<PreparedVm> {
    if let Some(disk) = &options.disk
        && !disk.is_file()
    {
        bail!("--disk {}: not a file", disk.display());
    }
    let qemu = qemu::find_qemu()?;
    let cache = Cache::open()?;
    let decision = accel::decide(options.accel, options.icount, &qemu, &cache)?;
    if let Some(note) = &decision.note {
        eprintln!("sole: {note}");
    }
    let kernel = cache
        .content_file("sole-kernel", "elf", crate::KERNEL_ELF)
        .context("cannot store the kernel where QEMU can read it")?;
    let config = VmConfig {
        machine: options.machine,
        accel: decision.accel,
        mem: options.mem,
        cpus: options.cpus,
        icount: options.icount,
        kernel,
        append: options.kernel_command_line()?,
        initrd: options.initrd.clone(),
        disk: options.disk.clone(),
    };
    Ok(PreparedVm { qemu, config })
}

/// Boots the embedded kernel with `options`, copying its console output to
/// `echo` as it arrives. Fails if QEMU cannot run, the VM stops without an
/// exit status, or the time limit passes.
pub fn boot(options: &BootOptions, echo: Box<dyn Write + Send>) -> Result<Boot> {
    let vm = prepare(options)?;
    boot_vm_with_input(
        &vm.qemu,
        &vm.config,
        options.timeout,
        echo,
        options.input.clone(),
    )
}

/// Boots the VM `config` describes with `qemu`, with no console input; see
/// [`boot`].
pub fn boot_vm(
    qemu: &Path,
    config: &VmConfig,
    timeout: Option<Duration>,
    echo: Box<dyn Write + Send>,
) -> Result<Boot> {
    boot_vm_with_input(qemu, config, timeout, echo, Input::Eof)
}

/// Boots the VM `config` describes with `qemu`, feeding `input` to its
/// console; see [`boot`].
pub fn boot_vm_with_input(
    qemu: &Path,
    config: &VmConfig,
    timeout: Option<Duration>,
    echo: Box<dyn Write + Send>,
    input: Input,
) -> Result<Boot> {
    let mut command = config.command(qemu)?;
    let started = Instant::now();
    let mut child = command
        // A pipe, never the user's terminal: QEMU would put a terminal in
        // raw mode (and a killed QEMU would leave it so).
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", qemu.display()))?;
    let to_guest = child.stdin.take().expect("stdin is piped");
    // The feeder may stay blocked on our own stdin after the VM is gone;
    // it is not joined.
    thread::spawn(move || feed_console(to_guest, input));

    let (events_tx, events) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    let console = thread::spawn(move || stream_console(stdout, echo, &events_tx));
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr = thread::spawn(move || read_lossy(stderr));

    let ending = wait_for_end(&events, timeout.map(|limit| started + limit), EXIT_GRACE);
    if ending != Ending::Closed {
        let _ = child.kill();
    }
    let exit = child
        .wait()
        .with_context(|| format!("cannot wait for {}", qemu.display()))?;
    let wall_time = started.elapsed();
    let console = console.join().expect("console thread does not panic");
    let stderr = stderr.join().expect("stderr thread does not panic");

    if ending == Ending::TimedOut {
        let limit = timeout.expect("only a time limit times out");
        bail!(
            "the VM did not finish within {}; stopped it{}",
            format_duration(limit),
            qemu_said(&stderr)
        );
    }
    let status = exit_status(console.exit_status, exit.code(), !console.text.is_empty())
        .map_err(|e| anyhow!("{e}{}", qemu_said(&stderr)))?;
    Ok(Boot {
        status,
        console,
        accel: config.accel,
        wall_time,
    })
}

/// Copies `input` to the guest's console, then the end-of-input byte, and
/// closes the pipe (QEMU reads what is queued before it sees the close).
fn feed_console(mut to_guest: std::process::ChildStdin, input: Input) {
    let mut send = |bytes: &[u8]| to_guest.write_all(bytes).and_then(|()| to_guest.flush());
    let copied = match input {
        Input::Eof => Ok(()),
        Input::Bytes(bytes) => send(&bytes),
        Input::Stdin => {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 4096];
            loop {
                match std::io::Read::read(&mut stdin, &mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => {
                        if let Err(e) = send(&buf[..n]) {
                            break Err(e);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            }
        }
    };
    if copied.is_ok() {
        // The VM may already be gone; then nobody is left to tell.
        let _ = send(&[EOT]);
    }
}

/// How long QEMU may linger after the kernel printed its exit marker. It
/// normally exits at once (isa-debug-exit, or a reset with `-no-reboot`);
/// if the kernel's way out failed, the marker still says how it ended.
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// What the console thread reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConsoleEvent {
    /// The kernel printed its exit marker.
    ExitMarker,
    /// QEMU closed the console, as it does when it exits.
    Closed,
}

/// How waiting for QEMU ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// QEMU closed its output: it has exited.
    Closed,
    /// The time limit passed before the kernel said how it ended.
    TimedOut,
    /// QEMU outlived the exit marker by [`EXIT_GRACE`].
    Lingered,
}

/// Waits for QEMU to finish, until `deadline` if there is one, and for at
/// most `grace` after the exit marker.
fn wait_for_end(
    events: &mpsc::Receiver<ConsoleEvent>,
    deadline: Option<Instant>,
    grace: Duration,
) -> Ending {
    let mut deadline = deadline;
    let mut marked = false;
    loop {
        let event = match deadline {
            Some(at) => events.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => events
                .recv()
                .map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        };
        match event {
            Ok(ConsoleEvent::Closed) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Ending::Closed;
            }
            Ok(ConsoleEvent::ExitMarker) => {
                marked = true;
                let grace = Instant::now() + grace;
                deadline = Some(deadline.map_or(grace, |at| at.min(grace)));
            }
            Err(mpsc::RecvTimeoutError::Timeout) if marked => return Ending::Lingered,
            Err(mpsc::RecvTimeoutError::Timeout) => return Ending::TimedOut,
        }
    }
}

/// Copies the console to `echo` as it arrives, until QEMU closes it; tells
/// `events` when the exit marker has passed and when the console closes.
fn stream_console(
    mut from: impl Read,
    mut echo: Box<dyn Write + Send>,
    events: &mpsc::Sender<ConsoleEvent>,
) -> Transcript {
    let mut console = Console::new();
    let mut buf = [0u8; 4096];
    let mut show = Vec::new();
    let mut marked = false;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        show.clear();
        console.feed(&buf[..n], &mut show);
        // A user who closed our stdout still wants the exit status.
        let _ = echo.write_all(&show).and_then(|()| echo.flush());
        if !marked && console.exit_status().is_some() {
            marked = true;
            let _ = events.send(ConsoleEvent::ExitMarker);
        }
    }
    show.clear();
    let transcript = console.finish(&mut show);
    let _ = echo.write_all(&show).and_then(|()| echo.flush());
    let _ = events.send(ConsoleEvent::Closed);
    transcript
}

fn read_lossy(mut from: impl Read) -> String {
    let mut bytes = Vec::new();
    let _ = from.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The guest's exit status from the exit marker (authoritative) or QEMU's
/// exit code (isa-debug-exit gives `(status << 1) | 1`, so only statuses
/// below 128 survive the OS's 8 bits). An exit code of 1 with no guest
/// output is QEMU failing to start, not a guest exiting with 0.
pub fn exit_status(
    marker: Option<u8>,
    qemu_code: Option<i32>,
    guest_wrote: bool,
) -> Result<u8, String> {
    if let Some(status) = marker {
        return Ok(status);
    }
    match qemu_code {
        None => Err("QEMU was killed by a signal".to_owned()),
        Some(0) => Err("the VM stopped without reporting an exit status".to_owned()),
        Some(code) if code % 2 == 1 && (guest_wrote || code != 1) => {
            Ok(u8::try_from(code >> 1).expect("an exit code fits in 8 bits"))
        }
        Some(code) => Err(format!("QEMU failed (exit code {code})")),
    }
}

/// QEMU's error output, as a suffix for an error message.
fn qemu_said(stderr: &str) -> String {
    let stderr = stderr.trim();
    if stderr.is_empty() {
        String::new()
    } else {
        format!("; QEMU said:\n{stderr}")
    }
}

fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        format!("{} ms", d.as_millis())
    } else if secs.fract() == 0.0 {
        format!("{secs} s")
    } else {
        format!("{secs:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_wins_over_the_exit_code() {
        assert_eq!(exit_status(Some(200), Some(0), true), Ok(200));
        assert_eq!(exit_status(Some(3), Some(145), true), Ok(3));
        assert_eq!(exit_status(Some(0), None, false), Ok(0));
    }

    #[test]
    fn odd_exit_codes_carry_the_status() {
        assert_eq!(exit_status(None, Some(1), true), Ok(0));
        assert_eq!(exit_status(None, Some(7), false), Ok(3));
        assert_eq!(exit_status(None, Some(251), true), Ok(125));
    }

    #[test]
    fn everything_else_is_an_error() {
        let err = exit_status(None, Some(0), true).unwrap_err();
        assert_eq!(err, "the VM stopped without reporting an exit status");
        assert!(
            exit_status(None, None, true)
                .unwrap_err()
                .contains("signal")
        );
        assert!(
            exit_status(None, Some(1), false)
                .unwrap_err()
                .contains("QEMU failed")
        );
        assert!(
            exit_status(None, Some(2), true)
                .unwrap_err()
                .contains("exit code 2")
        );
    }

    #[test]
    fn command_line_words_come_in_order_and_are_checked() {
        let mut options = BootOptions {
            selftest: true,
            log: Some(LogLevel::Debug),
            kernel_args: vec!["crash=panic".into()],
            ..BootOptions::default()
        };
        assert_eq!(
            options.kernel_command_line().unwrap(),
            "log=debug selftest crash=panic"
        );
        assert_eq!(BootOptions::default().kernel_command_line().unwrap(), "");
        options.kernel_args.push("two words".into());
        assert!(options.kernel_command_line().is_err());
        options.kernel_args = vec![String::new()];
        assert!(options.kernel_command_line().is_err());
    }

    #[test]
    fn streaming_hides_the_marker_from_the_echo() {
        #[derive(Clone, Default)]
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let echo = Shared::default();
        let input: &[u8] = b"hi\nSole 1: 10 MiB RAM, 1 CPU, ready in 5 us\n[sole-exit 9]\n";
        let (tx, rx) = mpsc::channel();
        let t = stream_console(input, Box::new(echo.clone()), &tx);
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            [ConsoleEvent::ExitMarker, ConsoleEvent::Closed]
        );
        assert_eq!(t.exit_status, Some(9));
        assert_eq!(t.banner.map(|b| b.ready_us), Some(5));
        assert_eq!(
            echo.0.lock().unwrap().as_slice(),
            b"hi\nSole 1: 10 MiB RAM, 1 CPU, ready in 5 us\n"
        );
    }

    const GRACE: Duration = Duration::from_millis(50);

    #[test]
    fn waiting_ends_when_the_console_closes_or_time_runs_out() {
        let soon = || Some(Instant::now() + Duration::from_millis(20));
        let (tx, rx) = mpsc::channel();
        tx.send(ConsoleEvent::Closed).unwrap();
        assert_eq!(wait_for_end(&rx, None, GRACE), Ending::Closed);
        assert_eq!(wait_for_end(&rx, soon(), GRACE), Ending::TimedOut);
        drop(tx);
        assert_eq!(
            wait_for_end(&rx, None, GRACE),
            Ending::Closed,
            "a dead console"
        );
    }

    #[test]
    fn qemu_gets_a_grace_period_after_the_exit_marker() {
        let (tx, rx) = mpsc::channel();
        tx.send(ConsoleEvent::ExitMarker).unwrap();
        tx.send(ConsoleEvent::Closed).unwrap();
        assert_eq!(wait_for_end(&rx, None, GRACE), Ending::Closed);

        // The marker cuts a long limit (and no limit) down to the grace.
        tx.send(ConsoleEvent::ExitMarker).unwrap();
        let started = Instant::now();
        assert_eq!(wait_for_end(&rx, None, GRACE), Ending::Lingered);
        let waited = started.elapsed();
        assert!(waited >= GRACE && waited < GRACE * 10, "{waited:?}");

        // A limit shorter than the grace still applies.
        tx.send(ConsoleEvent::ExitMarker).unwrap();
        let soon = Instant::now() + Duration::from_millis(5);
        assert_eq!(wait_for_end(&rx, Some(soon), GRACE), Ending::Lingered);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(format_duration(Duration::from_millis(20)), "20 ms");
    }
}
