//! Builds the Sole kernel for `x86_64-unknown-none` and hands it to the `sole`
//! crate, which embeds it (`include_bytes!`), so `target/release/sole` is one
//! self-contained file that works from any directory.
//!
//! The kernel is built by a nested `cargo build` into its own target directory
//! (`target/kernel`), always with the release profile: a debug kernel is slow
//! and large, and the host tool's profile says nothing about the guest's. After
//! linking, the kernel's symbol table is written into its `.ksyms` segment
//! (see `ksyms.rs`) so that fault reports name functions.
#![deny(unsafe_code)]

mod ksyms;

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const KERNEL_TARGET: &str = "x86_64-unknown-none";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("tools/ sits in the workspace")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    for dir in ["kernel", "loader", "syscalls", "rootfs"] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "rust-toolchain.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(file).display());
    }
    println!("cargo:rerun-if-changed=build");

    // SOLE_KERNEL_ELF names an already linked kernel to embed instead of
    // building one (another kernel build, or a known-good one while the kernel
    // is being changed).
    println!("cargo:rerun-if-env-changed=SOLE_KERNEL_ELF");
    let elf = match env::var_os("SOLE_KERNEL_ELF") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            path
        }
        None => build_kernel(&workspace),
    };
    let linked = std::fs::read(&elf)
        .unwrap_or_else(|e| panic!("cannot read the kernel {}: {e}", elf.display()));
    let with_symbols = ksyms::inject(&linked)
        .unwrap_or_else(|e| panic!("cannot add the symbol table to {}: {e}", elf.display()));
    let dest = out_dir.join("sole-kernel.elf");
    std::fs::write(&dest, with_symbols)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

/// Runs `cargo build` for the kernel and returns the path of the linked ELF.
fn build_kernel(workspace: &Path) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = workspace.join("target").join("kernel");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace)
        .args(["build", "--release", "--locked", "--package", "kernel"])
        .args(["--target", KERNEL_TARGET])
        .arg("--target-dir")
        .arg(&target_dir);
    // The outer build's flags are for the host; the kernel's come from
    // .cargo/config.toml's [target.x86_64-unknown-none] section.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CLIPPY_ARGS",
        "CLIPPY_CONF_DIR",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the kernel: {e}"));
    assert!(
        status.success(),
        "building the kernel failed ({status}); run `cargo build -p kernel --target {KERNEL_TARGET} --release` to see why"
    );
    target_dir
        .join(KERNEL_TARGET)
        .join("release")
        .join("sole-kernel")
}
