/* Waits for readiness interrupted by a signal from another thread:
 * poll(2) (infinite and finite timeout), ppoll(2), select(2), pselect6
 * (through pselect(3)) all fail with EINTR, with or without SA_RESTART: Linux never restarts them after a
 * handler (signal(7)). ppoll and pselect with a mask that unblocks the
 * signal only for the wait are interrupted by it too; an ignored signal
 * does not interrupt a finite poll. (epoll comes with the networking
 * work; its waits follow the same rule.) */
#include "sole_test.h"
#include <poll.h>
#include <sys/select.h>

static volatile int hits;

static void handler(int sig)
{
	(void)sig;
	hits++;
}

static int fds[2];

enum { POLL_INF, POLL_FINITE, PPOLL, SELECT, PSELECT, CALLS };
static const char *names[CALLS] = { "poll(-1)", "poll(10 s)", "ppoll", "select", "pselect" };

static int call(int which)
{
	struct pollfd pfd = { fds[0], POLLIN, 0 };
	struct timespec ten = { 10, 0 };
	struct timeval tv = { 10, 0 };
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	switch (which) {
	case POLL_INF:
		return poll(&pfd, 1, -1);
	case POLL_FINITE:
		return poll(&pfd, 1, 10000);
	case PPOLL:
		return ppoll(&pfd, 1, NULL, NULL);
	case SELECT:
		return select(fds[0] + 1, &rd, NULL, NULL, &tv);
	case PSELECT:
		return pselect(fds[0] + 1, &rd, NULL, NULL, &ten, NULL);
	}
	return -2;
}

int main(void)
{
	CHECK_OK(pipe(fds));
	pid_t me = sole_gettid();
	struct pelter p;

	for (int restart = 0; restart <= 1; restart++) {
		install_handler(SIGUSR1, handler, restart ? SA_RESTART : 0);
		for (int which = 0; which < CALLS; which++) {
			pelter_start(&p, me, SIGUSR1, 20, 0);
			long long t0 = now_ns();
			errno = 0;
			int r = call(which);
			int e = errno;
			pelter_stop(&p);
			CHECK(r == -1 && e == EINTR, "%s, %s: EINTR (%d %s)", names[which],
			      restart ? "SA_RESTART" : "no SA_RESTART", r, errno_name(e));
			CHECK(now_ns() - t0 < 9000000000LL, "%s: before its timeout", names[which]);
		}
	}

	/* The signal blocked, but unblocked by the wait's own mask. */
	mask_signal(SIG_BLOCK, SIGUSR1);
	sigset_t during;
	sigemptyset(&during);
	struct pollfd pfd = { fds[0], POLLIN, 0 };
	int before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(ppoll(&pfd, 1, NULL, &during), EINTR, pelter_stop(&p));
	CHECK(hits > before, "ppoll's mask let the handler run");
	CHECK(signal_blocked(SIGUSR1), "and the old mask is back");
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(pselect(fds[0] + 1, &rd, NULL, NULL, NULL, &during), EINTR, pelter_stop(&p));
	CHECK(hits > before, "pselect's mask let the handler run");
	CHECK(signal_blocked(SIGUSR1), "and the old mask is back");
	mask_signal(SIG_UNBLOCK, SIGUSR1);

	/* Ignored signals: the poll times out normally. */
	install_handler(SIGUSR2, SIG_IGN, 0);
	pelter_start(&p, me, SIGUSR2, 5, 0);
	wait_count(&p.sent, 1, 20000);
	long long t0 = now_ns();
	CHECK_RET(poll(&pfd, 1, 80), 0);
	CHECK(now_ns() - t0 >= 75000000LL, "poll ran its 80 ms");
	pelter_stop(&p);
	return finish();
}
