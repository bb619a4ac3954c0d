//! The `sole` command line (clap derive): what each subcommand accepts, and
//! how that becomes the library's options. Options come before the image or
//! program; everything after it belongs to the program (as with `docker run`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};
use loader::launch::LaunchFlags;

use crate::accel::AccelChoice;
use crate::bench::linux::{KERNEL_ENV, LinuxSource};
use crate::bench::{BenchOptions, Workload};
use crate::initrd::AddSpec;
use crate::mem_size::MemSize;
use crate::program::{EnvVar, ImageFormat, ProgramSpec};
use crate::qemu::Machine;
use crate::run::{BootOptions, LogLevel};

/// Build, run, inspect and benchmark Sole unikernel images.
#[derive(Debug, Parser)]
#[command(name = "sole", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Boot the Sole kernel under QEMU with a Linux program and its files,
    /// or with an image `sole build` wrote.
    Run(RunArgs),
    /// Pack a program, its interpreter and libraries, its files and its
    /// command line into an image file for `sole run`.
    Build(BuildArgs),
    /// Run the benchmark workloads in Sole and in a Linux guest, side by
    /// side.
    Bench(BenchArgs),
    /// List a directory of a disk image (or show one file in it), offline.
    Ls(LsArgs),
    /// Print a file of a disk image, offline.
    Cat(CatArgs),
    /// Copy files from the host into a disk image, or out of it, offline.
    Cp(CpArgs),
    /// Show a disk image's size, used and free space, and file count.
    Df(DfArgs),
    /// Take a named snapshot of a disk image, list its snapshots, or
    /// destroy one, offline.
    Snapshot(SnapshotArgs),
    /// Roll a disk image back to one of its snapshots, offline; the
    /// snapshots newer than it are destroyed.
    Rollback(RollbackArgs),
    /// Read and check every block of a disk image; exit status 1 if damage
    /// is found.
    Verify(VerifyArgs),
}

/// `sole ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Long listing: mode, links, uid, gid, size, modification time (UTC),
    /// name, and `-> target` for symbolic links.
    #[arg(short = 'l')]
    pub long: bool,
    /// A disk image `sole build` wrote.
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
    /// A path in the image (default /); a directory is listed, sorted by
    /// name.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
}

/// `sole cat`.
#[derive(Debug, Args)]
pub struct CatArgs {
    /// A disk image `sole build` wrote.
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
    /// A file in the image (symbolic links are followed in the image).
    #[arg(value_name = "PATH")]
    pub path: String,
}

/// `sole cp`.
#[derive(Debug, Args)]
#[command(
    after_help = "One of SRC and DST is IMAGE:PATH, such as app.img:/etc/motd;     the other is a host path.\n\
    Into an image: missing parent directories are made, an existing file is replaced,     modes and times come from the host files, and the image changes in one transaction     at the end (on an error, such as no space left, it keeps its previous contents).\n\
    Out of an image: files get the image's permissions and modification times."
)]
pub struct CpArgs {
    /// Copy directories and everything in them (symbolic links in them
    /// stay links).
    #[arg(short = 'r', short_alias = 'R', long = "recursive")]
    pub recursive: bool,
    /// What to copy: a host path, or IMAGE:PATH.
    #[arg(value_name = "SRC")]
    pub src: String,
    /// Where to: IMAGE:PATH, or a host path. An existing directory
    /// receives SRC under its own name.
    #[arg(value_name = "DST")]
    pub dst: String,
}

/// `sole df`.
#[derive(Debug, Args)]
pub struct DfArgs {
    /// A disk image `sole build` wrote.
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
}

