/*
 * The conformance suite's shared header: TAP-style checks, a scratch
 * directory, and the few Linux ABI definitions that musl's headers lack.
 *
 * Each test is one C file that includes this header, runs its checks and
 * ends with `return finish();`. A check prints `ok N - what` or
 * `not ok N - what (file:line: detail)`; finish() prints
 * `# N passed, M failed`, removes the scratch directory and returns 0 only
 * if nothing failed. The runner (tests/integration/conformance.rs) builds
 * every test with musl (-static), glibc (-static-pie) and glibc dynamically
 * linked (with -DSOLE_DYNAMIC, so that a test of dlopen can tell), runs it
 * natively, then in Sole from an initrd and from a disk image.
 *
 * The tests must pass on Linux and in Sole alike: they create what they use
 * under their own scratch directory (in /tmp, or in $SOLE_SCRATCH_DIR) and
 * do not depend on user ids. They may
 * start threads (the runner links with -pthread) and deliver signals, but
 * use no fork, exec, vfork or posix_spawn: Sole runs one process. Checks
 * are made from one thread at a time (the counters are not atomic): worker
 * threads record what they saw and the main thread checks it.
 */
#ifndef SOLE_TEST_H
#define SOLE_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>

/* ---- Reporting ---------------------------------------------------------- */

/* Check descriptions may quote long strings; cutting them short is fine. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static int st_checks;
static int st_failures;

static inline const char *errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOVERFLOW: return "EOVERFLOW";
	default: return "E?";
	}
}

/* Prints one result line. `detail` (printf-style, may be NULL) explains a
 * failure; `what` names the check. */
static inline int st_report(int ok, const char *file, int line, const char *what,
			    const char *detail_fmt, ...)
	__attribute__((format(printf, 5, 6)));

