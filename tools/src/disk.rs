//! Disk images: what `sole build` writes by default and `sole run IMAGE`
//! attaches as the guest's virtio-blk disk. An image is a raw file holding
//! a rootfs pool (`rootfs/FORMAT.md`) of 4 KiB blocks, with the guest's
//! whole tree in its filesystem and the launch manifest at
//! `/`[`LAUNCH_PATH`]. [`build`] writes one from a [`crate::initrd::Tree`];
//! [`commands`] are the offline `sole ls`, `cat`, `cp` and `df`, and
//! [`snapshot`] the offline `sole snapshot`, `rollback` and `verify`.
//!
//! This module owns opening an image (telling a disk image from an initrd
//! image or anything else), walking guest paths in it, and turning rootfs
//! errors into messages. Later commands on images (snapshots, verify) open
//! it the same way: [`DiskImage::open`], then [`DiskImage::fs`].

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use loader::launch::{self, LAUNCH_PATH, Launch};
use rootfs::cpio::{MAGIC_CRC, MAGIC_NEWC};
use rootfs::device::FileDevice;
use rootfs::format::BLOCK_SIZE;
use rootfs::fs::{Fs, FsError, Kind, ROOT_INO};
use rootfs::label::LABEL_MAGIC;
use rootfs::pool::Pool;

pub mod build;
pub mod commands;
pub mod cp;
pub mod snapshot;

/// What a file holds, judged by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// A rootfs pool: its label starts with `SOLEPOOL`.
    Disk,
    /// A newc cpio archive (`sole build --initrd`).
    Initrd,
    /// Anything else (a program, or not a Sole image at all).
    Other,
}

/// The kind of the file at `path`; [`ImageKind::Other`] if it cannot be
/// read.
pub fn kind_of(path: &Path) -> ImageKind {
    let mut magic = [0u8; 8];
    let Ok(mut file) = File::open(path) else {
        return ImageKind::Other;
    };
    let mut filled = 0;
    while filled < magic.len() {
        match file.read(&mut magic[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => filled += n,
        }
    }
    let magic = &magic[..filled];
    if magic == LABEL_MAGIC {
        ImageKind::Disk
    } else if magic.starts_with(MAGIC_NEWC) || magic.starts_with(MAGIC_CRC) {
        ImageKind::Initrd
    } else {
        ImageKind::Other
    }
}

/// A rootfs error as a message: the errno's meaning for what a user did
/// wrong, rootfs's own text for damage.
pub fn describe(e: FsError) -> String {
    match e {
        FsError::NotFound => "no such file or directory".into(),
        FsError::Exists => "file exists".into(),
        FsError::NotDir => "not a directory".into(),
        FsError::IsDir => "is a directory".into(),
        FsError::NotEmpty => "directory not empty".into(),
        FsError::NameTooLong => "file name too long".into(),
        FsError::Invalid => "invalid argument".into(),
        FsError::NotPermitted => "operation not permitted".into(),
        FsError::NoSpace | FsError::Pool(rootfs::pool::Error::NoSpace) => {
            "no space left in the image (ENOSPC)".into()
        }
        FsError::TooBig => "file too large".into(),
        other => format!("the image is damaged: {other}"),
    }
}

/// A rootfs error as an `anyhow` error with [`describe`]'s text.
pub fn fs_err(e: FsError) -> anyhow::Error {
    anyhow!(describe(e))
}

/// An open disk image.
pub struct DiskImage {
    path: PathBuf,
    fs: Fs<FileDevice>,
}

impl fmt::Debug for DiskImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskImage")
            .field("path", &self.path)
            .field("fs", &self.fs)
            .finish()
    }
}

