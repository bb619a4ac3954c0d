//! Writing a disk image from a [`Tree`]: a sparse raw file of 4 KiB blocks,
//! formatted as a rootfs pool and filesystem, holding every node of the
//! tree with its mode, link target, and the modification time of its host
//! source; host files that are hard links of each other stay one object
//! with several names. Owners are 0:0.
//!
//! The same tree gives the same bytes: nodes are added in path order, the
//! pool GUID is a hash of the tree (paths, kinds, modes, times, contents),
//! every time comes from the sources (a node without one, such as a
//! directory made only to hold what was added, or the manifest, takes the
//! newest time in the tree) and the uberblocks' timestamps are 0, but for
//! the last: the image ends with snapshot [`BUILT`] of what was written,
//! whose creation time and uberblock timestamp are the tree's newest time.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use rootfs::device::FileDevice;
use rootfs::format::BLOCK_SIZE;
use rootfs::fs::{Fs, FsError, ROOT_INO, SetAttr, StatFs};
use rootfs::pool::Pool;

use super::describe;
use super::snapshot::BUILT;
use crate::initrd::{Node, Tree};

const MIB: u64 = 1 << 20;

/// Free room a default-sized image leaves beyond twice its contents.
pub const DEFAULT_FREE_MIB: u64 = 64;

/// Dirty data that is committed before more is added, so building a large
/// image never holds much of it in memory.
const COMMIT_EVERY: u64 = 64 * MIB;

/// What a build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskStats {
    /// The image file's length in bytes.
    pub size: u64,
    /// The filesystem's own account after the build.
    pub statfs: StatFs,
}

impl DiskStats {
    /// Bytes of the data area in use.
    pub fn used_bytes(&self) -> u64 {
        (self.statfs.blocks - self.statfs.free_blocks) * self.statfs.block_size
    }
}

/// Roughly what the tree takes on disk: every file's blocks, a block per
/// directory, a record per node.
pub fn content_bytes(tree: &Tree) -> u64 {
    let block = BLOCK_SIZE as u64;
    tree.nodes()
        .map(|(_, node)| {
            256 + match node {
                Node::Dir { .. } => block,
                Node::HostFile { size, .. } => u64::from(*size).next_multiple_of(block),
                Node::Bytes { data, .. } => (data.len() as u64).next_multiple_of(block),
                Node::Symlink { .. } => 0,
            }
        })
        .sum()
}

/// The default image size for `content` bytes: twice them plus
/// [`DEFAULT_FREE_MIB`], rounded up to a whole MiB.
pub fn default_size(content: u64) -> u64 {
    (2 * content + DEFAULT_FREE_MIB * MIB).next_multiple_of(MIB)
}

/// Writes `tree` as a disk image of `size` bytes (the default for its
/// contents if `None`) to the file at `out`, created or replaced.
pub fn write_image(tree: &Tree, out: &Path, size: Option<u64>) -> Result<DiskStats> {
    let content = content_bytes(tree);
    let size = size.unwrap_or_else(|| default_size(content));
    let blocks = size / BLOCK_SIZE as u64;
    let guid = tree_hash(tree)?;
    let shown = out.display();
    let dev = FileDevice::create(out, BLOCK_SIZE, blocks)
        .with_context(|| format!("cannot write {shown}"))?;
    let mut pool = Pool::format(dev, guid).map_err(|e| match e {
        rootfs::pool::Error::Geometry => anyhow!(
            "an image of {} bytes is too small for a pool",
            blocks * BLOCK_SIZE as u64
        ),
        other => anyhow!("cannot write {shown}: {other}"),
    })?;
    // The builder only adds: compressed blocks may share physical blocks
    // (FORMAT.md, "Compression"); the kernel mounts with packing off.
    pool.set_packing(true);
    let newest = newest_time(tree);
    let mut fs = Fs::format(pool, newest).map_err(|e| anyhow!("cannot write {shown}: {e}"))?;
    let too_small = |e: FsError| {
        if e.errno() == 28 {
            anyhow!(
                "the files do not fit in an image of {} MiB (they take about {} MiB); \
                 give a larger --size",
                size / MIB,
                content.div_ceil(MIB)
            )
        } else {
            anyhow!(describe(e))
        }
    };
    let mut writer = TreeWriter {
        fs: &mut fs,
        dirs: BTreeMap::new(),
        links: BTreeMap::new(),
        newest,
        dirty: 0,
    };
    for (path, node) in tree.nodes() {
        writer
            .add(path, node)
            .map_err(|e| match e.downcast::<FsError>() {
                Ok(e) => too_small(e).context(format!("cannot add {path}")),
                Err(e) => e.context(format!("cannot add {path}")),
            })?;
    }
    let dirs = std::mem::take(&mut writer.dirs);
    // Adding entries stamped each directory; give them their own times.
    for (ino, time) in dirs.into_values().chain([(ROOT_INO, newest)]) {
        fs.set_time(time);
        let times = SetAttr {
            atime_ns: Some(time),
            mtime_ns: Some(time),
            ..SetAttr::default()
        };
        fs.setattr(ino, times).map_err(too_small)?;
    }
    fs.set_time(0);
    fs.commit().map_err(too_small)?;
    // `sole run --fresh` goes back to this; stamped with the tree's
    // newest time (as is the uberblock that records it), not the clock.
    fs.set_time(newest);
    fs.snapshot(BUILT)
        .map_err(|e| anyhow!("cannot take snapshot {BUILT}: {}", describe(e)))?;
    Ok(DiskStats {
        size: blocks * BLOCK_SIZE as u64,
        statfs: fs.statfs(),
    })
}