static inline int st_report(int ok, const char *file, int line, const char *what,
			    const char *detail_fmt, ...)
{
	/* One check, one line. */
	char clean[512];
	snprintf(clean, sizeof clean, "%s", what);
	for (char *c = clean; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	st_checks++;
	if (ok) {
		printf("ok %d - %s\n", st_checks, clean);
	} else {
		st_failures++;
		printf("not ok %d - %s (%s:%d", st_checks, clean, file, line);
		if (detail_fmt) {
			va_list ap;
			va_start(ap, detail_fmt);
			printf(": ");
			vprintf(detail_fmt, ap);
			va_end(ap);
		}
		printf(")\n");
	}
	/* Every line out at once, so that a crash loses none. */
	fflush(stdout);
	return ok;
}

/* A comment line (`# ...`), ignored by the runner. */
#define NOTE(...)                                                              \
	do {                                                                   \
		printf("# " __VA_ARGS__);                                      \
		printf("\n");                                                  \
		fflush(stdout);                                                \
	} while (0)

/* CHECK(cond, what...): passes if cond is true. Evaluates to cond. */
#define CHECK(cond, ...)                                                       \
	({                                                                     \
		int st_ok_ = !!(cond);                                         \
		int st_e_ = errno;                                             \
		char st_what_[512];                                            \
		snprintf(st_what_, sizeof st_what_, __VA_ARGS__);              \
		st_report(st_ok_, __FILE__, __LINE__, st_what_, "%s (errno=%s)", \
			  #cond, errno_name(st_e_));                           \
	})

/* CHECK_EQ(a, b): passes if the two integers are equal. */
#define CHECK_EQ(a, b)                                                         \
	({                                                                     \
		long long st_a_ = (long long)(a), st_b_ = (long long)(b);      \
		st_report(st_a_ == st_b_, __FILE__, __LINE__, #a " == " #b,    \
			  "%lld != %lld (errno=%s)", st_a_, st_b_,             \
			  errno_name(errno));                                  \
	})

/* CHECK_OK(call): passes if call does not return -1. Evaluates to call's
 * result. */
#define CHECK_OK(call)                                                         \
	({                                                                     \
		errno = 0;                                                     \
		long st_r_ = (long)(call);                                     \
		int st_e_ = errno;                                             \
		st_report(st_r_ != -1, __FILE__, __LINE__, #call,              \
			  "returned %ld, errno=%s",                            \
			  st_r_, errno_name(st_e_));                           \
		errno = st_e_;                                                 \
		st_r_;                                                         \
	})

/* CHECK_ERR(call, E): passes if call returns -1 with errno E. */
#define CHECK_ERR(call, want)                                                  \
	({                                                                     \
		errno = 0;                                                     \
		long st_r_ = (long)(call);                                     \
		int st_e_ = errno;                                             \
		st_report(st_r_ == -1 && st_e_ == (want), __FILE__, __LINE__,  \
			  #call " fails with " #want,                          \
			  "returned %ld, errno=%s", st_r_,                     \
			  st_r_ == -1 ? errno_name(st_e_) : "-");              \
	})

/* CHECK_ERR_THEN(call, E, then): runs call, then the statement `then`
 * (say, stopping a thread that sends signals, so that no signal can cut
 * into the report), then checks that call returned -1 with errno E. */
#define CHECK_ERR_THEN(call, want, then)                                       \
	({                                                                     \
		errno = 0;                                                     \
		long st_r_ = (long)(call);                                     \
		int st_e_ = errno;                                             \
		then;                                                          \
		st_report(st_r_ == -1 && st_e_ == (want), __FILE__, __LINE__,  \
			  #call " fails with " #want,                          \
			  "returned %ld, errno=%s", st_r_,                     \
			  st_r_ == -1 ? errno_name(st_e_) : "-");              \
	})

/* CHECK_RET(call, value): passes if call returns exactly value. */
#define CHECK_RET(call, value)                                                 \
	({                                                                     \
		errno = 0;                                                     \
		long st_r_ = (long)(call);                                     \
		int st_e_ = errno;                                             \
		long st_v_ = (long)(value);                                    \
		st_report(st_r_ == st_v_, __FILE__, __LINE__,                 \
			  #call " returns " #value,                            \
			  "returned %ld, expected %ld, errno=%s", st_r_, st_v_, \
			  st_r_ == -1 ? errno_name(st_e_) : "-");              \
		st_r_;                                                         \
	})

/* CHECK_MEM(a, b, n): passes if n bytes at a and b are equal. */
#define CHECK_MEM(a, b, n)                                                     \
	st_report(memcmp((a), (b), (n)) == 0, __FILE__, __LINE__,              \
		  "memcmp(" #a ", " #b ", " #n ") == 0", "contents differ")

/* CHECK_STR(a, b): passes if the strings are equal. */
#define CHECK_STR(a, b)                                                        \
	({                                                                     \
		const char *st_a_ = (a), *st_b_ = (b);                         \
		int st_ok_ = st_a_ && st_b_ && strcmp(st_a_, st_b_) == 0;      \
		st_report(st_ok_, __FILE__, __LINE__, #a " equals " #b,        \
			  "\"%s\" != \"%s\"", st_a_ ? st_a_ : "(null)",        \
			  st_b_ ? st_b_ : "(null)");                           \
	})

/* SKIP(why...): a check that does not apply to this build (say, dlopen in
 * a static program): TAP's `ok N - # SKIP why`. It counts as passed, so a
 * test that skips everything still ends with a passing summary. */
#define SKIP(...)                                                              \
	do {                                                                   \
		char st_why_[512];                                             \
		snprintf(st_why_, sizeof st_why_, __VA_ARGS__);                \
		st_checks++;                                                   \
		printf("ok %d - # SKIP %s\n", st_checks, st_why_);             \
		fflush(stdout);                                                \
	} while (0)

/* Stops the test at once: the remaining checks make no sense. */
#define BAIL(...)                                                              \
	do {                                                                   \
		printf("Bail out! " __VA_ARGS__);                              \
		printf(" (%s:%d, errno=%s)\n", __FILE__, __LINE__,             \
		       errno_name(errno));                                     \
		fflush(stdout);                                                \
		exit(2);                                                       \
	} while (0)

/* ---- Scratch directory ------------------------------------------------ */

static char st_scratch[PATH_MAX];

/* Removes `name` under directory `dirfd`, recursing into directories. */
static inline void st_remove_tree(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		/* A test may leave a directory without search permission. */
		fchmodat(fd, entry->d_name, 0700, 0);
		st_remove_tree(fd, entry->d_name);
	}
	closedir(dir);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Creates a fresh directory under $SOLE_SCRATCH_DIR (/tmp if unset or
 * empty), makes it the working directory, sets the umask to 022 (so modes
 * are predictable) and returns the directory's absolute path. finish()
 * removes it. The runner sets SOLE_SCRATCH_DIR=/ when the root is a disk
 * image, so the files a test makes are on the disk, not in /tmp's tmpfs. */
static inline const char *scratch(void)
{
	if (st_scratch[0])
		return st_scratch;
	umask(022);
	const char *under = getenv("SOLE_SCRATCH_DIR");
	if (!under || !under[0])
		under = "/tmp";
	size_t len = strlen(under);
	while (len > 1 && under[len - 1] == '/')
		len--;
	if (snprintf(st_scratch, sizeof st_scratch, "%.*s/sole-conf-XXXXXX",
		     len == 1 && under[0] == '/' ? 0 : (int)len,
		     under) >= (int)sizeof st_scratch)
		BAIL("SOLE_SCRATCH_DIR is too long");
	if (!mkdtemp(st_scratch))
		BAIL("cannot create a scratch directory under %s", under);
	if (chdir(st_scratch) != 0)
		BAIL("cannot enter %s", st_scratch);
	return st_scratch;
}

/* Writes `text` to a new file `path` (relative to the working directory). */
static inline void make_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		BAIL("cannot create %s", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len)
		BAIL("cannot write %s", path);
	close(fd);
}

/* Prints the summary, removes the scratch directory, and returns the exit
 * status: 0 if every check passed. */
static inline int finish(void)
{
	if (st_scratch[0]) {
		if (chdir("/") != 0)
			NOTE("cannot leave %s", st_scratch);
		st_remove_tree(AT_FDCWD, st_scratch);
		st_scratch[0] = 0;
	}
	printf("# %d passed, %d failed\n", st_checks - st_failures, st_failures);
	fflush(stdout);
	return st_failures == 0 && st_checks > 0 ? 0 : 1;
}

/* ---- Bad addresses ------------------------------------------------------ */

/* Addresses no program may touch: unmapped low memory, a non-canonical
 * address, and addresses in the upper half where Sole's kernel lives (its
 * direct map and its image). A system call given one must fail with EFAULT,
 * never read or write kernel memory. */
#define BAD_LOW ((void *)(uintptr_t)16)
#define BAD_NONCANONICAL ((void *)(uintptr_t)0x0000800000000000ull)
#define BAD_DIRECT_MAP ((void *)(uintptr_t)0xffff800000001000ull)
#define BAD_KERNEL_IMAGE ((void *)(uintptr_t)0xffffffff80100000ull)

/* ---- Linux ABI that musl's headers lack ------------------------------- */

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_statx
#define SYS_statx 332
#endif

/* struct statx (include/uapi/linux/stat.h), under its own name so that it
 * does not clash with glibc's. */
struct sole_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct sole_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct sole_statx_timestamp stx_atime;
	struct sole_statx_timestamp stx_btime;
	struct sole_statx_timestamp stx_ctime;
	struct sole_statx_timestamp stx_mtime;
	uint32_t stx_rdev_major;
	uint32_t stx_rdev_minor;
	uint32_t stx_dev_major;
	uint32_t stx_dev_minor;
	uint64_t spare2[14];
};

#define SOLE_STATX_TYPE 0x0001U
#define SOLE_STATX_MODE 0x0002U
#define SOLE_STATX_NLINK 0x0004U
#define SOLE_STATX_UID 0x0008U
#define SOLE_STATX_GID 0x0010U
#define SOLE_STATX_ATIME 0x0020U
#define SOLE_STATX_MTIME 0x0040U
#define SOLE_STATX_CTIME 0x0080U
#define SOLE_STATX_INO 0x0100U
#define SOLE_STATX_SIZE 0x0200U
#define SOLE_STATX_BLOCKS 0x0400U
#define SOLE_STATX_BASIC_STATS 0x07ffU
#define SOLE_STATX__RESERVED 0x80000000U
#define SOLE_AT_STATX_SYNC_TYPE 0x6000

/* Futex operations (include/uapi/linux/futex.h). */
#define SOLE_FUTEX_WAIT 0
#define SOLE_FUTEX_WAKE 1
#define SOLE_FUTEX_WAIT_BITSET 9
#define SOLE_FUTEX_WAKE_BITSET 10
#define SOLE_FUTEX_PRIVATE_FLAG 128
#define SOLE_FUTEX_CLOCK_REALTIME 256
#define SOLE_FUTEX_REQUEUE 3
#define SOLE_FUTEX_CMP_REQUEUE 4
#define SOLE_FUTEX_WAKE_OP 5
#define SOLE_FUTEX_LOCK_PI 6
#define SOLE_FUTEX_UNLOCK_PI 7
#define SOLE_FUTEX_TRYLOCK_PI 8
#define SOLE_FUTEX_WAITERS 0x80000000U
#define SOLE_FUTEX_OWNER_DIED 0x40000000U
#define SOLE_FUTEX_TID_MASK 0x3fffffffU
#define SOLE_FUTEX_BITSET_MATCH_ANY 0xffffffffU

/* FUTEX_WAKE_OP's operation word: op, cmp, oparg, cmparg. */
#define SOLE_FUTEX_OP_SET 0
#define SOLE_FUTEX_OP_ADD 1
#define SOLE_FUTEX_OP_OR 2
#define SOLE_FUTEX_OP_ANDN 3
#define SOLE_FUTEX_OP_XOR 4
#define SOLE_FUTEX_OP_OPARG_SHIFT 8
#define SOLE_FUTEX_OP_CMP_EQ 0
#define SOLE_FUTEX_OP_CMP_NE 1
#define SOLE_FUTEX_OP_CMP_LT 2
#define SOLE_FUTEX_OP_CMP_LE 3
#define SOLE_FUTEX_OP_CMP_GT 4
#define SOLE_FUTEX_OP_CMP_GE 5
#define SOLE_FUTEX_OP(op, oparg, cmp, cmparg)                                  \
	((((uint32_t)(op) & 0xf) << 28) | (((uint32_t)(cmp) & 0xf) << 24) |   \
	 (((uint32_t)(oparg) & 0xfff) << 12) | ((uint32_t)(cmparg) & 0xfff))

/* The raw futex system call. `val2` travels in the timeout slot (as the
 * requeue and wake-op counts do). */
static inline long sole_futex(volatile void *addr, int op, uint32_t val,
			      const struct timespec *timeout, volatile void *addr2,
			      uint32_t val3)
{
	return syscall(SYS_futex, addr, op, val, timeout, addr2, val3);
}

static inline long sole_futex_val2(volatile void *addr, int op, uint32_t val,
				   unsigned long val2, volatile void *addr2, uint32_t val3)
{
	return syscall(SYS_futex, addr, op, val, val2, addr2, val3);
}

/* arch_prctl codes (arch/x86/include/uapi/asm/prctl.h). */
#define SOLE_ARCH_SET_GS 0x1001
#define SOLE_ARCH_SET_FS 0x1002
#define SOLE_ARCH_GET_FS 0x1003
#define SOLE_ARCH_GET_GS 0x1004

/* Magic numbers statfs reports (include/uapi/linux/magic.h). */
#define SOLE_PROC_SUPER_MAGIC 0x9fa0

/* ---- Small helpers ------------------------------------------------------ */

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads a whole (small) file into buf, NUL-terminated; returns its length
 * or -1. Reads until EOF, as procfs files must be read. */
static inline ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	close(fd);
	return (ssize_t)len;
}


