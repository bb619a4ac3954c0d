//! /dev and /proc, and the console.

use super::*;
use crate::mm::{Prot, Vma, VmaKind};

fn text(t: &mut T, path: &str) -> String {
    String::from_utf8(t.cat(path).unwrap()).unwrap()
}

#[test]
fn memory_devices() {
    let mut t = T::new();
    let null = t.open("/dev/null", O_RDWR, 0).unwrap();
    assert_eq!(t.read(null, 10).unwrap(), b"");
    assert_eq!(t.write(null, b"gone"), Ok(4));
    let zero = t.open("/dev/zero", O_RDWR, 0).unwrap();
    let buf = t.bytes(&[9u8; 100_000]);
    assert_eq!(t.sys(nr::READ, &[zero, buf, 100_000]), Ok(100_000));
    assert!(t.mem(buf, 100_000).iter().all(|&b| b == 0));
    assert_eq!(t.write(zero, b"x"), Ok(1));
    let full = t.open("/dev/full", O_RDWR, 0).unwrap();
    assert_eq!(t.read(full, 4).unwrap(), [0; 4]);
    assert_eq!(t.write(full, b"x"), Err(Errno::ENOSPC));
    let urandom = t.open("/dev/urandom", O_RDONLY, 0).unwrap();
    let a = t.read(urandom, 32).unwrap();
    let b = t.read(urandom, 32).unwrap();
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    assert!(t.open("/dev/random", O_RDONLY, 0).is_ok());
    assert_eq!(
        t.names("/dev"),
        [
            "console", "fd", "full", "null", "random", "shm", "stderr", "stdin", "stdout", "tty",
            "urandom", "zero"
        ]
    );
    // /dev/shm is world-writable and sticky, for shm_open.
    assert_eq!(t.stat("/dev/shm").unwrap().mode, 0o041777);
    t.mkfile("/dev/shm/seg", b"shared");
    assert_eq!(t.cat("/dev/shm/seg").unwrap(), b"shared");
}

#[test]
fn the_console_reads_platform_input_and_writes_its_output() {
    let mut t = T::new();
    t.platform.input.lock().extend(b"typed\n".iter());
    assert_eq!(t.read(0, 100).unwrap(), b"typed\n");
    assert_eq!(t.read(0, 100).unwrap(), b"", "0 is end of input");
    assert_eq!(t.write(1, b"out "), Ok(4));
    assert_eq!(t.write(2, b"err"), Ok(3));
    let tty = t.open("/dev/tty", O_WRONLY, 0).unwrap();
    t.write(tty, b"!").unwrap();
    let stdout = t.open("/dev/stdout", O_WRONLY, 0).unwrap();
    t.write(stdout, b"?").unwrap();
    assert_eq!(t.platform.console_text(), "out err!?");
    assert_eq!(t.readlink("/proc/self/fd/0").unwrap(), "/dev/console");
    assert_eq!(t.readlink("/dev/stdin").unwrap(), "/proc/self/fd/0");
    assert_eq!(t.readlink("/dev/fd").unwrap(), "/proc/self/fd");
    assert_eq!(
        t.stat("/dev/stderr").unwrap().ino,
        t.stat("/dev/console").unwrap().ino
    );
}

