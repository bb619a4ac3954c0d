//! What `sole run PROGRAM [ARGS...]` hands the kernel: the program, the
//! files and trees named by `--add`, and the launch manifest (command line,
//! environment, working directory, reporting flags; see `loader::launch`),
//! packed into an initrd in a temporary file; and how much guest memory that
//! needs.

use std::fmt;
use std::fs::{self, File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, anyhow, bail};
use loader::launch::{self, LAUNCH_PATH, Launch, LaunchFlags};

use crate::initrd::{self, AddSpec, Tree};
use crate::mem_size::MemSize;

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
    /// The program's host path, as given (relative or absolute).
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
    /// What the kernel reports.
    pub flags: LaunchFlags,
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
    /// The program's path in the guest: its absolute host path.
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

    /// Checks the program and gathers everything the initrd will hold
    /// (metadata only; contents are read when it is written).
    pub fn image(&self) -> Result<Image> {
        let meta = check_program(&self.program)?;
        let program = self.guest_program()?;
        let cwd = self.guest_cwd()?;
        let mut argv = vec![program.clone().into_bytes()];
        argv.extend(self.args.iter().map(|a| a.clone().into_bytes()));
        let launch = Launch {
            argv,
            env: self
                .environment()
                .into_iter()
                .map(String::into_bytes)
                .collect(),
            cwd: cwd.clone(),
            flags: self.flags,
        };
        let manifest = launch::encode(&launch).map_err(|e| anyhow!("{e}"))?;

        let mut tree = Tree::new();
        for add in &self.adds {
            let dest = match &add.dest {
                Some(dest) => dest.clone(),
                None => initrd::guest_path_of(&initrd::absolute(&add.src)?)?,
            };
            tree.add_host(&add.src, &dest)
                .with_context(|| format!("--add {}", add.src.display()))?;
        }
        tree.add_host_file(&self.program, &program, &meta)?;
        tree.add_bytes(&format!("/{LAUNCH_PATH}"), 0o444, manifest)?;
        tree.ensure_dir(&cwd)
            .with_context(|| format!("--cwd {cwd}"))?;
        let interp = interpreter(&self.program)
            .with_context(|| format!("cannot read {}", self.program.display()))?;
        if let Some(interp) = interp.filter(|i| !tree.contains(i)) {
            tree.add_note(format!(
                "{} is dynamically linked, and its interpreter {interp} is not in the guest; \
                 add it and the libraries the program loads with --add",
                self.program.display()
            ));
        }
        Ok(Image { tree, launch })
    }

    /// Packs the image into a temporary file.
    pub fn pack(&self) -> Result<Initrd> {
        let image = self.image()?;
        let mut file = tempfile::Builder::new()
            .prefix("sole-initrd-")
            .suffix(".cpio")
            .tempfile()
            .context("cannot create a temporary file for the initrd")?;
        let size = image.tree.write(file.as_file_mut())?;
        Ok(Initrd {
            file,
            size,
            notes: image.tree.notes().to_vec(),
        })
    }
}

/// A packed initrd, removed when dropped.
#[derive(Debug)]
pub struct Initrd {
    file: tempfile::NamedTempFile,
    size: u64,
    notes: Vec<String>,
}

impl Initrd {
    /// Where it is.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.size
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

const PT_INTERP: u32 = 3;

/// The interpreter (`PT_INTERP`, the dynamic linker) a program that
/// [`check_program`] accepted names, if it names one. Only what is needed is
/// read, with every offset checked against what was read.
pub fn interpreter(path: &Path) -> std::io::Result<Option<String>> {
    let mut file = File::open(path)?;
    let mut header = [0u8; 64];
    if read_up_to(&mut file, &mut header)? < header.len() {
        return Ok(None);
    }
    let u16_at = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4"));
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8"));
    let phoff = u64_at(&header, 32);
    let phentsize = usize::from(u16_at(&header, 54));
    let phnum = usize::from(u16_at(&header, 56));
    // An Elf64_Phdr is 56 bytes: p_type at 0, p_offset at 8, p_filesz at
    // 32. A table over 1 MiB is damage, not a program.
    if phentsize < 56 || phnum == 0 || phentsize * phnum > 1 << 20 {
        return Ok(None);
    }
    let mut table = vec![0u8; phentsize * phnum];
    file.seek(SeekFrom::Start(phoff))?;
    let read = read_up_to(&mut file, &mut table)?;
    let Some(phdr) = table[..read]
        .chunks_exact(phentsize)
        .find(|phdr| u32_at(phdr, 0) == PT_INTERP)
    else {
        return Ok(None);
    };
    let (offset, size) = (u64_at(phdr, 8), u64_at(phdr, 32));
    // A path, so at most PATH_MAX bytes.
    let mut name = vec![0u8; usize::try_from(size.min(4096)).expect("at most 4096")];
    file.seek(SeekFrom::Start(offset))?;
    let read = read_up_to(&mut file, &mut name)?;
    let name = &name[..read];
    let name = name.split(|&b| b == 0).next().unwrap_or_default();
    Ok((!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned()))
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
