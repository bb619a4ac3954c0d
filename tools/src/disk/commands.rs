//! The offline commands on disk images: `sole ls`, `sole cat`, `sole cp`
//! and `sole df`. Each opens the image itself ([`DiskImage::open`]), writes
//! what it shows to the writer it is given, and changes an image (only
//! `cp` does) in one transaction committed at the end, so a failure leaves
//! the image as it was.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{Result, anyhow};
use rootfs::fs::{Attr, FsError, Kind};

pub use super::cp::{CpEnd, CpReport, cp};
use super::{DiskImage, describe};

/// `sole ls IMAGE [PATH] [-l]`: the entries of the directory at `path`
/// (default `/`) sorted by name, or the one file `path` names. A link
/// named by `path` is listed itself with `long`, and followed without it,
/// as ls(1) does.
pub fn ls(image: &Path, path: Option<&str>, long: bool, out: &mut dyn Write) -> Result<()> {
    let mut disk = DiskImage::open(image, false)?;
    let path = path.unwrap_or("/");
    let mut ino = disk.resolve(path, false)?;
    let fs_err_at = |disk: &DiskImage, e: FsError| anyhow!("{}: {}", disk.shown(path), describe(e));
    let mut attr = disk.fs().getattr(ino).map_err(|e| fs_err_at(&disk, e))?;
    if attr.kind == Kind::Symlink && (!long || path.ends_with('/')) {
        ino = disk.resolve(path, true)?;
        attr = disk.fs().getattr(ino).map_err(|e| fs_err_at(&disk, e))?;
    }
    let mut rows = Vec::new();
    if attr.kind == Kind::Dir {
        let mut entries = disk.fs().readdir(ino).map_err(|e| fs_err_at(&disk, e))?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        for entry in entries {
            let name = String::from_utf8_lossy(&entry.name).into_owned();
            rows.push(row(&mut disk, entry.ino, name, long).map_err(|e| fs_err_at(&disk, e))?);
        }
    } else {
        rows.push(row(&mut disk, ino, path.to_owned(), long).map_err(|e| fs_err_at(&disk, e))?);
    }
    write_rows(&rows, long, out)?;
    Ok(())
}

/// One line of `ls`: the name, and with `-l` its attributes.
struct Row {
    attr: Option<Attr>,
    name: String,
    target: Option<String>,
}

fn row(disk: &mut DiskImage, ino: u64, name: String, long: bool) -> Result<Row, FsError> {
    if !long {
        return Ok(Row {
            attr: None,
            name,
            target: None,
        });
    }
    let attr = disk.fs().getattr(ino)?;
    let target = if attr.kind == Kind::Symlink {
        Some(String::from_utf8_lossy(&disk.fs().readlink(ino)?).into_owned())
    } else {
        None
    };
    Ok(Row {
        attr: Some(attr),
        name,
        target,
    })
}

fn write_rows(rows: &[Row], long: bool, out: &mut dyn Write) -> io::Result<()> {
    if !long {
        for r in rows {
            writeln!(out, "{}", r.name)?;
        }
        return Ok(());
    }
    let width = |f: &dyn Fn(&Attr) -> String| {
        rows.iter()
            .filter_map(|r| r.attr.as_ref())
            .map(|a| f(a).len())
            .max()
            .unwrap_or(0)
    };
    let links = width(&|a| a.nlink.to_string());
    let uid = width(&|a| a.uid.to_string());
    let gid = width(&|a| a.gid.to_string());
    let size = width(&|a| a.size.to_string());
    for r in rows {
        let a = r.attr.as_ref().expect("long rows have attributes");
        write!(
            out,
            "{} {:>links$} {:>uid$} {:>gid$} {:>size$} {} {}",
            mode_string(a.mode),
            a.nlink,
            a.uid,
            a.gid,
            a.size,
            format_time(a.mtime_ns),
            r.name
        )?;
        match &r.target {
            Some(target) => writeln!(out, " -> {target}")?,
            None => writeln!(out)?,
        }
    }
    Ok(())
}

/// `drwxr-xr-x` for a mode, as ls(1) shows it (set-id and sticky bits as
/// `s`/`S` and `t`/`T`).
pub fn mode_string(mode: u32) -> String {
    let kind = match Kind::from_mode(mode) {
        Some(Kind::Dir) => 'd',
        Some(Kind::Symlink) => 'l',
        Some(Kind::File) => '-',
        None => '?',
    };
    let mut s = String::from(kind);
    for (shift, special, on, off) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => on,
            (false, true) => off,
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    s
}

/// `YYYY-MM-DD HH:MM` (UTC) for nanoseconds since the Unix epoch.
pub fn format_time(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// `sole cat IMAGE PATH`: the file's contents (links followed in the
/// image).
pub fn cat(image: &Path, path: &str, out: &mut dyn Write) -> Result<()> {
    let mut disk = DiskImage::open(image, false)?;
    let ino = disk.resolve(path, true)?;
    let shown = disk.shown(path);
    let size = disk
        .fs()
        .getattr(ino)
        .map_err(|e| anyhow!("{shown}: {}", describe(e)))?
        .size;
    let mut at = 0;
    while at < size {
        let chunk = disk
            .fs()
            .read(ino, at, 1 << 20)
            .map_err(|e| anyhow!("{shown}: {}", describe(e)))?;
        if chunk.is_empty() {
            break;
        }
        out.write_all(&chunk)?;
        at += chunk.len() as u64;
    }
    out.flush()?;
    Ok(())
}

/// `sole df IMAGE`: space and objects as `statfs` reports them, and the
/// committed transaction group.
pub fn df(image: &Path, out: &mut dyn Write) -> Result<()> {
    let mut disk = DiskImage::open(image, false)?;
    let st = disk.fs().statfs();
    let txg = disk.fs().pool().txg();
    let used = st.blocks - st.free_blocks;
    let bs = st.block_size;
    let line = |label: &str, blocks: u64| {
        format!("{label:<6}{blocks:>12} blocks  {:>10}", human(blocks * bs))
    };
    writeln!(
        out,
        "{}: rootfs disk image, {bs}-byte blocks, txg {txg}",
        image.display()
    )?;
    writeln!(out, "{}", line("size", st.blocks))?;
    writeln!(out, "{}", line("used", used))?;
    writeln!(out, "{}", line("free", st.free_blocks))?;
    writeln!(out, "{:<6}{:>12}", "files", st.files)?;
    Ok(())
}

/// `bytes` in the largest binary unit that keeps it at 1 or more, with one
/// decimal (`3.5 MiB`); plain bytes below 1 KiB.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
