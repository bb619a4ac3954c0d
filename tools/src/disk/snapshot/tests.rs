use super::super::commands;
use super::super::tests::{MIB, cat, host_tree, image, manifest, tree_of};
use super::*;
use crate::disk::build::write_image;
use std::fs;
use std::path::PathBuf;

fn listing(img: &Path) -> String {
    let mut out = Vec::new();
    list(img, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The names `sole snapshot IMAGE` lists, in order.
fn names(img: &Path) -> Vec<String> {
    listing(img)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect()
}

/// Copies a host file holding `text` to `img:guest`, as `sole cp` does.
fn put(dir: &Path, img: &Path, guest: &str, text: &str) {
    let src = dir.join("put.txt");
    fs::write(&src, text).unwrap();
    commands::cp(
        src.to_str().unwrap(),
        &format!("{}:{guest}", img.display()),
        false,
    )
    .unwrap();
}

fn exists(img: &Path, guest: &str) -> bool {
    DiskImage::open(img, false)
        .unwrap()
        .walk(guest, true)
        .is_ok()
}

#[test]
fn build_takes_snapshot_built_stamped_with_the_trees_newest_time() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let mut disk = DiskImage::open(&img, false).unwrap();
    let snaps = disk.fs().snapshots();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].name, "main@built");
    // The link `lib`, made as the test ran, is host_tree's newest node.
    let newest =
        crate::initrd::mtime_ns(&fs::symlink_metadata(dir.path().join("root/lib")).unwrap());
    assert_eq!(snaps[0].creation_ns, newest);
    assert_eq!(
        listing(&img),
        format!(
            "NAME   TXG  CREATED (UTC)\nbuilt    {}  {}\n",
            snaps[0].txg,
            commands::format_time(newest)
        )
    );
}

#[test]
fn snapshots_are_taken_listed_and_destroyed() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    put(dir.path(), &img, "/etc/new", "new\n");
    let mut out = Vec::new();
    snapshot(&img, "with-new", &mut out).unwrap();
    let said = String::from_utf8(out).unwrap();
    assert!(
        said.starts_with(&format!(
            "{}: took snapshot with-new of txg ",
            img.display()
        )),
        "{said}"
    );
    assert_eq!(names(&img), ["built", "with-new"]);

    let err = snapshot(&img, "with-new", &mut Vec::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} already has a snapshot with-new", img.display())
    );
    for bad in ["a/b", "", "x@y@z", &"n".repeat(64)] {
        let err = snapshot(&img, bad, &mut Vec::new()).unwrap_err();
        assert!(
            err.to_string().contains("is not a snapshot name"),
            "{bad}: {err}"
        );
    }

    let mut out = Vec::new();
    destroy(&img, "with-new", &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{}: destroyed snapshot with-new\n", img.display())
    );
    assert_eq!(names(&img), ["built"]);
    let err = destroy(&img, "nope", &mut Vec::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} has no snapshot nope (its snapshots: built)",
            img.display()
        )
    );
    destroy(&img, "built", &mut Vec::new()).unwrap();
    assert_eq!(listing(&img), format!("{}: no snapshots\n", img.display()));
    // What the filesystem holds is untouched.
    assert_eq!(cat(&img, "/etc/new").unwrap(), b"new\n");
}

#[test]
fn rollback_goes_back_and_destroys_newer_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    snapshot(&img, "a", &mut Vec::new()).unwrap();
    put(dir.path(), &img, "/x", "x");
    snapshot(&img, "b", &mut Vec::new()).unwrap();
    put(dir.path(), &img, "/y", "y");
    snapshot(&img, "c", &mut Vec::new()).unwrap();
    put(dir.path(), &img, "/etc/motd", "changed");

    let done = rollback(&img, "b").unwrap();
    assert_eq!(done.snapshot, "b");
    assert_eq!(done.destroyed, ["c"]);
    assert_eq!(
        done.message(&img),
        format!(
            "{}: rolled back to snapshot b (txg {}); destroyed the newer snapshot c",
            img.display(),
            done.txg
        )
    );
    assert!(exists(&img, "/x") && !exists(&img, "/y"));
    assert_eq!(cat(&img, "/etc/motd").unwrap(), b"hello from the image\n");
    assert_eq!(names(&img), ["built", "a", "b"]);

    // Rolling back to the newest snapshot destroys nothing.
    put(dir.path(), &img, "/z", "z");
    let done = rollback(&img, "b").unwrap();
    assert!(done.destroyed.is_empty());
    assert!(!done.message(&img).contains("destroyed"));
    assert!(!exists(&img, "/z"));

    let done = rollback(&img, "built").unwrap();
    assert_eq!(done.destroyed, ["a", "b"]);
    assert!(
        done.message(&img)
            .ends_with("destroyed the newer snapshots a, b")
    );
    assert!(!exists(&img, "/x"));

    let err = rollback(&img, "c").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{} has no snapshot c (its snapshots: built)", img.display())
    );
    // The image is still whole.
    assert!(verify(&img, &mut Vec::new()).unwrap());
}

