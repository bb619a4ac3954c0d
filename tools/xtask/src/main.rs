//! Developer tasks, one runner for all (`cargo xtask TASK`):
//!
//! - `setup`: install what a fresh Debian machine lacks (QEMU, the C
//!   compilers and libraries the conformance suite builds with, the kernel's
//!   Rust target).
//! - `demo`: setup, build everything, boot Sole.
//! - `test`: setup, then the whole test suite (host tests, kernel selftests and
//!   boot tests under QEMU, the syscall conformance suite, repository policy).
//! - `lint`: `cargo fmt --check` and clippy for host crates and the kernel.
//! - `ci`: setup, lint, test: what `.ci/run` runs.
#![deny(unsafe_code)]

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

const KERNEL_TARGET: &str = "x86_64-unknown-none";

/// Debian packages the build and tests need, with what shows each is
/// present. The conformance suite (`tests/integration/conformance.rs`)
/// builds its C programs with musl (`musl-gcc -static`) and glibc
/// (`gcc -static-pie`, which needs the static `libc.a`).
const PACKAGES: &[(&str, Probe)] = &[
    ("qemu-system-x86", Probe::Command("qemu-system-x86_64")),
    ("musl-tools", Probe::Command("musl-gcc")),
    ("gcc", Probe::Command("gcc")),
    ("libc6-dev", Probe::File("/usr/lib/x86_64-linux-gnu/libc.a")),
    // The app tests run Debian's static busybox in Sole, and dynamically
    // linked programs: C++ (g++ brings libstdc++), python3 (3.11 on Debian
    // 12), lua5.4, the sqlite3 shell (tests/integration/apps.rs).
    ("busybox-static", Probe::File("/bin/busybox")),
    ("g++", Probe::Command("g++")),
    ("python3", Probe::File("/usr/bin/python3")),
    ("lua5.4", Probe::File("/usr/bin/lua5.4")),
    ("sqlite3", Probe::File("/usr/bin/sqlite3")),
    // `sole bench`'s disk and image workloads make ext4 filesystems
    // (`mkfs.ext4`) and read their block counts (`dumpe2fs`); both are in
    // /usr/sbin, which a user's PATH may lack.
    ("e2fsprogs", Probe::File("/usr/sbin/mkfs.ext4")),
];

/// How to tell that a package is installed.
#[derive(Debug, Clone, Copy)]
enum Probe {
    /// A command it provides is on `PATH`.
    Command(&'static str),
    /// A file it provides exists.
    File(&'static str),
}

impl Probe {
    fn present(self) -> bool {
        match self {
            Probe::Command(program) => on_path(program),
            Probe::File(path) => Path::new(path).is_file(),
        }
    }
}

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = workspace_root();
    std::env::set_current_dir(&root).context("cannot enter the workspace")?;
    match task.as_str() {
        "setup" => setup(),
        "demo" => {
            setup()?;
            cargo(&["build", "--release"])?;
            let sole = root.join("target/release/sole");
            // The kernel alone (its banner), then a real Linux program in it.
            run(Command::new(&sole).arg("run"))?;
            run(Command::new(&sole).args(["run", "/bin/busybox", "uname", "-a"]))?;
            run(Command::new(&sole).args(["run", "/bin/busybox", "sh", "-c", DEMO_SCRIPT]))
        }
        "test" => {
            setup()?;
            test()
        }
        "lint" => lint(),
        "ci" => {
            setup()?;
            lint()?;
            test()
        }
        _ => bail!("usage: cargo xtask setup|demo|test|lint|ci"),
    }
}

/// What the demo's shell runs: builtins only (processes come later).
const DEMO_SCRIPT: &str = r#"echo "Hello from busybox sh in Sole"
while read -r line; do
  case "$line" in "model name"*) echo "CPU: ${line#*: }"; break ;; esac
done < /proc/cpuinfo
read -r up _ < /proc/uptime && echo "up for $up s""#;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/xtask is two levels down")
        .to_path_buf()
}

fn setup() -> Result<()> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .filter(|(_, probe)| !probe.present())
        .map(|(pkg, _)| *pkg)
        .collect();
    if !missing.is_empty() {
        eprintln!("xtask: installing {}", missing.join(" "));
        let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
        let apt = |args: &[&str]| -> Result<()> {
            let mut cmd = Command::new(sudo.first().copied().unwrap_or("apt-get"));
            if !sudo.is_empty() {
                cmd.arg("apt-get");
            }
            cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
            run(&mut cmd)
        };
        apt(&["update", "-q"])?;
        let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
        args.extend(&missing);
        apt(&args)?;
    }
    // rust-toolchain.toml names the target, so rustup installs it on first
    // use; asking explicitly gives a clear error if that cannot happen.
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l == KERNEL_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup").args(["target", "add", KERNEL_TARGET])),
        Err(_) => {
            eprintln!("xtask: rustup not found; make sure the {KERNEL_TARGET} target is installed");
            Ok(())
        }
    }
}

fn test() -> Result<()> {
    cargo(&["build", "--release"])?;
    cargo(&["test", "--release", "--workspace", "--exclude", "kernel"])
}

fn lint() -> Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    // Host crates for the host; the kernel for its own target (a host check
    // of the kernel would link std through dev-dependencies' features).
    cargo(&[
        "clippy",
        "--workspace",
        "--exclude",
        "kernel",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "clippy",
        "--package",
        "kernel",
        "--target",
        KERNEL_TARGET,
        "--release",
        "--",
        "-D",
        "warnings",
    ])
}

fn cargo(args: &[&str]) -> Result<()> {
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args(args))
}

fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