/* ---- Threads and signals ------------------------------------------------ */

/* The calling thread's id (musl and older glibc lack some wrappers). */
static inline pid_t sole_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Sends `sig` to thread `tid` of this process. */
static inline int sole_tgkill(pid_t tid, int sig)
{
	return (int)syscall(SYS_tgkill, getpid(), tid, sig);
}

/* Sleeps `ms` milliseconds, resuming after signal handlers. */
static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* `ts` plus `ns` nanoseconds, normalised. */
static inline struct timespec ts_add_ns(struct timespec ts, long long ns)
{
	long long total = (long long)ts.tv_nsec + ns % 1000000000LL;
	ts.tv_sec += (time_t)(ns / 1000000000LL + total / 1000000000LL);
	ts.tv_nsec = (long)(total % 1000000000LL);
	if (ts.tv_nsec < 0) {
		ts.tv_nsec += 1000000000L;
		ts.tv_sec--;
	}
	return ts;
}

/* An absolute time `ns` nanoseconds from now on `clock`. */
static inline struct timespec deadline_after(clockid_t clock, long long ns)
{
	struct timespec now;
	clock_gettime(clock, &now);
	return ts_add_ns(now, ns);
}

/* Nanoseconds from a to b (b - a). */
static inline long long ts_diff_ns(struct timespec a, struct timespec b)
{
	return (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
}

/* Installs a plain handler (or SIG_DFL/SIG_IGN) with `flags` and an
 * empty sa_mask; bails out if sigaction fails. */
static inline void install_handler(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0)
		BAIL("sigaction(%d)", sig);
}

