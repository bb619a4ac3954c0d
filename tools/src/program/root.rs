//! A directory tree as the guest will see it: the host's own `/`, or the
//! `--root DIR` a user hands `sole`. Paths are guest paths (absolute, UTF-8)
//! and are resolved here as the guest's kernel will resolve them once the
//! tree is unpacked: symbolic links are followed component by component, an
//! absolute target starts again from the root (so `/lib -> /usr/lib` inside
//! DIR stays inside DIR), and `..` is physical (it climbs out of the
//! directory a link led to, path_resolution(7)), never above the root.
//!
//! Every link passed on the way is recorded, so what is packed keeps the
//! links as links and the guest resolves each path the same way the host
//! does.

use std::collections::VecDeque;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Linux gives up after this many links in one lookup (MAXSYMLINKS,
/// path_resolution(7)).
const MAX_LINKS: usize = 40;

/// ELOOP: too many levels of symbolic links.
const ELOOP: i32 = 40;

/// The tree the guest's root comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestRoot {
    /// The host directory that is the guest's `/`.
    dir: PathBuf,
}

/// A symbolic link in the guest: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    /// The link's own path, with no link among its parents.
    pub path: String,
    /// Its target, as stored.
    pub target: String,
}

/// What a path led to.
#[derive(Debug, Clone)]
pub struct Walked {
    /// The path with every link resolved: clean and absolute.
    pub path: String,
    /// The links passed, in the order they were met.
    pub links: Vec<Link>,
    /// What is there (a link's target, not the link).
    pub meta: Metadata,
}

impl GuestRoot {
    /// The host's own root: guest paths are host paths.
    pub fn host() -> Self {
        Self {
            dir: PathBuf::from("/"),
        }
    }

    /// The tree at `dir` (which must be a directory).
    pub fn new(dir: &Path) -> Result<Self> {
        let real = fs::canonicalize(dir).with_context(|| format!("--root {}", dir.display()))?;
        if !real.is_dir() {
            bail!("--root {}: not a directory", dir.display());
        }
        Ok(Self { dir: real })
    }

    /// Whether this is the host's own root.
    pub fn is_host(&self) -> bool {
        self.dir == Path::new("/")
    }

    /// The host directory that is the guest's root.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the guest path `guest` (absolute) is on the host, without
    /// following links.
    pub fn host_path(&self, guest: &str) -> PathBuf {
        if self.is_host() {
            PathBuf::from(guest)
        } else {
            self.dir.join(guest.trim_start_matches('/'))
        }
    }

    /// " in DIR" for messages about a `--root`; empty for the host.
    pub fn shown(&self) -> String {
        if self.is_host() {
            String::new()
        } else {
            format!(" in {}", self.dir.display())
        }
    }

    /// Resolves the absolute guest path `guest`, following every link,
    /// the last component's too. Fails as a lookup would: `NotFound` for a
    /// missing component, `NotADirectory` for a file used as a directory,
    /// ELOOP past 40 links.
    pub fn walk(&self, guest: &str) -> io::Result<Walked> {
        let mut todo: VecDeque<String> = parts(guest).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = Vec::new();
        let mut meta = fs::symlink_metadata(&self.dir)?;
        while let Some(part) = todo.pop_front() {
            if part == ".." {
                done.pop();
                meta = fs::symlink_metadata(self.host_path(&join(&done)))?;
                continue;
            }
            if !meta.is_dir() {
                return Err(io::ErrorKind::NotADirectory.into());
            }
            done.push(part);
            let path = join(&done);
            let host = self.host_path(&path);
            meta = fs::symlink_metadata(&host)?;
            if !meta.file_type().is_symlink() {
                continue;
            }
            if links.len() == MAX_LINKS {
                return Err(io::Error::from_raw_os_error(ELOOP));
            }
            let target = fs::read_link(&host)?
                .into_os_string()
                .into_string()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a non-UTF-8 link"))?;
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            for part in parts(&target).rev() {
                todo.push_front(part);
            }
            links.push(Link { path, target });
            // The directory the target is looked up from.
            meta = fs::symlink_metadata(self.host_path(&join(&done)))?;
        }
        Ok(Walked {
            path: join(&done),
            links,
            meta,
        })
    }
}

/// The components of a path that name something (not empty, not `.`).
fn parts(path: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_owned)
}

fn join(parts: &[String]) -> String {
    format!("/{}", parts.join("/"))
}

/// `dir` and `name` as one path: `name` alone if it is absolute, else
/// below `dir` (no cleaning: `..` is left for [`GuestRoot::walk`]).
pub fn join_path(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The directory part of a path (`/a/b` -> `/a`, `/a` -> `/`).
pub fn dirname(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests;
