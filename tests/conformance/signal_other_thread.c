/* A process-directed signal may be handled by any thread that does not
 * block it (signal(7)). While two threads spin and SIGALRM arrives every
 * millisecond (no SA_RESTART), the main thread's blocking calls (futex
 * waits with relative and absolute timeouts, read on a pipe, nanosleep,
 * pthread_join) end only as their manual pages say: done, timed out, or
 * EINTR when a handler ran in this thread. The kernel's internal restart
 * codes (ERESTARTSYS and kin, 512..516) never reach the program, even
 * when this thread was woken for a signal another thread then took. */
#include "sole_test.h"
#include <sys/time.h>

#define PRIV SOLE_FUTEX_PRIVATE_FLAG
#define ROUNDS 40

static volatile int hits;
static volatile int stop;
static uint32_t word;
static int pipefd[2];

static void handler(int sig)
{
	(void)sig;
	hits++;
}

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

/* Feeds the pipe a byte every 2 ms until told to stop. */
static void *feeder(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!stop) {
		if (write(pipefd[1], "x", 1) != 1)
			break;
		sleep_ms(2);
	}
	return NULL;
}

/* -1 if `r` is a result the call may give (0 or more, or -1 with one of
 * `ok`'s errnos), else the errno it gave. */
static int bad_errno(long r, int e, const int *ok, int n)
{
	if (r >= 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (e == ok[i])
			return -1;
	return e;
}

int main(void)
{
	install_handler(SIGALRM, handler, 0);
	CHECK_OK(pipe(pipefd));
	pthread_t spinners[2] = { start_thread(spin, NULL), start_thread(spin, NULL) };
	pthread_t feed = start_thread(feeder, NULL);
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	CHECK_OK(setitimer(ITIMER_REAL, &every_ms, NULL));

	static const int futex_ok[] = { ETIMEDOUT, EINTR, EAGAIN };
	static const int read_ok[] = { EINTR };
	int futex_rel_bad = -1, futex_abs_bad = -1, read_bad = -1, sleep_bad = -1;
	int reads = 0;
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec three_ms = { 0, 3000000 };
		long r = sole_futex(&word, SOLE_FUTEX_WAIT | PRIV, 0, &three_ms, NULL, 0);
		int e = bad_errno(r, errno, futex_ok, 3);
		if (e != -1)
			futex_rel_bad = e;

		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += 3000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		r = sole_futex(&word, SOLE_FUTEX_WAIT_BITSET | SOLE_FUTEX_CLOCK_REALTIME, 0, &deadline,
			       NULL, SOLE_FUTEX_BITSET_MATCH_ANY);
		e = bad_errno(r, errno, futex_ok, 3);
		if (e != -1)
			futex_abs_bad = e;

		char c;
		r = read(pipefd[0], &c, 1);
		e = bad_errno(r, errno, read_ok, 1);
		if (e != -1)
			read_bad = e;
		if (r == 1)
			reads++;

		struct timespec two_ms = { 0, 2000000 };
		r = nanosleep(&two_ms, NULL);
		e = bad_errno(r, errno, read_ok, 1);
		if (e != -1)
			sleep_bad = e;
	}
	CHECK(futex_rel_bad == -1, "FUTEX_WAIT with a timeout: only ETIMEDOUT, EINTR, EAGAIN (saw %d)",
	      futex_rel_bad);
	CHECK(futex_abs_bad == -1,
	      "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME: only ETIMEDOUT, EINTR, EAGAIN (saw %d)",
	      futex_abs_bad);
	CHECK(read_bad == -1, "read of a pipe: data or EINTR (saw %d)", read_bad);
	CHECK(reads > 0, "some reads got the feeder's bytes (%d)", reads);
	CHECK(sleep_bad == -1, "nanosleep: 0 or EINTR (saw %d)", sleep_bad);

	/* pthread_join waits in the same futex calls; glibc aborts on an
	 * error it does not expect. */
	stop = 1;
	CHECK_RET(pthread_join(spinners[0], NULL), 0);
	CHECK_RET(pthread_join(spinners[1], NULL), 0);
	CHECK_RET(pthread_join(feed, NULL), 0);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK_OK(setitimer(ITIMER_REAL, &off, NULL));
	CHECK(hits > 0, "SIGALRM handlers ran (%d)", hits);
	close(pipefd[0]);
	close(pipefd[1]);
	return finish();
}
