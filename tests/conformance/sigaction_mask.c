/* rt_sigaction(2) and rt_sigprocmask(2): handlers, flags and masks read
 * back as installed; SIGKILL and SIGSTOP can be neither caught nor
 * blocked; EINVAL for bad signals, sizes and `how`, EFAULT. (Delivery comes
 * later: nothing here raises a signal.) */
#include "sole_test.h"
#include <signal.h>

static void handler(int sig)
{
	(void)sig;
}

static void info_handler(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)info;
	(void)ctx;
}

/* The kernel's struct sigaction on x86_64. */
struct k_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

#define SA_RESTORER_FLAG 0x04000000

int main(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
	memset(&old, 0, sizeof old);
	CHECK_OK(sigaction(SIGUSR1, NULL, &old));
	CHECK(old.sa_handler == handler, "the handler reads back");
	CHECK(old.sa_flags & SA_RESTART, "SA_RESTART reads back");
	CHECK(sigismember(&old.sa_mask, SIGUSR2), "the mask reads back");
	CHECK(!sigismember(&old.sa_mask, SIGINT), "only what was set");

	/* Replacing returns the previous action. */
	sa.sa_sigaction = info_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	CHECK_OK(sigaction(SIGUSR1, &sa, &old));
	CHECK(old.sa_handler == handler, "the old handler comes back");
	CHECK_OK(sigaction(SIGUSR1, NULL, &old));
	CHECK(old.sa_sigaction == info_handler, "the SA_SIGINFO handler reads back");
	CHECK(old.sa_flags & SA_SIGINFO, "SA_SIGINFO");
	CHECK(old.sa_flags & SA_NODEFER, "SA_NODEFER");

	/* SIG_IGN and SIG_DFL; real-time signals. */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	CHECK_OK(sigaction(SIGTERM, &sa, &old));
	CHECK(old.sa_handler == SIG_DFL, "SIGTERM started at SIG_DFL");
	CHECK_OK(sigaction(SIGTERM, NULL, &old));
	CHECK(old.sa_handler == SIG_IGN, "SIG_IGN reads back");
	sa.sa_handler = handler;
	CHECK_OK(sigaction(SIGRTMIN + 1, &sa, NULL));
	CHECK_OK(sigaction(SIGRTMAX, &sa, NULL));

	/* The system call directly: the kernel keeps SA_RESTORER and the
	 * restorer. */
	struct k_sigaction ka, kold;
	memset(&kold, 0, sizeof kold);
	CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kold, 8));
	CHECK(kold.handler == (void *)info_handler, "raw: the handler");
	CHECK(kold.flags & SA_RESTORER_FLAG, "raw: the C library set SA_RESTORER");
	CHECK(kold.restorer != NULL, "raw: a restorer");
	ka = kold;
	ka.mask = 1ull << (SIGHUP - 1);
	CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8));
	CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kold, 8));
	CHECK_EQ(kold.mask, 1ull << (SIGHUP - 1));
	/* SIGKILL and SIGSTOP cannot be in a handler's mask. */
	ka.mask = ~0ull;
	CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8));
	CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kold, 8));
	CHECK_EQ(kold.mask & ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1))), 0);

	/* Errors (sigaction(2)). */
	sa.sa_handler = handler;
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
	CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
	CHECK_OK(sigaction(SIGKILL, NULL, &old));
	CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, &kold, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, &kold, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &kold, 4), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, BAD_LOW, NULL, 8), EFAULT);
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD_KERNEL_IMAGE, 8), EFAULT);

	/* sigprocmask: block, read back, unblock, set. */
	sigset_t set, cur;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 2);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	CHECK_OK(sigprocmask(SIG_BLOCK, NULL, &cur));
	CHECK(sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGRTMIN + 2), "blocked");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_UNBLOCK, &set, &cur));
	CHECK(sigismember(&cur, SIGUSR1), "the old mask comes back");
	CHECK_OK(sigprocmask(SIG_SETMASK, NULL, &cur));
	CHECK(!sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGRTMIN + 2), "unblocked");
	/* SIGKILL and SIGSTOP are silently left unblocked. */
	sigfillset(&set);
	CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8));
	uint64_t raw = 0;
	CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, NULL, &raw, 8));
	CHECK_EQ(raw & ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1))), 0);
	CHECK(raw & (1ull << (SIGUSR2 - 1)), "SIGUSR2 blocked");
	uint64_t none = 0;
	CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8));
	CHECK_OK(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &raw, 8));
	CHECK_EQ(raw, 0);

	/* Errors (sigprocmask(2)). */
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 42, &none, NULL, 8), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &none, NULL, 4), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD_LOW, NULL, 8), EFAULT);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD_KERNEL_IMAGE, 8), EFAULT);
	return finish();
}