/* Installs an SA_SIGINFO handler with `flags` (SA_SIGINFO is added) and an
 * empty sa_mask. */
static inline void install_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = flags | SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0)
		BAIL("sigaction(%d)", sig);
}

/* Blocks (how = SIG_BLOCK) or unblocks (SIG_UNBLOCK) one signal in the
 * calling thread. */
static inline void mask_signal(int how, int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (pthread_sigmask(how, &set, NULL) != 0)
		BAIL("pthread_sigmask(%d, %d)", how, sig);
}

/* Whether `sig` is blocked in the calling thread. */
static inline int signal_blocked(int sig)
{
	sigset_t set;
	pthread_sigmask(SIG_BLOCK, NULL, &set);
	return sigismember(&set, sig) == 1;
}

/* Whether `sig` is pending for the calling thread (or the process). */
static inline int signal_pending(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigpending(&set);
	return sigismember(&set, sig) == 1;
}

/* Starts a thread or bails out. */
static inline pthread_t start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int e = pthread_create(&t, NULL, fn, arg);
	if (e != 0) {
		errno = e;
		BAIL("pthread_create");
	}
	return t;
}

/* Joins a thread or bails out; returns its value. */
static inline void *join_thread(pthread_t t)
{
	void *ret = NULL;
	int e = pthread_join(t, &ret);
	if (e != 0) {
		errno = e;
		BAIL("pthread_join");
	}
	return ret;
}