/// Adds nodes to the filesystem in path order.
struct TreeWriter<'a> {
    fs: &'a mut Fs<FileDevice>,
    /// Directories made so far: path to object number and time.
    dirs: BTreeMap<String, (u64, i64)>,
    /// Host files with more than one name: (device, inode) to object.
    links: BTreeMap<(u64, u64), u64>,
    /// The time of nodes without one.
    newest: i64,
    /// Data added since the last commit.
    dirty: u64,
}

impl TreeWriter<'_> {
    fn add(&mut self, path: &str, node: &Node) -> Result<()> {
        let (parent, name) = path.rsplit_once('/').expect("tree paths are absolute");
        let dir = if parent.is_empty() {
            ROOT_INO
        } else {
            self.dirs
                .get(parent)
                .map(|&(ino, _)| ino)
                .ok_or_else(|| anyhow!("{parent} is not a directory"))?
        };
        let name = name.as_bytes();
        match node {
            Node::Dir { mode, mtime, .. } => {
                let time = mtime.unwrap_or(self.newest);
                self.fs.set_time(time);
                let ino = self.fs.mkdir(dir, name, *mode, 0, 0)?;
                self.dirs.insert(path.to_owned(), (ino, time));
            }
            Node::Symlink { target, mtime } => {
                self.fs.set_time(mtime.unwrap_or(self.newest));
                self.fs.symlink(dir, name, target.as_bytes(), 0, 0)?;
            }
            Node::Bytes { mode, data } => {
                self.fs.set_time(self.newest);
                let ino = self.fs.create(dir, name, *mode, 0, 0)?;
                self.fs.write(ino, 0, data)?;
                self.dirty += data.len() as u64;
            }
            Node::HostFile {
                src,
                mode,
                size,
                mtime,
            } => {
                self.fs.set_time(mtime.unwrap_or(self.newest));
                let meta = std::fs::metadata(src)
                    .with_context(|| format!("cannot read {}", src.display()))?;
                let key = (meta.dev(), meta.ino());
                if meta.nlink() > 1
                    && let Some(&ino) = self.links.get(&key)
                {
                    self.fs.link(ino, dir, name)?;
                    return Ok(());
                }
                let ino = self.fs.create(dir, name, *mode, 0, 0)?;
                if meta.nlink() > 1 {
                    self.links.insert(key, ino);
                }
                self.copy_host_file(ino, src, u64::from(*size))
                    .with_context(|| format!("cannot pack {}", src.display()))?;
            }
        }
        if self.dirty >= COMMIT_EVERY {
            self.fs.set_time(0);
            self.fs.commit()?;
            self.dirty = 0;
        }
        Ok(())
    }

    /// Streams the host file `src` into object `ino`, checking that it
    /// still has the size it had when the tree was gathered.
    fn copy_host_file(&mut self, ino: u64, src: &Path, size: u64) -> Result<()> {
        let mut file = File::open(src)?;
        let mut buf = vec![0u8; 1 << 20];
        let mut at = 0u64;
        loop {
            let n = match file.read(&mut buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                break;
            }
            if at + n as u64 > size {
                bail!("it grew while being packed");
            }
            self.fs.write(ino, at, &buf[..n])?;
            at += n as u64;
            self.dirty += n as u64;
        }
        if at != size {
            bail!("it shrank while being packed");
        }
        Ok(())
    }
}

/// The newest time any node of the tree has, or 0.
fn newest_time(tree: &Tree) -> i64 {
    tree.nodes()
        .filter_map(|(_, node)| match node {
            Node::Dir { mtime, .. }
            | Node::HostFile { mtime, .. }
            | Node::Symlink { mtime, .. } => *mtime,
            Node::Bytes { .. } => None,
        })
        .max()
        .unwrap_or(0)
}

/// 64-bit FNV-1a, fed in pieces.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// A length-prefixed field, so fields cannot run into each other.
    fn field(&mut self, bytes: &[u8]) {
        self.feed(&(bytes.len() as u64).to_le_bytes());
        self.feed(bytes);
    }
}

/// The pool GUID for `tree`: a hash of every path, kind, mode, time, link
/// target and content (host files are read for it), never 0.
fn tree_hash(tree: &Tree) -> Result<u64> {
    let mut h = Fnv::new();
    for (path, node) in tree.nodes() {
        h.field(path.as_bytes());
        match node {
            Node::Dir { mode, mtime, .. } => {
                h.field(b"d");
                h.field(&mode.to_le_bytes());
                h.field(&mtime.unwrap_or(0).to_le_bytes());
            }
            Node::Symlink { target, mtime } => {
                h.field(b"l");
                h.field(target.as_bytes());
                h.field(&mtime.unwrap_or(0).to_le_bytes());
            }
            Node::Bytes { mode, data } => {
                h.field(b"f");
                h.field(&mode.to_le_bytes());
                h.field(data);
            }
            Node::HostFile {
                src,
                mode,
                size,
                mtime,
            } => {
                h.field(b"f");
                h.field(&mode.to_le_bytes());
                h.field(&mtime.unwrap_or(0).to_le_bytes());
                h.field(&u64::from(*size).to_le_bytes());
                let mut file =
                    File::open(src).with_context(|| format!("cannot read {}", src.display()))?;
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = match file.read(&mut buf) {
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => {
                            return Err(e)
                                .with_context(|| format!("cannot read {}", src.display()));
                        }
                    };
                    if n == 0 {
                        break;
                    }
                    h.feed(&buf[..n]);
                }
            }
        }
    }
    // SplitMix64's finisher spreads the bits; 0 is kept for "no pool".
    let mut x = h.0;
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    Ok(x.max(1))
}