/// `sole snapshot`.
#[derive(Debug, Args)]
#[command(
    after_help = "A snapshot is a read-only copy of the image's filesystem as it is \
    now; taking one copies no data (the two share every block until the filesystem changes).\n\
    `sole build` takes the snapshot `built`, which `sole run --fresh` and \
    `sole rollback IMAGE built` go back to.\n\
    Without NAME, the snapshots are listed oldest first: name, the transaction group \
    (txg) each froze, and when it was taken (UTC)."
)]
pub struct SnapshotArgs {
    /// Destroy snapshot NAME instead of taking it (refused while a clone
    /// comes from it).
    #[arg(long, requires = "name")]
    pub destroy: bool,
    /// A disk image `sole build` wrote.
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
    /// The snapshot to take: 1 to 63 letters, digits and `-_.:`.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

/// `sole rollback`.
#[derive(Debug, Args)]
#[command(
    after_help = "As `zfs rollback -r`: the snapshots newer than NAME are destroyed \
    (they are named in the output), and what changed since NAME is gone. NAME itself is kept, \
    so an image can be rolled back to it again."
)]
pub struct RollbackArgs {
    /// A disk image `sole build` wrote.
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
    /// The snapshot to go back to (`sole snapshot IMAGE` lists them).
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `sole verify`.
#[derive(Debug, Args)]
#[command(
    after_help = "Reads every block the image's filesystem and snapshots reach, and \
    the older roots still in the uberblock ring, checking each checksum and decoding what it \
    holds; damaged files are named by path.\n\
    Exit status: 0 when no damage is found, 1 when damage is found or the image cannot be \
    opened at all, 2 for usage errors."
)]
pub struct VerifyArgs {
    /// A disk image `sole build` wrote.
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,
}

/// Options shared by everything that starts a VM.
#[derive(Debug, Args)]
pub struct VmArgs {
    /// Accelerator: KVM when it is usable and fast here (auto), or forced.
    #[arg(long, value_enum, default_value_t = AccelChoice::Auto)]
    pub accel: AccelChoice,
    /// QEMU machine type.
    #[arg(long, value_enum, default_value_t = Machine::Q35)]
    pub machine: Machine,
    /// Count instructions for guest time (TCG only; stable timings on a
    /// busy host).
    #[arg(long)]
    pub icount: bool,
}

/// `sole run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Machine and accelerator.
    #[command(flatten)]
    pub vm: VmArgs,
    /// Guest memory: a number of MiB, or with a unit (128M, 64MiB, 1G).
    /// Default 128M, or more when the program's files need it.
    #[arg(long, value_name = "SIZE")]
    pub mem: Option<MemSize>,
    /// Number of virtual CPUs.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=255))]
    pub cpus: u16,
    /// Run the kernel's built-in tests, then exit (status 0 if all pass).
    #[arg(long)]
    pub selftest: bool,
    /// Kernel console log level.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub log: Option<LogLevel>,
    /// Add a word to the kernel command line (repeatable).
    #[arg(long = "kernel-arg", value_name = "WORD")]
    pub kernel_args: Vec<String>,
    /// Attach FILE as a raw virtio-blk disk (PCI on q35, virtio-mmio on
    /// microvm); what the guest writes goes to FILE.
    #[arg(long, value_name = "FILE")]
    pub disk: Option<PathBuf>,
    /// Roll the disk IMAGE back to its `built` snapshot first (the one
    /// `sole build` took), discarding what earlier runs and `sole cp`
    /// wrote; its newer snapshots are destroyed.
    #[arg(long)]
    pub fresh: bool,
    /// Stop the VM after this many seconds and fail.
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// What goes into the guest with the program.
    #[command(flatten)]
    pub image: ImageArgs,
    /// The program to run (an x86-64 Linux executable on the host, placed
    /// at its absolute path in the guest with its interpreter and
    /// libraries) or an image `sole build` wrote, then the program's
    /// arguments (for an image, they replace the built ones): every word
    /// after it is the program's, even one starting with `-`.
    #[arg(value_names = ["IMAGE|PROGRAM", "ARGS"], num_args = 1.., trailing_var_arg = true)]
    pub command: Vec<String>,
}

/// What `sole run` and `sole build` put into the guest besides the program.
#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Add a host file or directory tree to the guest, at DEST or else at
    /// SRC's absolute path (repeatable; directories are copied whole,
    /// symbolic links in them stay links).
    #[arg(long = "add", value_name = "SRC[:DEST]")]
    pub adds: Vec<AddSpec>,
    /// Take this directory tree whole as the guest's root (a Debian chroot,
    /// an unpacked container image); PROGRAM is then a path in it, or a
    /// name on its PATH, and its libraries come from it.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Set an environment variable for the program (repeatable; the
    /// defaults are PATH, HOME=/ and TERM=linux).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<EnvVar>,
    /// The program's working directory in the guest (default /; created if
    /// missing).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<String>,
    /// Print each system call the program makes, with its decoded
    /// arguments and result.
    #[arg(long)]
    pub strace: bool,
    /// At exit, summarize the system calls made and those refused
    /// (ENOSYS/EINVAL).
    #[arg(long)]
    pub syscall_summary: bool,
    /// Print each path the program looked for and did not find (once per
    /// path), to learn what to --add.
    #[arg(long)]
    pub trace_missing: bool,
}

