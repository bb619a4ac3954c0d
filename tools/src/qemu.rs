//! Finding `qemu-system-x86_64` and writing its command line for a Sole VM:
//! which machine, which accelerator, how much memory, how many CPUs, and the
//! devices the kernel's host protocol relies on (COM1 on stdio, the
//! isa-debug-exit port), and a virtio-blk disk when one is attached.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use crate::mem_size::MemSize;

/// The QEMU binary `sole` drives.
pub const QEMU_BINARY: &str = "qemu-system-x86_64";

/// The I/O port of QEMU's isa-debug-exit device: the kernel writes its exit
/// status there, and QEMU exits with `(status << 1) | 1`.
pub const DEBUG_EXIT_PORT: u16 = 0xf4;

/// A QEMU machine type that can boot the kernel (PVH entry via `-kernel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Machine {
    /// A modern PC (ICH9, PCIe) with SeaBIOS: the most compatible choice.
    #[default]
    Q35,
    /// QEMU's minimal machine (no PCI by default, qboot firmware): the
    /// quickest to start.
    Microvm,
}

impl Machine {
    /// The name QEMU's `-M` takes.
    pub fn qemu_name(self) -> &'static str {
        match self {
            Machine::Q35 => "q35",
            Machine::Microvm => "microvm",
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.qemu_name())
    }
}

/// How QEMU executes guest code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    /// Hardware virtualization through `/dev/kvm`.
    Kvm,
    /// QEMU's portable binary translator.
    Tcg,
}

impl Accel {
    /// The name QEMU's `-accel` takes.
    pub fn qemu_name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }

    /// The `-cpu` model for this accelerator: the host CPU under KVM, every
    /// feature TCG can emulate otherwise.
    ///
    /// Under KVM the `arch-capabilities` feature (IA32_ARCH_CAPABILITIES,
    /// Intel SDM vol. 4, MSR 0x10a) is left out: some nested or emulated KVMs
    /// advertise it but refuse QEMU's write of the MSR, and QEMU then aborts
    /// ("failed to set MSR 0x10a"). The kernel never reads it.
    pub fn cpu_model(self) -> &'static str {
        match self {
            Accel::Kvm => "host,-arch-capabilities",
            Accel::Tcg => "max",
        }
    }
}

impl fmt::Display for Accel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Accel::Kvm => "KVM",
            Accel::Tcg => "TCG",
        })
    }
}

/// Finds `qemu-system-x86_64` on `PATH`.
pub fn find_qemu() -> Result<PathBuf> {
    find_in_path(QEMU_BINARY, std::env::var_os("PATH")).ok_or_else(|| {
        anyhow::anyhow!("{QEMU_BINARY} not found; install it with: apt-get install qemu-system-x86")
    })
}

