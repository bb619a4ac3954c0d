use super::build::{default_size, write_image};
use super::commands::{self, CpEnd, format_time, human, mode_string};
use super::*;
use crate::initrd::Tree;
use loader::launch::LaunchFlags;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, UNIX_EPOCH};

pub(super) const MIB: u64 = 1 << 20;
/// 2021-01-01 00:00:00 UTC.
pub(super) const JAN_2021: u64 = 1_609_459_200;

pub(super) fn set_mtime(path: &Path, secs: u64) {
    let file = File::open(path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A host tree: `bin/prog` (0755, big enough for a block tree), `etc/motd`
/// (0640), `etc/hard` a hard link to it, `lib -> usr/lib`, `usr/lib/x.so`.
pub(super) fn host_tree(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    for d in ["bin", "etc", "usr/lib"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    let prog: Vec<u8> = (0..20_000u32).map(|i| (i * 7) as u8).collect();
    fs::write(root.join("bin/prog"), &prog).unwrap();
    fs::set_permissions(root.join("bin/prog"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(root.join("etc/motd"), b"hello from the image\n").unwrap();
    fs::set_permissions(root.join("etc/motd"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::hard_link(root.join("etc/motd"), root.join("etc/hard")).unwrap();
    fs::write(root.join("usr/lib/x.so"), b"library").unwrap();
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    for (i, f) in ["bin/prog", "etc/motd", "usr/lib/x.so"].iter().enumerate() {
        set_mtime(&root.join(f), JAN_2021 + 60 * i as u64);
    }
    for d in ["bin", "etc", "usr/lib", "usr"] {
        set_mtime(&root.join(d), JAN_2021 + 3600);
    }
    root
}

pub(super) fn manifest() -> Launch {
    Launch {
        argv: vec![b"/bin/prog".to_vec(), b"built".to_vec()],
        env: vec![b"PATH=/bin".to_vec(), b"A=1".to_vec()],
        cwd: "/".into(),
        flags: LaunchFlags::default(),
    }
}

pub(super) fn tree_of(root: &Path) -> Tree {
    let mut tree = Tree::new();
    tree.add_host(root, "/").unwrap();
    let bytes = launch::encode(&manifest()).unwrap();
    tree.add_bytes(&format!("/{LAUNCH_PATH}"), 0o444, bytes)
        .unwrap();
    tree
}

/// A 4 MiB image of [`host_tree`] at `dir/app.img`.
pub(super) fn image(dir: &Path) -> PathBuf {
    let root = host_tree(dir);
    let out = dir.join("app.img");
    write_image(&tree_of(&root), &out, Some(4 * MIB)).unwrap();
    out
}

fn ls(image: &Path, path: Option<&str>, long: bool) -> Result<String> {
    let mut out = Vec::new();
    commands::ls(image, path, long, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

pub(super) fn cat(image: &Path, path: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    commands::cat(image, path, &mut out)?;
    Ok(out)
}

#[test]
fn the_same_tree_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let root = host_tree(dir.path());
    let (a, b) = (dir.path().join("a.img"), dir.path().join("b.img"));
    let stats = write_image(&tree_of(&root), &a, Some(4 * MIB)).unwrap();
    write_image(&tree_of(&root), &b, Some(4 * MIB)).unwrap();
    assert_eq!(stats.size, 4 * MIB);
    assert_eq!(fs::metadata(&a).unwrap().len(), 4 * MIB);
    assert!(
        fs::read(&a).unwrap() == fs::read(&b).unwrap(),
        "images differ"
    );
    assert!(stats.used_bytes() > 20_000 && stats.used_bytes() < MIB);

    // Other contents, another pool GUID.
    fs::write(root.join("etc/motd"), b"changed\n").unwrap();
    let c = dir.path().join("c.img");
    write_image(&tree_of(&root), &c, Some(4 * MIB)).unwrap();
    let guid = |p: &Path| {
        DiskImage::open(p, false)
            .unwrap()
            .fs()
            .pool()
            .label()
            .pool_guid
    };
    assert_ne!(guid(&a), guid(&c));
    assert_eq!(guid(&a), guid(&b));
}

#[test]
fn an_image_holds_the_tree_with_modes_links_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    assert_eq!(kind_of(&img), ImageKind::Disk);
    let mut disk = DiskImage::open(&img, false).unwrap();
    assert_eq!(disk.launch().unwrap(), manifest());

    let prog = disk.resolve("/bin/prog", true).unwrap();
    let attr = disk.fs().getattr(prog).unwrap();
    assert_eq!(attr.mode, 0o100_755);
    assert_eq!((attr.uid, attr.gid), (0, 0));
    assert_eq!(attr.mtime_ns, (JAN_2021 as i64) * 1_000_000_000);
    assert_eq!(attr.ctime_ns, attr.mtime_ns);
    let want: Vec<u8> = (0..20_000u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(disk.read_all(prog).unwrap(), want);

    let motd = disk.resolve("/etc/motd", true).unwrap();
    assert_eq!(disk.resolve("etc/hard", true).unwrap(), motd, "a hard link");
    let attr = disk.fs().getattr(motd).unwrap();
    assert_eq!((attr.mode, attr.nlink), (0o100_640, 2));

    let lib = disk.resolve("/lib", false).unwrap();
    assert_eq!(disk.fs().readlink(lib).unwrap(), b"usr/lib");
    let so = disk.resolve("/lib/x.so", true).unwrap();
    assert_eq!(disk.resolve("/usr/lib/x.so", true).unwrap(), so);
    assert_eq!(
        disk.resolve("/usr/lib/../../etc/./motd", true).unwrap(),
        motd
    );

    let etc = disk.resolve("/etc", true).unwrap();
    let attr = disk.fs().getattr(etc).unwrap();
    assert_eq!(attr.mtime_ns, (JAN_2021 as i64 + 3600) * 1_000_000_000);
    let manifest = disk.resolve(&format!("/{LAUNCH_PATH}"), true).unwrap();
    let attr = disk.fs().getattr(manifest).unwrap();
    assert_eq!(attr.mode, 0o100_444);
    // The link `lib` was made now, after every time set above.
    let newest =
        crate::initrd::mtime_ns(&fs::symlink_metadata(dir.path().join("root/lib")).unwrap());
    assert_eq!(
        attr.mtime_ns, newest,
        "nodes without a source take the newest time"
    );
    // The last commit records snapshot `built`, stamped with that time too.
    assert_eq!(
        disk.fs().pool().uberblock().timestamp_ns,
        u64::try_from(newest).unwrap()
    );

    let err = disk.resolve("/etc/nope", true).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:/etc/nope: no such file or directory", img.display())
    );
    let err = disk.resolve("/etc/motd/x", true).unwrap_err();
    assert!(err.to_string().ends_with("not a directory"), "{err}");
}

#[test]
fn the_default_size_leaves_room() {
    assert_eq!(default_size(0), 64 * MIB);
    assert_eq!(default_size(10 * MIB + 1), 85 * MIB);
    let dir = tempfile::tempdir().unwrap();
    let root = host_tree(dir.path());
    let out = dir.path().join("d.img");
    let stats = write_image(&tree_of(&root), &out, None).unwrap();
    assert_eq!(stats.size % MIB, 0);
    assert!(stats.size >= 64 * MIB);
    assert!(
        fs::metadata(&out).unwrap().len() == stats.size,
        "the file has the image's length"
    );
    use std::os::unix::fs::MetadataExt;
    assert!(
        fs::metadata(&out).unwrap().blocks() * 512 < 8 * MIB,
        "the free space is sparse"
    );
}

#[test]
fn too_small_an_image_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    fs::create_dir(&big).unwrap();
    fs::write(big.join("data"), vec![1u8; 3 * MIB as usize]).unwrap();
    let out = dir.path().join("small.img");
    let err = write_image(&tree_of(&big), &out, Some(MIB)).unwrap_err();
    let err = format!("{err:#}");
    assert!(err.contains("do not fit in an image of 1 MiB"), "{err}");
}

#[test]
fn ls_lists_sorted_and_long() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    assert_eq!(
        ls(&img, None, false).unwrap(),
        ".sole\nbin\netc\nlib\nusr\n"
    );
    assert_eq!(ls(&img, Some("/etc"), false).unwrap(), "hard\nmotd\n");
    assert_eq!(ls(&img, Some("/lib"), false).unwrap(), "x.so\n", "followed");
    assert_eq!(ls(&img, Some("/etc/motd"), false).unwrap(), "/etc/motd\n");
    assert_eq!(
        ls(&img, Some("/etc"), true).unwrap(),
        "-rw-r----- 2 0 0 21 2021-01-01 00:01 hard\n\
         -rw-r----- 2 0 0 21 2021-01-01 00:01 motd\n"
    );
    let made = crate::initrd::mtime_ns(&fs::symlink_metadata(dir.path().join("root/lib")).unwrap());
    assert_eq!(
        ls(&img, Some("/lib"), true).unwrap(),
        format!("lrwxrwxrwx 1 0 0 7 {} /lib -> usr/lib\n", format_time(made))
    );
    let long = ls(&img, None, true).unwrap();
    assert!(
        long.contains("drwxr-xr-x 2 0 0 4096 2021-01-01 01:00 bin\n"),
        "{long}"
    );
    let err = ls(&img, Some("/nope"), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:/nope: no such file or directory", img.display())
    );
}

#[test]
fn modes_times_and_sizes_read_as_ls_and_df_show_them() {
    assert_eq!(mode_string(0o040_755), "drwxr-xr-x");
    assert_eq!(mode_string(0o104_755), "-rwsr-xr-x");
    assert_eq!(mode_string(0o102_644), "-rw-r-Sr--");
    assert_eq!(mode_string(0o041_777), "drwxrwxrwt");
    assert_eq!(mode_string(0o120_777), "lrwxrwxrwx");
    assert_eq!(format_time(0), "1970-01-01 00:00");
    assert_eq!(format_time(951_827_696 * 1_000_000_000), "2000-02-29 12:34");
    assert_eq!(format_time(-1_000_000_000), "1969-12-31 23:59");
    assert_eq!(human(100), "100 B");
    assert_eq!(human(4096), "4.0 KiB");
    assert_eq!(human(3 * MIB + MIB / 2), "3.5 MiB");
    assert_eq!(human(1 << 30), "1.0 GiB");
}

#[test]
fn cat_prints_a_file_through_links() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    assert_eq!(cat(&img, "/etc/motd").unwrap(), b"hello from the image\n");
    assert_eq!(cat(&img, "/lib/x.so").unwrap(), b"library");
    assert_eq!(cat(&img, "/bin/prog").unwrap().len(), 20_000);
    let err = cat(&img, "/etc").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:/etc: is a directory", img.display())
    );
}

#[test]
fn df_reports_space_files_and_the_txg() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let mut out = Vec::new();
    commands::df(&img, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        // The files, then the table that adds snapshot `built`.
        lines[0].ends_with("rootfs disk image, 4096-byte blocks, txg 3"),
        "{text}"
    );
    // 1024 blocks less the label copies and the ring.
    assert!(
        lines[1].starts_with("size") && lines[1].contains(" 1006 blocks"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("used") && lines[3].starts_with("free"),
        "{text}"
    );
    // Root, .sole, launch, bin, prog, etc, motd (twice named), lib, usr,
    // usr/lib, x.so.
    assert_eq!(
        lines[4].split_whitespace().collect::<Vec<_>>(),
        ["files", "11"]
    );
}

#[test]
fn opening_what_is_not_a_disk_image_says_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let shown = |p: &Path| p.display().to_string();
    let err = DiskImage::open(&dir.path().join("none.img"), false).unwrap_err();
    assert!(format!("{err:#}").starts_with("cannot open"), "{err:#}");
    let text = dir.path().join("text");
    fs::write(&text, b"just text").unwrap();
    let err = DiskImage::open(&text, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} is not a Sole disk image (it does not start with SOLEPOOL); build one with `sole build`",
            shown(&text)
        )
    );
    let cpio = dir.path().join("initrd.img");
    fs::write(&cpio, b"070701000000").unwrap();
    let err = DiskImage::open(&cpio, false).unwrap_err();
    assert!(err.to_string().contains("is an initrd image"), "{err}");

    // Both labels and the ring gone: rootfs says why.
    let img = image(dir.path());
    let mut bytes = fs::read(&img).unwrap();
    bytes[8..4096].fill(0xff);
    let last = bytes.len() - 4096;
    bytes[last..].fill(0);
    fs::write(&img, &bytes).unwrap();
    let err = DiskImage::open(&img, false).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "{} cannot be mounted: no valid label",
            shown(&img)
        )),
        "{err}"
    );
}