impl ImageArgs {
    /// The options given, by name, for messages.
    fn given(&self) -> Vec<&'static str> {
        [
            (!self.adds.is_empty(), "--add"),
            (self.root.is_some(), "--root"),
            (!self.env.is_empty(), "--env"),
            (self.cwd.is_some(), "--cwd"),
            (self.strace, "--strace"),
            (self.syscall_summary, "--syscall-summary"),
            (self.trace_missing, "--trace-missing"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
    }

    /// The spec for `program` with `args`.
    pub fn spec(&self, program: &str, args: &[String]) -> ProgramSpec {
        ProgramSpec {
            program: program.into(),
            args: args.to_vec(),
            adds: self.adds.clone(),
            env: self.env.clone(),
            cwd: self.cwd.clone(),
            root: self.root.clone(),
            flags: LaunchFlags {
                strace: self.strace,
                syscall_summary: self.syscall_summary,
                trace_missing: self.trace_missing,
            },
        }
    }
}

/// `sole build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The image file to write.
    #[arg(short = 'o', long = "output", value_name = "IMAGE")]
    pub output: PathBuf,
    /// Write the initrd `sole run PROGRAM` would boot (a cpio archive,
    /// unpacked into memory at boot) instead of a disk image.
    #[arg(long)]
    pub initrd: bool,
    /// The disk image's size (128M, 2G; a number alone is MiB), free space
    /// for the program included; the file is sparse, so unused space costs
    /// the host nothing. Default: twice the files plus 64 MiB.
    #[arg(long, value_name = "SIZE", conflicts_with = "initrd")]
    pub size: Option<MemSize>,
    /// What goes into the guest with the program.
    #[command(flatten)]
    pub image: ImageArgs,
    /// The program (an x86-64 Linux executable on the host, or with --root
    /// a path in DIR), then its arguments: every word after PROGRAM is the
    /// program's, even one starting with `-`.
    #[arg(value_names = ["PROGRAM", "ARGS"], num_args = 1.., required = true,
          trailing_var_arg = true)]
    pub command: Vec<String>,
}

impl BuildArgs {
    /// What to write.
    pub fn format(&self) -> ImageFormat {
        if self.initrd {
            ImageFormat::Initrd
        } else {
            ImageFormat::Disk {
                size: self.size.map(|s| u64::from(s.mib()) << 20),
            }
        }
    }

    /// What to pack.
    pub fn program_spec(&self) -> ProgramSpec {
        let (program, args) = self.command.split_first().expect("clap requires a PROGRAM");
        self.image.spec(program, args)
    }
}

impl RunArgs {
    /// The program to run, if one was named.
    pub fn program(&self) -> Option<&str> {
        self.command.first().map(String::as_str)
    }

    /// The program's arguments.
    pub fn program_args(&self) -> &[String] {
        self.command.get(1..).unwrap_or_default()
    }

    /// The image `--fresh` rolls back, if it was given: the IMAGE named.
    pub fn fresh_image(&self) -> Result<Option<&std::path::Path>> {
        if !self.fresh {
            return Ok(None);
        }
        let Some(image) = self.program() else {
            bail!("--fresh needs an IMAGE to roll back");
        };
        if self.image.root.is_some() {
            bail!("--fresh rolls back a disk image; it does not go with --root");
        }
        Ok(Some(std::path::Path::new(image)))
    }

    /// What to pack for the program, if one was named. Options that only
    /// make sense with a program are refused without one, and a program is
    /// refused with `--selftest`.
    pub fn program_spec(&self) -> Result<Option<ProgramSpec>> {
        let Some(program) = self.program() else {
            let given = self.image.given();
            if !given.is_empty() {
                bail!(
                    "{} need{} a PROGRAM to run",
                    given.join(", "),
                    if given.len() == 1 { "s" } else { "" }
                );
            }
            return Ok(None);
        };
        if self.selftest {
            bail!(
                "--selftest runs the kernel's own tests; it does not take a PROGRAM (`{program}`)"
            );
        }
        Ok(Some(self.image.spec(program, self.program_args())))
    }

