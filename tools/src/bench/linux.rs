//! The Linux guest `sole bench` compares Sole with: Debian's cloud kernel
//! (`linux-image-cloud-amd64`, fetched with `apt-get download` into the
//! cache, never into the repository) or any kernel the user names, booted
//! with an initramfs built on the fly: the files Sole's initrd holds, and an
//! `/init` that runs the workload with the arguments Sole gives it.
//!
//! `SOLE_LINUX_KERNEL=/path/to/bzImage` (or `sole bench --linux-kernel`)
//! points at another kernel. It needs, built in: the 8250 serial console,
//! initramfs support (uncompressed newc cpio), and ELF binaries; x86-64 with
//! an `iopl`/`ioperm` for `/init` to end the VM through isa-debug-exit (else
//! it powers off, which works too). For the `disk` workload it also needs
//! virtio-pci, virtio-blk, ext4 and devtmpfs built in: only the Debian
//! kernel comes with its modules ([`super::modules`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};

use crate::cache::Cache;
use crate::initrd::Tree;
use crate::program::Image;

/// The Debian metapackage that depends on the current cloud kernel.
pub const DEBIAN_PACKAGE: &str = "linux-image-cloud-amd64";

/// The environment variable naming another Linux kernel to compare with.
pub const KERNEL_ENV: &str = "SOLE_LINUX_KERNEL";

/// The Linux kernel command line: the console on COM1 (where `sole` reads
/// it) with only warnings and errors, and a panic ends the VM at once
/// (QEMU runs with `-no-reboot`) instead of hanging a benchmark.
pub const COMMAND_LINE: &str = "console=ttyS0 quiet panic=-1";

/// Where the Linux kernel comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinuxSource {
    /// Debian's cloud kernel, downloaded into the cache on first use.
    Debian,
    /// A kernel image on this machine (a bzImage, or anything QEMU's
    /// `-kernel` boots).
    Path(PathBuf),
}

/// A Linux kernel ready to boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinuxKernel {
    /// The image.
    pub path: PathBuf,
    /// What it is, for the report (`Debian linux-image-6.1.0-56-cloud-amd64`).
    pub name: String,
    /// Where its modules for the disk are (a directory searched to any
    /// depth), if it comes with any; `None` for a kernel the user names,
    /// which must have what the disk needs built in.
    pub modules: Option<PathBuf>,
}

/// Finds (fetching if needed) the kernel `source` names. Says on `progress`
/// when it downloads.
pub fn locate(
    source: &LinuxSource,
    cache: &Cache,
    progress: &mut dyn FnMut(&str),
) -> Result<LinuxKernel> {
    match source {
        LinuxSource::Path(path) => {
            let meta = std::fs::metadata(path)
                .with_context(|| format!("cannot read the Linux kernel {}", path.display()))?;
            if !meta.is_file() {
                bail!("the Linux kernel {} is not a file", path.display());
            }
            let name = path.display().to_string();
            Ok(LinuxKernel {
                path: path.clone(),
                name,
                modules: None,
            })
        }
        LinuxSource::Debian => debian_kernel(cache, progress),
    }
}

/// Debian's cloud kernel from the cache, downloaded first if the cache does
/// not hold the version `apt-cache` names now. Without `apt-cache` (not a
/// Debian host), the newest cached one.
fn debian_kernel(cache: &Cache, progress: &mut dyn FnMut(&str)) -> Result<LinuxKernel> {
    let dir = cache.dir().join("linux");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let package = match current_package() {
        Ok(package) => package,
        Err(why) => {
            return cached_kernel(&dir).ok_or_else(|| {
                anyhow!(
                    "cannot find Debian's {DEBIAN_PACKAGE} ({why:#}) and none is cached in {}; \
                     set {KERNEL_ENV}=/path/to/bzImage to compare with another kernel",
                    dir.display()
                )
            });
        }
    };
    let release = package
        .strip_prefix("linux-image-")
        .ok_or_else(|| anyhow!("unexpected package name {package}"))?;
    let path = dir.join(format!("vmlinuz-{release}"));
    let modules = modules_dir(&path);
    if !path.is_file() || !modules.is_dir() {
        progress(&format!("downloading {package} into {}", dir.display()));
        download(&package, release, &dir, &path, &modules)?;
    }
    Ok(LinuxKernel {
        path,
        name: format!("Debian {package}"),
        modules: Some(modules),
    })
}

