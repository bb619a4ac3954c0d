//! The two systems a workload runs on, under the same QEMU, machine type,
//! accelerator, CPU model and memory: Sole (the program packed as `sole run`
//! packs it) and a Linux guest (the same files in an initramfs, the program
//! run as `/init`'s child with the same arguments). Both end with Sole's exit
//! marker on the console, so one boot function reads both. A workload on a
//! disk gets one made afresh before every boot ([`super::disk`]).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use super::disk::{self, FreshDisk};
use super::linux::{self, LinuxKernel};
use super::modules;
use super::workloads::Program;
use crate::mem_size::MemSize;
use crate::program::{Initrd, ProgramSpec};
use crate::qemu::{Accel, Machine, VmConfig};
use crate::run::{self, Boot, BootOptions};

/// A system measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum System {
    /// The Sole kernel.
    Sole,
    /// The Linux guest.
    Linux,
}

impl System {
    /// Its column name.
    pub fn name(self) -> &'static str {
        match self {
            System::Sole => "Sole",
            System::Linux => "Linux",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What every VM of a session shares; a workload chooses its vCPUs (and
/// whether it may be instruction-counted) with [`Shape`].
#[derive(Debug, Clone)]
pub struct Host {
    /// The QEMU binary.
    pub qemu: PathBuf,
    /// The machine type.
    pub machine: Machine,
    /// The accelerator.
    pub accel: Accel,
    /// Count instructions for guest time (where the workload allows it).
    pub icount: bool,
    /// The Sole kernel, where QEMU can read it.
    pub sole_kernel: PathBuf,
}

/// What one workload's VMs have of their own, the same for both systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// vCPUs.
    pub cpus: u16,
    /// Count instructions for guest time; only if the host does.
    pub icount: bool,
}

/// The guest's initrd, kept on disk until the guest is dropped.
#[derive(Debug)]
enum InitrdFile {
    Sole(Initrd),
    Linux(tempfile::NamedTempFile),
}

impl InitrdFile {
    fn path(&self) -> &Path {
        match self {
            InitrdFile::Sole(initrd) => initrd.path(),
            InitrdFile::Linux(file) => file.path(),
        }
    }
}

/// A program packed for one system, ready to boot as often as needed.
#[derive(Debug)]
pub struct Guest {
    /// The system.
    pub system: System,
    /// The VM (its memory is set per boot).
    pub config: VmConfig,
    /// Bytes of the kernel image.
    pub kernel_bytes: u64,
    /// Bytes of the initrd (Sole) or initramfs (Linux).
    pub initrd_bytes: u64,
    initrd: InitrdFile,
    disk: Option<GuestDisk>,
}

/// The disk a guest boots with, made afresh before every boot.
#[derive(Debug)]
struct GuestDisk {
    fresh: FreshDisk,
    /// Where it is written: in `_dir`, removed with the guest.
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl GuestDisk {
    fn new(fresh: FreshDisk) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("sole-bench-disk-")
            .tempdir()?;
        Ok(Self {
            fresh,
            path: dir.path().join("disk.img"),
            _dir: dir,
        })
    }
}

impl Host {
    /// The shape of the VMs for `program`: its vCPUs, and instruction
    /// counting if the host does it and the program allows it
    /// ([`Program::wall_clock`]).
    pub fn shape(&self, program: &Program) -> Shape {
        Shape {
            cpus: program.cpus,
            icount: self.icount && !program.wall_clock(),
        }
    }

    fn config(&self, kernel: PathBuf, append: String, initrd: &Path, shape: Shape) -> VmConfig {
        VmConfig {
            machine: self.machine,
            accel: self.accel,
            mem: MemSize::default(),
            cpus: shape.cpus,
            icount: shape.icount,
            kernel,
            append,
            initrd: Some(initrd.to_path_buf()),
            disk: None,
        }
    }

    /// `program` packed for Sole, as `sole run` packs it; with `disk_files`
    /// (a [`disk::disk_files`] directory), on a disk image as `sole build`
    /// writes it, with those files in [`disk::MOUNT`] too, booted as `sole
    /// run IMAGE` boots it.
    pub fn sole(
        &self,
        program: &ProgramSpec,
        shape: Shape,
        disk_files: Option<&Path>,
    ) -> Result<Guest> {
        let Some(disk_files) = disk_files else {
            let initrd = program.pack()?;
            let append = BootOptions {
                initrd: Some(initrd.path().to_path_buf()),
                ..BootOptions::default()
            }
            .kernel_command_line()?;
            return Ok(Guest {
                system: System::Sole,
                config: self.config(self.sole_kernel.clone(), append, initrd.path(), shape),
                kernel_bytes: crate::KERNEL_ELF.len() as u64,
                initrd_bytes: initrd.size(),
                initrd: InitrdFile::Sole(initrd),
                disk: None,
            });
        };
        let disk = GuestDisk::new(FreshDisk::rootfs(program.image()?.tree, disk_files)?)?;
        disk.fresh.make(&disk.path)?;
        // The manifest, which every fresh image holds alike.
        let initrd = ProgramSpec {
            program: disk.path.clone(),
            ..ProgramSpec::default()
        }
        .pack()?;
        let mut options = BootOptions::default();
        initrd.boot_into(&mut options, None)?;
        let append = options.kernel_command_line()?;
        Ok(Guest {
            system: System::Sole,
            config: self.config(self.sole_kernel.clone(), append, initrd.path(), shape),
            kernel_bytes: crate::KERNEL_ELF.len() as u64,
            initrd_bytes: initrd.size(),
            initrd: InitrdFile::Sole(initrd),
            disk: Some(disk),
        })
    }

    /// `program` as the child of `init` in an initramfs for `kernel`, with
    /// the files Sole's initrd has; with `disk_files` (a
    /// [`disk::disk_files`] directory), and an ext4 disk holding those
    /// files that `init` mounts at [`disk::MOUNT`].
    pub fn linux(
        &self,
        kernel: &LinuxKernel,
        init: &Path,
        program: &ProgramSpec,
        shape: Shape,
        disk_files: Option<&Path>,
    ) -> Result<Guest> {
        let init =
            std::fs::read(init).with_context(|| format!("cannot read {}", init.display()))?;
        let mut tree = linux::initramfs(&init, program.image()?)?;
        let disk = match disk_files {
            Some(disk_files) => {
                let modules = match &kernel.modules {
                    Some(dir) => modules::disk_modules(dir)?,
                    None => Vec::new(),
                };
                linux::add_disk(&mut tree, &modules, disk::MOUNT)?;
                Some(GuestDisk::new(FreshDisk::ext4(disk_files)?)?)
            }
            None => None,
        };
        let mut file = tempfile::Builder::new()
            .prefix("sole-bench-initramfs-")
            .suffix(".cpio")
            .tempfile()?;
        let initrd_bytes = tree.write(file.as_file_mut())?;
        let kernel_bytes = std::fs::metadata(&kernel.path)
            .with_context(|| format!("cannot read {}", kernel.path.display()))?
            .len();
        Ok(Guest {
            system: System::Linux,
            config: self.config(
                kernel.path.clone(),
                linux::COMMAND_LINE.into(),
                file.path(),
                shape,
            ),
            kernel_bytes,
            initrd_bytes,
            initrd: InitrdFile::Linux(file),
            disk,
        })
    }

    /// Boots `guest` with `mem` (and a fresh disk, if it has one); fails
    /// if the boot does not finish within `timeout` or QEMU fails.
    pub fn boot(&self, guest: &Guest, mem: MemSize, timeout: Duration) -> Result<Boot> {
        if let Some(disk) = &guest.disk {
            disk.fresh.make(&disk.path)?;
        }
        let config = VmConfig {
            mem,
            initrd: Some(guest.initrd.path().to_path_buf()),
            disk: guest.disk.as_ref().map(|d| d.path.clone()),
            ..guest.config.clone()
        };
        run::boot_vm(
            &self.qemu,
            &config,
            Some(timeout),
            Box::new(std::io::sink()),
        )
    }
}
