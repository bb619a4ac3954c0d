//! The files `sole run` packs for the kernel: a tree of directories,
//! regular files and symbolic links by their absolute path in the guest,
//! gathered from the host, then written as one newc cpio archive (see
//! `rootfs::cpio`) that QEMU passes to the kernel as its initrd.
//!
//! Gathering reads only metadata; contents are streamed from the host files
//! into the archive when it is written, so a tree of a few hundred MB never
//! sits in memory.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, anyhow, bail};
use rootfs::cpio::{PERMISSION_BITS, Sink, Writer};

/// Permissions of the directories the tree creates on its own (the parents
/// of what was added).
pub const IMPLICIT_DIR_MODE: u32 = 0o755;

/// One `--add SRC[:DEST]`: a host file or directory tree and where it goes
/// in the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddSpec {
    /// The host path.
    pub src: PathBuf,
    /// The absolute guest path; `None` for "the same as `src`'s absolute
    /// path".
    pub dest: Option<String>,
}

impl FromStr for AddSpec {
    type Err = String;

    /// `SRC` or `SRC:DEST`, split at the last `:`. DEST must be absolute,
    /// which also lets a SRC containing `:` be given as `SRC:DEST`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (src, dest) = match text.rsplit_once(':') {
            Some((src, dest)) => {
                if !dest.starts_with('/') {
                    return Err(format!(
                        "`{text}`: DEST `{dest}` must be an absolute path in the guest \
                         (SRC[:DEST], split at the last `:`)"
                    ));
                }
                (
                    src,
                    Some(guest_path(dest).map_err(|e| format!("`{text}`: {e}"))?),
                )
            }
            None => (text, None),
        };
        if src.is_empty() {
            return Err(format!("`{text}`: SRC is empty"));
        }
        Ok(Self {
            src: PathBuf::from(src),
            dest,
        })
    }
}

/// `path` made absolute against the current directory, with `.` and `..`
/// resolved by the text alone (symbolic links are not followed, so a path
/// keeps the name the user gave it).
pub fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = std::path::absolute(path)
        .with_context(|| format!("cannot make {} absolute", path.display()))?;
    let mut clean = PathBuf::from("/");
    for component in joined.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::ParentDir => {
                clean.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(clean)
}

/// A guest path from its text: absolute, UTF-8, with `.`, `..` and repeated
/// slashes resolved: `/usr/./lib//x/..` is `/usr/lib`.
pub fn guest_path(text: &str) -> Result<String, String> {
    if !text.starts_with('/') {
        return Err(format!("`{text}` is not an absolute path"));
    }
    if text.contains('\0') {
        return Err(format!("`{text}` contains a NUL byte"));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// A host path as a guest path (guest paths are UTF-8).
pub fn guest_path_of(host: &Path) -> Result<String> {
    let text = host
        .to_str()
        .ok_or_else(|| anyhow!("{} is not UTF-8; guest paths must be", host.display()))?;
    guest_path(text).map_err(|e| anyhow!(e))
}

/// What is at one guest path. `mtime` is the host source's modification
/// time in nanoseconds since the Unix epoch, if the node has a source (disk
/// images keep it; the cpio archive does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A directory; `explicit` once something named it rather than only
    /// holding a path below it.
    Dir {
        mode: u32,
        explicit: bool,
        mtime: Option<i64>,
    },
    /// A regular file whose contents are read from `src` when the archive
    /// is written; `size` is checked then.
    HostFile {
        src: PathBuf,
        mode: u32,
        size: u32,
        mtime: Option<i64>,
    },
    /// A regular file with these contents.
    Bytes { mode: u32, data: Vec<u8> },
    /// A symbolic link.
    Symlink { target: String, mtime: Option<i64> },
}

/// The modification time `meta` gives, in nanoseconds since the Unix epoch.
pub fn mtime_ns(meta: &Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    meta.mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec())
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Node::Dir { .. } => "a directory",
            Node::HostFile { .. } | Node::Bytes { .. } => "a file",
            Node::Symlink { .. } => "a symbolic link",
        }
    }
}

