//! Disk images: `sole build` writes a static program into a rootfs disk
//! image, `sole run IMAGE` boots it with the image as the guest's root
//! (`root=disk`, the manifest alone in the initrd), and what the program
//! writes is in the image afterwards, as `sole cat` reads it offline:
//! after fsync, after the sync at exit, and after a power cut once the
//! periodic writeback has run.

#![deny(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use sole::accel::AccelChoice;
use sole::disk::commands;
use sole::initrd::AddSpec;
use sole::program::ProgramSpec;
use sole::qemu::Machine;
use sole::run::{Boot, BootOptions};
use sole_tests::boot_tcg;
use sole_tests::programs::{Scratch, Variant, build_image, compile, run_image_with, source, spec};

/// `sole build -o DIR/NAME.img PROGRAM ARGS...` (a disk image).
fn build(program: PathBuf, args: &[&str], dir: &Path, name: &str) -> PathBuf {
    build_image(&spec(program, args), &dir.join(format!("{name}.img")))
}

/// `sole run IMAGE ARGS...` under TCG.
fn run_image(image: &Path, args: &[&str]) -> Boot {
    run_image_with(image, args, BootOptions::default())
}

/// `sole cat IMAGE PATH`.
fn cat(image: &Path, path: &str) -> String {
    let mut out = Vec::new();
    commands::cat(image, path, &mut out).expect("sole cat reads the file");
    String::from_utf8(out).expect("text")
}

#[test]
fn a_program_runs_from_its_disk_image() {
    let dir = Scratch::new("image-hello");
    let program = compile(&source("hello"), Variant::MuslStatic, &dir.0);
    let image = build(program, &["7", "built"], &dir.0, "hello");
    let boot = run_image(&image, &[]);
    let text = &boot.console.text;
    assert!(
        text.starts_with("argc=3\nargv[1]=7\nargv[2]=built\n"),
        "console:\n{text}"
    );
    assert_eq!(boot.status, 7, "console:\n{text}");
    // Arguments after IMAGE replace the built ones.
    let boot = run_image(&image, &["3"]);
    assert!(
        boot.console.text.starts_with("argc=2\nargv[1]=3\n"),
        "console:\n{}",
        boot.console.text
    );
    assert_eq!(boot.status, 3);
}

#[test]
fn what_a_program_writes_stays_in_its_image() {
    let dir = Scratch::new("image-append");
    let program = compile(&source("append"), Variant::MuslStatic, &dir.0);
    let image = build(program, &["/log.txt", "first"], &dir.0, "append");

    let boot = run_image(&image, &[]);
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    assert_eq!(boot.console.text, "first\nappended\n");
    assert_eq!(cat(&image, "/log.txt"), "first\n", "persisted");

    let boot = run_image(&image, &["/log.txt", "second"]);
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    assert_eq!(boot.console.text, "first\nsecond\nappended\n");
    assert_eq!(cat(&image, "/log.txt"), "first\nsecond\n");
}

/// The same on microvm, whose disk is on virtio-mmio (its completions by
/// an I/O APIC line, not MSI-X).
#[test]
fn a_program_runs_from_its_disk_image_on_microvm() {
    let dir = Scratch::new("image-microvm");
    let program = compile(&source("append"), Variant::MuslStatic, &dir.0);
    let image = build(program, &["/log.txt", "first"], &dir.0, "append");
    let options = || BootOptions {
        machine: Machine::Microvm,
        ..BootOptions::default()
    };
    let boot = run_image_with(&image, &[], options());
    assert_eq!(boot.console.text, "first\nappended\n");
    let boot = run_image_with(&image, &["/log.txt", "second"], options());
    assert_eq!(boot.console.text, "first\nsecond\nappended\n");
    assert_eq!(boot.status, 0);
    assert_eq!(cat(&image, "/log.txt"), "first\nsecond\n");
}

#[test]
fn what_a_program_writes_without_fsync_is_kept_by_the_sync_at_exit() {
    let dir = Scratch::new("image-nosync");
    let program = compile(&source("append"), Variant::MuslStatic, &dir.0);
    let image = build(
        program,
        &["/unsynced.txt", "kept", "nosync"],
        &dir.0,
        "nosync",
    );
    let boot = run_image(&image, &[]);
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    assert_eq!(cat(&image, "/unsynced.txt"), "kept\n");
}

/// The program writes without fsync and never exits; the machine is then
/// stopped as by a power cut (QEMU killed at the time limit, so there is
/// no sync at exit). The periodic writeback (every 5 s) committed the
/// write before that: on the idle CPU while the program waits (`hang`),
/// or at the end of a system call while it makes them (`spin`).
fn survives_a_power_cut(how: &str) {
    let dir = Scratch::new(&format!("image-cut-{how}"));
    let program = compile(&source("append"), Variant::MuslStatic, &dir.0);
    let image = build(program, &["/cut.txt", "kept", how], &dir.0, "cut");
    let initrd = ProgramSpec {
        program: image.clone(),
        ..ProgramSpec::default()
    }
    .pack()
    .expect("the image's manifest is read");
    let mut options = BootOptions {
        accel: AccelChoice::Tcg,
        // Boot, the write, one writeback interval, and room to spare.
        timeout: Some(Duration::from_secs(15)),
        ..BootOptions::default()
    };
    initrd
        .boot_into(&mut options, None)
        .expect("boot options for the image");
    let stopped = sole::run::boot(&options, Box::new(std::io::sink()))
        .expect_err("the program waits until the machine is stopped");
    assert!(
        format!("{stopped:#}").contains("did not finish"),
        "{stopped:#}"
    );
    assert_eq!(cat(&image, "/cut.txt"), "kept\n");
}

