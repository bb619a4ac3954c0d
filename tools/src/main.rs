//! `sole`: the command-line face of the `sole` library. Parses arguments,
//! calls the library, and turns the outcome into an exit status: the
//! guest's for `run`, 1 with `sole: <message>` on stderr when something went
//! wrong (and 1 from `verify` when it found damage), 2 for usage errors
//! (clap's).

#![deny(unsafe_code)]

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use sole::cli::{
    BenchArgs, BuildArgs, CatArgs, Cli, Command, CpArgs, DfArgs, LsArgs, RollbackArgs, RunArgs,
    SnapshotArgs, VerifyArgs,
};
use sole::disk::{commands, snapshot};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Run(args) => run(args),
        Command::Build(args) => build(args).map(|()| 0),
        Command::Bench(args) => bench(args).map(|()| 0),
        Command::Ls(args) => ls(args).map(|()| 0),
        Command::Cat(args) => cat(args).map(|()| 0),
        Command::Cp(args) => cp(args).map(|()| 0),
        Command::Df(args) => df(args).map(|()| 0),
        Command::Snapshot(args) => snapshot(args).map(|()| 0),
        Command::Rollback(args) => rollback(args).map(|()| 0),
        Command::Verify(args) => verify(args),
    };
    match outcome {
        Ok(status) => ExitCode::from(status),
        // A reader that went away (`sole cat ... | head`) is not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sole: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &RunArgs) -> Result<u8> {
    if let Some(image) = args.fresh_image()? {
        eprintln!("sole: {}", snapshot::fresh(image)?.message(image));
    }
    let mut options = args.boot_options();
    // Kept until QEMU has exited: dropping it removes the file.
    let initrd = match args.program_spec()? {
        Some(spec) => Some(spec.pack()?),
        None => None,
    };
    if let Some(initrd) = &initrd {
        for note in initrd.notes() {
            eprintln!("sole: {note}");
        }
        initrd.boot_into(&mut options, args.mem)?;
        options.input = sole::run::Input::Stdin;
    }
    let boot = sole::run::boot(&options, Box::new(std::io::stdout()))?;
    Ok(boot.status)
}

fn build(args: &BuildArgs) -> Result<()> {
    let built = args.program_spec().build(&args.output, args.format())?;
    for note in &built.notes {
        eprintln!("sole: {note}");
    }
    match built.disk {
        Some(disk) => eprintln!(
            "sole: wrote {} (disk image of {}, {} used; snapshot {})",
            args.output.display(),
            commands::human(disk.size),
            commands::human(disk.used_bytes()),
            snapshot::BUILT
        ),
        None => eprintln!(
            "sole: wrote {} ({:.1} MiB)",
            args.output.display(),
            built.size as f64 / f64::from(1 << 20)
        ),
    }
    Ok(())
}

fn ls(args: &LsArgs) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    commands::ls(&args.image, args.path.as_deref(), args.long, &mut out)?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

fn cat(args: &CatArgs) -> Result<()> {
    commands::cat(&args.image, &args.path, &mut std::io::stdout().lock())
}

fn cp(args: &CpArgs) -> Result<()> {
    let report = commands::cp(&args.src, &args.dst, args.recursive)?;
    for note in report.notes {
        eprintln!("sole: {note}");
    }
    Ok(())
}

fn df(args: &DfArgs) -> Result<()> {
    commands::df(&args.image, &mut std::io::stdout().lock())
}

fn snapshot(args: &SnapshotArgs) -> Result<()> {
    let out = &mut std::io::stdout().lock();
    match (&args.name, args.destroy) {
        (Some(name), true) => snapshot::destroy(&args.image, name, out),
        (Some(name), false) => snapshot::snapshot(&args.image, name, out),
        (None, _) => snapshot::list(&args.image, out),
    }
}

fn rollback(args: &RollbackArgs) -> Result<()> {
    let done = snapshot::rollback(&args.image, &args.name)?;
    println!("{}", done.message(&args.image));
    Ok(())
}

/// Exit status 0 when the image is clean, 1 when damage was found.
fn verify(args: &VerifyArgs) -> Result<u8> {
    let clean = snapshot::verify(&args.image, &mut std::io::stdout().lock())?;
    Ok(if clean { 0 } else { 1 })
}

fn bench(args: &BenchArgs) -> Result<()> {
    let report = sole::bench::bench(&args.bench_options_from_env(), &mut |line| {
        eprintln!("sole: {line}")
    })?;
    print!("{}", report.render());
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).expect("the report serializes");
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
