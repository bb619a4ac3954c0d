use super::*;
use std::os::unix::fs::symlink;

/// A Debian-like merged-/usr tree: `/lib -> usr/lib`, `/lib64 -> usr/lib64`,
/// the interpreter's absolute link, and a file.
fn merged_usr() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("usr/lib/x86_64-linux-gnu")).unwrap();
    fs::create_dir_all(d.join("usr/lib64")).unwrap();
    fs::write(d.join("usr/lib/x86_64-linux-gnu/ld.so"), b"ld").unwrap();
    symlink("usr/lib", d.join("lib")).unwrap();
    symlink("usr/lib64", d.join("lib64")).unwrap();
    symlink(
        "/lib/x86_64-linux-gnu/ld.so",
        d.join("usr/lib64/ld-linux-x86-64.so.2"),
    )
    .unwrap();
    dir
}

fn link(path: &str, target: &str) -> Link {
    Link {
        path: path.into(),
        target: target.into(),
    }
}

#[test]
fn links_are_followed_inside_the_root_and_recorded() {
    let dir = merged_usr();
    let root = GuestRoot::new(dir.path()).unwrap();
    assert!(!root.is_host());
    let walked = root.walk("/lib64/ld-linux-x86-64.so.2").unwrap();
    assert_eq!(walked.path, "/usr/lib/x86_64-linux-gnu/ld.so");
    assert!(walked.meta.is_file());
    assert_eq!(
        walked.links,
        [
            link("/lib64", "usr/lib64"),
            link(
                "/usr/lib64/ld-linux-x86-64.so.2",
                "/lib/x86_64-linux-gnu/ld.so"
            ),
            link("/lib", "usr/lib"),
        ]
    );
    assert_eq!(
        root.host_path(&walked.path),
        root.dir().join("usr/lib/x86_64-linux-gnu/ld.so")
    );
}

#[test]
fn dot_dot_is_physical_and_stops_at_the_root() {
    let dir = merged_usr();
    let root = GuestRoot::new(dir.path()).unwrap();
    // /lib is /usr/lib, so /lib/.. is /usr, not /.
    let walked = root.walk("/lib/../lib64").unwrap();
    assert_eq!(walked.path, "/usr/lib64");
    assert_eq!(walked.links, [link("/lib", "usr/lib")]);
    let walked = root.walk("/../../usr/./lib//x86_64-linux-gnu/").unwrap();
    assert_eq!(walked.path, "/usr/lib/x86_64-linux-gnu");
    assert!(walked.meta.is_dir() && walked.links.is_empty());
    assert_eq!(root.walk("/").unwrap().path, "/");
}

#[test]
fn lookups_fail_as_the_kernel_would() {
    let dir = merged_usr();
    let d = dir.path();
    let root = GuestRoot::new(d).unwrap();
    let kind = |path: &str| root.walk(path).unwrap_err().kind();
    assert_eq!(kind("/lib/missing.so"), io::ErrorKind::NotFound);
    assert_eq!(
        kind("/lib/x86_64-linux-gnu/ld.so/x"),
        io::ErrorKind::NotADirectory
    );
    symlink("loop", d.join("loop")).unwrap();
    assert_eq!(root.walk("/loop").unwrap_err().raw_os_error(), Some(ELOOP));
    symlink("/nowhere/x", d.join("dangling")).unwrap();
    assert_eq!(kind("/dangling"), io::ErrorKind::NotFound);
}

#[test]
fn the_host_root_maps_paths_to_themselves() {
    let root = GuestRoot::host();
    assert!(root.is_host());
    assert_eq!(root.host_path("/etc/passwd"), PathBuf::from("/etc/passwd"));
    assert_eq!(root.shown(), "");
    let dir = merged_usr();
    let guest = dir.path().join("lib64/ld-linux-x86-64.so.2");
    // On the host an absolute link means the host's /lib, which has no
    // ld.so: the same tree resolves differently as a --root.
    assert!(root.walk(guest.to_str().unwrap()).is_err());
    let file = dir.path().join("lib/x86_64-linux-gnu/ld.so");
    let walked = root.walk(file.to_str().unwrap()).unwrap();
    let real = fs::canonicalize(&file).unwrap();
    assert_eq!(walked.path, real.to_str().unwrap());
}

#[test]
fn a_root_must_be_a_directory() {
    let dir = merged_usr();
    let file = dir.path().join("usr/lib/x86_64-linux-gnu/ld.so");
    let err = GuestRoot::new(&file).unwrap_err().to_string();
    assert!(err.ends_with(": not a directory"), "{err}");
    assert!(GuestRoot::new(&dir.path().join("missing")).is_err());
}

#[test]
fn paths_join_and_split() {
    assert_eq!(join_path("/a", "b"), "/a/b");
    assert_eq!(join_path("/a/", "b"), "/a/b");
    assert_eq!(join_path("/a", "/b"), "/b");
    assert_eq!(join_path("/a", "../b"), "/a/../b");
    assert_eq!(dirname("/a/b"), "/a");
    assert_eq!(dirname("/a"), "/");
    assert_eq!(dirname("/a/b/"), "/a");
    assert_eq!(dirname("/"), "/");
}
