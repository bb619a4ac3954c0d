/* pthread_mutex_timedlock(3): with the mutex held by another thread it
 * returns ETIMEDOUT no earlier than the CLOCK_REALTIME deadline; a
 * deadline already past gives ETIMEDOUT at once; a free mutex is taken
 * whatever the deadline; a holder that releases before the deadline lets
 * the waiter in with 0; an invalid tv_nsec on a held mutex is EINVAL. */
#include "sole_test.h"
#include <semaphore.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static sem_t held, release;
static long release_delay_ms;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	sem_post(&held);
	while (sem_wait(&release) != 0)
		;
	if (release_delay_ms)
		sleep_ms(release_delay_ms);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void wait_sem(sem_t *s)
{
	while (sem_wait(s) != 0)
		;
}

int main(void)
{
	sem_init(&held, 0, 0);
	sem_init(&release, 0, 0);

	/* Free: taken at once, even with a past deadline. */
	struct timespec past = deadline_after(CLOCK_REALTIME, -1000000000LL);
	CHECK_RET(pthread_mutex_timedlock(&m, &past), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	struct timespec soon = deadline_after(CLOCK_REALTIME, 50000000LL);
	CHECK_RET(pthread_mutex_timedlock(&m, &soon), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);

	pthread_t t = start_thread(holder, NULL);
	wait_sem(&held);

	/* Held: times out after the deadline. */
	long long t0 = now_ns();
	struct timespec deadline = deadline_after(CLOCK_REALTIME, 60000000LL);
	CHECK_RET(pthread_mutex_timedlock(&m, &deadline), ETIMEDOUT);
	long long waited = now_ns() - t0;
	struct timespec after;
	clock_gettime(CLOCK_REALTIME, &after);
	CHECK(ts_diff_ns(deadline, after) >= 0, "returned after the deadline");
	CHECK(waited >= 55000000LL, "waited %lld ns (about 60 ms)", waited);
	CHECK(waited < 10000000000LL, "but not for ever");

	/* A past deadline: at once. */
	past = deadline_after(CLOCK_REALTIME, -1000000LL);
	t0 = now_ns();
	CHECK_RET(pthread_mutex_timedlock(&m, &past), ETIMEDOUT);
	CHECK(now_ns() - t0 < 5000000000LL, "a past deadline does not wait");

	/* An invalid deadline, when it would have to wait. */
	struct timespec bad = { time(NULL) + 10, 1000000000L };
	CHECK_RET(pthread_mutex_timedlock(&m, &bad), EINVAL);

	/* Released before the deadline: the waiter gets it. */
	release_delay_ms = 30;
	sem_post(&release);
	t0 = now_ns();
	deadline = deadline_after(CLOCK_REALTIME, 20000000000LL);
	CHECK_RET(pthread_mutex_timedlock(&m, &deadline), 0);
	CHECK(now_ns() - t0 < 10000000000LL, "woken by the unlock, not the deadline");
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	join_thread(t);

	/* The same with an error-checking mutex. */
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_destroy(&m);
	pthread_mutex_init(&m, &attr);
	release_delay_ms = 0;
	t = start_thread(holder, NULL);
	wait_sem(&held);
	t0 = now_ns();
	deadline = deadline_after(CLOCK_REALTIME, 30000000LL);
	CHECK_RET(pthread_mutex_timedlock(&m, &deadline), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 25000000LL, "the error-checking mutex waited too");
	sem_post(&release);
	join_thread(t);
	deadline = deadline_after(CLOCK_REALTIME, 30000000LL);
	CHECK_RET(pthread_mutex_timedlock(&m, &deadline), 0);
	CHECK_RET(pthread_mutex_timedlock(&m, &deadline), EDEADLK);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	pthread_mutexattr_destroy(&attr);
	return finish();
}
