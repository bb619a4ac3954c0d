//! The kernel command line: space-separated `key=value` words and flags.
//!
//! | word | meaning |
//! |---|---|
//! | `log=error\|warn\|info\|debug\|trace` | console log level (default `warn`) |
//! | `selftest` | run the in-kernel tests and exit with their verdict |
//! | `crash=page-fault\|divide-error\|invalid-opcode\|stack-overflow\|panic` | fault on purpose after boot (tests the fault report) |
//! | `virtio_mmio.device=SIZE@BASE:IRQ` | a virtio-mmio device (QEMU's microvm adds one per device, as for Linux); SIZE takes K/M suffixes, numbers may be hex |
//! | `blktest` | after boot, test the first virtio-blk disk (read the host's block 1, write, flush and read back block 2, write and read back blocks 16 to 207 as runs with many requests in flight) and exit with the verdict |
//! | `root=disk` | the root filesystem is the rootfs on the first virtio-blk disk, mounted read-write; the initrd then only carries the launch manifest |
//! | `noxsave` | save FPU state with FXSAVE (x87 and SSE only) even where XSAVE exists, as Linux's `noxsave` |
//!
//! Unknown words are reported, not ignored silently.

use crate::virtio::MmioDevice;
use log::LevelFilter;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crash {
    PageFault,
    DivideError,
    InvalidOpcode,
    StackOverflow,
    Panic,
}

/// How many `virtio_mmio.device=` words are kept (microvm has 24
/// transports at most).
const MAX_MMIO_DEVICES: usize = 24;

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub log_level: LevelFilter,
    pub selftest: bool,
    pub crash: Option<Crash>,
    pub noxsave: bool,
    pub blktest: bool,
    /// `root=disk`: mount the first virtio-blk disk's rootfs as `/`.
    pub root_disk: bool,
    mmio: [MmioDevice; MAX_MMIO_DEVICES],
    mmio_count: usize,
}

/// A word the kernel did not understand, for the log.
#[derive(Clone, Copy, Debug)]
pub struct Unknown<'a>(pub &'a str);

impl Options {
    pub fn parse(cmdline: &str, mut unknown: impl FnMut(Unknown<'_>)) -> Options {
        let mut o = Options {
            log_level: LevelFilter::Warn,
            selftest: false,
            crash: None,
            noxsave: false,
            blktest: false,
            root_disk: false,
            mmio: [MmioDevice::default(); MAX_MMIO_DEVICES],
            mmio_count: 0,
        };
        for word in cmdline.split_ascii_whitespace() {
            let (key, value) = word
                .split_once('=')
                .map_or((word, None), |(k, v)| (k, Some(v)));
            match (key, value) {
                ("log", Some(v)) => match parse_level(v) {
                    Some(l) => o.log_level = l,
                    None => unknown(Unknown(word)),
                },
                ("selftest", None) => o.selftest = true,
                ("noxsave", None) => o.noxsave = true,
                ("blktest", None) => o.blktest = true,
                ("root", Some("disk")) => o.root_disk = true,
                ("virtio_mmio.device", Some(v)) => match parse_mmio_device(v) {
                    Some(d) if o.mmio_count < MAX_MMIO_DEVICES => {
                        o.mmio[o.mmio_count] = d;
                        o.mmio_count += 1;
                    }
                    _ => unknown(Unknown(word)),
                },
                ("crash", Some(v)) => {
                    o.crash = match v {
                        "page-fault" => Some(Crash::PageFault),
                        "divide-error" => Some(Crash::DivideError),
                        "invalid-opcode" => Some(Crash::InvalidOpcode),
                        "stack-overflow" => Some(Crash::StackOverflow),
                        "panic" => Some(Crash::Panic),
                        _ => {
                            unknown(Unknown(word));
                            None
                        }
                    }
                }
                _ => unknown(Unknown(word)),
            }
        }
        o
    }
}

impl Options {
    /// The virtio-mmio devices the command line named.
    pub fn mmio_devices(&self) -> &[MmioDevice] {
        &self.mmio[..self.mmio_count]
    }
}

/// `SIZE@BASE:IRQ[:ID]` as Linux's virtio_mmio module takes it
/// (drivers/virtio/virtio_mmio.c): SIZE with an optional K, M or G suffix.
fn parse_mmio_device(v: &str) -> Option<MmioDevice> {
    let (size, rest) = v.split_once('@')?;
    let (base, rest) = rest.split_once(':')?;
    let irq = rest.split(':').next()?;
    let (digits, shift) = match size.as_bytes().last()? {
        b'k' | b'K' => (&size[..size.len() - 1], 10),
        b'm' | b'M' => (&size[..size.len() - 1], 20),
        b'g' | b'G' => (&size[..size.len() - 1], 30),
        _ => (size, 0),
    };
    let size = parse_number(digits)?.checked_mul(1 << shift)?;
    let base = parse_number(base)?;
    let irq = u32::try_from(parse_number(irq)?).ok()?;
    (size > 0 && base.checked_add(size).is_some()).then_some(MmioDevice { base, size, irq })
}

fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn parse_level(v: &str) -> Option<LevelFilter> {
    Some(match v {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => return None,
    })
}