#[test]
fn proc_self_fd_lists_and_names_descriptors() {
    let mut t = T::new();
    t.mkdir("/tmp/d");
    t.mkfile("/tmp/d/f", b"x");
    let f = t.open("/tmp/d/f", O_RDONLY, 0).unwrap();
    let d = t.open("/tmp/d", O_RDONLY, 0).unwrap();
    assert_eq!(t.names("/proc/self/fd"), ["0", "1", "2", "3", "4", "5"]);
    assert_eq!(t.names("/dev/fd"), ["0", "1", "2", "3", "4", "5"]);
    assert_eq!(
        t.readlink(&format!("/proc/self/fd/{f}")).unwrap(),
        "/tmp/d/f"
    );
    assert_eq!(t.readlink(&format!("/proc/1/fd/{d}")).unwrap(), "/tmp/d");
    // Following the link reaches the open file, as /dev/fd/N does.
    assert_eq!(t.cat(&format!("/dev/fd/{f}")).unwrap(), b"x");
    let lst = t.lstat(&format!("/proc/self/fd/{f}")).unwrap();
    assert_eq!(lst.mode, 0o120500, "lr-x------ for a read-only file");
    assert_eq!(t.lstat("/proc/self/fd/1").unwrap().mode, 0o120700);
    // Directory renames show; closed or odd names are ENOENT.
    let (a, b) = (t.s("/tmp/d"), t.s("/tmp/e"));
    t.ok(nr::RENAME, &[a, b]);
    assert_eq!(t.readlink(&format!("/proc/self/fd/{d}")).unwrap(), "/tmp/e");
    assert_eq!(t.readlink("/proc/self/fd/77").unwrap_err(), Errno::ENOENT);
    assert_eq!(t.readlink("/proc/self/fd/01").unwrap_err(), Errno::ENOENT);
    assert_eq!(t.readlink("/proc/self/fd/x").unwrap_err(), Errno::ENOENT);
    assert_eq!(t.readlink("/proc/self").unwrap(), "1");
    assert_eq!(t.readlink("/proc/self/root").unwrap(), "/");
    assert_eq!(t.readlink("/proc/self/exe").unwrap_err(), Errno::ENOENT);
}

#[test]
fn proc_is_read_only() {
    let mut t = T::new();
    assert_eq!(t.open("/proc/cpuinfo", O_WRONLY, 0), Err(Errno::EACCES));
    assert_eq!(
        t.open("/proc/new", O_CREAT | O_WRONLY, 0o644),
        Err(Errno::EACCES)
    );
    assert_eq!(
        t.open("/proc", O_TMPFILE | O_RDWR, 0o600),
        Err(Errno::EOPNOTSUPP)
    );
    let p = t.s("/proc/uptime");
    t.fails(nr::TRUNCATE, &[p, 0], Errno::EACCES);
    assert_eq!(
        t.names("/proc"),
        [
            "1",
            "cpuinfo",
            "filesystems",
            "meminfo",
            "mounts",
            "self",
            "uptime",
            "version"
        ]
    );
    assert_eq!(
        t.names("/proc/self"),
        [
            "cmdline", "comm", "cwd", "environ", "exe", "fd", "maps", "mounts", "root", "stat",
            "status"
        ]
    );
    assert_eq!(t.stat("/proc/cpuinfo").unwrap().mode, 0o100444);
}

#[test]
fn proc_maps_in_linux_format() {
    let mut t = T::new();
    t.mkdir("/bin");
    t.mkfile("/bin/prog", b"\x7fELF");
    t.process.fs.lock().set_exe(b"/bin/prog");
    let ino = t.stat("/bin/prog").unwrap().ino;
    let image = Vma {
        start: 0x40_0000,
        end: 0x40_2000,
        prot: Prot::READ | Prot::EXEC,
        kind: VmaKind::Image,
    };
    t.process.mm.insert(image).unwrap();
    t.process.mm.set_brk_start(0x60_0000);
    t.ok(nr::BRK, &[0x60_3000]);
    let maps = text(&mut t, "/proc/self/maps");
    let lines: Vec<&str> = maps.lines().collect();
    let first = format!("00400000-00402000 r-xp 00000000 00:01 {ino}");
    assert_eq!(lines[0], format!("{first:<72} /bin/prog"));
    assert_eq!(
        lines[1],
        format!("{:<72} [heap]", "00600000-00603000 rw-p 00000000 00:00 0")
    );
    // The scratch mapping: anonymous, a trailing space and no name.
    assert!(lines[2].ends_with("rw-p 00000000 00:00 0 "), "{}", lines[2]);
    assert_eq!(lines.len(), 3);
}

