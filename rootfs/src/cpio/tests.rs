use super::*;
use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

/// What a test expects of one member.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    name: String,
    mode: u32,
    data: Vec<u8>,
}

fn member(name: &str, mode: u32, data: &[u8]) -> Member {
    Member {
        name: name.to_owned(),
        mode,
        data: data.to_vec(),
    }
}

fn members(archive: &[u8]) -> Vec<Member> {
    entries(archive)
        .map(|e| {
            let e = e.unwrap();
            member(e.name, e.mode, e.data)
        })
        .collect()
}

/// An archive with one member of every kind, a streamed file among them.
fn sample() -> Vec<u8> {
    let mut w = Writer::new();
    w.add_dir("/usr", 0o755).unwrap();
    w.add_dir("usr/bin", 0o750).unwrap();
    w.add_file("/usr/bin/tool", 0o4755, b"\x7fELF...").unwrap();
    w.add_file("/empty", 0o600, b"").unwrap();
    w.add_symlink("/bin", "usr/bin").unwrap();
    w.begin_file("/streamed", 0o644, 10).unwrap();
    w.write_contents(b"012").unwrap();
    w.write_contents(b"").unwrap();
    w.write_contents(b"3456789").unwrap();
    w.finish().unwrap()
}

#[test]
fn round_trips_every_kind_of_member() {
    let archive = sample();
    assert_eq!(
        members(&archive),
        [
            member("usr", S_IFDIR | 0o755, b""),
            member("usr/bin", S_IFDIR | 0o750, b""),
            member("usr/bin/tool", S_IFREG | 0o4755, b"\x7fELF..."),
            member("empty", S_IFREG | 0o600, b""),
            member("bin", S_IFLNK | 0o777, b"usr/bin"),
            member("streamed", S_IFREG | 0o644, b"0123456789"),
        ]
    );
    let all: Vec<Entry<'_>> = entries(&archive).map(Result::unwrap).collect();
    let inodes: Vec<u32> = all.iter().map(|e| e.ino).collect();
    assert_eq!(inodes, [1, 2, 3, 4, 5, 6]);
    let links: Vec<u32> = all.iter().map(|e| e.nlink).collect();
    assert_eq!(links, [2, 2, 1, 1, 1, 1]);
    for e in &all {
        assert_eq!((e.uid, e.gid, e.mtime, e.rdev), (0, 0, 0, (0, 0)), "{e:?}");
    }
    let kinds: Vec<EntryKind> = all.iter().map(Entry::kind).collect();
    use EntryKind::{Dir, File, Symlink};
    assert_eq!(kinds, [Dir, Dir, File, File, Symlink, File]);
    assert_eq!(all[2].permissions(), 0o4755);
}

#[test]
fn output_is_deterministic_aligned_and_sized_as_reported() {
    let archive = sample();
    assert_eq!(archive, sample());
    assert_eq!(archive.len() % 4, 0);
    let mut it = entries(&archive);
    let mut starts = vec![it.offset()];
    while let Some(e) = it.next() {
        e.unwrap();
        starts.push(it.offset());
    }
    // Every member starts on a 4-byte boundary; the reader stops at the
    // trailer's end, which is the archive's end.
    assert!(starts.iter().all(|s| s % 4 == 0), "{starts:?}");
    assert_eq!(it.offset(), archive.len());

    let mut w = Writer::new();
    assert!(w.is_empty());
    w.add_file("a", 0o644, b"xyz").unwrap();
    let len = w.len();
    assert_eq!(w.finish().unwrap().len() as u64, len + 124);
}

