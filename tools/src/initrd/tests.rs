use super::*;
use rootfs::cpio::{self, S_IFDIR, S_IFLNK, S_IFREG};
use std::os::unix::fs::symlink;

/// `(name, mode, contents)` of every member of `archive`.
fn members(archive: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    cpio::entries(archive)
        .map(|e| {
            let e = e.expect("a valid archive");
            (e.name.to_owned(), e.mode, e.data.to_vec())
        })
        .collect()
}

fn m(name: &str, mode: u32, data: &[u8]) -> (String, u32, Vec<u8>) {
    (name.to_owned(), mode, data.to_vec())
}

fn archive(tree: &Tree) -> Vec<u8> {
    let mut out = Vec::new();
    let len = tree.write(&mut out).unwrap();
    assert_eq!(
        len,
        out.len() as u64,
        "the size reported is the size written"
    );
    out
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A host tree: `app/` (0750) holding `bin/tool` (0755), `data.txt` (0640),
/// `empty/` (0700), `link -> bin/tool`, and `dangling -> /nowhere`.
fn host_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    fs::create_dir_all(app.join("bin")).unwrap();
    fs::create_dir_all(app.join("empty")).unwrap();
    fs::write(app.join("bin/tool"), b"\x7fELF tool").unwrap();
    fs::write(app.join("data.txt"), b"some data\n").unwrap();
    symlink("bin/tool", app.join("link")).unwrap();
    symlink("/nowhere", app.join("dangling")).unwrap();
    chmod(&app.join("bin/tool"), 0o755);
    chmod(&app.join("data.txt"), 0o640);
    chmod(&app.join("empty"), 0o700);
    chmod(&app.join("bin"), 0o755);
    chmod(&app, 0o750);
    dir
}

#[test]
fn a_host_tree_packs_to_exactly_its_files() {
    let host = host_tree();
    let mut tree = Tree::new();
    tree.add_host(&host.path().join("app"), "/opt/app").unwrap();
    assert_eq!(
        members(&archive(&tree)),
        [
            m("opt", S_IFDIR | 0o755, b""),
            m("opt/app", S_IFDIR | 0o750, b""),
            m("opt/app/bin", S_IFDIR | 0o755, b""),
            m("opt/app/bin/tool", S_IFREG | 0o755, b"\x7fELF tool"),
            m("opt/app/dangling", S_IFLNK | 0o777, b"/nowhere"),
            m("opt/app/data.txt", S_IFREG | 0o640, b"some data\n"),
            m("opt/app/empty", S_IFDIR | 0o700, b""),
            m("opt/app/link", S_IFLNK | 0o777, b"bin/tool"),
        ]
    );
    assert!(tree.notes().is_empty());
    assert!(tree.is_dir("/opt/app/empty") && tree.is_dir("/"));
    assert!(!tree.is_dir("/opt/app/link"));
    // The same tree packs to the same bytes.
    let mut again = Tree::new();
    again
        .add_host(&host.path().join("app"), "/opt/app")
        .unwrap();
    assert_eq!(archive(&again), archive(&tree));
}

#[test]
fn a_tree_added_at_the_root_merges_into_it() {
    let host = host_tree();
    let mut tree = Tree::new();
    tree.add_host(&host.path().join("app/bin"), "/").unwrap();
    tree.add_host(&host.path().join("app/data.txt"), "/etc/data")
        .unwrap();
    assert_eq!(
        members(&archive(&tree)),
        [
            m("etc", S_IFDIR | 0o755, b""),
            m("etc/data", S_IFREG | 0o640, b"some data\n"),
            m("tool", S_IFREG | 0o755, b"\x7fELF tool"),
        ]
    );
    let err = tree
        .add_host(&host.path().join("app/data.txt"), "/")
        .unwrap_err();
    assert!(err.to_string().contains("root directory"), "{err}");
}

#[test]
fn a_named_symlink_is_followed_but_links_inside_trees_are_kept() {
    let host = host_tree();
    symlink(host.path().join("app"), host.path().join("app-link")).unwrap();
    let mut tree = Tree::new();
    tree.add_host(&host.path().join("app-link"), "/a").unwrap();
    tree.add_host(&host.path().join("app/link"), "/tool")
        .unwrap();
    let got = members(&archive(&tree));
    assert!(got.contains(&m("a", S_IFDIR | 0o750, b"")), "{got:?}");
    assert!(got.contains(&m("a/link", S_IFLNK | 0o777, b"bin/tool")));
    assert!(got.contains(&m("tool", S_IFREG | 0o755, b"\x7fELF tool")));
}