    /// The boot options these arguments ask for, without an initrd (the
    /// memory is `--mem` or the default; a program's files may need more,
    /// see [`crate::program::memory_for`]).
    pub fn boot_options(&self) -> BootOptions {
        BootOptions {
            machine: self.vm.machine,
            accel: self.vm.accel,
            mem: self.mem.unwrap_or_default(),
            cpus: self.cpus,
            selftest: self.selftest,
            log: self.log,
            kernel_args: self.kernel_args.clone(),
            icount: self.vm.icount,
            timeout: self.timeout.map(Duration::from_secs),
            initrd: None,
            disk: self.disk.clone(),
            root_disk: false,
            input: crate::run::Input::Eof,
        }
    }
}

/// `sole bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Machine and accelerator (the same for Sole and the Linux guest).
    #[command(flatten)]
    pub vm: VmArgs,
    /// How many times to run each timed workload.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Run only these workloads (repeatable, or comma-separated).
    #[arg(long, value_enum, value_name = "NAME", value_delimiter = ',')]
    pub only: Vec<Workload>,
    /// The Linux kernel to compare with (default: $SOLE_LINUX_KERNEL, else
    /// Debian's linux-image-cloud-amd64, downloaded into the cache).
    #[arg(long, value_name = "PATH")]
    pub linux_kernel: Option<PathBuf>,
    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

impl BenchArgs {
    /// The benchmark options these arguments ask for, with `env_kernel`
    /// the value of `SOLE_LINUX_KERNEL` (`--linux-kernel` wins over it).
    pub fn bench_options(&self, env_kernel: Option<PathBuf>) -> BenchOptions {
        let kernel = self
            .linux_kernel
            .clone()
            .or(env_kernel.filter(|p| !p.as_os_str().is_empty()));
        BenchOptions {
            machine: self.vm.machine,
            accel: self.vm.accel,
            icount: self.vm.icount,
            runs: self.runs,
            only: self.only.clone(),
            linux: Some(kernel.map_or(LinuxSource::Debian, LinuxSource::Path)),
        }
    }