/* A pelter: a thread that sends `sig` to thread `target` every
 * `interval_ms` until stopped. A test that blocks in a system call cannot
 * tell the sender when it has gone to sleep; sending again and again
 * interrupts the call whenever it blocks, without relying on timing.
 * The pelter blocks every signal itself. */
struct pelter {
	pthread_t thread;
	pid_t target;
	int sig;
	long interval_ms;
	int max_sends; /* 0: no limit */
	volatile int stop;
	volatile int sent;
};

static inline void *st_pelter_main(void *arg)
{
	struct pelter *p = (struct pelter *)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST)) {
		sleep_ms(p->interval_ms);
		if (__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST))
			break;
		if (p->max_sends && p->sent >= p->max_sends)
			continue;
		sole_tgkill(p->target, p->sig);
		__atomic_add_fetch(&p->sent, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Starts pelting `target` with `sig`; max_sends 0 means until stopped. */
static inline void pelter_start(struct pelter *p, pid_t target, int sig, long interval_ms,
				int max_sends)
{
	memset(p, 0, sizeof *p);
	p->target = target;
	p->sig = sig;
	p->interval_ms = interval_ms;
	p->max_sends = max_sends;
	p->thread = start_thread(st_pelter_main, p);
}

static inline void pelter_stop(struct pelter *p)
{
	__atomic_store_n(&p->stop, 1, __ATOMIC_SEQ_CST);
	join_thread(p->thread);
}

/* Waits (yielding) until *flag is non-zero or `ms` pass; returns whether
 * it became non-zero. For waits that cannot block on a futex. */
static inline int wait_flag(volatile int *flag, long ms)
{
	long long end = now_ns() + ms * 1000000LL;
	while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST)) {
		if (now_ns() > end)
			return 0;
		sched_yield();
	}
	return 1;
}

