/* sigqueue(3) and rt_sigqueueinfo(2): the value arrives in si_value with
 * si_code SI_QUEUE and the sender's si_pid; while blocked, real-time
 * signals queue every instance and are delivered lowest number first and
 * in sending order within one signal; a standard signal sent three times
 * is delivered once (with the first value); rt_sigqueueinfo to oneself may
 * carry any si_code; a bad signal is EINVAL. The handler blocks all the
 * test signals (sa_mask), so deliveries do not nest and their order is
 * the order of entry. */
#include "sole_test.h"

struct delivery {
	int sig, code, value, pid;
};

static struct delivery log_[32];
static volatile int logged;

static void action(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (logged < 32)
		log_[logged++] = (struct delivery){ sig, info->si_code, info->si_value.sival_int,
						    info->si_pid };
}

static void install(int sig, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = action;
	sa.sa_flags = SA_SIGINFO;
	sa.sa_mask = *mask;
	if (sigaction(sig, &sa, NULL) != 0)
		BAIL("sigaction");
}

static int queue(int sig, int value)
{
	union sigval v;
	v.sival_int = value;
	return sigqueue(getpid(), sig, v);
}

int main(void)
{
	pid_t pid = getpid();
	int r1 = SIGRTMIN + 1, r2 = SIGRTMIN + 2;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, r1);
	sigaddset(&set, r2);
	install(SIGUSR1, &set);
	install(r1, &set);
	install(r2, &set);

	/* Unblocked: delivered at once, with the value. */
	CHECK_OK(queue(r1, 1234));
	CHECK_EQ(logged, 1);
	CHECK_EQ(log_[0].sig, r1);
	CHECK_EQ(log_[0].code, SI_QUEUE);
	CHECK_EQ(log_[0].value, 1234);
	CHECK_EQ(log_[0].pid, pid);

	/* Blocked: queue and order. */
	logged = 0;
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK_OK(queue(r2, 10));
	CHECK_OK(queue(r1, 20));
	CHECK_OK(queue(r2, 30));
	CHECK_OK(queue(SIGUSR1, 1));
	CHECK_OK(queue(r1, 40));
	CHECK_OK(queue(SIGUSR1, 2));
	CHECK_OK(queue(SIGUSR1, 3));
	CHECK_EQ(logged, 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	static const struct {
		int sig_index, value;
	} want[] = { { 0, 1 }, { 1, 20 }, { 1, 40 }, { 2, 10 }, { 2, 30 } };
	int sigs[3] = { SIGUSR1, r1, r2 };
	CHECK(logged == 5, "five deliveries: SIGUSR1 once, each real-time signal twice (%d)",
	      logged);
	for (int i = 0; i < 5 && i < logged; i++) {
		CHECK(log_[i].sig == sigs[want[i].sig_index] && log_[i].value == want[i].value,
		      "delivery %d: signal %d value %d (want %d value %d)", i, log_[i].sig,
		      log_[i].value, sigs[want[i].sig_index], want[i].value);
		CHECK(log_[i].code == SI_QUEUE, "delivery %d: SI_QUEUE", i);
	}

	/* rt_sigqueueinfo with a hand-made siginfo. */
	logged = 0;
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = r2;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = getuid();
	si.si_value.sival_int = 777;
	CHECK_OK(syscall(SYS_rt_sigqueueinfo, pid, r2, &si));
	CHECK_EQ(logged, 1);
	CHECK_EQ(log_[0].value, 777);
	CHECK_EQ(log_[0].code, SI_QUEUE);
	/* To oneself, even a kernel-style code is accepted and passed on. */
	logged = 0;
	si.si_code = -42;
	si.si_value.sival_int = 778;
	CHECK_OK(syscall(SYS_rt_sigqueueinfo, pid, r2, &si));
	CHECK_EQ(logged, 1);
	CHECK_EQ(log_[0].code, -42);
	CHECK_EQ(log_[0].value, 778);

	/* Errors. */
	CHECK_ERR(queue(65, 0), EINVAL);
	CHECK_ERR(queue(0x7fff, 0), EINVAL);
	CHECK_ERR(syscall(SYS_rt_sigqueueinfo, 0x3ffffff0, r2, &si), ESRCH);
	CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, r2, BAD_LOW), EFAULT);
	return finish();
}
