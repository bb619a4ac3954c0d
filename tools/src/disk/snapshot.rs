//! Snapshots, rollback and verification of disk images, offline: `sole
//! snapshot`, `sole rollback`, `sole verify`, and the rollback to
//! [`BUILT`] that `sole run --fresh` does before booting. They work on the
//! image's filesystem (`main`) with rootfs's operations (FORMAT.md,
//! "Datasets and snapshots"); each change is one commit, so a failure
//! leaves the image as it was.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use rootfs::fs::{DatasetInfo, FsError};

use super::commands::format_time;
use super::cp::now_ns;
use super::{DiskImage, ImageKind, describe, kind_of};

/// The snapshot `sole build` takes of what it wrote, and `sole run
/// --fresh` goes back to.
pub const BUILT: &str = "built";

/// A snapshot's name as the user writes it: `snap` for `main@snap`.
fn short(name: &str) -> &str {
    name.split_once('@').map_or(name, |(_, snap)| snap)
}

/// The snapshots of the image's filesystem, oldest first.
fn snapshots(disk: &mut DiskImage) -> Vec<DatasetInfo> {
    disk.fs().snapshots()
}

/// The snapshot `name` (`snap` or `fs@snap`) of the image's filesystem;
/// an error listing the ones it has if there is none.
fn find(disk: &mut DiskImage, name: &str) -> Result<DatasetInfo> {
    let full = if name.contains('@') {
        name.to_owned()
    } else {
        format!("{}@{name}", disk.fs().dataset())
    };
    let snaps = snapshots(disk);
    if let Some(found) = snaps.iter().find(|s| s.name == full) {
        return Ok(found.clone());
    }
    let names: Vec<&str> = snaps.iter().map(|s| short(&s.name)).collect();
    let shown = disk.path().display();
    if names.is_empty() {
        bail!("{shown} has no snapshot {name} (it has no snapshots)");
    }
    bail!(
        "{shown} has no snapshot {name} (its snapshots: {})",
        names.join(", ")
    )
}

/// A snapshot name rootfs refused, as a message.
fn bad_name(name: &str, e: FsError) -> anyhow::Error {
    match e {
        FsError::Invalid | FsError::NameTooLong => {
            anyhow!("{name:?} is not a snapshot name: use 1 to 63 letters, digits and `-_.:`")
        }
        other => anyhow!(describe(other)),
    }
}

/// `sole snapshot IMAGE NAME`: takes snapshot `name` of the image's
/// filesystem as it is now, stamped with the host's clock, and says what
/// it made.
pub fn snapshot(image: &Path, name: &str, out: &mut dyn Write) -> Result<()> {
    let mut disk = DiskImage::open(image, true)?;
    let shown = image.display();
    disk.fs().set_time(now_ns());
    let txg = disk.fs().snapshot(name).map_err(|e| match e {
        FsError::Exists => anyhow!("{shown} already has a snapshot {name}"),
        FsError::Invalid | FsError::NameTooLong => bad_name(name, e),
        other => anyhow!(
            "cannot take snapshot {name} of {shown}: {}",
            describe(other)
        ),
    })?;
    writeln!(out, "{shown}: took snapshot {} of txg {txg}", short(name))?;
    Ok(())
}