/// The first executable file called `name` in the directories of `path`.
fn find_in_path(name: &str, path: Option<OsString>) -> Option<PathBuf> {
    std::env::split_paths(&path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Everything that decides a QEMU command line for one VM.
#[derive(Debug, Clone)]
pub struct VmConfig {
    /// The machine type.
    pub machine: Machine,
    /// The accelerator.
    pub accel: Accel,
    /// Guest memory.
    pub mem: MemSize,
    /// Number of vCPUs (1..=255).
    pub cpus: u16,
    /// Count instructions for guest time (`-icount shift=0,sleep=off`): one
    /// instruction is one nanosecond, so timings do not depend on host load.
    pub icount: bool,
    /// The PVH kernel image.
    pub kernel: PathBuf,
    /// The kernel command line (space-separated words); empty for none.
    pub append: String,
    /// The initrd (`-initrd`), which QEMU loads into guest memory and names
    /// in the PVH start info as the first module.
    pub initrd: Option<PathBuf>,
    /// A raw disk image attached as a virtio-blk device (PCI on q35,
    /// virtio-mmio on microvm, where QEMU names it on the kernel command
    /// line).
    pub disk: Option<PathBuf>,
}

/// The `-drive` id of the disk.
const DISK_ID: &str = "disk0";

impl Machine {
    /// The virtio-blk device model for this machine's transport.
    fn virtio_blk_device(self) -> &'static str {
        match self {
            Machine::Q35 => "virtio-blk-pci",
            Machine::Microvm => "virtio-blk-device",
        }
    }
}

/// `file=PATH` for `-drive`: QEMU's option syntax ends a value at a comma,
/// and takes a doubled comma as one.
fn drive_file(path: &Path) -> OsString {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let mut value = b"file=".to_vec();
    for &b in path.as_os_str().as_bytes() {
        value.push(b);
        if b == b',' {
            value.push(b',');
        }
    }
    OsString::from_vec(value)
}

impl VmConfig {
    /// The arguments after the QEMU binary's name.
    pub fn args(&self) -> Result<Vec<OsString>> {
        if !(1..=255).contains(&self.cpus) {
            bail!("{} CPUs requested; Sole supports 1 to 255", self.cpus);
        }
        if self.icount && self.accel != Accel::Tcg {
            bail!("instruction counting (--icount) needs TCG; it cannot be used with KVM");
        }
        let mut args: Vec<OsString> = Vec::new();
        let mut push = |words: &[&str]| args.extend(words.iter().map(OsString::from));
        push(&["-M", self.machine.qemu_name()]);
        push(&["-accel", self.accel.qemu_name()]);
        push(&["-cpu", self.accel.cpu_model()]);
        push(&["-m", &format!("{}M", self.mem.mib())]);
        push(&["-smp", &self.cpus.to_string()]);
        // Only the devices named here: no NIC, VGA, floppy or parallel port
        // for the kernel to trip over, and no window.
        push(&["-nodefaults", "-display", "none"]);
        // A reset (triple fault, or the kernel's fallback when it has no
        // isa-debug-exit) ends QEMU instead of rebooting the kernel forever.
        push(&["-no-reboot"]);
        push(&["-serial", "stdio"]);
        push(&[
            "-device",
            &format!("isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"),
        ]);
        if self.icount {
            push(&["-icount", "shift=0,sleep=off"]);
        }
        args.push("-kernel".into());
        args.push(self.kernel.clone().into_os_string());
        if !self.append.is_empty() {
            args.extend(["-append".into(), self.append.clone().into()]);
        }
        if let Some(initrd) = &self.initrd {
            args.push("-initrd".into());
            args.push(initrd.clone().into_os_string());
        }
        if let Some(disk) = &self.disk {
            let mut drive = drive_file(disk);
            drive.push(format!(",format=raw,if=none,id={DISK_ID}"));
            args.extend([
                "-drive".into(),
                drive,
                "-device".into(),
                format!("{},drive={DISK_ID}", self.machine.virtio_blk_device()).into(),
            ]);
        }
        Ok(args)
    }

    /// A ready-to-spawn command running `qemu` with these arguments.
    pub fn command(&self, qemu: &Path) -> Result<Command> {
        let mut cmd = Command::new(qemu);
        cmd.args(self.args()?);
        Ok(cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> VmConfig {
        VmConfig {
            machine: Machine::Q35,
            accel: Accel::Tcg,
            mem: MemSize::default(),
            cpus: 2,
            icount: false,
            kernel: PathBuf::from("/cache/kernel.elf"),
            append: "log=info selftest".into(),
            initrd: None,
            disk: None,
        }
    }

    fn joined(config: &VmConfig) -> String {
        config
            .args()
            .unwrap()
            .iter()
            .map(|a| a.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn tcg_q35_command_line() {
        assert_eq!(
            joined(&config()),
            "-M q35 -accel tcg -cpu max -m 128M -smp 2 -nodefaults -display none -no-reboot \
             -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
             -kernel /cache/kernel.elf -append log=info selftest"
        );
    }

    #[test]
    fn kvm_microvm_with_icount_is_refused_but_tcg_gets_it() {
        let mut c = config();
        c.machine = Machine::Microvm;
        c.accel = Accel::Kvm;
        c.append.clear();
        let args = joined(&c);
        assert!(args.starts_with("-M microvm -accel kvm -cpu host,-arch-capabilities "));
        assert!(!args.contains("-append"), "{args}");

        c.icount = true;
        let err = c.args().unwrap_err().to_string();
        assert!(err.contains("needs TCG"), "{err}");
        c.accel = Accel::Tcg;
        assert!(joined(&c).contains(" -icount shift=0,sleep=off "));
    }

    #[test]
    fn the_initrd_comes_last() {
        let mut c = config();
        c.initrd = Some(PathBuf::from("/tmp/sole-initrd-x.cpio"));
        assert!(
            joined(&c).ends_with(
                " -kernel /cache/kernel.elf -append log=info selftest \
                 -initrd /tmp/sole-initrd-x.cpio"
            ),
            "{}",
            joined(&c)
        );
    }

    #[test]
    fn a_disk_is_virtio_blk_on_pci_or_mmio() {
        let mut c = config();
        c.disk = Some(PathBuf::from("/tmp/disk.img"));
        assert!(
            joined(&c).ends_with(
                " -drive file=/tmp/disk.img,format=raw,if=none,id=disk0 \
                 -device virtio-blk-pci,drive=disk0"
            ),
            "{}",
            joined(&c)
        );
        c.machine = Machine::Microvm;
        c.initrd = Some(PathBuf::from("/tmp/i.cpio"));
        assert!(
            joined(&c).ends_with(
                " -initrd /tmp/i.cpio -drive file=/tmp/disk.img,format=raw,if=none,id=disk0 \
                 -device virtio-blk-device,drive=disk0"
            ),
            "{}",
            joined(&c)
        );
        assert!(!joined(&config()).contains("-drive"));
    }

    #[test]
    fn commas_in_the_disk_path_are_doubled() {
        let mut c = config();
        c.disk = Some(PathBuf::from("/tmp/a,b.img"));
        assert!(
            joined(&c).contains(" -drive file=/tmp/a,,b.img,format=raw,if=none,id=disk0 "),
            "{}",
            joined(&c)
        );
    }

    #[test]
    fn cpu_count_is_checked() {
        let mut c = config();
        c.cpus = 0;
        assert!(c.args().is_err());
        c.cpus = 256;
        assert!(c.args().is_err());
        c.cpus = 255;
        assert!(c.args().is_ok());
    }

    #[test]
    fn finds_only_executable_files_on_the_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (plain, exec) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&plain).unwrap();
        std::fs::create_dir_all(&exec).unwrap();
        std::fs::write(plain.join("tool"), "").unwrap();
        std::fs::write(exec.join("tool"), "").unwrap();
        std::fs::set_permissions(exec.join("tool"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let path = std::env::join_paths([&plain, &exec]).unwrap();
        assert_eq!(find_in_path("tool", Some(path)), Some(exec.join("tool")));
        let path = std::env::join_paths([&plain]).unwrap();
        assert_eq!(find_in_path("tool", Some(path)), None);
        assert_eq!(find_in_path("tool", None), None);
    }
}
