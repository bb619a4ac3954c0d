//! `sole cp`: copying between the host and a disk image, offline. Into an
//! image, every change is made in memory and committed once at the end, so
//! a failure (no space, an unreadable file) leaves the image as it was.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use rootfs::fs::{FsError, Kind, SetAttr};

use super::{DiskImage, describe, fs_err};
use crate::initrd::mtime_ns;

/// One side of `sole cp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpEnd {
    /// A path on the host.
    Host(PathBuf),
    /// `IMAGE:PATH`: a path in a disk image.
    Image(PathBuf, String),
}

impl CpEnd {
    /// `IMAGE:PATH` when the text before the first `:` is an existing file
    /// (a host path may hold a `:` too: it is taken as one when no image
    /// file is named so).
    pub fn parse(text: &str) -> Self {
        if let Some((image, path)) = text.split_once(':') {
            let image = Path::new(image);
            if !image.as_os_str().is_empty() && image.is_file() {
                let path = if path.is_empty() { "/" } else { path };
                return Self::Image(image.to_path_buf(), path.to_owned());
            }
        }
        Self::Host(PathBuf::from(text))
    }
}

/// What `sole cp` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpReport {
    /// Regular files copied.
    pub files: u64,
    /// Bytes of their contents.
    pub bytes: u64,
    /// What was left out and why.
    pub notes: Vec<String>,
}

/// `sole cp [-r] SRC DST`: host to image or image to host. Into an image,
/// missing parent directories are made, an existing file is replaced, and
/// everything is committed once at the end; modes and times come from the
/// host files. Out of an image, files get the image's permissions and
/// modification times.
pub fn cp(src: &str, dst: &str, recursive: bool) -> Result<CpReport> {
    match (CpEnd::parse(src), CpEnd::parse(dst)) {
        (CpEnd::Host(from), CpEnd::Image(image, to)) => {
            let mut disk = DiskImage::open(&image, true)?;
            let report = into_image(&mut disk, &from, &to, recursive)?;
            disk.commit()?;
            Ok(report)
        }
        (CpEnd::Image(image, from), CpEnd::Host(to)) => {
            let mut disk = DiskImage::open(&image, false)?;
            out_of_image(&mut disk, &from, &to, recursive)
        }
        (CpEnd::Image(..), CpEnd::Image(..)) => {
            bail!("cannot copy from one image to another; copy to the host first")
        }
        (CpEnd::Host(_), CpEnd::Host(_)) => bail!(
            "neither `{src}` nor `{dst}` is IMAGE:PATH (an existing image file, a colon, a path \
             in it, such as app.img:/etc/motd)"
        ),
    }
}

/// The clock for what `cp` changes in an image (directories it adds
/// entries to).
pub(super) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The last component of a host path, for copying into a directory.
fn base_name(path: &Path) -> Result<String> {
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{} has no file name to copy to", path.display()))?;
    name.to_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{} is not UTF-8; guest paths must be", path.display()))
}

fn join(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}

fn into_image(disk: &mut DiskImage, from: &Path, to: &str, recursive: bool) -> Result<CpReport> {
    disk.fs().set_time(now_ns());
    let meta = fs::metadata(from).with_context(|| format!("cannot copy {}", from.display()))?;
    if meta.is_dir() && !recursive {
        bail!("{} is a directory (copy it with -r)", from.display());
    }
    // Into an existing directory: under its own name, as cp(1).
    let dest = match disk.walk(to, true) {
        Ok(ino) if disk.fs().getattr(ino).map_err(fs_err)?.kind == Kind::Dir => {
            join(to, &base_name(from)?)
        }
        _ if to.ends_with('/') => join(to, &base_name(from)?),
        _ => to.to_owned(),
    };
    let mut report = CpReport::default();
    if meta.is_dir() {
        copy_dir_in(disk, from, &dest, &meta, &mut report)?;
    } else if meta.is_file() {
        copy_file_in(disk, from, &dest, &meta, &mut report)?;
    } else {
        bail!(
            "cannot copy {}: it is not a regular file or directory",
            from.display()
        );
    }
    Ok(report)
}

