//! /proc (proc(5)) for the one process, pid 1: /proc/self links to it;
//! /proc/1 has exe, cwd, root (magic links), fd/ (one magic link per open
//! descriptor), maps, cmdline, environ and mounts; /proc has cpuinfo,
//! meminfo, uptime, version, mounts and filesystems. Files are generated
//! when a read starts at offset 0, as seq_file does. Nothing in /proc can
//! be created, removed or changed.

use super::FsContext;
use super::file::Name;
use super::inode::{
    DirKind, FsKind, Inode, Node, S_IFLNK, S_IFREG, Superblock, dev_major, dev_minor, next_ino,
};
use super::path::Target;
use super::tmpfs;
use crate::Errno;
use crate::abi::Timespec;
use crate::dispatch::Ctx;
use crate::mm::{Prot, VmaKind};
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;

/// st_dev minor of procfs.
const PROC_MINOR: u64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcFile {
    Cpuinfo,
    Meminfo,
    Uptime,
    Version,
    Mounts,
    Filesystems,
    Maps,
    Cmdline,
    Environ,
    Stat,
    Status,
    Comm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcLink {
    Exe,
    Cwd,
    Root,
    Fd(i32),
}

pub enum ProcNode {
    File(ProcFile),
    Link(ProcLink),
}

fn file(sb: &Arc<Superblock>, f: ProcFile, perm: u32, now: Timespec) -> Arc<Inode> {
    Inode::new(sb, S_IFREG | perm, Node::Proc(ProcNode::File(f)), now)
}

fn link(sb: &Arc<Superblock>, l: ProcLink, perm: u32, now: Timespec) -> Arc<Inode> {
    Inode::new(sb, S_IFLNK | perm, Node::Proc(ProcNode::Link(l)), now)
}

/// Builds /proc under `root`.
pub fn build(root: &Arc<Inode>, now: Timespec) {
    let sb = Superblock::new(FsKind::Proc, PROC_MINOR);
    let proc = Inode::new_dir(&sb, 0o555, DirKind::Plain, Arc::downgrade(root), now);
    let pid = Inode::new_dir(&sb, 0o555, DirKind::Plain, Arc::downgrade(&proc), now);
    let fd = Inode::new_dir(&sb, 0o500, DirKind::ProcFd, Arc::downgrade(&pid), now);
    let pid_entries = [
        ("exe", link(&sb, ProcLink::Exe, 0o777, now)),
        ("cwd", link(&sb, ProcLink::Cwd, 0o777, now)),
        ("root", link(&sb, ProcLink::Root, 0o777, now)),
        ("fd", fd),
        ("maps", file(&sb, ProcFile::Maps, 0o444, now)),
        ("cmdline", file(&sb, ProcFile::Cmdline, 0o444, now)),
        ("environ", file(&sb, ProcFile::Environ, 0o400, now)),
        ("mounts", file(&sb, ProcFile::Mounts, 0o444, now)),
        ("stat", file(&sb, ProcFile::Stat, 0o444, now)),
        ("status", file(&sb, ProcFile::Status, 0o444, now)),
        ("comm", file(&sb, ProcFile::Comm, 0o444, now)),
    ];
    for (name, inode) in pid_entries {
        tmpfs::attach(&pid, name.as_bytes(), &inode, now);
    }
    let entries = [
        ("1", pid),
        ("self", Inode::new_symlink(&sb, b"1", now)),
        ("cpuinfo", file(&sb, ProcFile::Cpuinfo, 0o444, now)),
        ("meminfo", file(&sb, ProcFile::Meminfo, 0o444, now)),
        ("uptime", file(&sb, ProcFile::Uptime, 0o444, now)),
        ("version", file(&sb, ProcFile::Version, 0o444, now)),
        ("filesystems", file(&sb, ProcFile::Filesystems, 0o444, now)),
        ("mounts", Inode::new_symlink(&sb, b"self/mounts", now)),
    ];
    for (name, inode) in entries {
        tmpfs::attach(&proc, name.as_bytes(), &inode, now);
    }
    tmpfs::attach(root, b"proc", &proc, now);
}

/// A descriptor number as /proc/<pid>/fd names it: decimal, no leading
/// zeroes (name_to_int in fs/proc/base.c).
fn fd_number(name: &[u8]) -> Option<i32> {
    if name.is_empty() || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

/// The entry `name` of /proc/<pid>/fd: a link whose permission bits say
/// how the file is open (lr-x, l-wx or lrwx).
pub fn fd_link(fs: &FsContext, dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
    let fd = fd_number(name).ok_or(Errno::ENOENT)?;
    let file = fs.fds.get(fd).map_err(|_| Errno::ENOENT)?;
    let mut perm = 0;
    if file.readable() {
        perm |= 0o500;
    }
    if file.writable() {
        perm |= 0o300;
    }
    let now = dir.meta.lock().mtime;
    Ok(link(&dir.sb, ProcLink::Fd(fd), perm, now))
}

/// The entries of /proc/<pid>/fd: (name, inode number).
pub fn fd_entries(fs: &FsContext) -> Vec<(Vec<u8>, u64)> {
    fs.fds
        .iter()
        .map(|(fd, _)| (format!("{fd}").into_bytes(), next_ino()))
        .collect()
}

/// Where a magic link leads.
pub fn follow(fs: &FsContext, node: &ProcNode) -> Result<Target, Errno> {
    match node {
        ProcNode::Link(ProcLink::Fd(fd)) => {
            let file = fs.fds.get(*fd).map_err(|_| Errno::ENOENT)?;
            Ok(Target::Inode(file.inode.clone(), file.name.clone()))
        }
        ProcNode::Link(ProcLink::Exe) if fs.exe.is_empty() => Err(Errno::ENOENT),
        ProcNode::Link(ProcLink::Exe) => Ok(Target::Path(fs.exe.clone())),
        ProcNode::Link(ProcLink::Cwd) => Ok(Target::Inode(fs.cwd.clone(), Name::Dir)),
        ProcNode::Link(ProcLink::Root) => Ok(Target::Inode(fs.root.clone(), Name::Dir)),
        ProcNode::File(_) => Err(Errno::EINVAL),
    }
}

/// What readlink(2) says of a magic link.
pub fn link_text(fs: &FsContext, node: &ProcNode) -> Result<Vec<u8>, Errno> {
    match node {
        ProcNode::Link(ProcLink::Fd(fd)) => {
            Ok(fs.fds.get(*fd).map_err(|_| Errno::ENOENT)?.path(fs))
        }
        ProcNode::Link(ProcLink::Exe) if fs.exe.is_empty() => Err(Errno::ENOENT),
        ProcNode::Link(ProcLink::Exe) => Ok(fs.exe.clone()),
        ProcNode::Link(ProcLink::Cwd) => fs.dir_path(&fs.cwd),
        ProcNode::Link(ProcLink::Root) => Ok(b"/".to_vec()),
        ProcNode::File(_) => Err(Errno::EINVAL),
    }
}

/// The contents of a /proc file now.
pub fn generate(ctx: &Ctx<'_>, f: ProcFile) -> Vec<u8> {
    let mut s = String::new();
    match f {
        ProcFile::Cpuinfo => cpuinfo(ctx, &mut s),
        ProcFile::Meminfo => meminfo(ctx, &mut s),
        ProcFile::Uptime => {
            let ns = ctx.platform.monotonic_ns();
            let _ = writeln!(
                s,
                "{}.{:02} 0.00",
                ns / 1_000_000_000,
                ns / 10_000_000 % 100
            );
        }
        ProcFile::Version => {
            use crate::sys::uname::{RELEASE, VERSION};
            let _ = writeln!(s, "Linux version {RELEASE} (sole@sole) (rustc) {VERSION}");
        }
        ProcFile::Mounts => {
            s.push_str("tmpfs / tmpfs rw,relatime 0 0\n");
            s.push_str("devtmpfs /dev devtmpfs rw,relatime 0 0\n");
            s.push_str("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
        }
        ProcFile::Filesystems => {
            for name in ["tmpfs", "devtmpfs", "proc", "pipefs"] {
                let _ = writeln!(s, "nodev\t{name}");
            }
        }
        ProcFile::Maps => maps(ctx, &mut s),
        ProcFile::Cmdline => return ctx.fs().cmdline.clone(),
        ProcFile::Environ => return ctx.fs().environ.clone(),
        ProcFile::Stat => stat(ctx, &mut s),
        ProcFile::Status => status(ctx, &mut s),
        ProcFile::Comm => {
            s.push_str(&comm(ctx));
            s.push('\n');
        }
    }
    s.into_bytes()
}

/// The process's name: its main thread's comm.
fn comm(ctx: &Ctx<'_>) -> String {
    let Some(main) = ctx.process.thread(ctx.process.pid) else {
        return String::new();
    };
    let name = *main.comm.lock();
    let len = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    String::from_utf8_lossy(&name[..len]).into_owned()
}

/// What the VMAs add up to: (virtual size in bytes, resident pages).
fn memory_use(ctx: &Ctx<'_>) -> (u64, u64) {
    let mut size = 0;
    let mut resident = 0;
    for v in ctx.process.mm.vmas() {
        size += v.end - v.start;
        let mut page = v.start;
        while page < v.end {
            resident += u64::from(ctx.platform.resident(page));
            page += crate::mm::PAGE_SIZE;
        }
    }
    (size, resident)
}

/// /proc/PID/stat (proc(5)): the process in one line. Sole does not split
/// user from system time, so all CPU time is utime; fields Sole has no
/// notion of (faults, swap, the tty's process group) are 0 as Linux shows
/// them for a process without them.
fn stat(ctx: &Ctx<'_>, s: &mut String) {
    let p = ctx.process;
    let tick = 1_000_000_000 / crate::abi::CLK_TCK;
    let cpu = crate::timers::process_cpu_ns(p, ctx.platform) / tick;
    let start = p.start_ns / tick;
    let (vsize, rss) = memory_use(ctx);
    let (image_start, image_end) = ctx
        .process
        .mm
        .vmas()
        .iter()
        .filter(|v| v.kind == crate::mm::VmaKind::Image)
        .fold((0, 0), |(lo, hi), v| {
            (
                if lo == 0 { v.start } else { lo.min(v.start) },
                hi.max(v.end),
            )
        });
    let (pending, blocked, ignored, caught) = {
        let sig = p.signals.lock();
        let (own, shared) = sig.pending_sets(p.pid);
        let (ignored, caught) = sig.disposition_sets();
        (own | shared, sig.mask(p.pid), ignored, caught)
    };
    let threads = p.thread_count();
    let cpu_now = ctx.platform.current_cpu();
    let _ = writeln!(
        s,
        "{pid} ({comm}) R 0 {pid} {pid} 0 -1 4194560 0 0 0 0 {cpu} 0 0 0 20 0 {threads} 0 \
         {start} {vsize} {rss} 18446744073709551615 {image_start} {image_end} {stack} 0 0 \
         {pending} {blocked} {ignored} {caught} 0 0 0 17 {cpu_now} 0 0 0 0 0 0 0 0 0 0 0 0 0",
        pid = p.pid,
        comm = comm(ctx),
        stack = crate::mm::STACK_TOP,
    );
}

/// A CPU mask as /proc/PID/status shows it: hex words of 32 bits from the
/// highest, comma-separated, and the list of ranges ("0-1,3").
fn cpu_mask_text(mask: &crate::platform::CpuMask) -> (String, String) {
    let cpus = (0..mask.len() * 64).filter(|&c| mask[c / 64] & (1 << (c % 64)) != 0);
    let highest = cpus.clone().next_back().unwrap_or(0);
    let words = highest / 32 + 1;
    let hex: Vec<String> = (0..words)
        .rev()
        .map(|w| format!("{:08x}", (mask[w / 2] >> ((w % 2) * 32)) as u32))
        .collect();
    let mut list = String::new();
    let mut run: Option<(usize, usize)> = None;
    let flush = |run: (usize, usize), list: &mut String| {
        if !list.is_empty() {
            list.push(',');
        }
        if run.0 == run.1 {
            let _ = write!(list, "{}", run.0);
        } else {
            let _ = write!(list, "{}-{}", run.0, run.1);
        }
    };
    for c in cpus {
        run = match run {
            Some((a, b)) if b + 1 == c => Some((a, c)),
            Some(r) => {
                flush(r, &mut list);
                Some((c, c))
            }
            None => Some((c, c)),
        };
    }
    if let Some(r) = run {
        flush(r, &mut list);
    }
    (hex.join(","), list)
}

/// /proc/PID/status (proc(5)): the same facts, a line each, for people.
fn status(ctx: &Ctx<'_>, s: &mut String) {
    let p = ctx.process;
    let (vsize, rss) = memory_use(ctx);
    let (own, shared, blocked, ignored, caught) = {
        let sig = p.signals.lock();
        let (own, shared) = sig.pending_sets(p.pid);
        let (ignored, caught) = sig.disposition_sets();
        (own, shared, sig.mask(p.pid), ignored, caught)
    };
    let (umask, fds) = {
        let fs = ctx.fs();
        (fs.umask, fs.fds.end())
    };
    let cpus = ctx.platform.affinity(p.pid).map(|m| cpu_mask_text(&m));
    let _ = writeln!(s, "Name:\t{}", comm(ctx));
    let _ = writeln!(s, "Umask:\t{umask:04o}");
    let _ = writeln!(s, "State:\tR (running)");
    let _ = writeln!(
        s,
        "Tgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t0\nTracerPid:\t0",
        p.pid, p.pid
    );
    let _ = writeln!(s, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0");
    let _ = writeln!(s, "FDSize:\t{}\nGroups:\t", fds.next_power_of_two().max(64));
    let _ = writeln!(
        s,
        "VmSize:\t{:8} kB\nVmRSS:\t{:8} kB",
        vsize / 1024,
        rss * 4
    );
    let _ = writeln!(s, "Threads:\t{}", p.thread_count());
    let _ = writeln!(
        s,
        "SigPnd:\t{own:016x}\nShdPnd:\t{shared:016x}\nSigBlk:\t{blocked:016x}\n\
         SigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}"
    );
    if let Some((hex, list)) = cpus {
        let _ = writeln!(s, "Cpus_allowed:\t{hex}\nCpus_allowed_list:\t{list}");
    }
}

fn cpuinfo(ctx: &Ctx<'_>, s: &mut String) {
    let m = ctx.platform.machine();
    let mhz = m.tsc_hz / 1000;
    for cpu in 0..m.cpus {
        let _ = write!(
            s,
            "processor\t: {cpu}\n\
             vendor_id\t: {}\n\
             cpu family\t: {}\n\
             model\t\t: {}\n\
             model name\t: {}\n\
             stepping\t: {}\n\
             cpu MHz\t\t: {}.{:03}\n\
             physical id\t: 0\n\
             siblings\t: {}\n\
             core id\t\t: {cpu}\n\
             cpu cores\t: {}\n\
             apicid\t\t: {cpu}\n\
             fpu\t\t: yes\n\
             fpu_exception\t: yes\n\
             wp\t\t: yes\n\
             flags\t\t: {}\n\
             bogomips\t: {}.{:02}\n\
             clflush size\t: 64\n\
             cache_alignment\t: 64\n\
             address sizes\t: 46 bits physical, 48 bits virtual\n\
             power management:\n\n",
            m.cpu_vendor,
            m.cpu_family,
            m.cpu_model,
            m.cpu_model_name,
            m.cpu_stepping,
            mhz / 1000,
            mhz % 1000,
            m.cpus,
            m.cpus,
            m.cpu_flags,
            // Linux's bogomips is twice the clock in MHz.
            mhz * 2 / 1000,
            mhz * 2 / 10 % 100,
        );
    }
}

fn meminfo(ctx: &Ctx<'_>, s: &mut String) {
    let m = ctx.platform.machine();
    let shmem_kb = ctx
        .fs()
        .root
        .sb
        .used_pages
        .load(core::sync::atomic::Ordering::Relaxed)
        * 4;
    let rows = [
        ("MemTotal", m.total_ram / 1024),
        ("MemFree", m.free_ram / 1024),
        ("MemAvailable", m.free_ram / 1024),
        ("Buffers", 0),
        ("Cached", shmem_kb),
        ("SwapCached", 0),
        ("Active", 0),
        ("Inactive", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Dirty", 0),
        ("Shmem", shmem_kb),
        ("HugePages_Total", 0),
    ];
    for (name, kb) in rows {
        let label = format!("{name}:");
        if name.starts_with("HugePages") {
            let _ = writeln!(s, "{label:<16}{kb:>8}");
        } else {
            let _ = writeln!(s, "{label:<16}{kb:>8} kB");
        }
    }
    let _ = writeln!(s, "{:<16}{:>8} kB", "Hugepagesize:", 2048);
}

/// /proc/<pid>/maps in Linux's format (show_map_vma in fs/proc/task_mmu.c):
/// the name, when there is one, starts at column 74.
fn maps(ctx: &Ctx<'_>, s: &mut String) {
    let fs = &*ctx.fs();
    let exe = if fs.exe.is_empty() {
        None
    } else {
        fs.walk(&fs.root, &fs.exe, true).ok()
    };
    for v in ctx.process.mm.vmas() {
        let mut offset = 0;
        let (dev, ino, name): (u64, u64, &[u8]) = match &v.kind {
            VmaKind::Image => match &exe {
                Some(i) => (i.sb.dev, i.ino(), &fs.exe),
                None => (0, 0, b""),
            },
            VmaKind::Heap => (0, 0, b"[heap]"),
            VmaKind::Stack => (0, 0, b"[stack]"),
            VmaKind::Anonymous => (0, 0, b""),
            VmaKind::Vdso => (0, 0, b"[vdso]"),
            VmaKind::File(f) => {
                offset = f.offset;
                let (dev, ino) = f.source.dev_ino();
                (dev, ino, &f.path)
            }
        };
        let flag = |p: Prot, c: char| if v.prot.contains(p) { c } else { '-' };
        let line = format!(
            "{:08x}-{:08x} {}{}{}p {:08x} {:02x}:{:02x} {}",
            v.start,
            v.end,
            flag(Prot::READ, 'r'),
            flag(Prot::WRITE, 'w'),
            flag(Prot::EXEC, 'x'),
            offset,
            dev_major(dev),
            dev_minor(dev),
            ino,
        );
        s.push_str(&line);
        s.push(' ');
        if !name.is_empty() {
            // seq_pad: pad to 72 columns, then one space.
            for _ in line.len() + 1..72 {
                s.push(' ');
            }
            s.push(' ');
            s.push_str(&String::from_utf8_lossy(name));
        }
        s.push('\n');
    }
}