#[test]
fn cpuinfo_meminfo_uptime_and_friends() {
    let mut t = T::new();
    let cpu = text(&mut t, "/proc/cpuinfo");
    assert_eq!(cpu.matches("processor\t:").count(), 2);
    assert!(cpu.contains("processor\t: 1\n"));
    assert!(cpu.contains("vendor_id\t: GenuineIntel\n"));
    assert!(cpu.contains("model name\t: Test CPU @ 1.00GHz\n"));
    assert!(cpu.contains("cpu family\t: 6\nmodel\t\t: 85\n"));
    assert!(cpu.contains("cpu MHz\t\t: 1000.000\n"));
    assert!(cpu.contains("flags\t\t: fpu tsc msr pae sse sse2"));
    assert!(cpu.ends_with("\n\n"));
    let mem = text(&mut t, "/proc/meminfo");
    assert!(
        mem.starts_with("MemTotal:         131072 kB\nMemFree:          102400 kB\n"),
        "{mem}"
    );
    assert!(mem.contains("SwapTotal:             0 kB\n"));
    t.platform.sleep_until(12_340_000_000);
    assert_eq!(text(&mut t, "/proc/uptime"), "12.34 0.00\n");
    assert!(text(&mut t, "/proc/version").starts_with("Linux version 6.1.0-sole "));
    let mounts = text(&mut t, "/proc/mounts");
    assert!(mounts.contains("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"));
    assert_eq!(text(&mut t, "/proc/self/mounts"), mounts);
    assert!(text(&mut t, "/proc/filesystems").contains("nodev\ttmpfs\n"));
}

#[test]
fn proc_files_regenerate_when_read_from_the_start() {
    let mut t = T::new();
    let fd = t.open("/proc/uptime", O_RDONLY, 0).unwrap();
    assert_eq!(t.read(fd, 3).unwrap(), b"1.0");
    t.platform.sleep_until(7_000_000_000);
    assert_eq!(
        t.read(fd, 100).unwrap(),
        b"0 0.00\n",
        "the rest of the same text"
    );
    let buf = t.alloc(16);
    let n = t.ok(nr::PREAD64, &[fd, buf, 16, 0]);
    assert_eq!(t.mem(buf, n as usize), b"7.00 0.00\n");
    assert_eq!(
        t.sys(nr::LSEEK, &[fd, 0, 2]),
        Err(Errno::EINVAL),
        "no SEEK_END"
    );
}

#[test]
fn cmdline_and_environ_are_nul_separated() {
    let mut t = T::new();
    t.process
        .fs
        .lock()
        .set_cmdline(&[b"/bin/prog", b"-v", b"x y"]);
    t.process
        .fs
        .lock()
        .set_environ(&[b"HOME=/root", b"TERM=xterm"]);
    assert_eq!(
        t.cat("/proc/self/cmdline").unwrap(),
        b"/bin/prog\0-v\0x y\0"
    );
    assert_eq!(
        t.cat("/proc/1/environ").unwrap(),
        b"HOME=/root\0TERM=xterm\0"
    );
}

#[test]
fn proc_self_stat_and_status_describe_the_process() {
    let mut t = T::new();
    let stat = String::from_utf8(t.cat("/proc/self/stat").unwrap()).unwrap();
    let (head, rest) = stat.split_once(") ").expect("pid (comm) state ...");
    assert!(head.starts_with("1 ("), "{stat}");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // proc(5): 52 fields, the first two (pid, comm) before `rest`.
    assert_eq!(fields.len(), 50, "{stat}");
    assert_eq!(fields[0], "R", "state");
    assert_eq!(fields[17], "1", "num_threads");
    let vsize: u64 = fields[20].parse().unwrap();
    assert!(vsize > 0, "vsize");
    let status = String::from_utf8(t.cat("/proc/self/status").unwrap()).unwrap();
    for line in [
        "Pid:\t1",
        "PPid:\t0",
        "Threads:\t1",
        "Umask:\t0022",
        "SigCgt:\t0000000000000000",
    ] {
        assert!(status.lines().any(|l| l == line), "{line} in\n{status}");
    }
    assert!(status.contains("Cpus_allowed_list:\t0-1\n"), "{status}");
    // A handler shows in SigCgt (SIGUSR1, bit 9 counting from 0 for signal 1).
    t.interrupt_with(crate::signal::SIGUSR1, 0);
    let status = String::from_utf8(t.cat("/proc/self/status").unwrap()).unwrap();
    assert!(status.contains("SigCgt:\t0000000000000200\n"), "{status}");
}