/// The directory holding `path` in the image, made (with its parents,
/// mode 0755) if missing, and the last component.
fn parent_of(disk: &mut DiskImage, path: &str) -> Result<(u64, String)> {
    let clean = crate::initrd::guest_path(&format!("/{path}")).map_err(|e| anyhow!(e))?;
    let (parent, name) = clean.rsplit_once('/').expect("absolute");
    if name.is_empty() {
        bail!("{}: cannot replace the root directory", disk.shown(path));
    }
    let mut dir = rootfs::fs::ROOT_INO;
    let mut so_far = String::new();
    for part in parent.split('/').filter(|p| !p.is_empty()) {
        so_far = join(&so_far, part);
        dir = match disk.walk(&so_far, true) {
            Ok(ino) => ino,
            Err(FsError::NotFound) => disk
                .fs()
                .mkdir(dir, part.as_bytes(), 0o755, 0, 0)
                .map_err(|e| anyhow!("{}: {}", disk.shown(&so_far), describe(e)))?,
            Err(e) => bail!("{}: {}", disk.shown(&so_far), describe(e)),
        };
        if disk.fs().getattr(dir).map_err(fs_err)?.kind != Kind::Dir {
            bail!("{}: not a directory", disk.shown(&so_far));
        }
    }
    Ok((dir, name.to_owned()))
}

fn copy_file_in(
    disk: &mut DiskImage,
    from: &Path,
    dest: &str,
    meta: &fs::Metadata,
    report: &mut CpReport,
) -> Result<()> {
    let (dir, name) = parent_of(disk, dest)?;
    let shown = disk.shown(dest);
    let at = |e: FsError| anyhow!("{shown}: {}", describe(e));
    let mode = meta.permissions().mode() & 0o7777;
    let ino = match disk.fs().lookup(dir, name.as_bytes()) {
        Ok(ino) => {
            // An existing link is written through, as cp(1) does.
            let ino = match disk.fs().getattr(ino).map_err(at)?.kind {
                Kind::Symlink => disk.walk(dest, true).map_err(at)?,
                _ => ino,
            };
            if disk.fs().getattr(ino).map_err(at)?.kind == Kind::Dir {
                bail!("{shown}: is a directory");
            }
            disk.fs().truncate(ino, 0).map_err(at)?;
            ino
        }
        Err(FsError::NotFound) => disk
            .fs()
            .create(dir, name.as_bytes(), mode, 0, 0)
            .map_err(at)?,
        Err(e) => return Err(at(e)),
    };
    let mut file = File::open(from).with_context(|| format!("cannot copy {}", from.display()))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut offset = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", from.display())),
        };
        disk.fs().write(ino, offset, &buf[..n]).map_err(at)?;
        offset += n as u64;
    }
    let time = mtime_ns(meta);
    let set = SetAttr {
        mode: Some(mode),
        atime_ns: Some(time),
        mtime_ns: Some(time),
        ..SetAttr::default()
    };
    disk.fs().setattr(ino, set).map_err(at)?;
    report.files += 1;
    report.bytes += offset;
    Ok(())
}

fn copy_dir_in(
    disk: &mut DiskImage,
    from: &Path,
    dest: &str,
    meta: &fs::Metadata,
    report: &mut CpReport,
) -> Result<()> {
    let (dir, name) = parent_of(disk, dest)?;
    let shown = disk.shown(dest);
    let at = |e: FsError| anyhow!("{shown}: {}", describe(e));
    let mode = meta.permissions().mode() & 0o7777;
    let ino = match disk.walk(dest, true) {
        Ok(ino) if disk.fs().getattr(ino).map_err(at)?.kind == Kind::Dir => ino,
        Ok(_) => bail!("{shown}: not a directory"),
        Err(FsError::NotFound) => disk
            .fs()
            .mkdir(dir, name.as_bytes(), mode, 0, 0)
            .map_err(at)?,
        Err(e) => return Err(at(e)),
    };
    let mut children: Vec<fs::DirEntry> = fs::read_dir(from)
        .and_then(Iterator::collect)
        .with_context(|| format!("cannot list {}", from.display()))?;
    children.sort_by_key(fs::DirEntry::file_name);
    for child in children {
        let path = child.path();
        let child_name = base_name(&path)?;
        let child_dest = join(dest, &child_name);
        let child_meta = fs::symlink_metadata(&path)
            .with_context(|| format!("cannot copy {}", path.display()))?;
        let kind = child_meta.file_type();
        if kind.is_dir() {
            copy_dir_in(disk, &path, &child_dest, &child_meta, report)?;
        } else if kind.is_file() {
            copy_file_in(disk, &path, &child_dest, &child_meta, report)?;
        } else if kind.is_symlink() {
            let target = fs::read_link(&path)
                .with_context(|| format!("cannot read the link {}", path.display()))?;
            let target = target
                .to_str()
                .ok_or_else(|| anyhow!("the target of {} is not UTF-8", path.display()))?
                .to_owned();
            let shown = disk.shown(&child_dest);
            let at = |e: FsError| anyhow!("{shown}: {}", describe(e));
            match disk.fs().lookup(ino, child_name.as_bytes()) {
                Ok(old) if disk.fs().getattr(old).map_err(at)?.kind == Kind::Dir => {
                    bail!("{shown}: is a directory")
                }
                Ok(_) => disk.fs().unlink(ino, child_name.as_bytes()).map_err(at)?,
                Err(FsError::NotFound) => {}
                Err(e) => return Err(at(e)),
            }
            disk.fs()
                .symlink(ino, child_name.as_bytes(), target.as_bytes(), 0, 0)
                .map_err(at)?;
        } else {
            report.notes.push(format!(
                "left out {}: not a file, directory or link",
                path.display()
            ));
        }
    }
    let time = mtime_ns(meta);
    let set = SetAttr {
        mode: Some(mode),
        atime_ns: Some(time),
        mtime_ns: Some(time),
        ..SetAttr::default()
    };
    disk.fs().setattr(ino, set).map_err(at)?;
    Ok(())
}

