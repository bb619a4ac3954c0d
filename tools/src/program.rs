//! What `sole run PROGRAM [ARGS...]` and `sole build` pack for the kernel:
//! the program, its interpreter and libraries (see [`deps`]), the files and
//! trees named by `--add` or the whole `--root` tree, and the launch
//! manifest (command line, environment, working directory, reporting flags;
//! see `loader::launch`), as an initrd or a disk image; and how much guest
//! memory that needs. `sole run IMAGE` boots what `sole build` wrote (see
//! [`crate::image`] and [`crate::disk`]).

use std::fmt;
use std::fs::{self, File, Metadata};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, anyhow, bail};
use loader::launch::{self, LAUNCH_PATH, Launch, LaunchFlags};

use crate::disk::build::DiskStats;
use crate::disk::{self, DiskImage, ImageKind};
use crate::image::{self as built, BuiltImage};
use crate::initrd::{self, AddSpec, Tree};
use crate::mem_size::MemSize;
use deps::SearchEnv;
use root::{GuestRoot, join_path};

/// The environment a program starts with unless `--env` says otherwise.
pub const DEFAULT_ENV: [(&str, &str); 3] = [
    (
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ),
    ("HOME", "/"),
    ("TERM", "linux"),
];

/// One `--env KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The name, before the first `=`.
    pub key: String,
    /// Everything after it (may be empty, may contain `=`).
    pub value: String,
}

impl FromStr for EnvVar {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once('=') {
            Some(("", _)) => Err(format!("`{text}`: the variable's name is empty")),
            Some((key, value)) => Ok(Self {
                key: key.to_owned(),
                value: value.to_owned(),
            }),
            None => Err(format!("`{text}`: expected KEY=VALUE")),
        }
    }
}

impl fmt::Display for EnvVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// A program to run and what goes with it, as the user asked.
#[derive(Debug, Clone, Default)]
pub struct ProgramSpec {
    /// The program's host path, as given (relative or absolute); with
    /// [`ProgramSpec::root`], its path in that tree (a bare name is looked
    /// for on the guest's `PATH` there). [`ProgramSpec::pack`] also takes
    /// an image `sole build` wrote.
    pub program: PathBuf,
    /// Its arguments, after `argv[0]`.
    pub args: Vec<String>,
    /// Files and trees to add, in order (a later one replaces an earlier
    /// file at the same guest path).
    pub adds: Vec<AddSpec>,
    /// Environment settings over [`DEFAULT_ENV`], in order.
    pub env: Vec<EnvVar>,
    /// The working directory in the guest; `/` if `None`.
    pub cwd: Option<String>,
    /// A host directory to take whole as the guest's root, and to find the
    /// program and its libraries in.
    pub root: Option<PathBuf>,
    /// What the kernel reports.
    pub flags: LaunchFlags,
}

/// What `sole build` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// A rootfs disk image (see [`crate::disk`]) of this many bytes, or of
    /// the default size for its contents.
    Disk { size: Option<u64> },
    /// The initrd `sole run PROGRAM` would pack (a newc cpio archive).
    Initrd,
}

/// What `sole build` wrote.
#[derive(Debug, Clone)]
pub struct Built {
    /// The image file's length in bytes (a disk image is sparse: the host
    /// stores only what is used).
    pub size: u64,
    /// For a disk image, its filesystem's account.
    pub disk: Option<DiskStats>,
    /// What packing left out.
    pub notes: Vec<String>,
}

/// The guest's files and the manifest among them.
#[derive(Debug, Clone)]
pub struct Image {
    /// Everything the initrd holds.
    pub tree: Tree,
    /// What the manifest says.
    pub launch: Launch,
}

impl ProgramSpec {
    /// The program's path in the guest without `--root`: its absolute host
    /// path.
    pub fn guest_program(&self) -> Result<String> {
        initrd::guest_path_of(&initrd::absolute(&self.program)?)
    }