impl DiskImage {
    /// Opens and mounts the image at `path`, for changes if `writable`.
    /// Refuses what is not a disk image with a message saying what it is.
    pub fn open(path: &Path, writable: bool) -> Result<Self> {
        let shown = path.display();
        let meta = std::fs::metadata(path).with_context(|| format!("cannot open {shown}"))?;
        if meta.is_dir() {
            bail!("{shown} is a directory, not a disk image");
        }
        match kind_of(path) {
            ImageKind::Disk => {}
            ImageKind::Initrd => bail!(
                "{shown} is an initrd image (sole build --initrd), not a disk image; \
                 rebuild it without --initrd to inspect and change it offline"
            ),
            ImageKind::Other => bail!(
                "{shown} is not a Sole disk image (it does not start with {}); \
                 build one with `sole build`",
                String::from_utf8_lossy(&LABEL_MAGIC)
            ),
        }
        let dev = FileDevice::open(path, BLOCK_SIZE, writable)
            .with_context(|| format!("cannot open {shown}"))?;
        let pool = Pool::mount(dev).map_err(|e| anyhow!("{shown} cannot be mounted: {e}"))?;
        let fs = Fs::mount(pool).map_err(|e| anyhow!("{shown} cannot be mounted: {e}"))?;
        Ok(Self {
            path: path.to_path_buf(),
            fs,
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mounted filesystem.
    pub fn fs(&mut self) -> &mut Fs<FileDevice> {
        &mut self.fs
    }

    /// `IMAGE:PATH`, for messages.
    pub fn shown(&self, guest: &str) -> String {
        format!("{}:{guest}", self.path.display())
    }

    /// The object at guest path `path` (absolute, or relative to `/`),
    /// following symbolic links in the image on the way, and at the end if
    /// `follow_last`. Errors name `IMAGE:PATH`.
    pub fn resolve(&mut self, path: &str, follow_last: bool) -> Result<u64> {
        self.walk(path, follow_last)
            .map_err(|e| anyhow!("{}: {}", self.shown(path), describe(e)))
    }

    /// [`DiskImage::resolve`] returning the rootfs error itself.
    pub fn walk(&mut self, path: &str, follow_last: bool) -> Result<u64, FsError> {
        let parts = |text: &str| -> Vec<String> {
            text.split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_owned)
                .collect()
        };
        let mut todo: VecDeque<String> = parts(path).into();
        let mut at = ROOT_INO;
        let mut links = 0;
        while let Some(part) = todo.pop_front() {
            if self.fs.getattr(at)?.kind != Kind::Dir {
                return Err(FsError::NotDir);
            }
            if part == ".." {
                at = self.fs.parent(at)?;
                continue;
            }
            let ino = self.fs.lookup(at, part.as_bytes())?;
            let last = todo.is_empty();
            if self.fs.getattr(ino)?.kind == Kind::Symlink && (!last || follow_last) {
                // Linux's limit (path_resolution(7)): ELOOP, reported as
                // rootfs's nearest error.
                links += 1;
                if links > 40 {
                    return Err(FsError::Invalid);
                }
                let target = String::from_utf8_lossy(&self.fs.readlink(ino)?).into_owned();
                if target.starts_with('/') {
                    at = ROOT_INO;
                }
                for p in parts(&target).into_iter().rev() {
                    todo.push_front(p);
                }
                continue;
            }
            at = ino;
        }
        Ok(at)
    }

    /// Reads the whole regular file `ino`.
    pub fn read_all(&mut self, ino: u64) -> Result<Vec<u8>, FsError> {
        let size = self.fs.getattr(ino)?.size;
        let len = usize::try_from(size).map_err(|_| FsError::TooBig)?;
        self.fs.read(ino, 0, len)
    }

    /// The launch manifest the image carries at `/.sole/launch`.
    pub fn launch(&mut self) -> Result<Launch> {
        let path = format!("/{LAUNCH_PATH}");
        let shown = self.path.display().to_string();
        let ino = self.walk(&path, true).map_err(|e| match e {
            FsError::NotFound => anyhow!(
                "{shown} is a disk image but not a bootable one (it has no {path}); \
                 build images with `sole build`"
            ),
            other => anyhow!("{shown}: cannot read {path}: {}", describe(other)),
        })?;
        let bytes = self
            .read_all(ino)
            .map_err(|e| anyhow!("{shown}: cannot read {path}: {}", describe(e)))?;
        launch::decode(&bytes).map_err(|e| anyhow!("{shown}: {path}: {e}"))
    }

    /// Commits what changed as one transaction group; returns its txg.
    /// The uberblock's timestamp is the clock [`Fs::set_time`] last set.
    pub fn commit(&mut self) -> Result<u64> {
        self.fs.commit().map_err(|e| {
            anyhow!(
                "cannot save the changes to {}: {}",
                self.path.display(),
                describe(e)
            )
        })
    }
}

#[cfg(test)]
mod tests;
