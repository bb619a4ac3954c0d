//! Starting the program from the initrd: the launch manifest says what to
//! run; the ELF loader plans the image; the image is copied into fresh pages,
//! the stack is built, and the program's first thread is made runnable at
//! the entry point.

use super::fault::{IDENTITY, Identity};
use super::memory;
use super::platform::KernelPlatform;
use super::{PLATFORM, PROCESS, SYSCALL_SUMMARY};
use crate::arch::fpu::FpuArea;
use crate::arch::{cpu, gdt, power, random};
use crate::mm::PAGE_SIZE;
use crate::sched::{self, thread::ThreadWaker};
use crate::time;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use loader::elf::{self, LoadPlan};
use loader::launch::{self, LAUNCH_PATH};
use loader::stack::{self, AuxParams};
use syscalls::abi::CLK_TCK;
use syscalls::fs::{FsContext, InitrdEntry};
use syscalls::mm::{Mm, Prot, STACK_SIZE, STACK_TOP, Vma, VmaKind};
use syscalls::platform::Platform;
use syscalls::process::Process;
use syscalls::regs::UserRegs;
use syscalls::thread::Thread as LinuxThread;

/// Exit statuses a shell uses when a command cannot run.
pub const CANNOT_EXECUTE: u8 = 126;
const NOT_FOUND: u8 = 127;

fn fail(status: u8, args: core::fmt::Arguments<'_>) -> ! {
    crate::println!("sole: {args}");
    power::exit(status)
}

/// Where the root filesystem comes from.
pub enum Root {
    /// A tmpfs the initrd is unpacked into.
    Initrd,
    /// The rootfs on a disk (`root=disk`); the initrd holds only the
    /// launch manifest.
    Disk(syscalls::fs::disk::Device),
}

/// Mounts the disk's rootfs as the root; the manifest comes from the
/// initrd, which has nothing else to give.
fn disk_root(
    dev: syscalls::fs::disk::Device,
    initrd: &[u8],
    total_ram: u64,
) -> (FsContext, Vec<u8>) {
    let mut fs = FsContext::with_disk(dev).unwrap_or_else(|e| {
        fail(
            CANNOT_EXECUTE,
            format_args!("cannot mount the disk as the root: {e}"),
        )
    });
    fs.set_memory_budget(total_ram / syscalls::mm::PAGE_SIZE);
    let mut manifest = None;
    for entry in rootfs::cpio::entries(initrd) {
        let e = entry
            .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("the initrd is corrupt: {e}")));
        if e.path() == LAUNCH_PATH {
            manifest = Some(e.data.to_vec());
        } else if !e.path().is_empty() && e.path() != "." {
            log::warn!("root=disk: /{} in the initrd is not unpacked", e.path());
        }
    }
    let manifest = manifest.unwrap_or_else(|| {
        fail(
            NOT_FOUND,
            format_args!("the initrd names no program (/{LAUNCH_PATH} is missing)"),
        )
    });
    // Files a program expects in /etc are made once, on the disk.
    fs.finish_initrd()
        .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("cannot finish the root: {e}")));
    (fs, manifest)
}

/// Unpacks the initrd into the tmpfs root.
fn build_root(initrd: &[u8]) -> FsContext {
    let mut fs = FsContext::with_console();
    for entry in rootfs::cpio::entries(initrd) {
        let e = entry
            .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("the initrd is corrupt: {e}")));
        let node = InitrdEntry {
            path: e.path(),
            mode: e.mode,
            data: e.data,
            mtime: u64::from(e.mtime),
        };
        if let Err(err) = fs.add_initrd_entry(&node) {
            fail(
                CANNOT_EXECUTE,
                format_args!("cannot unpack /{} from the initrd: {err}", e.path()),
            );
        }
    }
    fs.finish_initrd()
        .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("cannot finish the root: {e}")));
    fs
}

fn prot(p: elf::Prot) -> Prot {
    let mut out = Prot::empty();
    out.set(Prot::READ, p.read);
    out.set(Prot::WRITE, p.write);
    out.set(Prot::EXEC, p.exec);
    out
}

