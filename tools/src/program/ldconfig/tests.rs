use super::*;
use std::fs;
use std::path::Path;

/// A cache in the current format holding `entries` (flags, soname, path,
/// hwcap), strings after the table as ldconfig places them.
pub(crate) fn cache_bytes(entries: &[(i32, &str, &str, u64)]) -> Vec<u8> {
    let table_end = NEW_HEADER_LEN + entries.len() * NEW_ENTRY_LEN;
    let mut strings = Vec::new();
    let mut table = Vec::new();
    for &(flags, key, value, hwcap) in entries {
        let key_at = table_end + strings.len();
        strings.extend_from_slice(key.as_bytes());
        strings.push(0);
        let value_at = table_end + strings.len();
        strings.extend_from_slice(value.as_bytes());
        strings.push(0);
        table.extend_from_slice(&flags.to_le_bytes());
        table.extend_from_slice(&u32::try_from(key_at).unwrap().to_le_bytes());
        table.extend_from_slice(&u32::try_from(value_at).unwrap().to_le_bytes());
        table.extend_from_slice(&0u32.to_le_bytes());
        table.extend_from_slice(&hwcap.to_le_bytes());
    }
    let mut out = MAGIC_NEW.to_vec();
    out.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&u32::try_from(strings.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&[2, 0, 0, 0]); // little-endian
    out.extend_from_slice(&[0; 16]); // extension offset, unused
    assert_eq!(out.len(), NEW_HEADER_LEN);
    out.extend(table);
    out.extend(strings);
    out
}

#[test]
fn x86_64_entries_are_read_and_others_skipped() {
    let bytes = cache_bytes(&[
        (0x0303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0),
        (0x0003, "libc.so.6", "/lib/i386-linux-gnu/libc.so.6", 0),
        (0x0803, "libc.so.6", "/libx32/libc.so.6", 0),
        (
            0x0303,
            "libz.so.1",
            "/opt/v3/libz.so.1",
            HWCAP_EXTENSION | 2,
        ),
        (0x0303, "libz.so.1", "/opt/legacy/libz.so.1", 1 << 20),
        (0x0303, "libz.so.1", "/usr/lib/libz.so.1", 0),
    ]);
    let cache = LdCache::parse(&bytes).unwrap();
    assert_eq!(cache.len(), 3);
    let libc = cache.lookup("libc.so.6");
    assert_eq!(libc.len(), 1);
    assert_eq!(libc[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
    let paths: Vec<(&str, bool)> = cache
        .lookup("libz.so.1")
        .iter()
        .map(|e| (e.path.as_str(), e.hwcaps))
        .collect();
    assert_eq!(
        paths,
        [("/usr/lib/libz.so.1", false), ("/opt/v3/libz.so.1", true)]
    );
    assert!(cache.lookup("libm.so.6").is_empty());
}

#[test]
fn the_new_table_after_the_old_one_is_found() {
    let new = cache_bytes(&[(0x0303, "libm.so.6", "/lib/libm.so.6", 0)]);
    // One old entry: 16 + 12 = 28 bytes, so the new table starts at 32,
    // and its string offsets count from the start of the file.
    let mut bytes = MAGIC_OLD.to_vec();
    bytes.push(0);
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&[0; 12]);
    bytes.extend_from_slice(&[0; 4]);
    let shift = u32::try_from(bytes.len()).unwrap();
    assert_eq!(shift, 32);
    let mut new = new;
    for i in 0..1 {
        for field in [4, 8] {
            let at = NEW_HEADER_LEN + i * NEW_ENTRY_LEN + field;
            let offset = u32::from_le_bytes(new[at..at + 4].try_into().unwrap()) + shift;
            new[at..at + 4].copy_from_slice(&offset.to_le_bytes());
        }
    }
    bytes.extend(new);
    let cache = LdCache::parse(&bytes).unwrap();
    assert_eq!(cache.lookup("libm.so.6")[0].path, "/lib/libm.so.6");
}

#[test]
fn damaged_caches_are_errors() {
    assert!(LdCache::parse(b"").is_err());
    assert!(LdCache::parse(b"something else entirely").is_err());
    let good = cache_bytes(&[(0x0303, "libc.so.6", "/lib/libc.so.6", 0)]);
    for cut in [NEW_HEADER_LEN - 1, NEW_HEADER_LEN + 10, good.len() - 1] {
        assert!(LdCache::parse(&good[..cut]).is_err(), "cut at {cut}");
    }
    let mut far = good.clone();
    far[NEW_HEADER_LEN + 4..NEW_HEADER_LEN + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(LdCache::parse(&far).is_err());
    let mut huge = good;
    huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(LdCache::parse(&huge).is_err());
    let mut old_only = MAGIC_OLD.to_vec();
    old_only.extend_from_slice(&[0; 5]);
    assert!(LdCache::parse(&old_only).is_err());
}

#[test]
fn this_machines_cache_names_its_libc() {
    let Ok(bytes) = fs::read(CACHE_PATH) else {
        return;
    };
    let cache = LdCache::parse(&bytes).unwrap();
    let libc = cache.lookup("libc.so.6");
    assert!(!libc.is_empty(), "{CACHE_PATH} has libc.so.6");
    assert!(Path::new(&libc[0].path).exists(), "{}", libc[0].path);
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn ld_so_conf_and_its_includes_name_directories_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        CONF_PATH,
        "# comment\n/opt/first # trailing\ninclude /etc/ld.so.conf.d/*.conf\n\
         include extra.conf\n/usr/local/lib:/opt/a,/opt/b\n/opt/first\nhwcap 1 x\n",
    );
    write(d, "/etc/ld.so.conf.d/b.conf", "/opt/b-conf\n");
    write(d, "/etc/ld.so.conf.d/a.conf", "/opt/a-conf/\n");
    write(d, "/etc/ld.so.conf.d/ignored.txt", "/opt/no\n");
    write(
        d,
        "/etc/extra.conf",
        "/opt/libc5=libc5\ninclude /etc/ld.so.conf\n",
    );
    let root = GuestRoot::new(d).unwrap();
    assert_eq!(
        conf_dirs(&root),
        [
            "/opt/first",
            "/opt/a-conf",
            "/opt/b-conf",
            "/opt/libc5",
            "/usr/local/lib",
            "/opt/a",
            "/opt/b"
        ]
    );
    let empty = tempfile::tempdir().unwrap();
    assert!(conf_dirs(&GuestRoot::new(empty.path()).unwrap()).is_empty());
}

#[test]
fn wildcards_match_as_glob_does() {
    for (pattern, name, want) in [
        ("*.conf", "libc.conf", true),
        ("*.conf", "libc.conf~", false),
        ("*", "", true),
        ("a?c", "abc", true),
        ("a?c", "ac", false),
        ("*x*y", "axxby", true),
        ("*x*y", "axxb", false),
    ] {
        assert_eq!(
            matches(pattern.as_bytes(), name.as_bytes()),
            want,
            "{pattern} {name}"
        );
    }
}