#[test]
fn cp_ends_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let arg = format!("{}:/etc/motd", img.display());
    assert_eq!(
        CpEnd::parse(&arg),
        CpEnd::Image(img.clone(), "/etc/motd".into())
    );
    assert_eq!(
        CpEnd::parse(&format!("{}:", img.display())),
        CpEnd::Image(img.clone(), "/".into())
    );
    assert_eq!(CpEnd::parse("no.img:/x"), CpEnd::Host("no.img:/x".into()));
    assert_eq!(CpEnd::parse("/tmp/a"), CpEnd::Host("/tmp/a".into()));
}

#[test]
fn cp_copies_into_an_image_and_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let at = |p: &str| format!("{}:{p}", img.display());
    let host = dir.path().join("host");
    fs::create_dir_all(host.join("tree/sub")).unwrap();
    fs::write(host.join("new.txt"), b"new file").unwrap();
    fs::set_permissions(host.join("new.txt"), fs::Permissions::from_mode(0o600)).unwrap();
    set_mtime(&host.join("new.txt"), JAN_2021 + 86_400);
    fs::write(host.join("tree/sub/deep.txt"), vec![b'x'; 10_000]).unwrap();
    std::os::unix::fs::symlink("sub/deep.txt", host.join("tree/link")).unwrap();

    // A file, into a new directory (parents made), then replacing a file.
    let report = commands::cp(
        host.join("new.txt").to_str().unwrap(),
        &at("/srv/a/new.txt"),
        false,
    )
    .unwrap();
    assert_eq!((report.files, report.bytes), (1, 8));
    assert_eq!(cat(&img, "/srv/a/new.txt").unwrap(), b"new file");
    assert_eq!(
        ls(&img, Some("/srv/a/new.txt"), true).unwrap(),
        "-rw------- 1 0 0 8 2021-01-02 00:00 /srv/a/new.txt\n"
    );
    commands::cp(
        host.join("new.txt").to_str().unwrap(),
        &at("/etc/motd"),
        false,
    )
    .unwrap();
    assert_eq!(cat(&img, "/etc/motd").unwrap(), b"new file");
    assert_eq!(
        cat(&img, "/etc/hard").unwrap(),
        b"new file",
        "replaced in place"
    );
    // Into an existing directory, under its own name.
    commands::cp(host.join("new.txt").to_str().unwrap(), &at("/etc"), false).unwrap();
    assert_eq!(cat(&img, "/etc/new.txt").unwrap(), b"new file");

    // A directory needs -r; with it, the whole tree, links kept.
    let err = commands::cp(host.join("tree").to_str().unwrap(), &at("/t"), false).unwrap_err();
    assert!(
        err.to_string().contains("is a directory (copy it with -r)"),
        "{err}"
    );
    commands::cp(host.join("tree").to_str().unwrap(), &at("/t"), true).unwrap();
    assert_eq!(cat(&img, "/t/sub/deep.txt").unwrap(), vec![b'x'; 10_000]);
    assert_eq!(cat(&img, "/t/link").unwrap().len(), 10_000);
    assert!(
        ls(&img, Some("/t/link"), true)
            .unwrap()
            .ends_with("-> sub/deep.txt\n")
    );
    // Again: /t is a directory now, so the tree goes into it, as cp(1).
    commands::cp(host.join("tree").to_str().unwrap(), &at("/t"), true).unwrap();
    assert_eq!(ls(&img, Some("/t"), false).unwrap(), "link\nsub\ntree\n");
    assert_eq!(cat(&img, "/t/tree/link").unwrap().len(), 10_000);
    let mut disk = DiskImage::open(&img, false).unwrap();
    assert!(disk.fs().pool().txg() > 2, "committed");
    assert_eq!(disk.launch().unwrap(), manifest(), "the rest is intact");
    drop(disk);

    // Out: a file, a file into a directory, and a tree.
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    commands::cp(
        &at("/srv/a/new.txt"),
        out.join("x.txt").to_str().unwrap(),
        false,
    )
    .unwrap();
    assert_eq!(fs::read(out.join("x.txt")).unwrap(), b"new file");
    let meta = fs::metadata(out.join("x.txt")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        meta.modified().unwrap(),
        UNIX_EPOCH + Duration::from_secs(JAN_2021 + 86_400)
    );
    commands::cp(&at("/lib/x.so"), out.to_str().unwrap(), false).unwrap();
    assert_eq!(fs::read(out.join("x.so")).unwrap(), b"library");
    let err = commands::cp(&at("/t"), out.to_str().unwrap(), false).unwrap_err();
    assert!(
        err.to_string().contains("is a directory (copy it with -r)"),
        "{err}"
    );
    commands::cp(&at("/t"), out.to_str().unwrap(), true).unwrap();
    assert_eq!(
        fs::read(out.join("t/sub/deep.txt")).unwrap(),
        vec![b'x'; 10_000]
    );
    assert_eq!(
        fs::read_link(out.join("t/link")).unwrap(),
        Path::new("sub/deep.txt")
    );

    let err = commands::cp(&at("/nope"), out.to_str().unwrap(), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:/nope: no such file or directory", img.display())
    );
    let err = commands::cp("/tmp/a", "/tmp/b", false).unwrap_err();
    assert!(err.to_string().contains("is IMAGE:PATH"), "{err}");
    let err = commands::cp(&at("/etc/motd"), &at("/x"), false).unwrap_err();
    assert!(
        err.to_string().contains("from one image to another"),
        "{err}"
    );
}