#[test]
fn fresh_discards_what_was_written_since_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    put(dir.path(), &img, "/var/log/run.log", "first run\n");
    let src = dir.path().join("put.txt");
    commands::cp(
        src.to_str().unwrap(),
        &format!("{}:/etc/motd", img.display()),
        false,
    )
    .unwrap();
    assert!(exists(&img, "/var/log/run.log"));

    let done = fresh(&img).unwrap();
    assert_eq!((done.snapshot.as_str(), done.destroyed.len()), (BUILT, 0));
    assert!(!exists(&img, "/var/log/run.log") && !exists(&img, "/var"));
    assert_eq!(cat(&img, "/etc/motd").unwrap(), b"hello from the image\n");
    assert_eq!(
        DiskImage::open(&img, false).unwrap().launch().unwrap(),
        manifest()
    );
    // Again: nothing to discard, still fine.
    fresh(&img).unwrap();
    assert_eq!(names(&img), [BUILT]);
}

#[test]
fn fresh_refuses_images_without_built_and_initrds() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    destroy(&img, BUILT, &mut Vec::new()).unwrap();
    let err = fresh(&img).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "--fresh: {} has no snapshot built to go back to",
            img.display()
        )),
        "{err}"
    );

    let initrd = dir.path().join("app.cpio");
    fs::write(&initrd, b"070701").unwrap();
    let err = fresh(&initrd).unwrap_err();
    assert!(err.to_string().contains("is an initrd image"), "{err}");
    let text = dir.path().join("notes.txt");
    fs::write(&text, b"hello").unwrap();
    let err = format!("{:#}", fresh(&text).unwrap_err());
    assert!(err.contains("is not a Sole disk image"), "{err}");
}

#[test]
fn commands_refuse_what_is_not_a_disk_image() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    fs::write(&text, b"hello").unwrap();
    let missing = dir.path().join("missing.img");
    for path in [&text, &missing] {
        let errors = [
            snapshot(path, "s", &mut Vec::new()).unwrap_err(),
            list(path, &mut Vec::new()).unwrap_err(),
            rollback(path, "s").unwrap_err(),
            verify(path, &mut Vec::new()).unwrap_err(),
        ];
        for err in errors {
            let err = format!("{err:#}");
            assert!(
                err.contains("is not a Sole disk image") || err.contains("cannot open"),
                "{err}"
            );
        }
    }
}

/// A tree with `/data/random.bin`, 3 blocks that do not compress.
fn image_with_random_file(dir: &Path) -> (PathBuf, Vec<u8>) {
    let root = host_tree(dir);
    fs::create_dir(root.join("data")).unwrap();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<u8> = (0..3 * 4096)
        .map(|_| {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    fs::write(root.join("data/random.bin"), &data).unwrap();
    let img = dir.join("rand.img");
    write_image(&tree_of(&root), &img, Some(4 * MIB)).unwrap();
    (img, data)
}

#[test]
fn verify_is_clean_on_an_intact_image_and_names_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    let (img, data) = image_with_random_file(dir.path());
    let mut out = Vec::new();
    assert!(verify(&img, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with(&format!("{}: txg ", img.display())),
        "{text}"
    );
    assert!(text.ends_with("no damage found\n"), "{text}");

    // Flip bytes in the file's second data block.
    let mut bytes = fs::read(&img).unwrap();
    let needle = &data[4096..4096 + 64];
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the block is stored as it is");
    for b in &mut bytes[at + 100..at + 116] {
        *b ^= 0xff;
    }
    fs::write(&img, &bytes).unwrap();

    let mut out = Vec::new();
    assert!(!verify(&img, &mut out).unwrap());
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("/data/random.bin"), "{text}");
    assert!(
        text.ends_with("damage found\n") && !text.contains("no damage"),
        "{text}"
    );
    // The other files still read.
    assert_eq!(cat(&img, "/etc/motd").unwrap(), b"hello from the image\n");
    assert!(cat(&img, "/data/random.bin").is_err());
}

#[test]
fn build_is_still_deterministic_with_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let root = host_tree(dir.path());
    let (a, b) = (dir.path().join("a.img"), dir.path().join("b.img"));
    write_image(&tree_of(&root), &a, Some(4 * MIB)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_image(&tree_of(&root), &b, Some(4 * MIB)).unwrap();
    assert!(fs::read(&a).unwrap() == fs::read(&b).unwrap());
}
