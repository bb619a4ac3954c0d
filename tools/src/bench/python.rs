//! The host's Python, for the `python` workload: Debian's `/usr/bin/python3`
//! and the standard library of its version, packed as `sole run --add
//! /usr/lib/python3.X /usr/bin/python3 -c CODE` packs them, for Sole and the
//! Linux guest alike.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::initrd::AddSpec;
use crate::program::ProgramSpec;

/// The interpreter the workload runs.
pub const PROGRAM: &str = "/usr/bin/python3";

/// Where Debian keeps each version's standard library (`python3.11`).
const LIBRARY_DIR: &str = "/usr/lib";

/// The host's interpreter and its standard library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPython {
    /// The interpreter, as the guest runs it (`/usr/bin/python3`).
    pub program: PathBuf,
    /// Its standard library (`/usr/lib/python3.11`).
    pub stdlib: PathBuf,
}

impl HostPython {
    /// [`PROGRAM`] and the standard library of the version it names, or
    /// why the workload cannot run.
    pub fn find() -> Result<Self> {
        let program = Path::new(PROGRAM);
        let Ok(real) = program.canonicalize() else {
            bail!("python3 is not installed (no {PROGRAM})");
        };
        let Some(version) = real
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(version_of)
        else {
            bail!(
                "cannot tell the version of {PROGRAM}: it is {}, not python3.N",
                real.display()
            );
        };
        let stdlib = Path::new(LIBRARY_DIR).join(version);
        if !stdlib.join("os.py").is_file() {
            bail!(
                "{PROGRAM} has no standard library: {} holds no os.py",
                stdlib.display()
            );
        }
        Ok(Self {
            program: program.to_path_buf(),
            stdlib,
        })
    }

    /// The interpreter running `python3 -c code`, with the standard library
    /// added at its own path.
    pub fn spec(&self, code: &str) -> ProgramSpec {
        ProgramSpec {
            program: self.program.clone(),
            args: vec!["-c".into(), code.into()],
            adds: vec![AddSpec {
                src: self.stdlib.clone(),
                dest: None,
            }],
            ..ProgramSpec::default()
        }
    }
}

/// `name` if it is a versioned interpreter's (`python3.11`): the name of its
/// standard library's directory too.
pub fn version_of(name: &str) -> Option<&str> {
    let minor = name.strip_prefix("python3.")?;
    let valid = !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(name)
}
