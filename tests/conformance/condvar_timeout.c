/* pthread_cond_timedwait(3): returns ETIMEDOUT no earlier than the
 * deadline, with the mutex held again, for the default CLOCK_REALTIME and
 * for a condition variable whose clock attribute is CLOCK_MONOTONIC
 * (pthread_condattr_setclock); a past deadline times out at once; a signal
 * before the deadline wakes it with 0. */
#include "sole_test.h"

static pthread_mutex_t m;
static pthread_cond_t cv_real, cv_mono;
static int flag;

static void *signaller(void *arg)
{
	pthread_cond_t *cv = arg;
	sleep_ms(30);
	pthread_mutex_lock(&m);
	flag = 1;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void timeout_case(pthread_cond_t *cv, clockid_t clock, const char *name)
{
	long long t0 = now_ns();
	struct timespec deadline = deadline_after(clock, 50000000LL);
	pthread_mutex_lock(&m);
	int r;
	do
		r = pthread_cond_timedwait(cv, &m, &deadline);
	while (r == 0);
	long long waited = now_ns() - t0;
	CHECK(r == ETIMEDOUT, "%s: ETIMEDOUT (%d)", name, r);
	struct timespec now;
	clock_gettime(clock, &now);
	CHECK(ts_diff_ns(deadline, now) >= 0, "%s: not before the deadline", name);
	CHECK(waited >= 45000000LL, "%s: waited %lld ns (about 50 ms)", name, waited);
	CHECK(waited < 10000000000LL, "%s: but not for ever", name);
	/* The error-checking mutex is ours again. */
	CHECK(pthread_mutex_unlock(&m) == 0, "%s: the mutex is held after the timeout", name);

	/* A past deadline. */
	deadline = deadline_after(clock, -5000000LL);
	pthread_mutex_lock(&m);
	r = pthread_cond_timedwait(cv, &m, &deadline);
	CHECK(r == ETIMEDOUT, "%s: a past deadline times out at once (%d)", name, r);
	CHECK(pthread_mutex_unlock(&m) == 0, "%s: the mutex is held again", name);

	/* Signalled in time. */
	flag = 0;
	pthread_t t = start_thread(signaller, cv);
	deadline = deadline_after(clock, 20000000000LL);
	pthread_mutex_lock(&m);
	r = 0;
	while (!flag && r == 0)
		r = pthread_cond_timedwait(cv, &m, &deadline);
	CHECK(r == 0 && flag, "%s: a signal wakes the waiter before the deadline", name);
	pthread_mutex_unlock(&m);
	join_thread(t);
}

int main(void)
{
	pthread_mutexattr_t mattr;
	pthread_mutexattr_init(&mattr);
	pthread_mutexattr_settype(&mattr, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &mattr);

	pthread_condattr_t attr;
	clockid_t clock = -1;
	CHECK_RET(pthread_condattr_init(&attr), 0);
	CHECK_RET(pthread_condattr_getclock(&attr, &clock), 0);
	CHECK_EQ(clock, CLOCK_REALTIME);
	CHECK_RET(pthread_cond_init(&cv_real, &attr), 0);
	CHECK_RET(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), 0);
	CHECK_RET(pthread_condattr_getclock(&attr, &clock), 0);
	CHECK_EQ(clock, CLOCK_MONOTONIC);
	CHECK_RET(pthread_cond_init(&cv_mono, &attr), 0);
	pthread_condattr_destroy(&attr);

	timeout_case(&cv_real, CLOCK_REALTIME, "CLOCK_REALTIME");
	timeout_case(&cv_mono, CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
	pthread_cond_destroy(&cv_real);
	pthread_cond_destroy(&cv_mono);
	return finish();
}
