//! The disks of the `disk` workload, made afresh for every boot so that no
//! run sees what an earlier one wrote: for Sole, a rootfs image of the
//! program's files (as `sole build` writes it) that it boots from
//! (`root=disk`); for the Linux guest, an ext4 filesystem made on the host
//! with `mkfs.ext4`, which the guest's `/init` mounts at [`MOUNT`]. Both
//! disks are [`DISK_BYTES`] long, attached the same way (raw, virtio-blk;
//! [`crate::qemu::VmConfig::disk`]), and hold [`READ_FILE`] and
//! [`RANDOM_FILE`] in [`MOUNT`], which the workload reads cold: one
//! sequentially, the other at random, so that neither read finds what the
//! other brought into a cache.
//!
//! Also `mkfs.ext4` and `dumpe2fs`, which the `image` workload uses too.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};

use crate::cache::Cache;
use crate::disk::build::write_image;
use crate::initrd::Tree;

const MIB: u64 = 1 << 20;

/// The size of either disk.
pub const DISK_BYTES: u64 = 512 * MIB;

/// The directory the workload runs in, its argument: a directory of Sole's
/// root filesystem, the ext4 mount point in the Linux guest.
pub const MOUNT: &str = "/mnt";

/// The file in [`MOUNT`] that each disk holds when it is made and the
/// workload reads sequentially (`READ_FILE` in `tools/bench/disk.c`).
pub const READ_FILE: &str = "sole-bench-read";

/// The one it reads at random (`RANDOM_FILE` in `tools/bench/disk.c`).
pub const RANDOM_FILE: &str = "sole-bench-random";

/// The size of each (`SEQ_MIB` in `tools/bench/disk.c`).
pub const READ_BYTES: u64 = 64 * MIB;

/// The ext4 block size: the same 4 KiB as rootfs's blocks.
const EXT4_BLOCK_SIZE: &str = "4096";

/// A directory in `cache` holding [`READ_FILE`] and [`RANDOM_FILE`]:
/// [`READ_BYTES`] each of pseudo-random bytes (xorshift64, so compression
/// gains nothing; two seeds, so no block of one is a block of the other),
/// the same every time.
pub fn disk_files(cache: &Cache) -> Result<PathBuf> {
    let dir = cache.dir().join("bench").join("disk-files");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, seed) in [
        (READ_FILE, 0x2545_f491_4f6c_dd1d),
        (RANDOM_FILE, 0x9e37_79b9_7f4a_7c15),
    ] {
        let bytes = pseudo_random(seed, READ_BYTES as usize);
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|existing| existing == bytes) {
            continue;
        }
        let temp = tempfile::NamedTempFile::new_in(&dir)?;
        std::fs::write(temp.path(), &bytes)?;
        temp.persist(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(dir)
}

/// `len` bytes of xorshift64 from `seed`.
fn pseudo_random(mut state: u64, len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// The files of a [`disk_files`] directory, by name (and nothing else it
/// may hold, such as a temporary file left by an interrupted run).
fn files_in(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    [READ_FILE, RANDOM_FILE]
        .into_iter()
        .map(|name| {
            let path = dir.join(name);
            if !path.is_file() {
                bail!("{} is missing", path.display());
            }
            Ok((name.to_owned(), path))
        })
        .collect()
}

/// What a fresh disk is made of.
#[derive(Debug)]
pub enum FreshDisk {
    /// A rootfs image of this tree (the program's files, its manifest, and
    /// [`READ_FILE`] in [`MOUNT`]).
    Rootfs(Tree),
    /// An ext4 filesystem holding what this host directory holds.
    Ext4(tempfile::TempDir),
}

impl FreshDisk {
    /// The tree of a program's image with the files of `files` (a
    /// [`disk_files`] directory) added in [`MOUNT`].
    pub fn rootfs(mut tree: Tree, files: &Path) -> Result<Self> {
        tree.ensure_dir(MOUNT)?;
        for (name, path) in files_in(files)? {
            tree.add_host(&path, &format!("{MOUNT}/{name}"))?;
        }
        Ok(FreshDisk::Rootfs(tree))
    }

    /// A directory holding the files of `files` (a [`disk_files`]
    /// directory), for `mkfs.ext4 -d`.
    pub fn ext4(files: &Path) -> Result<Self> {
        let stage = tempfile::Builder::new()
            .prefix("sole-bench-ext4-")
            .tempdir()?;
        for (name, path) in files_in(files)? {
            let to = stage.path().join(name);
            if std::fs::hard_link(&path, &to).is_err() {
                std::fs::copy(&path, &to)
                    .with_context(|| format!("cannot copy {}", path.display()))?;
            }
        }
        Ok(FreshDisk::Ext4(stage))
    }

    /// Writes the disk to `out` (replacing what is there).
    pub fn make(&self, out: &Path) -> Result<()> {
        match self {
            FreshDisk::Rootfs(tree) => write_image(tree, out, Some(DISK_BYTES)).map(|_| ()),
            FreshDisk::Ext4(stage) => mkfs_ext4(Some(stage.path()), out, DISK_BYTES),
        }
    }
}

/// A program of e2fsprogs: on `PATH`, else in `/usr/sbin` or `/sbin`
/// (which a user's `PATH` may lack).
pub fn e2fsprogs(name: &str) -> Result<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("{name} not found; install it with: apt-get install e2fsprogs"))
}