#[test]
fn layout_is_byte_for_byte_newc() {
    let mut w = Writer::new();
    w.add_file("/ab", 0o644, b"hello").unwrap();
    let archive = w.finish().unwrap();
    let mut expected = Vec::new();
    // Header: magic, then ino 1, mode 0100644, uid, gid, nlink 1, mtime,
    // size 5, four device numbers, namesize 3 ("ab" and NUL), check.
    expected.extend_from_slice(b"070701");
    for field in [1u32, 0o100_644, 0, 0, 1, 0, 5, 0, 0, 0, 0, 3, 0] {
        expected.extend_from_slice(alloc::format!("{field:08X}").as_bytes());
    }
    expected.extend_from_slice(b"ab\0"); // 113 bytes: pad to 116
    expected.extend_from_slice(&[0; 3]);
    expected.extend_from_slice(b"hello\0\0\0");
    expected.extend_from_slice(b"070701");
    for field in [0u32, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 11, 0] {
        expected.extend_from_slice(alloc::format!("{field:08X}").as_bytes());
    }
    expected.extend_from_slice(b"TRAILER!!!\0"); // 121 bytes: pad to 124
    expected.extend_from_slice(&[0; 3]);
    assert_eq!(
        String::from_utf8_lossy(&archive),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(archive, expected);
}

/// What `find . | sort | cpio -o -H newc -R 0:0 --renumber-inodes
/// --ignore-devno` (GNU cpio 2.13) holds for the tree in `testdata/`:
/// every timestamp 1700000000 (`0x6553F1`00).
fn gnu_members() -> Vec<Member> {
    vec![
        member(".", S_IFDIR | 0o755, b""),
        member("dir", S_IFDIR | 0o755, b""),
        member("dir/hello.txt", S_IFREG | 0o644, b"hello\n"),
        member("dir/sub", S_IFDIR | 0o750, b""),
        member("empty", S_IFREG | 0o644, b""),
        member("link", S_IFLNK | 0o777, b"dir/hello.txt"),
        member("odd", S_IFREG | 0o600, b"abc"),
    ]
}

#[test]
fn reads_what_gnu_cpio_writes() {
    for archive in [
        &include_bytes!("testdata/gnu-newc.cpio")[..],
        &include_bytes!("testdata/gnu-crc.cpio")[..],
    ] {
        assert_eq!(members(archive), gnu_members());
        let all: Vec<Entry<'_>> = entries(archive).map(Result::unwrap).collect();
        assert!(all.iter().all(|e| e.mtime == 1_700_000_000 && e.uid == 0));
        let paths: Vec<&str> = all.iter().map(Entry::path).collect();
        assert_eq!(
            paths,
            [
                "",
                "dir",
                "dir/hello.txt",
                "dir/sub",
                "empty",
                "link",
                "odd"
            ]
        );
        // Directories count their subdirectories' `..` links.
        assert_eq!((all[0].nlink, all[1].nlink, all[3].nlink), (3, 3, 2));
        assert_eq!((all[0].ino, all[6].ino), (0, 6));
        // GNU cpio pads the archive to 512 bytes after the trailer.
        let mut it = entries(archive);
        it.by_ref().for_each(drop);
        assert!(it.offset() < archive.len() && it.offset().is_multiple_of(4));
    }
}

#[test]
fn paths_are_relative_to_the_unpacking_root() {
    let entry = |name| Entry {
        name,
        mode: S_IFREG,
        uid: 0,
        gid: 0,
        nlink: 1,
        ino: 1,
        mtime: 0,
        rdev: (0, 0),
        data: b"",
    };
    for (name, path) in [
        ("usr/bin", "usr/bin"),
        ("/usr/bin", "usr/bin"),
        ("./usr/bin", "usr/bin"),
        ("/././/a", "a"),
        (".", ""),
        ("./", ""),
        ("/", ""),
        (".hidden", ".hidden"),
        ("..", ".."),
    ] {
        assert_eq!(entry(name).path(), path, "{name}");
    }
}

/// A one-member archive whose header fields are `fields`, named `name`
/// (NUL added) and holding `data`, then the trailer.
fn raw_archive(magic: &[u8], fields: [u32; 13], name: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = magic.to_vec();
    for field in fields {
        out.extend_from_slice(alloc::format!("{field:08x}").as_bytes());
    }
    out.extend_from_slice(name);
    out.push(0);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    out.extend_from_slice(data);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    out.extend_from_slice(&Writer::new().finish().unwrap());
    out
}

fn fields(mode: u32, size: u32, namesize: u32) -> [u32; 13] {
    [7, mode, 1, 2, 1, 3, size, 0, 0, 4, 5, namesize, 0xdead_beef]
}

#[test]
fn accepts_lowercase_hex_and_the_crc_variant() {
    for magic in [b"070701", b"070702"] {
        let archive = raw_archive(magic, fields(0o100_640, 2, 2), b"f", b"hi");
        let all: Vec<Entry<'_>> = entries(&archive).map(Result::unwrap).collect();
        assert_eq!(all.len(), 1);
        let e = all[0];
        assert_eq!((e.name, e.mode, e.data), ("f", 0o100_640, &b"hi"[..]));
        assert_eq!((e.ino, e.uid, e.gid, e.mtime, e.rdev), (7, 1, 2, 3, (4, 5)));
    }
}

/// The first error reading `archive` (there must be one), after checking
/// that the iterator ends there.
fn first_error(archive: &[u8]) -> CpioError {
    let mut it = entries(archive);
    let err = it
        .by_ref()
        .find_map(Result::err)
        .expect("the archive is refused");
    assert!(it.next().is_none(), "nothing follows an error");
    err
}

#[test]
fn refuses_damaged_headers() {
    let good = raw_archive(b"070701", fields(0o100_644, 2, 2), b"f", b"hi");
    assert_eq!(first_error(b""), CpioError::MissingTrailer);
    assert_eq!(
        first_error(&good[..good.len() - 124]),
        CpioError::MissingTrailer
    );
    assert_eq!(first_error(&good[..50]), CpioError::Truncated { offset: 0 });
    assert_eq!(
        first_error(&good[..112]),
        CpioError::Truncated { offset: 0 }
    );
    // Header 110 bytes, "f\0", contents at 112..114, padding to 116.
    assert_eq!(
        first_error(&good[..113]),
        CpioError::Truncated { offset: 0 }
    );
    assert_eq!(first_error(&good[..115]), CpioError::MissingTrailer);
    assert_eq!(
        first_error(&good[..good.len() - 1]),
        CpioError::Truncated { offset: 116 }
    );

    let mut bad = good.clone();
    bad[5] = b'7';
    assert_eq!(first_error(&bad), CpioError::BadMagic { offset: 0 });
    bad = good.clone();
    bad[116] = b'x';
    assert_eq!(first_error(&bad), CpioError::BadMagic { offset: 116 });

    for (at, field) in [(6, "c_ino"), (14 + 7, "c_mode"), (6 + 8 * 12, "c_check")] {
        for junk in [b'g', b' ', b'+', b'-', 0] {
            let mut bad = good.clone();
            bad[at] = junk;
            assert_eq!(
                first_error(&bad),
                CpioError::BadField { offset: 0, field },
                "{field} with {junk:#x}"
            );
        }
    }
}

#[test]
fn refuses_bad_names_and_sizes() {
    let name = |fields, name: &[u8]| first_error(&raw_archive(b"070701", fields, name, b""));
    let bad_name = CpioError::BadName { offset: 0 };
    // Empty, not NUL-terminated (the NUL counted as a name byte is
    // padding), with a NUL inside, not UTF-8, absurdly long.
    assert_eq!(name(fields(0o100_644, 0, 1), b""), bad_name);
    assert_eq!(name(fields(0o100_644, 0, 0), b""), bad_name);
    assert_eq!(name(fields(0o100_644, 0, 2), b"ab"), bad_name);
    assert_eq!(name(fields(0o100_644, 0, 4), b"a\0b"), bad_name);
    assert_eq!(name(fields(0o100_644, 0, 3), b"\xff\xfe"), bad_name);
    assert_eq!(name(fields(0o100_644, 0, u32::MAX), b"a"), bad_name);
    assert_eq!(name(fields(0o100_644, 0, 4097), b"a"), bad_name);
    // A name or contents running past the end.
    assert_eq!(
        name(fields(0o100_644, 0, 3000), b"a"),
        CpioError::Truncated { offset: 0 }
    );
    assert_eq!(
        name(fields(0o100_644, u32::MAX, 2), b"a"),
        CpioError::Truncated { offset: 0 }
    );
}

#[test]
fn the_writer_refuses_unclean_paths() {
    let long = "a/".repeat(NAME_MAX / 2);
    for path in [
        "",
        "/",
        "//",
        "a//b",
        "a/",
        "a/./b",
        "./a",
        "../a",
        "a/..",
        "a\0b",
        "TRAILER!!!",
        "/TRAILER!!!",
        &long,
    ] {
        let mut w = Writer::new();
        assert_eq!(w.add_dir(path, 0o755), Err(CpioError::BadPath), "{path:?}");
        assert_eq!(w.add_file(path, 0o644, b""), Err(CpioError::BadPath));
        assert_eq!(w.add_symlink(path, "x"), Err(CpioError::BadPath));
        assert!(w.is_empty(), "nothing written for {path:?}");
    }
    let mut w = Writer::new();
    assert_eq!(w.add_symlink("l", ""), Err(CpioError::BadPath));
    assert_eq!(w.add_symlink("l", "a\0"), Err(CpioError::BadPath));
    // A name just short of the limit is fine, and `.`-prefixed names too.
    w.add_file(&"n".repeat(NAME_MAX - 1), 0o644, b"").unwrap();
    w.add_file("a/.b/..c", 0o644, b"").unwrap();
    assert_eq!(entries(&w.finish().unwrap()).count(), 2);
}

#[test]
fn streamed_contents_must_match_the_size() {
    let mut w = Writer::new();
    w.begin_file("f", 0o644, 4).unwrap();
    assert_eq!(w.write_contents(b"12345"), Err(CpioError::ContentsMismatch));
    w.write_contents(b"12").unwrap();
    assert_eq!(w.add_dir("d", 0o755), Err(CpioError::ContentsMismatch));
    w.write_contents(b"34").unwrap();
    assert_eq!(w.write_contents(b"5"), Err(CpioError::ContentsMismatch));
    w.add_dir("d", 0o755).unwrap();
    w.begin_file("g", 0o644, 1).unwrap();
    assert_eq!(w.finish(), Err(CpioError::ContentsMismatch));
    // A mode's type bits are the writer's business, not the caller's.
    let mut w = Writer::new();
    w.add_file("f", S_IFDIR | 0o644, b"").unwrap();
    w.add_dir("d", S_IFREG | 0o1777).unwrap();
    let modes: Vec<u32> = members(&w.finish().unwrap())
        .iter()
        .map(|m| m.mode)
        .collect();
    assert_eq!(modes, [S_IFREG | 0o644, S_IFDIR | 0o1777]);
}

/// Archives written and read by GNU cpio itself, when it is installed.
mod gnu_cpio {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    fn have_cpio() -> bool {
        let found = Command::new("cpio")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            std::eprintln!("note: GNU cpio is not installed; skipping the interoperability test");
        }
        found
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(alloc::format!("rootfs-cpio-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn gnu_cpio_unpacks_what_the_writer_writes() {
        if !have_cpio() {
            return;
        }
        let dir = scratch("unpack");
        let mut child = Command::new("cpio")
            .args(["-i", "-d", "--quiet", "--no-absolute-filenames"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), &sample()).unwrap();
        assert!(child.wait().unwrap().success());

        let mode = |p: &str| {
            fs::symlink_metadata(dir.join(p))
                .unwrap()
                .permissions()
                .mode()
        };
        assert_eq!(mode("usr"), S_IFDIR | 0o755);
        assert_eq!(mode("usr/bin/tool") & !0o6000, S_IFREG | 0o755);
        assert_eq!(fs::read(dir.join("usr/bin/tool")).unwrap(), b"\x7fELF...");
        assert_eq!(fs::read(dir.join("streamed")).unwrap(), b"0123456789");
        assert_eq!(fs::read(dir.join("empty")).unwrap(), b"");
        assert_eq!(
            fs::read_link(dir.join("bin")).unwrap(),
            PathBuf::from("usr/bin")
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_reader_reads_what_gnu_cpio_writes_now() {
        if !have_cpio() {
            return;
        }
        let dir = scratch("pack");
        fs::create_dir_all(dir.join("d/e")).unwrap();
        fs::write(dir.join("d/big"), vec![0xa5; 70_001]).unwrap();
        fs::write(dir.join("f"), b"x").unwrap();
        std::os::unix::fs::symlink("d/big", dir.join("s")).unwrap();
        fs::set_permissions(dir.join("f"), fs::Permissions::from_mode(0o640)).unwrap();
        let mut child = Command::new("cpio")
            .args(["-o", "-H", "newc", "--quiet"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"d\nd/e\nd/big\nf\ns\n").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let got: Vec<(String, u32, usize)> = entries(&out.stdout)
            .map(|e| {
                let e = e.unwrap();
                (e.name.to_owned(), e.mode & S_IFMT, e.data.len())
            })
            .collect();
        let want = [
            ("d", S_IFDIR, 0),
            ("d/e", S_IFDIR, 0),
            ("d/big", S_IFREG, 70_001),
            ("f", S_IFREG, 1),
            ("s", S_IFLNK, 5),
        ];
        let want: Vec<(String, u32, usize)> = want
            .iter()
            .map(|(n, m, l)| ((*n).to_owned(), *m, *l))
            .collect();
        assert_eq!(got, want);
        let f = entries(&out.stdout).nth(3).unwrap().unwrap();
        assert_eq!(f.permissions(), 0o640);
        fs::remove_dir_all(&dir).unwrap();
    }
}

fn arb_member() -> impl Strategy<Value = (String, u8, Vec<u8>, u32)> {
    (
        "[a-z.][a-z0-9._-]{0,12}(/[a-z0-9._-]{1,8}){0,3}",
        0u8..3,
        proptest::collection::vec(any::<u8>(), 0..300),
        0u32..0o7777,
    )
}

/// Whether the writer takes `path` (no `.` or `..` component).
fn clean(path: &str) -> bool {
    path.split('/').all(|p| p != "." && p != "..")
}

proptest! {
    #[test]
    fn any_members_round_trip(list in proptest::collection::vec(arb_member(), 0..12)) {
        let mut w = Writer::new();
        let mut want = Vec::new();
        for (path, kind, data, mode) in &list {
            if !clean(path) {
                continue;
            }
            match kind {
                0 => {
                    w.add_file(path, *mode, data).unwrap();
                    want.push(member(path, S_IFREG | mode, data));
                }
                1 => {
                    w.add_dir(path, *mode).unwrap();
                    want.push(member(path, S_IFDIR | mode, b""));
                }
                _ => {
                    let target: String =
                        data.iter().map(|b| char::from(b'a' + b % 26)).collect();
                    let target = if target.is_empty() { "t".to_owned() } else { target };
                    w.add_symlink(path, &target).unwrap();
                    want.push(member(path, S_IFLNK | 0o777, target.as_bytes()));
                }
            }
        }
        let archive = w.finish().unwrap();
        prop_assert_eq!(members(&archive), want);
    }

    #[test]
    fn damaged_archives_never_panic(
        list in proptest::collection::vec(arb_member(), 1..6),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in any::<usize>(),
    ) {
        let mut w = Writer::new();
        for (path, _, data, mode) in list.iter().filter(|m| clean(&m.0)) {
            w.add_file(path, *mode, data).unwrap();
        }
        let mut bad = w.finish().unwrap();
        for (at, byte) in flips {
            let at = at % bad.len();
            bad[at] = byte;
        }
        bad.truncate(cut % (bad.len() + 1));
        let mut it = entries(&bad);
        let mut count = 0;
        while let Some(result) = it.next() {
            prop_assert!(it.offset() <= bad.len());
            if let Ok(e) = result {
                prop_assert!(e.name.len() < NAME_MAX && !e.name.is_empty());
            }
            count += 1;
            // Every member read takes a header and a name.
            prop_assert!(count <= bad.len() / (HEADER_LEN + 2) + 1);
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        entries(&bytes).for_each(drop);
        let mut with_magic = b"070701".to_vec();
        with_magic.extend_from_slice(&bytes);
        entries(&with_magic).for_each(drop);
    }
}
