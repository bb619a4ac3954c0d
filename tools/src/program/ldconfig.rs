//! What glibc's `ld.so` learns from ldconfig: `/etc/ld.so.cache` (soname ->
//! path) and, where a tree has no cache, the directories `/etc/ld.so.conf`
//! and the files it includes name.
//!
//! The cache's format is glibc's `sysdeps/generic/dl-cache.h`: the header
//! `glibc-ld.so.cache1.1` (possibly after the old `ld.so-1.7.0` table, as
//! glibc before 2.32 wrote it), then fixed-size entries whose strings are
//! offsets from the start of the file. Every read is bounds-checked: a
//! damaged cache is an error, never a panic.

use std::collections::BTreeSet;

use anyhow::{Result, anyhow, bail};

use super::root::{GuestRoot, dirname, join_path};

/// The magic and version of the current format.
const MAGIC_NEW: &[u8] = b"glibc-ld.so.cache1.1";
/// The magic of the old format.
const MAGIC_OLD: &[u8] = b"ld.so-1.7.0";
/// `struct cache_file_new`: magic and version (20), nlibs, len_strings,
/// flags (4 bytes with padding), extension_offset, unused[3].
const NEW_HEADER_LEN: usize = 48;
/// `struct file_entry_new`: flags, key, value, osversion, hwcap.
const NEW_ENTRY_LEN: usize = 24;
/// `struct cache_file`: magic (11, padded to 12) and nlibs.
const OLD_HEADER_LEN: usize = 16;
/// `struct file_entry`: flags, key, value.
const OLD_ENTRY_LEN: usize = 12;

/// `FLAG_ELF_LIBC6 | FLAG_X8664_LIB64`: the only entries x86-64 `ld.so`
/// accepts (`_dl_cache_check_flags` in `sysdeps/x86_64/dl-cache.h`).
const X86_64_LIBC6: i32 = 0x0303;
/// An entry for a `glibc-hwcaps` subdirectory (x86-64-v2, -v3, -v4): the
/// low bits index the hwcaps extension.
const HWCAP_EXTENSION: u64 = 1 << 62;

/// The file the cache is in.
pub const CACHE_PATH: &str = "/etc/ld.so.cache";
/// The file ldconfig reads.
pub const CONF_PATH: &str = "/etc/ld.so.conf";

/// One x86-64 library the cache knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// What it is looked up by.
    pub soname: String,
    /// Where it is.
    pub path: String,
    /// Whether it is a variant for a CPU level (`glibc-hwcaps/x86-64-v3`)
    /// that `ld.so` prefers when the CPU has it.
    pub hwcaps: bool,
}

/// The x86-64 entries of an `ld.so.cache`, in the file's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LdCache {
    entries: Vec<CacheEntry>,
}

impl LdCache {
    /// Reads a cache file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let start = if bytes.starts_with(MAGIC_NEW) {
            0
        } else if bytes.starts_with(MAGIC_OLD) {
            // The new table follows the old one, 8-byte aligned.
            let nlibs = u32_at(bytes, 12)? as usize;
            let end = nlibs
                .checked_mul(OLD_ENTRY_LEN)
                .and_then(|n| n.checked_add(OLD_HEADER_LEN))
                .ok_or_else(|| anyhow!("the old table is too large"))?;
            let start = end.next_multiple_of(8);
            if !bytes.get(start..).is_some_and(|b| b.starts_with(MAGIC_NEW)) {
                bail!("only the old format (before glibc 2.32 made the new one the default)");
            }
            start
        } else {
            bail!("not an ld.so.cache (no `glibc-ld.so.cache1.1`)");
        };
        let nlibs = u32_at(bytes, start + 20)? as usize;
        if nlibs.saturating_mul(NEW_ENTRY_LEN) > bytes.len() - start {
            bail!("truncated: {nlibs} entries do not fit");
        }
        let mut entries = Vec::new();
        for i in 0..nlibs {
            let at = start + NEW_HEADER_LEN + i * NEW_ENTRY_LEN;
            let flags = u32_at(bytes, at)? as i32;
            let key = u32_at(bytes, at + 4)? as usize;
            let value = u32_at(bytes, at + 8)? as usize;
            let hwcap = u64_at(bytes, at + 16)?;
            // Other flags are 32-bit, x32 or libc5 libraries; other hwcap
            // values are the legacy subdirectories glibc 2.37 dropped.
            if flags != X86_64_LIBC6 || (hwcap != 0 && hwcap & HWCAP_EXTENSION == 0) {
                continue;
            }
            entries.push(CacheEntry {
                soname: string_at(bytes, key)?,
                path: string_at(bytes, value)?,
                hwcaps: hwcap != 0,
            });
        }
        Ok(Self { entries })
    }

    /// The entries for `soname`: the baseline one first, then any
    /// `glibc-hwcaps` variants.
    pub fn lookup(&self, soname: &str) -> Vec<&CacheEntry> {
        let mut found: Vec<&CacheEntry> =
            self.entries.iter().filter(|e| e.soname == soname).collect();
        found.sort_by_key(|e| e.hwcaps);
        found
    }

    /// How many entries it has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32> {
    let b = bytes
        .get(at..at.saturating_add(4))
        .ok_or_else(|| anyhow!("truncated at byte {at}"))?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize) -> Result<u64> {
    let low = u32_at(bytes, at)?;
    let high = u32_at(bytes, at + 4)?;
    Ok(u64::from(high) << 32 | u64::from(low))
}