/// The arguments of `mkfs.ext4` for an image at `out` holding `dir`: 4 KiB
/// blocks, quiet, and the inode tables and journal written now rather than
/// by the guest's kernel in the background while it is being measured.
pub fn mkfs_args(dir: Option<&Path>, out: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = ["-q", "-F", "-t", "ext4", "-b", EXT4_BLOCK_SIZE]
        .into_iter()
        .map(Into::into)
        .collect();
    args.extend(["-E".into(), "lazy_itable_init=0,lazy_journal_init=0".into()]);
    if let Some(dir) = dir {
        args.extend(["-d".into(), dir.as_os_str().to_owned()]);
    }
    args.push(out.as_os_str().to_owned());
    args
}

/// Makes `out` a sparse file of `bytes` holding an ext4 filesystem with
/// the files of `dir` (if any), as `mkfs.ext4 -d` copies them.
pub fn mkfs_ext4(dir: Option<&Path>, out: &Path, bytes: u64) -> Result<()> {
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    file.set_len(bytes)
        .with_context(|| format!("cannot size {}", out.display()))?;
    drop(file);
    let mkfs = e2fsprogs("mkfs.ext4")?;
    let output = Command::new(&mkfs)
        .args(mkfs_args(dir, out))
        .output()
        .with_context(|| format!("cannot run {}", mkfs.display()))?;
    if !output.status.success() {
        bail!(
            "mkfs.ext4 failed on {}: {}",
            out.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// The bytes of the ext4 filesystem in `image` that are in use (blocks
/// less free blocks, times the block size, as `dumpe2fs -h` counts them:
/// data, directories, inode tables, bitmaps and the journal).
pub fn ext4_used_bytes(image: &Path) -> Result<u64> {
    let dumpe2fs = e2fsprogs("dumpe2fs")?;
    let output = Command::new(&dumpe2fs)
        .arg("-h")
        .arg(image)
        .output()
        .with_context(|| format!("cannot run {}", dumpe2fs.display()))?;
    if !output.status.success() {
        bail!(
            "dumpe2fs -h {} failed: {}",
            image.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    used_bytes_of_header(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| anyhow!("dumpe2fs -h {} names no block counts", image.display()))
}

/// `(Block count - Free blocks) * Block size` from `dumpe2fs -h` output.
pub fn used_bytes_of_header(header: &str) -> Option<u64> {
    let field = |name: &str| -> Option<u64> {
        header.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim().parse().ok())?
        })
    };
    let blocks = field("Block count")?;
    let free = field("Free blocks")?;
    let size = field("Block size")?;
    blocks.checked_sub(free)?.checked_mul(size)
}

/// The bytes the host's filesystem holds for `path` (a sparse file's
/// allocated blocks, as `du` counts them).
pub fn allocated_bytes(path: &Path) -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(meta.blocks() * 512)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumpe2fs_header_gives_used_bytes() {
        let header = "dumpe2fs 1.47.0 (5-Feb-2023)\n\
                      Filesystem volume name:   <none>\n\
                      Block count:              131072\n\
                      Reserved block count:     6553\n\
                      Overhead clusters:        13426\n\
                      Free blocks:              112000\n\
                      Free inodes:              32757\n\
                      Block size:               4096\n";
        assert_eq!(used_bytes_of_header(header), Some((131072 - 112000) * 4096));
        assert_eq!(
            used_bytes_of_header("Block count: 10\nBlock size: 4096\n"),
            None
        );
        assert_eq!(
            used_bytes_of_header("Block count: 10\nFree blocks: 11\nBlock size: 4096\n"),
            None,
            "more free than there are"
        );
        assert_eq!(
            used_bytes_of_header("Block count: x\nFree blocks: 1\nBlock size: 4096\n"),
            None
        );
    }

    #[test]
    fn mkfs_gets_4k_blocks_no_lazy_init_and_the_tree() {
        let args = mkfs_args(Some(Path::new("/tmp/stage")), Path::new("/tmp/d.img"));
        let args: Vec<&str> = args.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            args,
            [
                "-q",
                "-F",
                "-t",
                "ext4",
                "-b",
                "4096",
                "-E",
                "lazy_itable_init=0,lazy_journal_init=0",
                "-d",
                "/tmp/stage",
                "/tmp/d.img"
            ]
        );
        assert!(!mkfs_args(None, Path::new("x")).iter().any(|a| a == "-d"));
    }

    #[test]
    fn the_files_to_read_are_fixed_distinct_and_incompressible() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path()).unwrap();
        let files = disk_files(&cache).unwrap();
        let listed = files_in(&files).unwrap();
        let names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, [READ_FILE, RANDOM_FILE]);
        let read = std::fs::read(files.join(READ_FILE)).unwrap();
        let random = std::fs::read(files.join(RANDOM_FILE)).unwrap();
        assert_eq!(read.len() as u64, READ_BYTES);
        assert_eq!(random.len() as u64, READ_BYTES);
        assert_ne!(read[..4096], random[..4096]);
        // No 4 KiB block repeats the first, as zeros or a pattern would.
        let first = &read[..4096];
        assert!(read[4096..].chunks(4096).all(|block| block != first));
        // Made again: the same files, and a damaged one is rewritten.
        std::fs::write(files.join(RANDOM_FILE), b"damaged").unwrap();
        assert_eq!(disk_files(&cache).unwrap(), files);
        assert_eq!(std::fs::read(files.join(RANDOM_FILE)).unwrap(), random);
    }
}