/// `sole snapshot IMAGE`: the image's snapshots, oldest first, with the
/// transaction group each froze and when it was taken (UTC).
pub fn list(image: &Path, out: &mut dyn Write) -> Result<()> {
    let mut disk = DiskImage::open(image, false)?;
    let snaps = snapshots(&mut disk);
    if snaps.is_empty() {
        writeln!(out, "{}: no snapshots", image.display())?;
        return Ok(());
    }
    let name_width = snaps
        .iter()
        .map(|s| short(&s.name).len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let txg_width = snaps
        .iter()
        .map(|s| s.txg.to_string().len())
        .chain([3])
        .max()
        .unwrap_or(3);
    writeln!(
        out,
        "{:<name_width$}  {:>txg_width$}  CREATED (UTC)",
        "NAME", "TXG"
    )?;
    for s in &snaps {
        writeln!(
            out,
            "{:<name_width$}  {:>txg_width$}  {}",
            short(&s.name),
            s.txg,
            format_time(s.creation_ns)
        )?;
    }
    Ok(())
}

/// `sole snapshot --destroy IMAGE NAME`: destroys snapshot `name`; the
/// blocks only it held come back.
pub fn destroy(image: &Path, name: &str, out: &mut dyn Write) -> Result<()> {
    let mut disk = DiskImage::open(image, true)?;
    let shown = image.display();
    find(&mut disk, name)?;
    disk.fs().set_time(now_ns());
    disk.fs().destroy_snapshot(name).map_err(|e| match e {
        FsError::Busy => {
            anyhow!("snapshot {name} of {shown} has a clone made from it; destroy the clone first")
        }
        other => anyhow!(
            "cannot destroy snapshot {name} of {shown}: {}",
            describe(other)
        ),
    })?;
    writeln!(out, "{shown}: destroyed snapshot {}", short(name))?;
    Ok(())
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    /// The snapshot rolled back to (its short name).
    pub snapshot: String,
    /// The transaction group it froze.
    pub txg: u64,
    /// The newer snapshots destroyed with it (short names), oldest first.
    pub destroyed: Vec<String>,
}

impl Rollback {
    /// One line saying so, for `image`.
    pub fn message(&self, image: &Path) -> String {
        let mut line = format!(
            "{}: rolled back to snapshot {} (txg {})",
            image.display(),
            self.snapshot,
            self.txg
        );
        if !self.destroyed.is_empty() {
            line.push_str(&format!(
                "; destroyed the newer snapshot{} {}",
                if self.destroyed.len() == 1 { "" } else { "s" },
                self.destroyed.join(", ")
            ));
        }
        line
    }
}

/// `sole rollback IMAGE NAME`: makes the image's filesystem what snapshot
/// `name` holds, destroying the snapshots newer than it (`zfs rollback
/// -r`).
pub fn rollback(image: &Path, name: &str) -> Result<Rollback> {
    let mut disk = DiskImage::open(image, true)?;
    rollback_open(&mut disk, name)
}

fn rollback_open(disk: &mut DiskImage, name: &str) -> Result<Rollback> {
    let target = find(disk, name)?;
    let destroyed = snapshots(disk)
        .into_iter()
        .filter(|s| s.txg > target.txg)
        .map(|s| short(&s.name).to_owned())
        .collect();
    let shown = disk.path().display().to_string();
    disk.fs().set_time(now_ns());
    disk.fs().rollback(name).map_err(|e| match e {
        FsError::Busy => anyhow!(
            "cannot roll {shown} back to {name}: a newer snapshot has a clone made from it \
             (nothing was changed)"
        ),
        other => anyhow!("cannot roll {shown} back to {name}: {}", describe(other)),
    })?;
    Ok(Rollback {
        snapshot: short(&target.name).to_owned(),
        txg: target.txg,
        destroyed,
    })
}

/// `sole run --fresh IMAGE`, before booting: rolls the disk image back to
/// its [`BUILT`] snapshot, discarding what earlier runs and `sole cp`
/// changed.
pub fn fresh(image: &Path) -> Result<Rollback> {
    let shown = image.display();
    if kind_of(image) == ImageKind::Initrd {
        bail!(
            "--fresh: {shown} is an initrd image, which a run never changes; \
             --fresh is for disk images"
        );
    }
    let mut disk = DiskImage::open(image, true).map_err(|e| e.context("--fresh"))?;
    let built = format!("{}@{BUILT}", disk.fs().dataset());
    if !snapshots(&mut disk).iter().any(|s| s.name == built) {
        bail!(
            "--fresh: {shown} has no snapshot {BUILT} to go back to (an older sole built it, \
             or it was destroyed); rebuild it with `sole build`"
        );
    }
    rollback_open(&mut disk, BUILT)
}

/// `sole verify IMAGE`: reads and checks every block the image's datasets
/// reach (rootfs's scrub), writes the report, and says whether it is
/// clean.
pub fn verify(image: &Path, out: &mut dyn Write) -> Result<bool> {
    let mut disk = DiskImage::open(image, false)?;
    let report = disk.fs().verify();
    writeln!(out, "{}: {report}", image.display())?;
    Ok(report.is_clean())
}

#[cfg(test)]
mod tests;
