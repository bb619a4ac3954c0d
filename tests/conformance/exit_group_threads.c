/* exit(3) (exit_group(2)) from the main thread ends the whole process at
 * once, although other threads are blocked in read(2) on an empty pipe, in
 * FUTEX_WAIT, in a long nanosleep(2), in pthread_join of a thread that
 * never ends, and one is busy computing. The summary is printed before
 * the exit: the test passes if the process then ends, promptly, with
 * status 0. */
#include "sole_test.h"

static int pipe_fds[2];
static uint32_t never;
static volatile int started;
static volatile unsigned long spins;
static volatile int spinning;

static void *reader(void *arg)
{
	(void)arg;
	char c;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	ssize_t n = read(pipe_fds[0], &c, 1);
	printf("Bail out! read returned %zd\n", n);
	return NULL;
}

static void *futex_waiter(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	for (;;)
		sole_futex(&never, SOLE_FUTEX_WAIT | SOLE_FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	struct timespec ts = { 1000, 0 };
	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (++spins == 1000)
			spinning = 1;
	}
	return NULL;
}

static void *joiner(void *arg)
{
	pthread_t *forever = arg;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	pthread_join(*forever, NULL);
	printf("Bail out! joined a thread that never ends\n");
	return NULL;
}

int main(void)
{
	CHECK_OK(pipe(pipe_fds));
	start_thread(reader, NULL);
	pthread_t f = start_thread(futex_waiter, NULL);
	start_thread(sleeper, NULL);
	start_thread(spinner, NULL);
	start_thread(joiner, &f);
	CHECK(wait_count(&started, 5, 20000), "five threads started");
	CHECK(wait_flag(&spinning, 20000), "the spinner spins");
	/* Let the blocking ones block. */
	sleep_ms(30);
	NOTE("exit(0) with five threads still running");
	int status = finish();
	exit(status);
}
