use super::*;
use crate::initrd::Tree;
use loader::launch::LaunchFlags;
use rootfs::cpio;

fn launch(argv: &[&str]) -> Launch {
    Launch {
        argv: argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
        env: vec![b"PATH=/bin".to_vec()],
        cwd: "/".into(),
        flags: LaunchFlags::default(),
    }
}

/// An image holding a file and `manifest` (if any), written to a file in
/// `dir`.
fn image(dir: &Path, manifest: Option<&Launch>) -> PathBuf {
    let mut tree = Tree::new();
    tree.add_bytes("/bin/prog", 0o755, b"\x7fELF".to_vec())
        .unwrap();
    if let Some(manifest) = manifest {
        let bytes = launch::encode(manifest).unwrap();
        tree.add_bytes(&format!("/{LAUNCH_PATH}"), 0o444, bytes)
            .unwrap();
    }
    tree.add_bytes("/zz/last", 0o644, b"after the manifest".to_vec())
        .unwrap();
    let path = dir.join("app.img");
    tree.write(File::create(&path).unwrap()).unwrap();
    path
}

#[test]
fn an_image_is_recognized_and_its_manifest_read() {
    let dir = tempfile::tempdir().unwrap();
    let want = launch(&["/bin/prog", "a"]);
    let path = image(dir.path(), Some(&want));
    assert!(looks_like_image(&path));
    let built = BuiltImage::open(&path).unwrap();
    assert_eq!(built.launch, want);
    let bytes = fs_read(&path);
    assert_eq!(
        &bytes[usize::try_from(built.trailer_at).unwrap()..][..6],
        MAGIC_NEWC
    );
}

fn fs_read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn a_new_manifest_is_appended_and_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = image(dir.path(), Some(&launch(&["/bin/prog", "a"])));
    let built = BuiltImage::open(&path).unwrap();
    let mut new = launch(&["/bin/prog", "b", "c"]);
    new.flags.strace = true;
    let mut out = Vec::new();
    let size = built.write_with(&new, &mut out).unwrap();
    assert_eq!(size, out.len() as u64);
    let entries: Vec<cpio::Entry<'_>> = cpio::entries(&out).map(Result::unwrap).collect();
    let names: Vec<&str> = entries.iter().map(cpio::Entry::path).collect();
    assert_eq!(
        names,
        [
            ".sole",
            LAUNCH_PATH,
            "bin",
            "bin/prog",
            "zz",
            "zz/last",
            LAUNCH_PATH
        ]
    );
    let last = entries.last().unwrap();
    assert_eq!(launch::decode(last.data).unwrap(), new);
    // And reading the copy finds the new one.
    let copy = dir.path().join("copy.img");
    std::fs::write(&copy, &out).unwrap();
    assert_eq!(BuiltImage::open(&copy).unwrap().launch, new);
}

#[test]
fn archives_without_a_manifest_and_damaged_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = image(dir.path(), None);
    let err = BuiltImage::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("is a cpio archive but not a Sole image (it has no .sole/launch)"),
        "{err}"
    );
    let good = fs_read(&image(dir.path(), Some(&launch(&["/p"]))));
    for cut in [10, HEADER_LEN + 3, good.len() - 200] {
        let path = dir.path().join("cut.img");
        std::fs::write(&path, &good[..cut]).unwrap();
        let err = format!("{:#}", BuiltImage::open(&path).unwrap_err());
        assert!(err.contains("is damaged"), "cut at {cut}: {err}");
    }
    // Cut inside a member's contents: said to be truncated.
    let path = dir.path().join("cut.img");
    std::fs::write(&path, &good[..good.len() - 200]).unwrap();
    let err = format!("{:#}", BuiltImage::open(&path).unwrap_err());
    assert!(err.contains("it is truncated"), "{err}");
    let elf = dir.path().join("prog");
    std::fs::write(&elf, b"\x7fELF\x02\x01\x01").unwrap();
    assert!(!looks_like_image(&elf));
    assert!(!looks_like_image(&dir.path().join("missing")));
}
