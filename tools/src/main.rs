//! `sole`: the command-line face of the `sole` library. Parses arguments,
//! calls the library, and turns the outcome into an exit status: the
//! guest's for `run`, 1 with `sole: <message>` on stderr when something went
//! wrong, 2 for usage errors (clap's).

#![deny(unsafe_code)]

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use sole::cli::{BenchArgs, BuildArgs, Cli, Command, RunArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Run(args) => run(args),
        Command::Build(args) => build(args).map(|()| 0),
        Command::Bench(args) => bench(args).map(|()| 0),
    };
    match outcome {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("sole: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &RunArgs) -> Result<u8> {
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
        options.mem = sole::program::memory_for(initrd.size(), args.mem)?;
        options.initrd = Some(initrd.path().to_path_buf());
        options.input = sole::run::Input::Stdin;
    }
    let boot = sole::run::boot(&options, Box::new(std::io::stdout()))?;
    Ok(boot.status)
}

fn build(args: &BuildArgs) -> Result<()> {
    let (size, notes) = args.program_spec().build(&args.output)?;
    for note in notes {
        eprintln!("sole: {note}");
    }
    eprintln!(
        "sole: wrote {} ({:.1} MiB)",
        args.output.display(),
        size as f64 / f64::from(1 << 20)
    );
    Ok(())
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
