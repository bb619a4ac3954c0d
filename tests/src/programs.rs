//! Building the small C programs in `tests/programs/` and running them in
//! Sole: static with musl (`musl-gcc -static`) and glibc (`gcc -static
//! -no-pie`), static-PIE with glibc (`gcc -static-pie`), and dynamically
//! linked with glibc (plain `gcc`).

use sole::program::{ImageFormat, ProgramSpec};
use sole::run::{Boot, BootOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How a test program is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    MuslStatic,
    GlibcStatic,
    GlibcStaticPie,
    /// A PIE with `PT_INTERP` (`ld-linux-x86-64.so.2`) and `libc.so.6`,
    /// built with `-DSOLE_DYNAMIC` so that a test can tell.
    GlibcDynamic,
}

impl Variant {
    /// The static variants: ET_EXEC with both libcs, and static-PIE
    /// (ET_DYN placed by the kernel) with glibc. A test that wants
    /// [`Variant::GlibcDynamic`] too names it.
    pub const ALL: [Variant; 3] = [
        Variant::MuslStatic,
        Variant::GlibcStatic,
        Variant::GlibcStaticPie,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::MuslStatic => "musl-static",
            Variant::GlibcStatic => "glibc-static",
            Variant::GlibcStaticPie => "glibc-static-pie",
            Variant::GlibcDynamic => "glibc-dynamic",
        }
    }

    /// The C compiler.
    pub fn compiler(self) -> &'static str {
        self.toolchain().0
    }

    /// What makes the variant, given to the compiler before the common
    /// flags: how it links (`-static`, `-static-pie`, nothing for the
    /// default dynamic PIE) and the macro a dynamic build defines.
    pub fn flags(self) -> &'static [&'static str] {
        self.toolchain().1
    }

    /// The Debian packages that provide the compiler and its C library.
    pub fn packages(self) -> &'static str {
        self.toolchain().2
    }

    /// Whether the program carries its C library (no `PT_INTERP`).
    pub fn is_static(self) -> bool {
        self != Variant::GlibcDynamic
    }

    fn toolchain(self) -> (&'static str, &'static [&'static str], &'static str) {
        match self {
            Variant::MuslStatic => ("musl-gcc", &["-static"], "musl-tools"),
            Variant::GlibcStatic => ("gcc", &["-static", "-no-pie"], "gcc and libc6-dev"),
            Variant::GlibcStaticPie => ("gcc", &["-static-pie"], "gcc and libc6-dev"),
            Variant::GlibcDynamic => ("gcc", &["-DSOLE_DYNAMIC"], "gcc and libc6-dev"),
        }
    }
}

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        Self::new_in(&std::env::temp_dir(), name)
    }

    /// A scratch directory on a tmpfs (`/dev/shm`) when the host has one,
    /// so file and directory sizes compare with Sole's tmpfs root.
    pub fn on_tmpfs(name: &str) -> Self {
        let shm = Path::new("/dev/shm");
        Self::new_in(if shm.is_dir() { shm } else { Path::new("/tmp") }, name)
    }

    pub fn new_in(base: &Path, name: &str) -> Self {
        let dir = base.join(format!("sole-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `tests/programs/NAME.c`.
pub fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("programs")
        .join(format!("{name}.c"))
}

/// Compiles `src` into `dir`; panics naming the package to install when
/// the compiler is missing (`cargo xtask setup` installs it).
pub fn compile(src: &Path, variant: Variant, dir: &Path) -> PathBuf {
    let (cc, flags, package) = variant.toolchain();
    let stem = src
        .file_stem()
        .expect("a source file name")
        .to_string_lossy();
    let out = dir.join(format!("{stem}-{}", variant.name()));
    let result = Command::new(cc)
        .args(flags)
        .args(["-O1", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg("-o")
        .arg(&out)
        .arg(src)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {cc} ({e}); install {package} (`cargo xtask setup`)")
        });
    assert!(
        result.status.success(),
        "{cc} {} {} failed:\n{}",
        flags.join(" "),
        src.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Runs `program` in Sole with TCG and returns what happened.
/// `program` with `args`, the rest as `sole run` defaults it.
pub fn spec(program: PathBuf, args: &[&str]) -> ProgramSpec {
    ProgramSpec {
        program,
        args: args.iter().map(|a| a.to_string()).collect(),
        ..ProgramSpec::default()
    }
}

pub fn run(spec: ProgramSpec) -> Boot {
    run_with(spec, BootOptions::default())
}

/// Like `run`, with boot options (machine, log level...).
pub fn run_with(spec: ProgramSpec, options: BootOptions) -> Boot {
    let initrd = spec.pack().expect("the program packs");
    let options = BootOptions {
        initrd: Some(initrd.path().to_path_buf()),
        mem: sole::program::memory_for(initrd.size(), None).expect("memory for the initrd"),
        ..options
    };
    crate::boot_tcg(options)
}

/// `sole build -o IMAGE`: `spec` written into a disk image (its default
/// size); returns `image`.
pub fn build_image(spec: &ProgramSpec, image: &Path) -> PathBuf {
    let built = spec
        .build(image, ImageFormat::Disk { size: None })
        .unwrap_or_else(|e| panic!("sole build -o {} failed: {e:#}", image.display()));
    assert!(built.disk.is_some(), "{} is a disk image", image.display());
    image.to_path_buf()
}

/// `sole run IMAGE ARGS...` with TCG and `options` (its disk and memory
/// are the image's): the image is the guest's root disk, `args` (if any)
/// replace the built arguments.
pub fn run_image_with(image: &Path, args: &[&str], options: BootOptions) -> Boot {
    let initrd = ProgramSpec {
        program: image.to_path_buf(),
        args: args.iter().map(|a| a.to_string()).collect(),
        ..ProgramSpec::default()
    }
    .pack()
    .expect("the image's manifest is read");
    assert_eq!(initrd.disk(), Some(image), "booted from the disk image");
    let mut options = options;
    initrd
        .boot_into(&mut options, None)
        .expect("boot options for the image");
    crate::boot_tcg(options)
}

/// An executable holding only the ELF header of an x86-64 program: it
/// passes `sole run`'s checks, and the kernel's loader must refuse it.
pub fn fake_program(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let mut header = vec![0u8; 64];
    header[..7].copy_from_slice(b"\x7fELF\x02\x01\x01");
    header[16] = 2; // ET_EXEC
    header[18] = 62; // EM_X86_64
    let path = dir.join("prog");
    std::fs::write(&path, header).expect("write the program");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}