    /// The environment: [`DEFAULT_ENV`] with each `--env` replacing the
    /// variable of its name or, if new, appended.
    pub fn environment(&self) -> Vec<String> {
        let mut vars: Vec<(String, String)> = DEFAULT_ENV
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        for var in &self.env {
            match vars.iter_mut().find(|(key, _)| *key == var.key) {
                Some(slot) => slot.1.clone_from(&var.value),
                None => vars.push((var.key.clone(), var.value.clone())),
            }
        }
        vars.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    /// The working directory in the guest, cleaned up.
    pub fn guest_cwd(&self) -> Result<String> {
        let cwd = self.cwd.as_deref().unwrap_or("/");
        initrd::guest_path(cwd).map_err(|e| anyhow!("--cwd {e}"))
    }

    /// The tree the guest's root comes from.
    fn guest_root(&self) -> Result<GuestRoot> {
        match &self.root {
            Some(dir) => GuestRoot::new(dir),
            None => Ok(GuestRoot::host()),
        }
    }

    /// Checks the program and gathers everything the initrd will hold
    /// (metadata only; contents are read when it is written): the `--root`
    /// tree, the program with its interpreter and libraries, the `--add`
    /// files (which replace what is already at their paths) and the
    /// libraries the ELF objects among them need (extension modules the
    /// program may load), the manifest.
    pub fn image(&self) -> Result<Image> {
        let root = self.guest_root()?;
        let cwd = self.guest_cwd()?;
        let environment = self.environment();
        let program = self.locate(&root, &cwd, &environment)?;
        let mut argv = vec![program.clone().into_bytes()];
        argv.extend(self.args.iter().map(|a| a.clone().into_bytes()));
        let library_path = environment
            .iter()
            .find_map(|v| v.strip_prefix("LD_LIBRARY_PATH="))
            .map(str::to_owned);
        let launch = Launch {
            argv,
            env: environment.into_iter().map(String::into_bytes).collect(),
            cwd: cwd.clone(),
            flags: self.flags,
        };
        let manifest = launch::encode(&launch).map_err(|e| anyhow!("{e}"))?;

        let mut tree = Tree::new();
        if let Some(dir) = &self.root {
            tree.add_host(root.dir(), "/")
                .with_context(|| format!("--root {}", dir.display()))?;
            // The guest's /dev is the kernel's: the device nodes a chroot
            // has there are not missed.
            tree.forget_left_out_below(&root.dir().join("dev"));
        }
        let search = SearchEnv {
            library_path,
            cwd: cwd.clone(),
        };
        let mut adds = Vec::new();
        let mut extras = Vec::new();
        for add in &self.adds {
            let dest = match &add.dest {
                Some(dest) => dest.clone(),
                None => initrd::guest_path_of(&initrd::absolute(&add.src)?)?,
            };
            extras.extend(deps::objects_in(&add.src, &dest));
            adds.push((&add.src, dest));
        }
        let deps = deps::resolve(&root, &program, &search, &extras)
            .with_context(|| format!("cannot run {}", self.program.display()))?;
        for link in &deps.links {
            let mtime = fs::symlink_metadata(root.host_path(&link.path))
                .ok()
                .map(|meta| initrd::mtime_ns(&meta));
            tree.add_symlink_with_time(&link.path, &link.target, mtime)?;
        }
        for file in &deps.files {
            let host = root.host_path(file);
            let meta =
                fs::metadata(&host).with_context(|| format!("cannot add {}", host.display()))?;
            tree.add_host_file(&host, file, &meta)?;
        }
        for note in deps.notes {
            tree.add_note(note);
        }
        for (src, dest) in adds {
            tree.add_host(src, &dest)
                .with_context(|| format!("--add {}", src.display()))?;
        }
        tree.add_bytes(&format!("/{LAUNCH_PATH}"), 0o444, manifest)?;
        tree.ensure_dir(&cwd)
            .with_context(|| format!("--cwd {cwd}"))?;
        Ok(Image { tree, launch })
    }

    /// The program's path in the guest (its `argv[0]`), once checked.
    /// Without `--root` that is its absolute host path; with it, a path in
    /// the root (relative to the working directory), or for a bare name
    /// the first executable of that name on the guest's `PATH` there.
    fn locate(&self, root: &GuestRoot, cwd: &str, environment: &[String]) -> Result<String> {
        if root.is_host() {
            check_program(&self.program)?;
            return self.guest_program();
        }
        let name = self
            .program
            .to_str()
            .ok_or_else(|| anyhow!("{} is not UTF-8", self.program.display()))?;
        let guest = if name.contains('/') {
            initrd::guest_path(&join_path(cwd, name)).map_err(|e| anyhow!(e))?
        } else {
            let path = environment
                .iter()
                .find_map(|v| v.strip_prefix("PATH="))
                .unwrap_or_default();
            path.split(':')
                .filter(|dir| dir.starts_with('/'))
                .map(|dir| join_path(dir, name))
                .find(|candidate| {
                    root.walk(candidate)
                        .is_ok_and(|w| w.meta.is_file() && w.meta.permissions().mode() & 0o111 != 0)
                })
                .ok_or_else(|| {
                    anyhow!(
                        "cannot run {name}: it is not on the PATH{} ({path})",
                        root.shown()
                    )
                })?
        };
        let walked = root.walk(&guest).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                anyhow!("cannot run {guest}: no such file{}", root.shown())
            }
            _ => anyhow!("cannot run {guest}{}: {e}", root.shown()),
        })?;
        check_program(&root.host_path(&walked.path))?;
        Ok(guest)
    }

    /// Packs the image into a temporary file. A `program` that is an image
    /// `sole build` wrote is booted as it is, or, if the arguments,
    /// `--env`, `--cwd` or flags change its manifest, as a copy with a new
    /// one.
    pub fn pack(&self) -> Result<Initrd> {
        if self.root.is_none() {
            match disk::kind_of(&self.program) {
                ImageKind::Disk => return self.pack_disk(),
                ImageKind::Initrd if built::looks_like_image(&self.program) => {
                    return self.pack_built();
                }
                _ => {}
            }
        }
        let image = self.image()?;
        let mut file = tempfile::Builder::new()
            .prefix("sole-initrd-")
            .suffix(".cpio")
            .tempfile()
            .context("cannot create a temporary file for the initrd")?;
        let size = image.tree.write(file.as_file_mut())?;
        Ok(Initrd {
            path: file.path().to_path_buf(),
            file: Some(file),
            size,
            notes: image.tree.notes().to_vec(),
            disk: None,
        })
    }

    /// Writes the image to `out` in `format` (through a temporary file
    /// beside it, so `out` is either the old file or the whole new one);
    /// returns its size and what packing left out.
    pub fn build(&self, out: &Path, format: ImageFormat) -> Result<Built> {
        let image = self.image()?;
        let dir = match out.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let mut file = tempfile::Builder::new()
            .prefix(".sole-image-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write {}", out.display()))?;
        let (size, stats) = match format {
            ImageFormat::Initrd => (image.tree.write(file.as_file_mut())?, None),
            ImageFormat::Disk { size } => {
                let stats = disk::build::write_image(&image.tree, file.path(), size)?;
                (stats.size, Some(stats))
            }
        };
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o644))?;
        file.persist(out)
            .with_context(|| format!("cannot write {}", out.display()))?;
        Ok(Built {
            size,
            disk: stats,
            notes: image.tree.notes().to_vec(),
        })
    }

    /// The manifest `launch` with this command line's changes: arguments
    /// after IMAGE replace the built ones, `--env` replaces or adds
    /// variables, `--cwd` replaces the directory, reporting flags are
    /// turned on.
    fn with_overrides(&self, launch: &Launch) -> Result<Launch> {
        let mut launch = launch.clone();
        if !self.args.is_empty() {
            launch.argv.truncate(1);
            launch
                .argv
                .extend(self.args.iter().map(|a| a.clone().into_bytes()));
        }
        for var in &self.env {
            let setting = var.to_string().into_bytes();
            let prefix = format!("{}=", var.key).into_bytes();
            match launch.env.iter_mut().find(|e| e.starts_with(&prefix)) {
                Some(slot) => *slot = setting,
                None => launch.env.push(setting),
            }
        }
        if self.cwd.is_some() {
            launch.cwd = self.guest_cwd()?;
        }
        let flags = &mut launch.flags;
        flags.strace |= self.flags.strace;
        flags.syscall_summary |= self.flags.syscall_summary;
        flags.trace_missing |= self.flags.trace_missing;
        Ok(launch)
    }

    /// What boots a disk image: the image itself as the guest's disk (its
    /// root, `root=disk`), and an initrd holding only the manifest, with
    /// this command line's changes, as `.sole/launch`. `--add` is refused:
    /// files go into a disk image with `sole cp`.
    fn pack_disk(&self) -> Result<Initrd> {
        let shown = self.program.display();
        if let Some(add) = self.adds.first() {
            bail!(
                "--add {}: {shown} is a disk image; copy files into it with \
                 `sole cp {} {shown}:/PATH` (or add them when building it)",
                add.src.display(),
                add.src.display(),
            );
        }
        let launch = {
            let mut image = DiskImage::open(&self.program, false)?;
            image.launch()?
        };
        let launch = self.with_overrides(&launch)?;
        let manifest = launch::encode(&launch).map_err(|e| anyhow!("{e}"))?;
        let mut writer = rootfs::cpio::Writer::new();
        writer.add_file(LAUNCH_PATH, 0o444, &manifest)?;
        let archive = writer.finish()?;
        let mut file = tempfile::Builder::new()
            .prefix("sole-manifest-")
            .suffix(".cpio")
            .tempfile()
            .context("cannot create a temporary file for the manifest")?;
        std::io::Write::write_all(file.as_file_mut(), &archive)
            .context("cannot write the manifest")?;
        Ok(Initrd {
            path: file.path().to_path_buf(),
            file: Some(file),
            size: archive.len() as u64,
            notes: Vec::new(),
            disk: Some(self.program.clone()),
        })
    }

    /// The initrd for a built image and this command line.
    fn pack_built(&self) -> Result<Initrd> {
        let image = BuiltImage::open(&self.program)?;
        let shown = self.program.display();
        if let Some(add) = self.adds.first() {
            bail!(
                "--add {}: {shown} is a built image; add files when building it",
                add.src.display()
            );
        }
        let launch = self.with_overrides(&image.launch)?;
        if launch == image.launch {
            let size = fs::metadata(&self.program)
                .with_context(|| format!("cannot read {shown}"))?
                .len();
            return Ok(Initrd {
                file: None,
                path: self.program.clone(),
                size,
                notes: Vec::new(),
                disk: None,
            });
        }
        let mut file = tempfile::Builder::new()
            .prefix("sole-initrd-")
            .suffix(".cpio")
            .tempfile()
            .context("cannot create a temporary file for the initrd")?;
        let size = image.write_with(&launch, file.as_file_mut())?;
        Ok(Initrd {
            path: file.path().to_path_buf(),
            file: Some(file),
            size,
            notes: Vec::new(),
            disk: None,
        })
    }
}