/// Copies the planned image into fresh pages and records its VMAs.
fn load_image(mm: &Mm, plan: &LoadPlan, file: &[u8]) {
    for m in &plan.mappings {
        let p = prot(m.prot);
        if let Err(e) = mm.insert(Vma {
            start: m.start,
            end: m.end,
            prot: p,
            kind: VmaKind::Image,
        }) {
            fail(
                CANNOT_EXECUTE,
                format_args!("bad image layout at {:#x}: {e}", m.start),
            );
        }
        let mut page = m.start;
        while page < m.end {
            let filled = memory::map_filled(page, p, |bytes| {
                for c in &plan.copies {
                    let lo = c.vaddr.max(page);
                    let hi = (c.vaddr + c.len).min(page + PAGE_SIZE);
                    if lo < hi {
                        let from = (c.file_offset + (lo - c.vaddr)) as usize;
                        let to = (lo - page) as usize;
                        let n = (hi - lo) as usize;
                        bytes[to..to + n].copy_from_slice(&file[from..from + n]);
                    }
                }
                true
            });
            if filled.is_err() {
                fail(
                    CANNOT_EXECUTE,
                    format_args!("out of memory loading the program"),
                );
            }
            page += PAGE_SIZE;
        }
    }
}

fn basename(path: &[u8]) -> String {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    String::from_utf8_lossy(&name[..name.len().min(15)]).into_owned()
}

/// Loads the program the initrd at `[start, start+len)` names and makes its
/// first thread runnable; the caller's CPU then goes idle and runs it.
pub fn start((start, len): (u64, u64), root: Root, total_ram: u64) {
    // SAFETY: the loader placed the module in RAM that the frame allocator
    // excludes, and nothing writes it; the view ends before the frames are
    // released below.
    let initrd = unsafe { crate::mm::phys_slice(start, len as usize) };
    let (mut fs, manifest) = match root {
        Root::Disk(dev) => disk_root(dev, initrd, total_ram),
        Root::Initrd => {
            let mut fs = build_root(initrd);
            let manifest_path = alloc::format!("/{LAUNCH_PATH}");
            let Ok(manifest) = fs.read_file(manifest_path.as_bytes()) else {
                fail(
                    NOT_FOUND,
                    format_args!("the initrd names no program ({manifest_path} is missing)"),
                )
            };
            let _ = fs.remove_tree(b"/.sole");
            (fs, manifest)
        }
    };
    // Everything is in the root now: give the archive's memory back.
    crate::mm::frame::release_reserved(start, start + len);
    let launch = launch::decode(&manifest)
        .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("bad launch manifest: {e}")));
    let Some(path) = launch.argv.first() else {
        fail(NOT_FOUND, format_args!("the launch manifest has no argv"))
    };
    let shown = String::from_utf8_lossy(path).into_owned();
    let file = fs
        .read_file(path)
        .unwrap_or_else(|e| fail(NOT_FOUND, format_args!("{shown}: {e}")));
    let file = file.as_slice();
    let plan = elf::plan(file, elf::PIE_BASE)
        .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("cannot run {shown}: {e}")));
    let mm = Arc::new(Mm::new());
    load_image(&mm, &plan, file);
    // A dynamic program starts in its interpreter (ld.so), placed top-down
    // below the stack as Linux's mmap would place it; AT_BASE names it.
    let interp = plan
        .interp
        .as_ref()
        .map(|path| load_interpreter(&fs, &mm, &shown, path));
    let stack_vma = Vma {
        start: STACK_TOP - STACK_SIZE,
        end: STACK_TOP,
        prot: Prot::READ | Prot::WRITE,
        kind: VmaKind::Stack,
    };
    mm.insert(stack_vma).unwrap_or_else(|e| {
        fail(
            CANNOT_EXECUTE,
            format_args!("the stack collides with the image: {e}"),
        )
    });
    mm.set_brk_start(plan.brk);
    let platform = PLATFORM.call_once(|| KernelPlatform { total_ram });

    let argv: Vec<&[u8]> = launch.argv.iter().map(Vec::as_slice).collect();
    let envp: Vec<&[u8]> = launch.env.iter().map(Vec::as_slice).collect();
    let mut random_bytes = [0u8; 16];
    random::fill(&mut random_bytes);
    let params = AuxParams {
        argv: &argv,
        envp: &envp,
        execfn: path,
        random: random_bytes,
        // Linux's AT_HWCAP on x86 is CPUID.1:EDX.
        hwcap: u64::from(cpu::cpuid(1, 0).edx),
        hwcap2: 0,
        uid: 0,
        euid: 0,
        gid: 0,
        egid: 0,
        secure: false,
        clktck: CLK_TCK,
        minsigstksz: min_signal_stack(),
        interp_base: interp.as_ref().map(|i| i.base),
        sysinfo_ehdr: super::vdso::map(&mm),
    };
    let initial = stack::build(STACK_TOP, &plan, &params)
        .unwrap_or_else(|e| fail(CANNOT_EXECUTE, format_args!("cannot run {shown}: {e}")));
    let image_start = plan.mappings.first().map_or(0, |m| m.start);
    let image_end = plan.mappings.last().map_or(0, |m| m.end);
    IDENTITY.call_once(|| Identity {
        name: basename(path),
        image_start,
        image_end,
    });
    fs.set_exe(path);
    fs.set_cmdline(&argv);
    fs.set_environ(&envp);
    if let Err(e) = fs.set_cwd(launch.cwd.as_bytes()) {
        fail(
            CANNOT_EXECUTE,
            format_args!("cannot change to {}: {e}", launch.cwd),
        );
    }
    let process = Process::new(mm, fs, time::monotonic_ns());
    process.strace.store(launch.flags.strace, Ordering::Relaxed);
    process
        .trace_missing
        .store(launch.flags.trace_missing, Ordering::Relaxed);
    SYSCALL_SUMMARY.store(launch.flags.syscall_summary, Ordering::Relaxed);
    let process = PROCESS.call_once(|| Arc::new(process));
    // A disk root commits what the program writes every few seconds.
    syscalls::fs::writeback::start(process, platform);
    // Writing the stack faults its pages in through the process's VMAs.
    if platform.write_user(initial.sp, &initial.bytes).is_err() {
        fail(
            CANNOT_EXECUTE,
            format_args!("cannot write the initial stack"),
        );
    }

    log::info!(
        "starting {shown} at {:#x}, stack {:#x}",
        plan.entry,
        initial.sp
    );
    // The first thread: every register zero but RIP at the entry point and
    // RSP at the initial stack (RDX = 0: no exit handler for the libc to
    // register), interrupts on.
    let regs = UserRegs {
        rip: interp.as_ref().map_or(plan.entry, |i| i.entry),
        rsp: initial.sp,
        rflags: 0x202,
        cs: u64::from(gdt::KERNEL_CODE),
        ss: u64::from(gdt::KERNEL_DATA),
        orig_rax: u64::MAX,
        entry_flags: 1,
        ..UserRegs::default()
    };
    let tid = process.alloc_tid();
    let Some(t) = sched::new_program_thread(tid, &regs, 0, 0, FpuArea::new()) else {
        fail(
            CANNOT_EXECUTE,
            format_args!("out of memory starting the program"),
        )
    };
    let mut comm = [0u8; 16];
    let name = basename(path);
    comm[..name.len()].copy_from_slice(name.as_bytes());
    let linux = Arc::new(LinuxThread::new(
        tid,
        Arc::new(ThreadWaker(Arc::downgrade(&t))),
        comm,
    ));
    t.linux.call_once(|| linux.clone());
    if process.add_thread(&linux, 0).is_err() {
        fail(
            CANNOT_EXECUTE,
            format_args!("cannot start the first thread"),
        );
    }
    sched::start(t);
}