/* Waits (yielding) until *value >= target or `ms` pass. */
static inline int wait_count(volatile int *value, int target, long ms)
{
	long long end = now_ns() + ms * 1000000LL;
	while (__atomic_load_n(value, __ATOMIC_SEQ_CST) < target) {
		if (now_ns() > end)
			return 0;
		sched_yield();
	}
	return 1;
}

/* ---- Touching memory that may fault --------------------------------- */

/* What one touch() did: sig is 0 if the access worked, else the signal
 * (SIGSEGV or SIGBUS) with its si_code and si_addr; value is the byte read. */
struct touch_result {
	int sig;
	int code;
	void *addr;
	unsigned char value;
};

static sigjmp_buf st_touch_env;
static volatile int st_touch_sig, st_touch_code;
static void *volatile st_touch_addr;

static inline void st_touch_handler(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	st_touch_sig = sig;
	st_touch_code = info->si_code;
	st_touch_addr = info->si_addr;
	siglongjmp(st_touch_env, 1);
}

/* Reads the byte at addr (write = 0) or stores `value` there (write = 1),
 * catching SIGSEGV and SIGBUS with a handler that siglongjmps back; the
 * previous handlers are restored. From the main thread only. */
static inline struct touch_result touch(void *addr, int write, unsigned char value)
{
	struct sigaction sa, old_segv, old_bus;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = st_touch_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old_segv) != 0 || sigaction(SIGBUS, &sa, &old_bus) != 0)
		BAIL("sigaction for touch()");
	struct touch_result r = { 0, 0, NULL, 0 };
	st_touch_sig = 0;
	st_touch_code = 0;
	st_touch_addr = NULL;
	if (sigsetjmp(st_touch_env, 1) == 0) {
		if (write)
			*(volatile unsigned char *)addr = value;
		else
			r.value = *(volatile unsigned char *)addr;
	}
	r.sig = st_touch_sig;
	r.code = st_touch_code;
	r.addr = st_touch_addr;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return r;
}

#define TOUCH_READ 0
#define TOUCH_WRITE 1

/* CHECK_TOUCH(addr, TOUCH_READ or TOUCH_WRITE, SIG, CODE): passes if the
 * access raises SIG with si_code CODE and si_addr addr; with SIG 0 (CODE
 * ignored), if it works. A write stores 0x5a. */
#define CHECK_TOUCH(addr_, write_, sig_, code_)                                \
	({                                                                     \
		void *st_p_ = (void *)(addr_);                                 \
		struct touch_result st_t_ = touch(st_p_, (write_), 0x5a);      \
		int st_ok_ = st_t_.sig == (sig_) &&                            \
			     (st_t_.sig == 0 ||                                \
			      (st_t_.code == (code_) && st_t_.addr == st_p_)); \
		st_report(st_ok_, __FILE__, __LINE__,                          \
			  #write_ " at " #addr_ " gives " #sig_ " " #code_,     \
			  "signal %d, si_code %d, si_addr %p (address %p)",    \
			  st_t_.sig, st_t_.code, st_t_.addr, st_p_);           \
	})

#endif
