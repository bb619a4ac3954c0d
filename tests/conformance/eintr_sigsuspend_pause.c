/* Calls that wait for signals are never restarted (signal(7)): with the
 * handler installed with SA_RESTART, sigsuspend(2), pause(2) and
 * rt_sigtimedwait(2) waiting for another signal (with and without a
 * timeout) all fail with EINTR once a handled signal from another thread
 * arrives. (musl's sigtimedwait and sigwaitinfo retry on EINTR in the
 * library, so those wrappers are checked with glibc only.) */
#include "sole_test.h"

static volatile int hits;

static void handler(int sig)
{
	(void)sig;
	hits++;
}

int main(void)
{
	pid_t me = sole_gettid();
	struct pelter p;
	install_handler(SIGUSR1, handler, SA_RESTART);

	sigset_t empty, other;
	sigemptyset(&empty);
	sigemptyset(&other);
	sigaddset(&other, SIGUSR2);
	mask_signal(SIG_BLOCK, SIGUSR2);

	int before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(sigsuspend(&empty), EINTR, pelter_stop(&p));
	CHECK(hits > before, "sigsuspend: the handler ran");

	before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(pause(), EINTR, pelter_stop(&p));
	CHECK(hits > before, "pause: the handler ran");

	/* rt_sigtimedwait, directly: musl's sigtimedwait and sigwaitinfo
	 * retry on EINTR themselves. */
	before = hits;
	struct timespec ten = { 10, 0 };
	pelter_start(&p, me, SIGUSR1, 20, 0);
	long long t0 = now_ns();
	CHECK_ERR_THEN(syscall(SYS_rt_sigtimedwait, &other, NULL, &ten, 8), EINTR, pelter_stop(&p));
	CHECK(now_ns() - t0 < 9000000000LL, "rt_sigtimedwait: before its timeout");
	CHECK(hits > before, "rt_sigtimedwait with a timeout: the handler ran");

	before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(syscall(SYS_rt_sigtimedwait, &other, NULL, NULL, 8), EINTR, pelter_stop(&p));
	CHECK(hits > before, "rt_sigtimedwait without a timeout: the handler ran");

#ifdef __GLIBC__
	/* glibc's wrappers pass EINTR on. */
	before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(sigtimedwait(&other, NULL, &ten), EINTR, pelter_stop(&p));
	before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(sigwaitinfo(&other, NULL), EINTR, pelter_stop(&p));
	CHECK(hits > before, "sigwaitinfo: the handler ran");
#endif

	/* The awaited signal itself ends the wait normally. */
	struct pelter q;
	pelter_start(&q, me, SIGUSR2, 20, 1);
	CHECK_RET(syscall(SYS_rt_sigtimedwait, &other, NULL, NULL, 8), SIGUSR2);
	pelter_stop(&q);
	return finish();
}