#[test]
fn later_files_replace_earlier_ones_and_directories_merge() {
    let host = host_tree();
    let app = host.path().join("app");
    let mut tree = Tree::new();
    tree.add_host(&app.join("bin/tool"), "/x/y").unwrap();
    tree.add_bytes("/x/y", 0o600, b"second".to_vec()).unwrap();
    // A directory takes the mode of the last one added by name.
    tree.add_host(&app.join("empty"), "/x").unwrap();
    tree.add_dir("/x", 0o711).unwrap();
    tree.ensure_dir("/x").unwrap();
    assert_eq!(
        members(&archive(&tree)),
        [
            m("x", S_IFDIR | 0o711, b""),
            m("x/y", S_IFREG | 0o600, b"second")
        ]
    );
}

#[test]
fn conflicting_kinds_are_refused() {
    let mut tree = Tree::new();
    tree.add_bytes("/f", 0o644, b"x".to_vec()).unwrap();
    tree.add_dir("/d", 0o755).unwrap();
    let err = tree.add_dir("/f", 0o755).unwrap_err().to_string();
    assert_eq!(
        err,
        "cannot put a directory at /f in the guest: a file is there"
    );
    let err = tree.add_bytes("/d", 0o644, vec![]).unwrap_err().to_string();
    assert_eq!(
        err,
        "cannot put a file at /d in the guest: a directory is there"
    );
    let err = tree
        .add_bytes("/f/g", 0o644, vec![])
        .unwrap_err()
        .to_string();
    assert_eq!(err, "cannot put /f/g in the guest: /f is a file there");
    let err = tree.ensure_dir("/f").unwrap_err().to_string();
    assert!(err.contains("a file is there"), "{err}");
    for unclean in ["relative", "/a/../b", "/a//b", "/a/"] {
        let err = tree.add_dir(unclean, 0o755).unwrap_err().to_string();
        assert!(
            err.contains("not a clean absolute path"),
            "{unclean}: {err}"
        );
    }
}

#[test]
fn what_is_added_below_a_link_goes_where_the_link_leads() {
    // Debian's merged /usr: /lib -> usr/lib, and an absolute link.
    let mut tree = Tree::new();
    tree.add_symlink("/lib", "usr/lib").unwrap();
    tree.add_symlink("/lib64", "/usr/lib64").unwrap();
    tree.add_bytes("/lib/x86_64-linux-gnu/libc.so.6", 0o644, b"libc".to_vec())
        .unwrap();
    tree.add_bytes("/lib64/ld.so", 0o755, b"ld".to_vec())
        .unwrap();
    tree.ensure_dir("/lib/python3").unwrap();
    tree.ensure_dir("/lib64").unwrap();
    // Replacing a link replaces it, it is not followed.
    tree.add_symlink("/lib64", "usr/lib64").unwrap();
    assert!(tree.is_dir("/usr/lib/python3"));
    assert_eq!(
        members(&archive(&tree)),
        [
            m("lib", S_IFLNK | 0o777, b"usr/lib"),
            m("lib64", S_IFLNK | 0o777, b"usr/lib64"),
            m("usr", S_IFDIR | 0o755, b""),
            m("usr/lib", S_IFDIR | 0o755, b""),
            m("usr/lib/python3", S_IFDIR | 0o755, b""),
            m("usr/lib/x86_64-linux-gnu", S_IFDIR | 0o755, b""),
            m(
                "usr/lib/x86_64-linux-gnu/libc.so.6",
                S_IFREG | 0o644,
                b"libc"
            ),
            m("usr/lib64", S_IFDIR | 0o755, b""),
            m("usr/lib64/ld.so", S_IFREG | 0o755, b"ld"),
        ]
    );
    tree.add_symlink("/loop", "loop").unwrap();
    let err = tree.add_bytes("/loop/x", 0o644, vec![]).unwrap_err();
    assert!(
        err.to_string().contains("too many levels of links"),
        "{err}"
    );
    // `..` in a target climbs from where the link is.
    tree.add_symlink("/usr/up", "..").unwrap();
    tree.add_bytes("/usr/up/x", 0o644, vec![]).unwrap();
    assert!(tree.contains("/x"));
    let err = tree.add_symlink("/empty", "").unwrap_err();
    assert!(err.to_string().contains("not a path"), "{err}");
}