#[test]
fn what_a_waiting_program_wrote_survives_a_power_cut() {
    survives_a_power_cut("hang");
}

#[test]
fn what_a_busy_program_wrote_survives_a_power_cut() {
    survives_a_power_cut("spin");
}

/// What a program writes through a shared mapping (no write, msync or
/// fsync) is in the image after it exits.
#[test]
fn what_a_shared_mapping_writes_is_in_the_image() {
    let dir = Scratch::new("image-mapwrite");
    let program = compile(&source("mapwrite"), Variant::MuslStatic, &dir.0);
    let image = build(
        program,
        &["/mapped.bin", "through the mapping"],
        &dir.0,
        "map",
    );
    let boot = run_image(&image, &[]);
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    let mut bytes = Vec::new();
    commands::cat(&image, "/mapped.bin", &mut bytes).expect("sole cat");
    assert_eq!(bytes.len(), 8192);
    assert!(bytes[..4096].iter().all(|&b| b == 0));
    assert_eq!(&bytes[4096..4096 + 19], b"through the mapping");
}

/// `sole df IMAGE`'s `used` line.
fn used(image: &Path) -> String {
    let mut out = Vec::new();
    commands::df(image, &mut out).expect("sole df");
    let text = String::from_utf8(out).expect("text");
    text.lines()
        .find(|l| l.starts_with("used"))
        .unwrap_or_else(|| panic!("no used line in:\n{text}"))
        .to_owned()
}

/// A dynamic program maps its libraries privately, read-only: booting it
/// again writes nothing (the first boot makes /etc's files), so the image
/// does not grow run after run.
#[test]
fn booting_a_dynamic_program_again_leaves_the_image_as_it_was() {
    let dir = Scratch::new("image-dynamic");
    let program = compile(&source("hello"), Variant::GlibcDynamic, &dir.0);
    let image = build(program, &["0"], &dir.0, "dyn");
    let boot = run_image(&image, &[]);
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    let after_first = used(&image);
    for _ in 0..2 {
        let boot = run_image(&image, &[]);
        assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
        assert_eq!(used(&image), after_first);
    }
}

/// A file larger than the guest's memory is read whole from the image:
/// clean pages past the cache budget are let go and read again when
/// needed. busybox's sha256sum of 40 MiB in a 32 MiB guest must equal
/// the host's, and its dd copies it whole.
#[test]
fn a_file_larger_than_memory_is_read_whole_from_the_image() {
    const BUSYBOX: &str = "/bin/busybox";
    assert!(
        Path::new(BUSYBOX).is_file(),
        "{BUSYBOX} is missing: install busybox-static (`cargo xtask setup`)"
    );
    let dir = Scratch::new("image-large");
    let big = dir.0.join("big");
    // 40 MiB that does not compress (xorshift), so the disk holds it all.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..40 << 17)
        .flat_map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()
        })
        .collect();
    std::fs::write(&big, &bytes).expect("write the file");
    let native = std::process::Command::new(BUSYBOX)
        .arg("sha256sum")
        .arg(&big)
        .output()
        .expect("run busybox natively");
    assert!(native.status.success());

    let mut spec = spec(BUSYBOX.into(), &["sha256sum", &big.to_string_lossy()]);
    spec.adds.push(AddSpec {
        src: big.clone(),
        dest: None,
    });
    let image = build_image(&spec, &dir.0.join("large.img"));
    let initrd = ProgramSpec {
        program: image.clone(),
        ..ProgramSpec::default()
    }
    .pack()
    .expect("the image's manifest is read");
    let mut options = BootOptions::default();
    initrd
        .boot_into(&mut options, Some("32M".parse().expect("a size")))
        .expect("boot options for the image");
    let boot = boot_tcg(options.clone());
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    assert_eq!(boot.console.text, String::from_utf8_lossy(&native.stdout));

    // And written whole: a copy made in the same 32 MiB, with no fsync
    // (the writer commits as it goes, the rest at exit).
    let source = big.to_string_lossy().into_owned();
    let copy = ProgramSpec {
        program: image.clone(),
        args: ["dd", &format!("if={source}"), "of=/copy", "bs=1M"]
            .map(String::from)
            .to_vec(),
        ..ProgramSpec::default()
    }
    .pack()
    .expect("the image's manifest is read");
    let mut options = BootOptions::default();
    copy.boot_into(&mut options, Some("32M".parse().expect("a size")))
        .expect("boot options for the image");
    let boot = boot_tcg(options);
    assert_eq!(boot.status, 0, "console:\n{}", boot.console.text);
    let mut copied = Vec::new();
    commands::cat(&image, "/copy", &mut copied).expect("sole cat /copy");
    assert!(copied == bytes, "the copy differs ({} bytes)", copied.len());
}