#[test]
fn cp_into_a_full_image_fails_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let before = fs::read(&img).unwrap();
    let big = dir.path().join("big");
    fs::write(&big, vec![7u8; 8 * MIB as usize]).unwrap();
    let err = commands::cp(
        big.to_str().unwrap(),
        &format!("{}:/big", img.display()),
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("no space left in the image (ENOSPC)"),
        "{err}"
    );
    assert!(fs::read(&img).unwrap() == before, "nothing was written");
    assert_eq!(cat(&img, "/etc/motd").unwrap(), b"hello from the image\n");
}

#[test]
fn a_disk_image_boots_as_the_root_disk_with_a_manifest_only_initrd() {
    use crate::program::ProgramSpec;
    use crate::qemu::{Accel, Machine, VmConfig};
    use crate::run::BootOptions;

    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let spec = ProgramSpec {
        program: img.clone(),
        args: vec!["new".into(), "--x".into()],
        env: vec!["A=2".parse().unwrap(), "B=3".parse().unwrap()],
        cwd: Some("/etc".into()),
        flags: LaunchFlags {
            strace: true,
            ..LaunchFlags::default()
        },
        ..ProgramSpec::default()
    };
    let initrd = spec.pack().unwrap();
    assert_eq!(initrd.disk(), Some(img.as_path()));
    assert!(initrd.is_temporary());
    let archive = fs::read(initrd.path()).unwrap();
    let entries: Vec<_> = rootfs::cpio::entries(&archive)
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(entries.len(), 1, "only the manifest");
    assert_eq!(entries[0].name, LAUNCH_PATH);
    assert_eq!(entries[0].mode, rootfs::cpio::S_IFREG | 0o444);
    let launch = launch::decode(entries[0].data).unwrap();
    assert_eq!(launch.argv, [&b"/bin/prog"[..], b"new", b"--x"]);
    assert_eq!(launch.env, [&b"PATH=/bin"[..], b"A=2", b"B=3"]);
    assert_eq!(launch.cwd, "/etc");
    assert!(launch.flags.strace && !launch.flags.trace_missing);

    let mut options = BootOptions::default();
    initrd.boot_into(&mut options, None).unwrap();
    assert_eq!(options.disk.as_deref(), Some(img.as_path()));
    assert!(options.root_disk);
    assert_eq!(options.mem.mib(), 128);
    assert_eq!(
        options.kernel_command_line().unwrap(),
        "log=error root=disk"
    );
    options.kernel_args = vec!["x=1".into()];
    options.log = Some(crate::run::LogLevel::Info);
    assert_eq!(
        options.kernel_command_line().unwrap(),
        "log=info root=disk x=1"
    );

    let config = VmConfig {
        machine: Machine::Q35,
        accel: Accel::Tcg,
        mem: options.mem,
        cpus: 1,
        icount: false,
        kernel: "/k.elf".into(),
        append: options.kernel_command_line().unwrap(),
        initrd: options.initrd.clone(),
        disk: options.disk.clone(),
    };
    let args: Vec<String> = config
        .args()
        .unwrap()
        .into_iter()
        .map(|a| a.into_string().unwrap())
        .collect();
    let tail = args[args.iter().position(|a| a == "-append").unwrap()..].to_vec();
    assert_eq!(
        tail,
        [
            "-append".to_owned(),
            "log=info root=disk x=1".into(),
            "-initrd".into(),
            initrd.path().display().to_string(),
            "-drive".into(),
            format!("file={},format=raw,if=none,id=disk0", img.display()),
            "-device".into(),
            "virtio-blk-pci,drive=disk0".into(),
        ]
    );

    // The image is the disk: a --disk of the user's is refused.
    let mut options = BootOptions {
        disk: Some("/tmp/other.img".into()),
        ..BootOptions::default()
    };
    let err = initrd.boot_into(&mut options, None).unwrap_err();
    assert!(
        err.to_string().contains("attached as the disk itself"),
        "{err}"
    );
    // And root=disk without a disk is a bug caught before QEMU.
    let options = BootOptions {
        root_disk: true,
        ..BootOptions::default()
    };
    assert!(options.kernel_command_line().is_err());
}

#[test]
fn add_on_a_disk_image_points_to_cp_and_a_missing_manifest_is_named() {
    use crate::program::ProgramSpec;
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let spec = ProgramSpec {
        program: img.clone(),
        adds: vec!["/etc/hostname".parse().unwrap()],
        ..ProgramSpec::default()
    };
    let err = spec.pack().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "--add /etc/hostname: {0} is a disk image; copy files into it with \
             `sole cp /etc/hostname {0}:/PATH` (or add them when building it)",
            img.display()
        )
    );

    let mut tree = Tree::new();
    tree.add_bytes("/x", 0o644, b"x".to_vec()).unwrap();
    let bare = dir.path().join("bare.img");
    write_image(&tree, &bare, Some(2 * MIB)).unwrap();
    let spec = ProgramSpec {
        program: bare.clone(),
        ..ProgramSpec::default()
    };
    let err = spec.pack().unwrap_err();
    assert!(
        err.to_string()
            .contains("is a disk image but not a bootable one (it has no /.sole/launch)"),
        "{err}"
    );
}
