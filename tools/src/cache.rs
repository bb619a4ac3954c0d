//! The per-user cache directory: files QEMU must read from disk (the embedded
//! kernel, the KVM probe guest) and small verdicts worth keeping between runs.
//!
//! The directory is `$XDG_CACHE_HOME/sole`, else `~/.cache/sole`, else (when
//! neither can be created) `sole-cache-<user>` in the temporary directory.
//! Every file is written to a temporary name and renamed into place, so a
//! reader never sees half a file even when several `sole` runs start at once.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The cache directory, created if needed.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Opens (creating) the user's cache directory, falling back to the
    /// temporary directory when the usual places cannot be created.
    pub fn open() -> Result<Self> {
        let mut tried = Vec::new();
        for dir in candidate_dirs() {
            match fs::create_dir_all(&dir) {
                Ok(()) => return Ok(Self { dir }),
                Err(e) => tried.push(format!("{}: {e}", dir.display())),
            }
        }
        anyhow::bail!("cannot create a cache directory ({})", tried.join("; "))
    }

    /// A cache in `dir` (created if needed); for tests and tools that want
    /// their own place.
    pub fn at(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self { dir })
    }

    /// The directory itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file holding exactly `bytes`, named `<stem>-<hash of bytes>.<ext>`,
    /// written only if it is missing or differs. The contents are checked,
    /// not just the name, so a damaged or planted file is replaced.
    pub fn content_file(&self, stem: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self
            .dir
            .join(format!("{stem}-{:016x}.{ext}", fnv1a64(bytes)));
        if fs::read(&path).is_ok_and(|existing| existing == bytes) {
            return Ok(path);
        }
        self.write_atomically(&path, bytes)?;
        Ok(path)
    }

    /// The contents of the small file `name`, if it exists and is readable.
    pub fn read(&self, name: &str) -> Option<String> {
        fs::read_to_string(self.dir.join(name)).ok()
    }

    /// Replaces the file `name` with `contents`, atomically.
    pub fn write(&self, name: &str, contents: &str) -> Result<()> {
        self.write_atomically(&self.dir.join(name), contents.as_bytes())
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let mut temp = tempfile::NamedTempFile::new_in(&self.dir)
            .with_context(|| format!("cannot create a file in {}", self.dir.display()))?;
        temp.write_all(bytes)
            .and_then(|()| temp.flush())
            .with_context(|| format!("cannot write {}", temp.path().display()))?;
        temp.persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// Where the cache may live, best first.
fn candidate_dirs() -> Vec<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let mut dirs = Vec::new();
    if let Some(xdg) = absolute("XDG_CACHE_HOME") {
        dirs.push(xdg.join("sole"));
    }
    if let Some(home) = absolute("HOME") {
        dirs.push(home.join(".cache").join("sole"));
    }
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    dirs.push(std::env::temp_dir().join(format!("sole-cache-{user}")));
    dirs
}

/// The identity of the current host boot (`/proc/sys/kernel/random/boot_id`),
/// used to keep verdicts about the host only until it reboots.
pub fn boot_id() -> Option<String> {
    let id = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// FNV-1a, 64-bit: a stable name for file contents. Not a defence against
/// anyone; `content_file` compares the bytes themselves.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_reference_values() {
        // From the FNV reference test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn content_file_is_named_by_contents_and_repaired_when_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("c")).unwrap();
        let a = cache.content_file("kernel", "elf", b"one").unwrap();
        let b = cache.content_file("kernel", "elf", b"two").unwrap();
        assert_ne!(a, b);
        assert_eq!(fs::read(&a).unwrap(), b"one");
        assert!(
            a.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("kernel-")
        );

        fs::write(&a, b"damaged").unwrap();
        assert_eq!(cache.content_file("kernel", "elf", b"one").unwrap(), a);
        assert_eq!(fs::read(&a).unwrap(), b"one");
        // Only the two files remain: no temporary files left behind.
        assert_eq!(fs::read_dir(cache.dir()).unwrap().count(), 2);
    }

    #[test]
    fn small_files_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path()).unwrap();
        assert_eq!(cache.read("verdict"), None);
        cache.write("verdict", "fast\n").unwrap();
        cache.write("verdict", "slow\n").unwrap();
        assert_eq!(cache.read("verdict").as_deref(), Some("slow\n"));
    }
}