/// The versioned kernel package the metapackage depends on now.
fn current_package() -> Result<String> {
    let output = Command::new("apt-cache")
        .args(["depends", DEBIAN_PACKAGE])
        .output()
        .context("cannot run apt-cache")?;
    if !output.status.success() {
        bail!(
            "apt-cache depends {DEBIAN_PACKAGE} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    kernel_dependency(&String::from_utf8_lossy(&output.stdout))
        .ok_or_else(|| anyhow!("apt-cache names no kernel package for {DEBIAN_PACKAGE}"))
}

/// The `linux-image-*` package in `apt-cache depends` output:
///
/// ```text
/// linux-image-cloud-amd64
///   Depends: linux-image-6.1.0-56-cloud-amd64
/// ```
pub fn kernel_dependency(apt_cache_depends: &str) -> Option<String> {
    apt_cache_depends.lines().find_map(|line| {
        let name = line
            .trim()
            .trim_start_matches('|')
            .strip_prefix("Depends:")?
            .trim();
        let valid = name.starts_with("linux-image-")
            && name != DEBIAN_PACKAGE
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+'));
        valid.then(|| name.to_owned())
    })
}

/// The newest `vmlinuz-*` in `dir`.
fn cached_kernel(dir: &Path) -> Option<LinuxKernel> {
    let newest = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("vmlinuz-"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()?
        .1;
    let name = newest.file_name()?.to_string_lossy().into_owned();
    let modules = modules_dir(&newest);
    Some(LinuxKernel {
        path: newest,
        name: format!("Debian {name} (cached)"),
        modules: modules.is_dir().then_some(modules),
    })
}

/// Where the modules of the cached kernel `vmlinuz` are kept:
/// `modules-<release>` beside `vmlinuz-<release>`.
fn modules_dir(vmlinuz: &Path) -> PathBuf {
    let name = vmlinuz.file_name().unwrap_or_default().to_string_lossy();
    let release = name.strip_prefix("vmlinuz-").unwrap_or(&name);
    vmlinuz.with_file_name(format!("modules-{release}"))
}

/// The directories of a Debian kernel package's modules that hold what the
/// disk needs ([`super::modules::DISK_MODULES`] and their dependencies).
fn module_members(release: &str) -> [String; 2] {
    let base = format!("./lib/modules/{release}/kernel/drivers");
    [
        format!("{base}/virtio"),
        format!("{base}/block/virtio_blk.ko"),
    ]
}

/// Downloads `package` with `apt-get download` into a scratch directory in
/// `dir` and keeps its `/boot/vmlinuz-<release>` at `vmlinuz` and the
/// modules the disk needs (see [`module_members`]) in `modules`.
fn download(
    package: &str,
    release: &str,
    dir: &Path,
    vmlinuz: &Path,
    modules: &Path,
) -> Result<()> {
    let work = tempfile::tempdir_in(dir)?;
    let output = Command::new("apt-get")
        .args(["download", package])
        .current_dir(work.path())
        .output()
        .context("cannot run apt-get")?;
    if !output.status.success() {
        bail!(
            "apt-get download {package} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let deb = std::fs::read_dir(work.path())?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| anyhow!("apt-get download {package} left no .deb"))?;
    // dpkg-deb --fsys-tarfile DEB | tar -x -C WORK ./boot/vmlinuz-RELEASE MODULES...
    let extracted = work.path().join("files");
    std::fs::create_dir(&extracted)?;
    let mut dpkg = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(&deb)
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run dpkg-deb")?;
    let kernel_member = format!("./boot/vmlinuz-{release}");
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&extracted)
        .args(["-f", "-", &kernel_member])
        .args(module_members(release))
        .stdin(dpkg.stdout.take().expect("stdout is piped"))
        .output()
        .context("cannot run tar")?;
    let dpkg_ok = dpkg.wait().is_ok_and(|s| s.success());
    if !dpkg_ok || !tar.status.success() {
        bail!(
            "cannot extract /boot/vmlinuz-{release} and its disk modules from {}: {}",
            deb.display(),
            String::from_utf8_lossy(&tar.stderr).trim()
        );
    }
    let image = std::fs::read(extracted.join(&kernel_member))?;
    if !is_bzimage(&image) {
        bail!("/boot/vmlinuz-{release} in {package} is not a bzImage");
    }
    if modules.exists() {
        std::fs::remove_dir_all(modules)
            .with_context(|| format!("cannot replace {}", modules.display()))?;
    }
    std::fs::rename(
        extracted.join(format!("./lib/modules/{release}/kernel/drivers")),
        modules,
    )
    .with_context(|| format!("cannot write {}", modules.display()))?;
    let temp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(temp.path(), image)?;
    temp.persist(vmlinuz)
        .with_context(|| format!("cannot write {}", vmlinuz.display()))?;
    Ok(())
}

/// Whether `image` carries the x86 boot protocol's header magic (`HdrS` at
/// 0x202; Documentation/arch/x86/boot.rst).
pub fn is_bzimage(image: &[u8]) -> bool {
    image.get(0x202..0x206) == Some(b"HdrS")
}

/// The file in the initramfs that holds the workload's command line, each
/// argument ended by a NUL; `/init` runs `argv[0]` with it.
pub const ARGV_PATH: &str = "/bench.argv";

/// The initramfs for one workload: the files of its Sole `image` (the
/// program, its interpreter and libraries, what was added), `/init`
/// (static), the command line at [`ARGV_PATH`], and the directories a
/// system expects. `/dev/console` comes from the kernel's built-in
/// initramfs, which is unpacked first.
pub fn initramfs(init: &[u8], image: Image) -> Result<Tree> {
    let Image { mut tree, launch } = image;
    for dir in ["/dev", "/proc", "/sys", "/tmp", "/root"] {
        tree.ensure_dir(dir)?;
    }
    tree.add_bytes("/init", 0o755, init.to_vec())?;
    tree.add_bytes(ARGV_PATH, 0o444, argv_file(&launch.argv)?)?;
    Ok(tree)
}

/// The file in the initramfs that lists the modules `/init` loads, one
/// path a line, in order.
pub const MODULES_PATH: &str = "/bench.modules";

/// The file in the initramfs that names the filesystem `/init` mounts
/// before it runs the workload: `DEVICE DIRECTORY TYPE`.
pub const MOUNT_PATH: &str = "/bench.mount";

/// The guest's disk: the first virtio-blk device.
pub const DISK_DEVICE: &str = "/dev/vda";

/// Adds to an initramfs what mounts the disk's ext4 filesystem at `mount`
/// before the workload runs: the `modules` (host files, loaded in this
/// order) as `/lib/modules/NAME`, their list at [`MODULES_PATH`], and the
/// mount at [`MOUNT_PATH`].
pub fn add_disk(tree: &mut Tree, modules: &[PathBuf], mount: &str) -> Result<()> {
    let mut list = String::new();
    for module in modules {
        let name = module
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| anyhow!("a module without a name: {}", module.display()))?;
        let dest = format!("/lib/modules/{name}");
        tree.add_host(module, &dest)?;
        list.push_str(&dest);
        list.push('\n');
    }
    tree.add_bytes(MODULES_PATH, 0o444, list.into_bytes())?;
    tree.ensure_dir(mount)?;
    tree.add_bytes(
        MOUNT_PATH,
        0o444,
        format!("{DISK_DEVICE} {mount} ext4\n").into_bytes(),
    )?;
    Ok(())
}

/// `argv` as [`ARGV_PATH`] holds it.
fn argv_file(argv: &[Vec<u8>]) -> Result<Vec<u8>> {
    let mut file = Vec::new();
    for arg in argv {
        if arg.contains(&0) {
            bail!(
                "the argument `{}` holds a NUL byte",
                String::from_utf8_lossy(arg)
            );
        }
        file.extend_from_slice(arg);
        file.push(0);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use loader::launch::{Launch, LaunchFlags};
    use rootfs::cpio::{EntryKind, entries};

    #[test]
    fn finds_the_versioned_package() {
        let out = "linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n";
        assert_eq!(
            kernel_dependency(out).as_deref(),
            Some("linux-image-6.1.0-56-cloud-amd64")
        );
        let alternatives = "linux-image-cloud-amd64\n |Depends: linux-image-6.1.0-9-cloud-amd64\n  \
                            Depends: linux-image-6.1.0-8-cloud-amd64\n";
        assert_eq!(
            kernel_dependency(alternatives).as_deref(),
            Some("linux-image-6.1.0-9-cloud-amd64")
        );
        for bad in [
            "",
            "linux-image-cloud-amd64\n",
            "  Depends: initramfs-tools\n",
            "  Depends: linux-image-cloud-amd64\n",
            "  Depends: linux-image-x;rm -rf\n",
        ] {
            assert_eq!(kernel_dependency(bad), None, "{bad}");
        }
    }

    #[test]
    fn recognizes_a_bzimage_header() {
        let mut image = vec![0u8; 0x300];
        assert!(!is_bzimage(&image));
        image[0x202..0x206].copy_from_slice(b"HdrS");
        assert!(is_bzimage(&image));
        assert!(!is_bzimage(&image[..0x204]));
    }

    #[test]
    fn the_initramfs_holds_the_image_init_the_command_line_and_the_usual_directories() {
        let mut tree = Tree::new();
        tree.add_bytes("/opt/bench/workload", 0o755, b"WORKLOAD".to_vec())
            .unwrap();
        tree.add_dir("/tmp", 0o1777).unwrap();
        let launch = Launch {
            argv: vec![
                b"/opt/bench/workload".to_vec(),
                b"-c".to_vec(),
                b"a b".to_vec(),
            ],
            env: Vec::new(),
            cwd: "/".into(),
            flags: LaunchFlags::default(),
        };
        let mut archive = Vec::new();
        initramfs(b"INIT", Image { tree, launch })
            .unwrap()
            .write(&mut archive)
            .unwrap();
        let members: Vec<_> = entries(&archive).map(|e| e.unwrap()).collect();
        let find = |path: &str| {
            members
                .iter()
                .find(|e| e.path() == path)
                .unwrap_or_else(|| panic!("{path} missing"))
        };
        let init = find("init");
        assert_eq!(
            (init.kind(), init.permissions(), init.data),
            (EntryKind::File, 0o755, &b"INIT"[..])
        );
        let workload = find("opt/bench/workload");
        assert_eq!(
            (workload.kind(), workload.data),
            (EntryKind::File, &b"WORKLOAD"[..])
        );
        let argv = find(ARGV_PATH.trim_start_matches('/'));
        assert_eq!(argv.data, b"/opt/bench/workload\0-c\0a b\0");
        for dir in ["dev", "proc", "sys", "tmp", "root", "opt", "opt/bench"] {
            assert_eq!(find(dir).kind(), EntryKind::Dir, "{dir}");
        }
        assert_eq!(find("tmp").permissions(), 0o1777, "the image's own mode");
        assert_eq!(find("proc").permissions(), 0o755);
        assert_eq!(members.len(), 10);
    }

    #[test]
    fn the_disk_adds_modules_in_order_and_the_mount() {
        let dir = tempfile::tempdir().unwrap();
        let modules: Vec<PathBuf> = ["virtio_ring.ko", "virtio.ko"]
            .iter()
            .map(|name| {
                let path = dir.path().join(name);
                std::fs::write(&path, name.as_bytes()).unwrap();
                path
            })
            .collect();
        let mut tree = Tree::new();
        add_disk(&mut tree, &modules, "/mnt").unwrap();
        let mut archive = Vec::new();
        tree.write(&mut archive).unwrap();
        let members: Vec<_> = entries(&archive).map(|e| e.unwrap()).collect();
        let data = |path: &str| {
            members
                .iter()
                .find(|e| e.path() == path)
                .map(|e| e.data.to_vec())
                .unwrap_or_else(|| panic!("{path} missing"))
        };
        assert_eq!(
            data("bench.modules"),
            b"/lib/modules/virtio_ring.ko\n/lib/modules/virtio.ko\n"
        );
        assert_eq!(data("lib/modules/virtio.ko"), b"virtio.ko");
        assert_eq!(data("bench.mount"), b"/dev/vda /mnt ext4\n");
        assert!(
            members
                .iter()
                .any(|e| e.path() == "mnt" && e.kind() == EntryKind::Dir)
        );
    }

    #[test]
    fn a_cached_kernel_keeps_its_modules_beside_it() {
        assert_eq!(
            modules_dir(Path::new("/c/linux/vmlinuz-6.1.0-57-cloud-amd64")),
            Path::new("/c/linux/modules-6.1.0-57-cloud-amd64")
        );
        assert_eq!(
            module_members("6.1.0-57-cloud-amd64"),
            [
                "./lib/modules/6.1.0-57-cloud-amd64/kernel/drivers/virtio",
                "./lib/modules/6.1.0-57-cloud-amd64/kernel/drivers/block/virtio_blk.ko"
            ]
        );
    }

    #[test]
    fn an_argument_with_a_nul_byte_is_refused() {
        assert!(argv_file(&[b"/bench".to_vec(), b"a\0b".to_vec()]).is_err());
        assert_eq!(argv_file(&[]).unwrap(), b"");
    }

    #[test]
    fn a_named_kernel_must_be_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("cache")).unwrap();
        let mut quiet = |_: &str| {};
        let missing = LinuxSource::Path(dir.path().join("nope"));
        assert!(locate(&missing, &cache, &mut quiet).is_err());
        let not_file = LinuxSource::Path(dir.path().to_path_buf());
        assert!(locate(&not_file, &cache, &mut quiet).is_err());
        let image = dir.path().join("bzImage");
        std::fs::write(&image, b"kernel").unwrap();
        let kernel = locate(&LinuxSource::Path(image.clone()), &cache, &mut quiet).unwrap();
        assert_eq!(kernel.path, image);
    }
}
