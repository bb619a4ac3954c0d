//! Processes, memory, time, identity and signals.

use crate::sys::*;

super::syscall_table! {
    EXIT => "exit" [Int] |c, a| exit::sys_exit(c, a.int(0));
    EXIT_GROUP => "exit_group" [Int] |c, a| exit::sys_exit_group(c, a.int(0));
    BRK => "brk" [Ptr] |c, a| brk::sys_brk(c, a.raw(0)), hex;
    MMAP => "mmap" [Ptr, Uint, Hex, Hex, Fd, Hex]
        |c, a| mmap::sys_mmap(c, a.raw(0), a.raw(1), a.uint(2), a.uint(3), a.int(4), a.raw(5)), hex;
    MUNMAP => "munmap" [Ptr, Uint] |c, a| munmap::sys_munmap(c, a.raw(0), a.raw(1));
    MPROTECT => "mprotect" [Ptr, Uint, Hex] |c, a| mprotect::sys_mprotect(c, a.raw(0), a.raw(1), a.uint(2));
    MREMAP => "mremap" [Ptr, Uint, Uint, Hex, Ptr]
        |c, a| mremap::sys_mremap(c, a.raw(0), a.raw(1), a.raw(2), a.uint(3), a.raw(4)), hex;
    MADVISE => "madvise" [Ptr, Uint, Int] |c, a| madvise::sys_madvise(c, a.raw(0), a.raw(1), a.int(2));
    MSYNC => "msync" [Ptr, Uint, Hex] |c, a| mmap::sys_msync(c, a.raw(0), a.raw(1), a.uint(2));
    MINCORE => "mincore" [Ptr, Uint, Ptr] |c, a| mmap::sys_mincore(c, a.raw(0), a.raw(1), a.raw(2));
    PRCTL => "prctl" [Int, Hex, Hex, Hex, Hex]
        |c, a| prctl::sys_prctl(c, a.int(0), a.raw(1), a.raw(2), a.raw(3), a.raw(4));
    ARCH_PRCTL => "arch_prctl" [Hex, Ptr] |c, a| arch_prctl::sys_arch_prctl(c, a.int(0), a.raw(1));
    SET_TID_ADDRESS => "set_tid_address" [Ptr] |c, a| set_tid_address::sys_set_tid_address(c, a.raw(0));
    SET_ROBUST_LIST => "set_robust_list" [Ptr, Uint]
        |c, a| set_tid_address::sys_set_robust_list(c, a.raw(0), a.raw(1));
    GET_ROBUST_LIST => "get_robust_list" [Int, Ptr, Ptr]
        |c, a| set_tid_address::sys_get_robust_list(c, a.int(0), a.raw(1), a.raw(2));
    UNAME => "uname" [Ptr] |c, a| uname::sys_uname(c, a.ptr(0));
    GETPID => "getpid" [] |c, _| getpid::sys_getpid(c);
    GETTID => "gettid" [] |c, _| getpid::sys_gettid(c);
    GETPPID => "getppid" [] |c, _| getpid::sys_getppid(c);
    GETPGRP => "getpgrp" [] |c, _| getpgid::sys_getpgrp(c);
    GETPGID => "getpgid" [Int] |c, a| getpgid::sys_getpgid(c, a.int(0));
    GETSID => "getsid" [Int] |c, a| getpgid::sys_getsid(c, a.int(0));
    SETPGID => "setpgid" [Int, Int] |c, a| getpgid::sys_setpgid(c, a.int(0), a.int(1));
    SETSID => "setsid" [] |c, _| getpgid::sys_setsid(c);
    GETUID => "getuid" [] |c, _| getuid::sys_getuid(c);
    GETEUID => "geteuid" [] |c, _| getuid::sys_geteuid(c);
    GETGID => "getgid" [] |c, _| getuid::sys_getgid(c);
    GETEGID => "getegid" [] |c, _| getuid::sys_getegid(c);
    GETGROUPS => "getgroups" [Int, Ptr] |c, a| getuid::sys_getgroups(c, a.int(0), a.raw(1));
    SETGROUPS => "setgroups" [Uint, Ptr] |c, a| getuid::sys_setgroups(c, a.usize(0), a.raw(1));
    SETUID => "setuid" [Uint] |c, a| getuid::sys_setuid(c, a.uint(0));
    SETGID => "setgid" [Uint] |c, a| getuid::sys_setgid(c, a.uint(0));
    SETREUID => "setreuid" [Int, Int] |c, a| getuid::sys_setreuid(c, a.uint(0), a.uint(1));
    SETREGID => "setregid" [Int, Int] |c, a| getuid::sys_setregid(c, a.uint(0), a.uint(1));
    SETRESUID => "setresuid" [Int, Int, Int] |c, a| getuid::sys_setresuid(c, a.uint(0), a.uint(1), a.uint(2));
    SETRESGID => "setresgid" [Int, Int, Int] |c, a| getuid::sys_setresgid(c, a.uint(0), a.uint(1), a.uint(2));
    GETRESUID => "getresuid" [Ptr, Ptr, Ptr] |c, a| getuid::sys_getresuid(c, a.ptr(0), a.ptr(1), a.ptr(2));
    GETRESGID => "getresgid" [Ptr, Ptr, Ptr] |c, a| getuid::sys_getresgid(c, a.ptr(0), a.ptr(1), a.ptr(2));
    PRLIMIT64 => "prlimit64" [Int, Int, Ptr, Ptr]
        |c, a| prlimit64::sys_prlimit64(c, a.int(0), a.uint(1), a.ptr(2), a.ptr(3));
    GETRLIMIT => "getrlimit" [Int, Ptr] |c, a| prlimit64::sys_getrlimit(c, a.uint(0), a.ptr(1));
    SETRLIMIT => "setrlimit" [Int, Ptr] |c, a| prlimit64::sys_setrlimit(c, a.uint(0), a.ptr(1));
    GETRUSAGE => "getrusage" [Int, Ptr] |c, a| getrusage::sys_getrusage(c, a.int(0), a.ptr(1));
    TIMES => "times" [Ptr] |c, a| getrusage::sys_times(c, a.ptr(0));
    GETRANDOM => "getrandom" [Ptr, Uint, Hex] |c, a| getrandom::sys_getrandom(c, a.slice(0, 1), a.uint(2));
    CLOCK_GETTIME => "clock_gettime" [Int, Ptr] |c, a| clock_gettime::sys_clock_gettime(c, a.int(0), a.ptr(1));
    CLOCK_GETRES => "clock_getres" [Int, Ptr] |c, a| clock_gettime::sys_clock_getres(c, a.int(0), a.ptr(1));
    GETTIMEOFDAY => "gettimeofday" [Ptr, Ptr] |c, a| clock_gettime::sys_gettimeofday(c, a.ptr(0), a.ptr(1));
    TIME => "time" [Ptr] |c, a| clock_gettime::sys_time(c, a.ptr(0));
    NANOSLEEP => "nanosleep" [Ptr, Ptr] |c, a| nanosleep::sys_nanosleep(c, a.ptr(0), a.ptr(1));
    CLOCK_NANOSLEEP => "clock_nanosleep" [Int, Hex, Ptr, Ptr]
        |c, a| nanosleep::sys_clock_nanosleep(c, a.int(0), a.int(1), a.ptr(2), a.ptr(3));
    SCHED_YIELD => "sched_yield" [] |c, _| sched::sys_sched_yield(c);
    SCHED_GETAFFINITY => "sched_getaffinity" [Int, Uint, Ptr]
        |c, a| sched::sys_sched_getaffinity(c, a.int(0), crate::user::UserSlice::new(a.raw(2), a.usize(1)));
    SCHED_SETAFFINITY => "sched_setaffinity" [Int, Uint, Ptr]
        |c, a| sched::sys_sched_setaffinity(c, a.int(0), crate::user::UserSlice::new(a.raw(2), a.usize(1)));
    GETCPU => "getcpu" [Ptr, Ptr, Ptr] |c, a| sched::sys_getcpu(c, a.ptr(0), a.ptr(1));
    SCHED_SETSCHEDULER => "sched_setscheduler" [Int, Int, Ptr]
        |c, a| sched::sys_sched_setscheduler(c, a.int(0), a.int(1), a.ptr(2));
    SCHED_GETSCHEDULER => "sched_getscheduler" [Int] |c, a| sched::sys_sched_getscheduler(c, a.int(0));
    SCHED_SETPARAM => "sched_setparam" [Int, Ptr] |c, a| sched::sys_sched_setparam(c, a.int(0), a.ptr(1));
    SCHED_GETPARAM => "sched_getparam" [Int, Ptr] |c, a| sched::sys_sched_getparam(c, a.int(0), a.ptr(1));
    SCHED_GET_PRIORITY_MAX => "sched_get_priority_max" [Int]
        |c, a| sched::sys_sched_get_priority_max(c, a.int(0));
    SCHED_GET_PRIORITY_MIN => "sched_get_priority_min" [Int]
        |c, a| sched::sys_sched_get_priority_min(c, a.int(0));
    SCHED_RR_GET_INTERVAL => "sched_rr_get_interval" [Int, Ptr]
        |c, a| sched::sys_sched_rr_get_interval(c, a.int(0), a.ptr(1));
    SCHED_SETATTR => "sched_setattr" [Int, Ptr, Hex] |c, a| sched::sys_sched_setattr(c, a.int(0), a.raw(1), a.uint(2));
    SCHED_GETATTR => "sched_getattr" [Int, Ptr, Uint, Hex]
        |c, a| sched::sys_sched_getattr(c, a.int(0), a.raw(1), a.uint(2), a.uint(3));
    GETPRIORITY => "getpriority" [Int, Int] |c, a| sched::sys_getpriority(c, a.int(0), a.int(1));
    SETPRIORITY => "setpriority" [Int, Int, Int] |c, a| sched::sys_setpriority(c, a.int(0), a.int(1), a.int(2));
    SYSINFO => "sysinfo" [Ptr] |c, a| sysinfo::sys_sysinfo(c, a.ptr(0));
    RT_SIGACTION => "rt_sigaction" [Int, Ptr, Ptr, Uint]
        |c, a| rt_sigaction::sys_rt_sigaction(c, a.int(0), a.ptr(1), a.ptr(2), a.usize(3));
    RT_SIGPROCMASK => "rt_sigprocmask" [Int, Ptr, Ptr, Uint]
        |c, a| rt_sigprocmask::sys_rt_sigprocmask(c, a.int(0), a.ptr(1), a.ptr(2), a.usize(3));
    SIGALTSTACK => "sigaltstack" [Ptr, Ptr] |c, a| sigaltstack::sys_sigaltstack(c, a.ptr(0), a.ptr(1));
    RT_SIGPENDING => "rt_sigpending" [Ptr, Uint] |c, a| rt_sigprocmask::sys_rt_sigpending(c, a.ptr(0), a.usize(1));
    RT_SIGSUSPEND => "rt_sigsuspend" [Ptr, Uint] |c, a| rt_sigsuspend::sys_rt_sigsuspend(c, a.ptr(0), a.usize(1));
    PAUSE => "pause" [] |c, _| rt_sigsuspend::sys_pause(c);
    RT_SIGTIMEDWAIT => "rt_sigtimedwait" [Ptr, Ptr, Ptr, Uint]
        |c, a| rt_sigtimedwait::sys_rt_sigtimedwait(c, a.ptr(0), a.ptr(1), a.ptr(2), a.usize(3));
    RT_SIGRETURN => "rt_sigreturn" [] |c, _| rt_sigreturn::sys_rt_sigreturn(c);
    RESTART_SYSCALL => "restart_syscall" [] |c, _| nanosleep::sys_restart_syscall(c);
    KILL => "kill" [Int, Int] |c, a| kill::sys_kill(c, a.int(0), a.int(1));
    TKILL => "tkill" [Int, Int] |c, a| kill::sys_tkill(c, a.int(0), a.int(1));
    TGKILL => "tgkill" [Int, Int, Int] |c, a| kill::sys_tgkill(c, a.int(0), a.int(1), a.int(2));
    RT_SIGQUEUEINFO => "rt_sigqueueinfo" [Int, Int, Ptr]
        |c, a| kill::sys_rt_sigqueueinfo(c, a.int(0), a.int(1), a.ptr(2));
    RT_TGSIGQUEUEINFO => "rt_tgsigqueueinfo" [Int, Int, Int, Ptr]
        |c, a| kill::sys_rt_tgsigqueueinfo(c, a.int(0), a.int(1), a.int(2), a.ptr(3));
    ALARM => "alarm" [Uint] |c, a| itimer::sys_alarm(c, a.uint(0));
    GETITIMER => "getitimer" [Int, Ptr] |c, a| itimer::sys_getitimer(c, a.int(0), a.ptr(1));
    SETITIMER => "setitimer" [Int, Ptr, Ptr] |c, a| itimer::sys_setitimer(c, a.int(0), a.ptr(1), a.ptr(2));
    TIMER_CREATE => "timer_create" [Int, Ptr, Ptr] |c, a| timer::sys_timer_create(c, a.int(0), a.ptr(1), a.ptr(2));
    TIMER_SETTIME => "timer_settime" [Int, Hex, Ptr, Ptr]
        |c, a| timer::sys_timer_settime(c, a.int(0), a.int(1), a.ptr(2), a.ptr(3));
    TIMER_GETTIME => "timer_gettime" [Int, Ptr] |c, a| timer::sys_timer_gettime(c, a.int(0), a.ptr(1));
    TIMER_GETOVERRUN => "timer_getoverrun" [Int] |c, a| timer::sys_timer_getoverrun(c, a.int(0));
    TIMER_DELETE => "timer_delete" [Int] |c, a| timer::sys_timer_delete(c, a.int(0));
    CLONE => "clone" [Hex, Ptr, Ptr, Ptr, Ptr]
        |c, a| clone::sys_clone(c, a.raw(0), a.raw(1), a.raw(2), a.raw(3), a.raw(4));
    CLONE3 => "clone3" [Ptr, Uint] |c, a| clone::sys_clone3(c, a.raw(0), a.usize(1));
    FUTEX => "futex" [Ptr, Int, Uint, Ptr, Ptr, Uint]
        |c, a| futex::sys_futex(c, a.raw(0), a.int(1), a.uint(2), a.raw(3), a.raw(4), a.uint(5));
}