#[test]
fn special_files_are_left_out_with_a_note() {
    let host = tempfile::tempdir().unwrap();
    fs::write(host.path().join("file"), b"x").unwrap();
    let socket = host.path().join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut tree = Tree::new();
    tree.add_host(host.path(), "/d").unwrap();
    let names: Vec<String> = members(&archive(&tree))
        .into_iter()
        .map(|(n, ..)| n)
        .collect();
    assert_eq!(names, ["d", "d/file"]);
    assert_eq!(
        tree.notes(),
        [format!("left out {}: it is a socket", socket.display())]
    );
    // Named directly, a special file is an error.
    let err = tree.add_host(&socket, "/s").unwrap_err().to_string();
    assert!(err.contains("it is a socket"), "{err}");
}

#[test]
fn missing_sources_and_non_utf8_names_are_errors() {
    let host = tempfile::tempdir().unwrap();
    let missing = host.path().join("missing");
    let err = Tree::new().add_host(&missing, "/m").unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        format!(
            "cannot add {}: No such file or directory (os error 2)",
            missing.display()
        )
    );

    use std::os::unix::ffi::OsStrExt;
    let odd = host.path().join(std::ffi::OsStr::from_bytes(b"bad\xff"));
    fs::write(&odd, b"").unwrap();
    let err = Tree::new().add_host(host.path(), "/d").unwrap_err();
    assert!(err.to_string().contains("is not UTF-8"), "{err}");
}

#[test]
fn a_file_that_changes_size_before_packing_is_an_error() {
    let host = tempfile::tempdir().unwrap();
    let file = host.path().join("f");
    fs::write(&file, b"12345").unwrap();
    let mut tree = Tree::new();
    tree.add_host(&file, "/f").unwrap();
    fs::write(&file, b"123").unwrap();
    let err = format!("{:#}", tree.write(io::sink()).unwrap_err());
    assert!(err.ends_with("it shrank while being packed"), "{err}");
    fs::write(&file, b"1234567").unwrap();
    let err = format!("{:#}", tree.write(io::sink()).unwrap_err());
    assert!(err.ends_with("it grew while being packed"), "{err}");
}

#[test]
fn large_files_stream_through_intact() {
    let host = tempfile::tempdir().unwrap();
    let file = host.path().join("big");
    // Several copy buffers and an odd tail.
    let data: Vec<u8> = (0..300_001u32).map(|i| (i % 251) as u8).collect();
    fs::write(&file, &data).unwrap();
    let mut tree = Tree::new();
    tree.add_host(&file, "/big").unwrap();
    assert_eq!(members(&archive(&tree)), [m("big", S_IFREG | 0o644, &data)]);
}

#[test]
fn add_specs_split_at_the_last_colon_before_an_absolute_dest() {
    let spec = |text: &str| text.parse::<AddSpec>();
    let add = |src: &str, dest: Option<&str>| AddSpec {
        src: src.into(),
        dest: dest.map(str::to_owned),
    };
    assert_eq!(spec("lib"), Ok(add("lib", None)));
    assert_eq!(spec("/usr/lib/x"), Ok(add("/usr/lib/x", None)));
    assert_eq!(spec("a:/b"), Ok(add("a", Some("/b"))));
    assert_eq!(spec("a:b:/c/./d/"), Ok(add("a:b", Some("/c/d"))));
    assert_eq!(spec("x:/y/../z"), Ok(add("x", Some("/z"))));
    assert!(
        spec("a:b")
            .unwrap_err()
            .contains("must be an absolute path")
    );
    assert!(spec("a:").unwrap_err().contains("must be an absolute path"));
    assert!(spec(":/d").unwrap_err().contains("SRC is empty"));
    assert!(spec("").unwrap_err().contains("SRC is empty"));
}

#[test]
fn paths_are_cleaned_by_their_text() {
    assert_eq!(guest_path("/").unwrap(), "/");
    assert_eq!(guest_path("//a/./b//").unwrap(), "/a/b");
    assert_eq!(guest_path("/a/../../b").unwrap(), "/b");
    assert!(guest_path("a/b").is_err());
    assert!(guest_path("/a\0").is_err());
    assert_eq!(
        absolute(Path::new("/x/./y/../z")).unwrap(),
        PathBuf::from("/x/z")
    );
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(absolute(Path::new("a/b")).unwrap(), cwd.join("a/b"));
    assert_eq!(
        absolute(Path::new("../q")).unwrap(),
        cwd.parent().unwrap_or(&cwd).join("q")
    );
}
