/* clone(2) of a thread, by hand: CLONE_VM | CLONE_FS | CLONE_FILES |
 * CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
 * CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID on an mmap'd stack. The child
 * runs on the given stack with the given FS base, has its own thread id
 * (written to *parent_tid before clone returns) and the parent's process
 * id, and shares memory, file descriptors (CLONE_FILES), the umask
 * (CLONE_FS) and signal handlers (CLONE_SIGHAND) with its parent; when it
 * exits, *child_tid becomes 0 and a FUTEX_WAIT on it is woken.
 * CLONE_CHILD_SETTID writes the child's id into its memory. Invalid
 * combinations are EINVAL: CLONE_THREAD without CLONE_SIGHAND,
 * CLONE_SIGHAND without CLONE_VM, CLONE_FS with CLONE_NEWNS.
 *
 * The child never touches the C library (its TLS is not a real thread
 * block): it makes raw system calls only. */
#include "sole_test.h"
#include <sched.h>
#include <sys/mman.h>

#define STACK_SIZE (64 * 1024)

static inline long rsys(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

/* clone(flags, stack, ptid, ctid, tls); the child calls fn(arg) on the new
 * stack and exits the thread with its return value. Returns the raw
 * result (a tid, or -errno). */
static long raw_clone(unsigned long flags, void *stack_top, pid_t *ptid, pid_t *ctid,
		      unsigned long tls, int (*fn)(void *), void *arg)
{
	unsigned long *sp = (unsigned long *)stack_top;
	*--sp = (unsigned long)fn;
	*--sp = (unsigned long)arg;
	long ret;
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = (long)tls;
	__asm__ volatile("syscall\n\t"
			 "testq %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 /* The child: fn(arg), then exit(ret). */
			 "xorl %%ebp, %%ebp\n\t"
			 "popq %%rdi\n\t"
			 "popq %%rax\n\t"
			 "callq *%%rax\n\t"
			 "movl %%eax, %%edi\n\t"
			 "movl $60, %%eax\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone), "D"(flags), "S"(sp), "d"(ptid), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
}

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

struct report {
	long tid, pid, fs, close_ret, umask_old, sigaction_ret, settid_seen;
	unsigned long stack_addr;
	pid_t parent_tid_seen;
	int fd_to_close;
	uint32_t go;
	volatile int done;
};

static pid_t parent_tid, child_tid;
static struct report report;

__attribute__((noinline, no_stack_protector)) static int child_main(void *arg)
{
	struct report *r = arg;
	int local = 0;
	r->stack_addr = (unsigned long)&local;
	r->tid = rsys(SYS_gettid, 0, 0, 0, 0);
	r->pid = rsys(SYS_getpid, 0, 0, 0, 0);
	rsys(SYS_arch_prctl, SOLE_ARCH_GET_FS, (long)&r->fs, 0, 0);
	r->parent_tid_seen = *(volatile pid_t *)&parent_tid;
	r->settid_seen = *(volatile pid_t *)&child_tid;
	r->close_ret = rsys(SYS_close, r->fd_to_close, 0, 0, 0);
	r->umask_old = rsys(SYS_umask, 077, 0, 0, 0);
	struct kernel_sigaction ka = { SIG_IGN, 0, NULL, 0 };
	r->sigaction_ret = rsys(SYS_rt_sigaction, SIGUSR2, (long)&ka, 0, 8);
	/* Wait for the parent's go, then linger so that the parent is
	 * asleep on child_tid when this thread exits. */
	while (*(volatile uint32_t *)&r->go == 0)
		rsys(SYS_futex, (long)&r->go, SOLE_FUTEX_WAIT, 0, 0);
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	rsys(SYS_nanosleep, (long)&ts, 0, 0, 0);
	r->done = 1;
	return 0;
}

__attribute__((noinline, no_stack_protector)) static int child_noop(void *arg)
{
	(void)arg;
	return 0;
}

static volatile int settid_done;

__attribute__((noinline, no_stack_protector)) static int child_settid(void *arg)
{
	long *seen = arg;
	*seen = *(volatile pid_t *)&child_tid;
	settid_done = 1;
	return 0;
}

int main(void)
{
	const unsigned long thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
					   CLONE_THREAD | CLONE_SYSVSEM;
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	if (stack == MAP_FAILED)
		BAIL("mmap");
	/* A fake TLS block for the child: %fs:0 points at itself. */
	static unsigned long fake_tls[64] __attribute__((aligned(64)));
	fake_tls[0] = (unsigned long)fake_tls;

	int fds[2];
	if (pipe(fds) != 0)
		BAIL("pipe");
	mode_t old_umask = umask(022);
	install_handler(SIGUSR2, SIG_DFL, 0);

	report.fd_to_close = fds[0];
	child_tid = 1;
	long tid = raw_clone(thread_flags | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
			     stack + STACK_SIZE, &parent_tid, &child_tid, (unsigned long)fake_tls,
			     child_main, &report);
	CHECK(tid > 0, "clone returned a thread id (%ld)", tid);
	if (tid <= 0)
		BAIL("no thread");
	CHECK(parent_tid == tid, "CLONE_PARENT_SETTID wrote the tid before clone returned (%d)",
	      parent_tid);
	CHECK(tid != getpid(), "the thread's id is not the process id");

	/* Let the child finish its checks, then wait for its exit. */
	__atomic_store_n(&report.go, 1, __ATOMIC_SEQ_CST);
	sole_futex(&report.go, SOLE_FUTEX_WAKE, 1, NULL, NULL, 0);
	struct timespec ten = { 10, 0 };
	long long t0 = now_ns();
	long r;
	int timed_out = 0;
	while (*(volatile pid_t *)&child_tid != 0) {
		r = sole_futex(&child_tid, SOLE_FUTEX_WAIT, (uint32_t)tid, &ten, NULL, 0);
		if (r == -1 && errno == ETIMEDOUT) {
			timed_out = 1;
			break;
		}
	}
	CHECK(!timed_out, "the exit woke the FUTEX_WAIT on child_tid");
	CHECK(now_ns() - t0 < 10000000000LL, "promptly");
	CHECK_EQ(child_tid, 0);
	CHECK_EQ(report.done, 1);
	CHECK_EQ(report.tid, tid);
	CHECK_EQ(report.pid, getpid());
	CHECK(report.parent_tid_seen == tid, "the child saw *parent_tid too");
	CHECK(report.fs == (long)fake_tls, "CLONE_SETTLS set the child's FS base (%#lx)",
	      (unsigned long)report.fs);
	CHECK(report.stack_addr > (unsigned long)stack &&
		      report.stack_addr < (unsigned long)stack + STACK_SIZE,
	      "the child ran on the given stack");
	CHECK_EQ(report.close_ret, 0);
	CHECK_ERR(fcntl(fds[0], F_GETFD), EBADF);
	CHECK(report.umask_old == 022, "the child saw the parent's umask (%#lo)", report.umask_old);
	CHECK(umask(022) == 077, "CLONE_FS: the child's umask is the parent's");
	CHECK_EQ(report.sigaction_ret, 0);
	struct sigaction sa;
	sigaction(SIGUSR2, NULL, &sa);
	CHECK(sa.sa_handler == SIG_IGN, "CLONE_SIGHAND: the child's sigaction is the parent's");
	install_handler(SIGUSR2, SIG_DFL, 0);
	/* Our own FS base is untouched. */
	unsigned long fs = 0;
	syscall(SYS_arch_prctl, SOLE_ARCH_GET_FS, &fs);
	CHECK(fs != (unsigned long)fake_tls, "the parent's FS base is its own");

	/* CLONE_CHILD_SETTID. */
	long seen = 0;
	child_tid = 0;
	tid = raw_clone(thread_flags | CLONE_CHILD_SETTID, stack + STACK_SIZE, NULL, &child_tid, 0,
			child_settid, &seen);
	CHECK(tid > 0, "a second thread");
	CHECK(wait_flag((volatile int *)&settid_done, 20000), "it ran");
	CHECK(seen == tid, "CLONE_CHILD_SETTID: the child saw its tid (%ld)", seen);
	CHECK_EQ(child_tid, tid);
	/* It has exited or is about to; give it time before the stack is
	 * reused. */
	sleep_ms(20);

	/* Invalid combinations. */
	r = raw_clone(CLONE_VM | CLONE_THREAD, stack + STACK_SIZE, NULL, NULL, 0, child_noop, NULL);
	CHECK(r == -EINVAL, "CLONE_THREAD without CLONE_SIGHAND: EINVAL (%ld)", r);
	r = raw_clone(CLONE_SIGHAND, stack + STACK_SIZE, NULL, NULL, 0, child_noop, NULL);
	CHECK(r == -EINVAL, "CLONE_SIGHAND without CLONE_VM: EINVAL (%ld)", r);
	r = raw_clone(CLONE_SIGHAND | CLONE_THREAD, stack + STACK_SIZE, NULL, NULL, 0, child_noop,
		      NULL);
	CHECK(r == -EINVAL, "CLONE_THREAD | CLONE_SIGHAND without CLONE_VM: EINVAL (%ld)", r);
	r = raw_clone(CLONE_FS | CLONE_NEWNS, stack + STACK_SIZE, NULL, NULL, 0, child_noop, NULL);
	CHECK(r == -EINVAL, "CLONE_FS with CLONE_NEWNS: EINVAL (%ld)", r);

	umask(old_umask);
	close(fds[1]);
	return finish();
}