/// A packed initrd (a temporary file, removed when dropped) or a built
/// image booted as it is.
#[derive(Debug)]
pub struct Initrd {
    file: Option<tempfile::NamedTempFile>,
    path: PathBuf,
    size: u64,
    notes: Vec<String>,
    /// A disk image to boot from (`root=disk`): the initrd then holds only
    /// the manifest.
    disk: Option<PathBuf>,
}

impl Initrd {
    /// The disk image the guest's root is on, if it boots from one.
    pub fn disk(&self) -> Option<&Path> {
        self.disk.as_deref()
    }

    /// Sets up `options` to boot this: the initrd, the root disk if any
    /// (refused with a `--disk` of the user's: the image is the disk), and
    /// the memory (see [`memory_for`], with `requested` the user's
    /// `--mem`).
    pub fn boot_into(
        &self,
        options: &mut crate::run::BootOptions,
        requested: Option<MemSize>,
    ) -> Result<()> {
        if let Some(disk) = &self.disk {
            if let Some(other) = &options.disk {
                bail!(
                    "--disk {}: {} is a disk image and is attached as the disk itself",
                    other.display(),
                    disk.display()
                );
            }
            options.disk = Some(disk.clone());
            options.root_disk = true;
        }
        options.mem = memory_for(self.size, requested)?;
        options.initrd = Some(self.path.clone());
        Ok(())
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether it is a temporary file (removed when dropped).
    pub fn is_temporary(&self) -> bool {
        self.file.is_some()
    }

    /// What packing left out and why.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// ELF identification (System V ABI, "ELF Header"): magic, class, data.
const ELF_MAGIC: &[u8; 4] = b"\x7fELF";
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;

/// Checks that `path` is a program Sole can run: an executable regular file
/// holding a 64-bit little-endian x86-64 ELF executable or shared object
/// (PIE). Returns its metadata.
pub fn check_program(path: &Path) -> Result<Metadata> {
    let shown = path.display();
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hint = on_path(path)
                .map(|found| format!(" (did you mean {}?)", found.display()))
                .unwrap_or_default();
            bail!("cannot run {shown}: no such file{hint}");
        }
        Err(e) => return Err(e).with_context(|| format!("cannot run {shown}")),
    };
    if meta.is_dir() {
        bail!("cannot run {shown}: it is a directory");
    }
    if !meta.is_file() {
        bail!("cannot run {shown}: it is not a regular file");
    }
    let mut header = [0u8; 20];
    let read = File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut header))
        .with_context(|| format!("cannot read {shown}"))?;
    let header = &header[..read];
    if !header.starts_with(ELF_MAGIC) {
        let hint = if header.starts_with(b"#!") {
            " (it is a script: run its interpreter, with the script added by --add)"
        } else {
            ""
        };
        bail!("cannot run {shown}: not an ELF executable{hint}");
    }
    if header.len() < 20 {
        bail!("cannot run {shown}: not an ELF executable (the header is truncated)");
    }
    if header[4] != ELFCLASS64 || header[5] != ELFDATA2LSB {
        bail!(
            "cannot run {shown}: it is not a 64-bit x86-64 program; Sole runs x86-64 Linux programs"
        );
    }
    let e_type = u16::from_le_bytes([header[16], header[17]]);
    let e_machine = u16::from_le_bytes([header[18], header[19]]);
    if e_machine != EM_X86_64 {
        bail!(
            "cannot run {shown}: it is an ELF file for another machine (e_machine {e_machine}); Sole runs x86-64 Linux programs"
        );
    }
    if e_type != ET_EXEC && e_type != ET_DYN {
        bail!("cannot run {shown}: it is an ELF file but not an executable (e_type {e_type})");
    }
    if meta.permissions().mode() & 0o111 == 0 {
        bail!(
            "cannot run {shown}: it is not executable (mode {:04o}); chmod +x it first",
            meta.permissions().mode() & 0o7777
        );
    }
    Ok(meta)
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// For a bare name that is not a file here (`ls`), the program of that name
/// on the host's `PATH`, to suggest.
fn on_path(name: &Path) -> Option<PathBuf> {
    let mut components = name.components();
    let only = components.next()?;
    if components.next().is_some() || !matches!(only, std::path::Component::Normal(_)) {
        return None;
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Room a `--mem` the user chose must leave beyond the initrd. Unpacked into
/// the kernel's tmpfs, the files are in memory twice until the kernel frees
/// the archive, but a user who asks for less may know what their program
/// needs; this much at least lets the kernel boot and report.
/// The kernel's own memory (image, page tables, heap): what a requested
/// `--mem` needs beyond the archive and its unpacked copy. The kernel frees
/// the archive once it is unpacked, so the peak is twice the archive plus
/// this; `sole bench` measures the real minimum.
const MIN_HEADROOM_MIB: u64 = 2;

/// The default memory with an initrd needs room for the archive, its
/// unpacked copy and the program: twice the archive plus this.
const DEFAULT_HEADROOM_MIB: u64 = 64;

/// The guest memory to boot with: `requested` if it leaves room for the
/// initrd (twice its size plus 2 MiB), else an error; without a
/// request, the larger of the usual default and twice the initrd plus
/// 64 MiB, rounded up to a multiple of 64 MiB.
pub fn memory_for(initrd_bytes: u64, requested: Option<MemSize>) -> Result<MemSize> {
    let initrd_mib = initrd_bytes.div_ceil(1 << 20);
    if let Some(mem) = requested {
        let least = (2 * initrd_bytes).div_ceil(1 << 20) + MIN_HEADROOM_MIB;
        if u64::from(mem.mib()) < least {
            bail!(
                "--mem {mem} is too small: the program and its files take {initrd_mib} MiB, \
                 so the guest needs at least {least} MiB (without --mem, sole picks enough)"
            );
        }
        return Ok(mem);
    }
    let want = (2 * initrd_mib + DEFAULT_HEADROOM_MIB).div_ceil(64) * 64;
    let mib = want.max(u64::from(MemSize::default().mib()));
    u32::try_from(mib)
        .ok()
        .and_then(MemSize::from_mib)
        .ok_or_else(|| anyhow!("the program and its files ({initrd_mib} MiB) are too large"))
}

pub mod deps;
pub mod ldconfig;
pub mod root;

#[cfg(test)]
mod tests;