/// Where the interpreter went.
struct Interpreter {
    base: u64,
    entry: u64,
}

/// Loads the program interpreter `path` (PT_INTERP) from the root: an
/// ET_DYN image (ld.so) placed at the highest free range below the mmap
/// base, as Linux places it.
fn load_interpreter(fs: &FsContext, mm: &Mm, program: &str, path: &str) -> Interpreter {
    let file = fs.read_file(path.as_bytes()).unwrap_or_else(|e| {
        fail(
            CANNOT_EXECUTE,
            format_args!("cannot run {program}: its interpreter {path}: {e}"),
        )
    });
    let bad = |e: &dyn core::fmt::Display| -> ! {
        fail(
            CANNOT_EXECUTE,
            format_args!("cannot run {program}: its interpreter {path}: {e}"),
        )
    };
    // Plan once to learn the span, then again where it fits.
    let trial = elf::plan(&file, elf::PIE_BASE).unwrap_or_else(|e| bad(&e));
    if trial.kind != elf::ElfKind::SharedObject || trial.interp.is_some() {
        bad(&"it is not a position-independent interpreter");
    }
    let span = match (trial.mappings.first(), trial.mappings.last()) {
        (Some(first), Some(last)) => last.end - first.start,
        _ => bad(&"it has nothing to load"),
    };
    let base = mm
        .free_area(span)
        .unwrap_or_else(|| bad(&"no room for it below the stack"));
    let plan = elf::plan(&file, base).unwrap_or_else(|e| bad(&e));
    load_image(mm, &plan, &file);
    Interpreter {
        base: plan.mappings.first().map_or(base, |m| m.start),
        entry: plan.entry,
    }
}

/// AT_MINSIGSTKSZ: what a signal frame needs on this machine (the frame,
/// the FPU state and its alignment), at least MINSIGSTKSZ.
fn min_signal_stack() -> u64 {
    let frame = size_of::<syscalls::signal::frame::RtSigFrame>() as u64;
    let need = frame + crate::arch::fpu::size() as u64 + 4 + 64 + 128;
    need.max(syscalls::sys::sigaltstack::MINSIGSTKSZ)
}