fn out_of_image(disk: &mut DiskImage, from: &str, to: &Path, recursive: bool) -> Result<CpReport> {
    let ino = disk.resolve(from, true)?;
    let shown = disk.shown(from);
    let attr = disk
        .fs()
        .getattr(ino)
        .map_err(|e| anyhow!("{shown}: {}", describe(e)))?;
    if attr.kind == Kind::Dir && !recursive {
        bail!("{shown} is a directory (copy it with -r)");
    }
    let dest = if to.is_dir() {
        let name = from
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .ok_or_else(|| anyhow!("{shown} has no name to copy into {}", to.display()))?;
        to.join(name)
    } else {
        to.to_path_buf()
    };
    let mut report = CpReport::default();
    copy_out(disk, ino, from, &dest, &mut report)?;
    Ok(report)
}

fn copy_out(
    disk: &mut DiskImage,
    ino: u64,
    from: &str,
    to: &Path,
    report: &mut CpReport,
) -> Result<()> {
    let shown = disk.shown(from);
    let at = |e: FsError| anyhow!("{shown}: {}", describe(e));
    let attr = disk.fs().getattr(ino).map_err(at)?;
    let mtime = UNIX_EPOCH + Duration::from_nanos(u64::try_from(attr.mtime_ns).unwrap_or(0));
    match attr.kind {
        Kind::File => {
            let mut file =
                File::create(to).with_context(|| format!("cannot write {}", to.display()))?;
            let mut offset = 0;
            while offset < attr.size {
                let chunk = disk.fs().read(ino, offset, 1 << 20).map_err(at)?;
                if chunk.is_empty() {
                    break;
                }
                file.write_all(&chunk)
                    .with_context(|| format!("cannot write {}", to.display()))?;
                offset += chunk.len() as u64;
            }
            file.set_permissions(fs::Permissions::from_mode(attr.mode & 0o7777))
                .and_then(|()| file.set_modified(mtime))
                .with_context(|| format!("cannot write {}", to.display()))?;
            report.files += 1;
            report.bytes += offset;
        }
        Kind::Symlink => {
            let target = disk.fs().readlink(ino).map_err(at)?;
            let target = String::from_utf8_lossy(&target).into_owned();
            std::os::unix::fs::symlink(&target, to)
                .with_context(|| format!("cannot make the link {}", to.display()))?;
        }
        Kind::Dir => {
            match fs::create_dir(to) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && to.is_dir() => {}
                Err(e) => return Err(e).with_context(|| format!("cannot make {}", to.display())),
            }
            let mut entries = disk.fs().readdir(ino).map_err(at)?;
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            for entry in entries {
                let name = String::from_utf8(entry.name)
                    .map_err(|_| anyhow!("{shown}: a name in it is not UTF-8"))?;
                copy_out(disk, entry.ino, &join(from, &name), &to.join(&name), report)?;
            }
            fs::set_permissions(to, fs::Permissions::from_mode(attr.mode & 0o7777))
                .with_context(|| format!("cannot set the mode of {}", to.display()))?;
        }
    }
    Ok(())
}