/// The guest's files before they are packed, by absolute guest path (the
/// root itself is not stored: the kernel's root always exists).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
    notes: Vec<String>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Things worth telling the user (special files left out).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Every node by guest path, in path order (parents before children).
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(path, node)| (path.as_str(), node))
    }

    /// Adds the host file or directory `src` at guest path `dest`: a file
    /// with its contents and permissions, a directory with everything in it
    /// (symbolic links inside it stay links). If `src` itself is a symbolic
    /// link, what it points to is added. A later addition replaces an
    /// earlier file or link at the same path; directories merge, taking the
    /// permissions of the last one added.
    pub fn add_host(&mut self, src: &Path, dest: &str) -> Result<()> {
        let meta = fs::metadata(src).with_context(|| format!("cannot add {}", src.display()))?;
        if meta.is_dir() {
            self.add_host_dir(src, dest, &meta)
        } else if meta.is_file() {
            self.add_host_file(src, dest, &meta)
        } else {
            bail!(
                "cannot add {}: it is {}; only files, directories and symbolic links are packed",
                src.display(),
                special_kind(&meta)
            )
        }
    }

    /// Adds the host regular file `src` (already examined: `meta`) at
    /// `dest`.
    pub fn add_host_file(&mut self, src: &Path, dest: &str, meta: &Metadata) -> Result<()> {
        let size = u32::try_from(meta.len()).map_err(|_| {
            anyhow!(
                "cannot add {}: it is 4 GiB or larger, more than the initrd format holds",
                src.display()
            )
        })?;
        self.insert(
            dest,
            Node::HostFile {
                src: src.to_path_buf(),
                mode: meta.permissions().mode() & PERMISSION_BITS,
                size,
                mtime: Some(mtime_ns(meta)),
            },
        )
    }

    /// Adds a file with contents `data`.
    pub fn add_bytes(&mut self, dest: &str, mode: u32, data: Vec<u8>) -> Result<()> {
        self.insert(dest, Node::Bytes { mode, data })
    }

    /// Adds a symbolic link to `target`.
    pub fn add_symlink(&mut self, dest: &str, target: &str) -> Result<()> {
        self.add_symlink_with_time(dest, target, None)
    }

    /// Adds a symbolic link to `target` whose source was last modified at
    /// `mtime` (nanoseconds since the Unix epoch).
    pub fn add_symlink_with_time(
        &mut self,
        dest: &str,
        target: &str,
        mtime: Option<i64>,
    ) -> Result<()> {
        if target.is_empty() || target.contains('\0') {
            bail!("cannot put a link at {dest} in the guest: its target `{target}` is not a path");
        }
        self.insert(
            dest,
            Node::Symlink {
                target: target.to_owned(),
                mtime,
            },
        )
    }

    /// Adds a directory with permissions `mode`.
    pub fn add_dir(&mut self, dest: &str, mode: u32) -> Result<()> {
        self.add_dir_with_time(dest, mode, None)
    }

    fn add_dir_with_time(&mut self, dest: &str, mode: u32, mtime: Option<i64>) -> Result<()> {
        self.insert(
            dest,
            Node::Dir {
                mode,
                explicit: true,
                mtime,
            },
        )
    }

    /// Makes sure `dest` is a directory, creating it (and its parents) with
    /// [`IMPLICIT_DIR_MODE`] if needed; a link there is followed.
    pub fn ensure_dir(&mut self, dest: &str) -> Result<()> {
        let dest = self.through_links(dest, true)?;
        if dest == "/" {
            return Ok(());
        }
        self.insert(
            &dest,
            Node::Dir {
                mode: IMPLICIT_DIR_MODE,
                explicit: false,
                mtime: None,
            },
        )
    }

    /// Whether something is at `dest` (the root always is).
    pub fn contains(&self, dest: &str) -> bool {
        dest == "/" || self.nodes.contains_key(dest)
    }

    /// Adds something worth telling the user.
    pub fn add_note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// Forgets that special files below the host directory `dir` were
    /// left out (they were expected to be).
    pub fn forget_left_out_below(&mut self, dir: &Path) {
        let prefix = format!("left out {}/", dir.display());
        self.notes.retain(|note| !note.starts_with(&prefix));
    }

    /// Whether `dest` is a directory in the tree (the root always is).
    pub fn is_dir(&self, dest: &str) -> bool {
        dest == "/" || matches!(self.nodes.get(dest), Some(Node::Dir { .. }))
    }

    fn add_host_dir(&mut self, src: &Path, dest: &str, meta: &Metadata) -> Result<()> {
        if dest != "/" {
            self.add_dir_with_time(
                dest,
                meta.permissions().mode() & PERMISSION_BITS,
                Some(mtime_ns(meta)),
            )?;
        }
        let mut children: Vec<fs::DirEntry> = fs::read_dir(src)
            .and_then(Iterator::collect)
            .with_context(|| format!("cannot list {}", src.display()))?;
        // Sorted, so the same tree packs the same way every time.
        children.sort_by_key(fs::DirEntry::file_name);
        for child in children {
            let path = child.path();
            let name = child.file_name();
            let name = name
                .to_str()
                .ok_or_else(|| anyhow!("{} is not UTF-8; guest paths must be", path.display()))?;
            let child_dest = if dest == "/" {
                format!("/{name}")
            } else {
                format!("{dest}/{name}")
            };
            let meta = fs::symlink_metadata(&path)
                .with_context(|| format!("cannot add {}", path.display()))?;
            let kind = meta.file_type();
            if kind.is_dir() {
                self.add_host_dir(&path, &child_dest, &meta)?;
            } else if kind.is_file() {
                self.add_host_file(&path, &child_dest, &meta)?;
            } else if kind.is_symlink() {
                let target = fs::read_link(&path)
                    .with_context(|| format!("cannot read the link {}", path.display()))?;
                let target = target
                    .into_os_string()
                    .into_string()
                    .map_err(|_| anyhow!("the target of {} is not UTF-8", path.display()))?;
                self.insert(
                    &child_dest,
                    Node::Symlink {
                        target,
                        mtime: Some(mtime_ns(&meta)),
                    },
                )?;
            } else {
                self.notes.push(format!(
                    "left out {}: it is {}",
                    path.display(),
                    special_kind(&meta)
                ));
            }
        }
        Ok(())
    }

    /// Puts `node` at `dest`, creating missing parent directories.
    fn insert(&mut self, dest: &str, node: Node) -> Result<()> {
        if dest == "/" {
            bail!(
                "cannot replace the guest's root directory with {}",
                node.describe()
            );
        }
        if guest_path(dest).as_deref() != Ok(dest) {
            bail!("`{dest}` is not a clean absolute path for the guest");
        }
        let dest = &self.through_links(dest, false)?;
        if dest == "/" {
            bail!(
                "cannot replace the guest's root directory with {}",
                node.describe()
            );
        }
        for (i, _) in dest.match_indices('/').skip(1) {
            let parent = &dest[..i];
            match self.nodes.get(parent) {
                None => {
                    self.nodes.insert(
                        parent.to_owned(),
                        Node::Dir {
                            mode: IMPLICIT_DIR_MODE,
                            explicit: false,
                            mtime: None,
                        },
                    );
                }
                Some(Node::Dir { .. }) => {}
                Some(other) => bail!(
                    "cannot put {dest} in the guest: {parent} is {} there",
                    other.describe()
                ),
            }
        }
        match (self.nodes.get_mut(dest), node) {
            (None, node) => {
                self.nodes.insert(dest.to_owned(), node);
            }
            (
                Some(Node::Dir {
                    mode,
                    explicit,
                    mtime,
                }),
                Node::Dir {
                    mode: new_mode,
                    explicit: new_explicit,
                    mtime: new_mtime,
                },
            ) => {
                // The directory takes the mode (and time) of the last one
                // added by name; making sure a directory exists changes
                // nothing.
                if new_explicit {
                    *mode = new_mode;
                    *explicit = true;
                    *mtime = new_mtime;
                }
            }
            (Some(Node::Dir { .. }), node) => bail!(
                "cannot put {} at {dest} in the guest: a directory is there",
                node.describe()
            ),
            (Some(old), Node::Dir { .. }) => bail!(
                "cannot put a directory at {dest} in the guest: {} is there",
                old.describe()
            ),
            (Some(old), node) => *old = node,
        }
        Ok(())
    }

    /// `dest` with the links the tree holds among its parents (and, if
    /// `follow_last`, at `dest` itself) followed, as the kernel follows them
    /// when it unpacks the archive: with `/lib` a link to `usr/lib`, what is
    /// added at `/lib/x` goes to `/usr/lib/x`.
    fn through_links(&self, dest: &str, follow_last: bool) -> Result<String> {
        let parts = |path: &str| -> Vec<String> {
            path.split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_owned)
                .collect()
        };
        let mut todo: VecDeque<String> = parts(dest).into();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = todo.pop_front() {
            if part == ".." {
                done.pop();
                continue;
            }
            done.push(part);
            if todo.is_empty() && !follow_last {
                break;
            }
            let path = format!("/{}", done.join("/"));
            let Some(Node::Symlink { target, .. }) = self.nodes.get(&path) else {
                continue;
            };
            // Linux's limit (path_resolution(7)).
            links += 1;
            if links > 40 {
                bail!("cannot put {dest} in the guest: too many levels of links at {path}");
            }
            done.pop();
            if target.starts_with('/') {
                done.clear();
            }
            for part in parts(target).into_iter().rev() {
                todo.push_front(part);
            }
        }
        Ok(format!("/{}", done.join("/")))
    }

    /// Writes the archive to `out`, parents before children; returns its
    /// size in bytes.
    pub fn write(&self, out: impl Write) -> Result<u64> {
        let mut writer = Writer::with_sink(IoSink {
            out: io::BufWriter::with_capacity(1 << 16, out),
            len: 0,
        });
        for (path, node) in &self.nodes {
            match node {
                Node::Dir { mode, .. } => writer.add_dir(path, *mode)?,
                Node::Bytes { mode, data } => writer.add_file(path, *mode, data)?,
                Node::Symlink { target, .. } => writer.add_symlink(path, target)?,
                Node::HostFile {
                    src, mode, size, ..
                } => {
                    copy_host_file(&mut writer, path, src, *mode, *size)
                        .with_context(|| format!("cannot pack {}", src.display()))?;
                }
            }
        }
        let mut sink = writer.finish_sink()?;
        sink.out.flush().context("cannot write the initrd")?;
        Ok(sink.len)
    }
}

/// Streams the host file `src` into the archive as `path`, checking that it
/// still has the size it had when the tree was gathered.
fn copy_host_file<W: Write>(
    writer: &mut Writer<IoSink<W>>,
    path: &str,
    src: &Path,
    mode: u32,
    size: u32,
) -> Result<()> {
    let mut file = File::open(src)?;
    writer.begin_file(path, mode, size)?;
    let mut left = u64::from(size);
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).expect("at most 64 KiB");
        let n = match file.read(&mut buf[..want]) {
            Ok(0) => bail!("it shrank while being packed"),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        writer.write_contents(&buf[..n])?;
        left -= n as u64;
    }
    if file.read(&mut buf[..1])? != 0 {
        bail!("it grew while being packed");
    }
    Ok(())
}

/// A [`Sink`] over any writer, buffered so small headers do not each make
/// a system call, counting what passes.
struct IoSink<W: Write> {
    out: io::BufWriter<W>,
    len: u64,
}

impl<W: Write> Sink for IoSink<W> {
    type Error = anyhow::Error;

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .context("cannot write the initrd")?;
        self.len += bytes.len() as u64;
        Ok(())
    }
}

/// What kind of special file `meta` describes, for messages.
fn special_kind(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_char_device() {
        "a character device"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests;