/// The NUL-terminated UTF-8 string at `at`.
fn string_at(bytes: &[u8], at: usize) -> Result<String> {
    let rest = bytes
        .get(at..)
        .ok_or_else(|| anyhow!("a string offset ({at}) is past the end"))?;
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| anyhow!("the string at {at} is not terminated"))?;
    String::from_utf8(rest[..len].to_vec()).map_err(|_| anyhow!("the string at {at} is not UTF-8"))
}

/// The directories `/etc/ld.so.conf` in `root` names, following its
/// `include` lines (glob patterns, relative to the including file's
/// directory), in order, each once. A missing file names none.
pub fn conf_dirs(root: &GuestRoot) -> Vec<String> {
    let mut dirs = Vec::new();
    let mut seen_files = BTreeSet::new();
    read_conf(root, CONF_PATH, &mut dirs, &mut seen_files, 0);
    let mut seen = BTreeSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    dirs
}

/// Includes nest at most this deep (ldconfig has no limit, but a loop
/// must end).
const MAX_INCLUDE_DEPTH: usize = 8;

fn read_conf(
    root: &GuestRoot,
    path: &str,
    dirs: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > MAX_INCLUDE_DEPTH || !seen.insert(path.to_owned()) {
        return;
    }
    let Ok(walked) = root.walk(path) else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(root.host_path(&walked.path)) else {
        return;
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if let Some(pattern) = line.strip_prefix("include")
            && pattern.starts_with(char::is_whitespace)
        {
            for word in pattern.split_whitespace() {
                let pattern = join_path(dirname(path), word);
                for file in glob(root, &pattern) {
                    read_conf(root, &file, dirs, seen, depth + 1);
                }
            }
            continue;
        }
        if line.starts_with("hwcap") {
            continue;
        }
        // ldconfig also accepts `dir=TYPE`; the type is for libc5.
        for dir in line.split([':', ',', ' ', '\t']) {
            let dir = dir.split('=').next().unwrap_or_default();
            if dir.starts_with('/') {
                dirs.push(dir.trim_end_matches('/').to_owned());
            }
        }
    }
}

/// The files matching `pattern` (`*` and `?` in its last component only,
/// as ld.so.conf uses them), sorted as glob(3) sorts.
fn glob(root: &GuestRoot, pattern: &str) -> Vec<String> {
    let dir = dirname(pattern);
    let name = &pattern[pattern.rfind('/').map_or(0, |i| i + 1)..];
    if !name.contains(['*', '?']) {
        return vec![pattern.to_owned()];
    }
    let Ok(walked) = root.walk(dir) else {
        return Vec::new();
    };
    let Ok(listing) = std::fs::read_dir(root.host_path(&walked.path)) else {
        return Vec::new();
    };
    let mut found: Vec<String> = listing
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && matches(name.as_bytes(), n.as_bytes()))
        .map(|n| join_path(dir, &n))
        .collect();
    found.sort();
    found
}

/// Whether `name` matches the wildcard `pattern` (`*`, `?`).
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((b'*', rest)), _) => {
            matches(rest, name) || (!name.is_empty() && matches(pattern, &name[1..]))
        }
        (Some((b'?', rest)), Some((_, name))) => matches(rest, name),
        (Some((p, rest)), Some((n, name))) => p == n && matches(rest, name),
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests;