    /// [`BenchArgs::bench_options`] with `SOLE_LINUX_KERNEL` from the
    /// environment.
    pub fn bench_options_from_env(&self) -> BenchOptions {
        self.bench_options(std::env::var_os(KERNEL_ENV).map(PathBuf::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("sole").chain(args.iter().copied()))
    }

    fn run_args(args: &[&str]) -> RunArgs {
        match parse(args).unwrap().command {
            Command::Run(run) => run,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_defaults() {
        let options = run_args(&["run"]).boot_options();
        assert_eq!(options.machine, Machine::Q35);
        assert_eq!(options.accel, AccelChoice::Auto);
        assert_eq!(options.mem.mib(), 128);
        assert_eq!(options.cpus, 1);
        assert!(!options.selftest && !options.icount);
        assert_eq!(options.log, None);
        assert_eq!(options.timeout, None);
        assert_eq!(options.disk, None);
    }

    #[test]
    fn run_options_reach_the_boot_options() {
        let args = run_args(&[
            "run",
            "--accel",
            "tcg",
            "--mem",
            "1G",
            "--cpus",
            "4",
            "--machine",
            "microvm",
            "--selftest",
            "--log",
            "debug",
            "--kernel-arg",
            "crash=panic",
            "--kernel-arg",
            "x=1",
            "--icount",
            "--timeout",
            "30",
            "--disk",
            "/tmp/d.img",
        ]);
        let options = args.boot_options();
        assert_eq!(options.accel, AccelChoice::Tcg);
        assert_eq!(options.mem.mib(), 1024);
        assert_eq!(options.cpus, 4);
        assert_eq!(options.machine, Machine::Microvm);
        assert!(options.selftest && options.icount);
        assert_eq!(options.log, Some(LogLevel::Debug));
        assert_eq!(options.kernel_args, ["crash=panic", "x=1"]);
        assert_eq!(options.timeout, Some(Duration::from_secs(30)));
        assert_eq!(options.disk, Some(PathBuf::from("/tmp/d.img")));
        assert_eq!(args.program(), None);
        assert!(args.program_args().is_empty());
    }

    #[test]
    fn everything_after_the_program_is_the_programs() {
        let args = run_args(&["run", "--cpus", "2", "/bin/ls", "--mem", "x", "-l"]);
        assert_eq!(args.cpus, 2);
        assert_eq!(args.mem, None);
        assert_eq!(args.program(), Some("/bin/ls"));
        assert_eq!(args.program_args(), ["--mem", "x", "-l"]);
        let args = run_args(&["run", "--", "--odd-name", "--cpus"]);
        assert_eq!(args.program(), Some("--odd-name"));
        assert_eq!(args.program_args(), ["--cpus"]);
    }

    #[test]
    fn program_options_make_the_program_spec() {
        let args = run_args(&[
            "run",
            "--add",
            "lib",
            "--add",
            "a:b:/opt/x",
            "--env",
            "A=1=2",
            "--env",
            "EMPTY=",
            "--cwd",
            "/tmp",
            "--strace",
            "--syscall-summary",
            "--trace-missing",
            "--root",
            "/srv/chroot",
            "./prog",
            "--env",
            "x",
        ]);
        let spec = args.program_spec().unwrap().expect("a program");
        assert_eq!(spec.root, Some(PathBuf::from("/srv/chroot")));
        assert_eq!(spec.program, PathBuf::from("./prog"));
        assert_eq!(spec.args, ["--env", "x"]);
        assert_eq!(
            spec.adds,
            [
                AddSpec {
                    src: "lib".into(),
                    dest: None
                },
                AddSpec {
                    src: "a:b".into(),
                    dest: Some("/opt/x".into())
                },
            ]
        );
        let env: Vec<String> = spec.env.iter().map(ToString::to_string).collect();
        assert_eq!(env, ["A=1=2", "EMPTY="]);
        assert_eq!(spec.cwd.as_deref(), Some("/tmp"));
        assert!(spec.flags.strace && spec.flags.syscall_summary && spec.flags.trace_missing);

        let spec = run_args(&["run", "/bin/true"]).program_spec().unwrap();
        let spec = spec.expect("a program");
        assert_eq!(spec.flags, LaunchFlags::default());
        assert!(spec.adds.is_empty() && spec.env.is_empty() && spec.cwd.is_none());
        assert_eq!(spec.root, None);
        assert!(run_args(&["run"]).program_spec().unwrap().is_none());
    }

    #[test]
    fn program_options_need_a_program() {
        let err = run_args(&["run", "--strace"]).program_spec().unwrap_err();
        assert_eq!(err.to_string(), "--strace needs a PROGRAM to run");
        let err = run_args(&["run", "--env", "A=1", "--cwd", "/", "--add", "x"])
            .program_spec()
            .unwrap_err();
        assert_eq!(err.to_string(), "--add, --env, --cwd need a PROGRAM to run");
        let err = run_args(&["run", "--trace-missing", "--root", "/"])
            .program_spec()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--root, --trace-missing need a PROGRAM to run"
        );
        let err = run_args(&["run", "--selftest", "/bin/true"])
            .program_spec()
            .unwrap_err();
        assert!(err.to_string().contains("does not take a PROGRAM"), "{err}");
    }

    #[test]
    fn build_takes_the_program_options_and_an_output() {
        let Command::Build(args) = parse(&[
            "build",
            "-o",
            "app.img",
            "--env",
            "A=1",
            "--trace-missing",
            "/usr/bin/python3",
            "-c",
            "print(1)",
        ])
        .unwrap()
        .command
        else {
            panic!("not build");
        };
        assert_eq!(args.output, PathBuf::from("app.img"));
        let spec = args.program_spec();
        assert_eq!(spec.program, PathBuf::from("/usr/bin/python3"));
        assert_eq!(spec.args, ["-c", "print(1)"]);
        assert_eq!(spec.env.len(), 1);
        assert!(spec.flags.trace_missing && !spec.flags.strace);
        let Command::Build(args) = parse(&["build", "--output", "x", "--root", "/r", "p"])
            .unwrap()
            .command
        else {
            panic!("not build");
        };
        assert_eq!(args.program_spec().root, Some(PathBuf::from("/r")));
        for args in [
            &["build", "/bin/true"][..],
            &["build", "-o", "x"],
            &["build", "-o", "x", "--cpus", "2", "/bin/true"],
        ] {
            let err = parse(args).expect_err(&args.join(" "));
            assert_eq!(err.exit_code(), 2, "{}", args.join(" "));
        }
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["run", "--mem", "lots"][..],
            &["run", "--cpus", "0"],
            &["run", "--cpus", "256"],
            &["run", "--machine", "pc"],
            &["run", "--accel", "hvf"],
            &["run", "--timeout", "0"],
            &["run", "--env", "NOEQUALS", "p"],
            &["run", "--env", "=x", "p"],
            &["run", "--add", "src:relative", "p"],
            &["run", "--add", ":/dest", "p"],
            &["bench", "--runs", "0"],
        ] {
            let err = parse(args).expect_err(&args.join(" "));
            assert_eq!(err.exit_code(), 2, "{}", args.join(" "));
        }
    }

    #[test]
    fn snapshot_rollback_verify_and_fresh_arguments() {
        let Command::Snapshot(args) = parse(&["snapshot", "app.img", "s1"]).unwrap().command else {
            panic!("not snapshot");
        };
        assert_eq!(
            (args.image, args.name.as_deref(), args.destroy),
            (PathBuf::from("app.img"), Some("s1"), false)
        );
        let Command::Snapshot(args) = parse(&["snapshot", "app.img"]).unwrap().command else {
            panic!("not snapshot");
        };
        assert_eq!(args.name, None, "lists");
        let Command::Snapshot(args) = parse(&["snapshot", "--destroy", "app.img", "s1"])
            .unwrap()
            .command
        else {
            panic!("not snapshot");
        };
        assert!(args.destroy);
        let Command::Rollback(args) = parse(&["rollback", "app.img", "built"]).unwrap().command
        else {
            panic!("not rollback");
        };
        assert_eq!(args.name, "built");
        assert!(matches!(
            parse(&["verify", "app.img"]).unwrap().command,
            Command::Verify(_)
        ));
        for args in [
            &["snapshot", "--destroy", "app.img"][..],
            &["rollback", "app.img"],
            &["verify"],
        ] {
            let err = parse(args).expect_err(&args.join(" "));
            assert_eq!(err.exit_code(), 2, "{}", args.join(" "));
        }

        let run = run_args(&["run", "--fresh", "app.img", "x"]);
        assert_eq!(
            run.fresh_image().unwrap(),
            Some(std::path::Path::new("app.img"))
        );
        assert_eq!(run.program_args(), ["x"]);
        assert_eq!(run_args(&["run", "app.img"]).fresh_image().unwrap(), None);
        assert!(run_args(&["run", "--fresh"]).fresh_image().is_err());
        assert!(
            run_args(&["run", "--fresh", "--root", "/r", "p"])
                .fresh_image()
                .is_err()
        );
    }

    #[test]
    fn bench_arguments() {
        let Command::Bench(args) = parse(&[
            "bench",
            "--runs",
            "3",
            "--icount",
            "--only",
            "syscall,size",
            "--only",
            "min-memory",
            "--json",
            "r.json",
        ])
        .unwrap()
        .command
        else {
            panic!("not bench");
        };
        let options = args.bench_options(None);
        assert_eq!(options.runs, 3);
        assert!(options.icount);
        assert_eq!(
            options.only,
            [Workload::Syscall, Workload::Size, Workload::MinMemory]
        );
        assert_eq!(options.linux, Some(LinuxSource::Debian));
        assert_eq!(args.json, Some(PathBuf::from("r.json")));
        let Command::Bench(args) = parse(&["bench"]).unwrap().command else {
            panic!("not bench");
        };
        assert_eq!(args.runs, 5);
        assert!(args.only.is_empty());
        assert!(parse(&["bench", "--only", "network"]).is_err());
        let Command::Bench(args) = parse(&["bench", "--only", "disk,image"]).unwrap().command
        else {
            panic!("not bench");
        };
        assert_eq!(args.only, [Workload::Disk, Workload::Image]);
    }

    #[test]
    fn the_linux_kernel_comes_from_the_option_then_the_environment() {
        let bench_args = |args: &[&str]| match parse(args).unwrap().command {
            Command::Bench(args) => args,
            other => panic!("{other:?}"),
        };
        let args = bench_args(&["bench"]);
        let env = Some(PathBuf::from("/env/bzImage"));
        assert_eq!(
            args.bench_options(env.clone()).linux,
            Some(LinuxSource::Path("/env/bzImage".into()))
        );
        assert_eq!(
            args.bench_options(Some(PathBuf::new())).linux,
            Some(LinuxSource::Debian),
            "an empty variable is unset"
        );
        let args = bench_args(&["bench", "--linux-kernel", "/opt/vmlinuz"]);
        assert_eq!(
            args.bench_options(env).linux,
            Some(LinuxSource::Path("/opt/vmlinuz".into()))
        );
    }
}
