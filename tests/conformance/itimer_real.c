/* setitimer(2)/getitimer(2) with ITIMER_REAL: a one-shot timer reads
 * back with it_value no more than set (and above 0) and it_interval 0,
 * fires SIGALRM once, not before its time, and then reads 0; a periodic
 * timer with a 20 ms interval fires again and again (at least 3 times,
 * taking at least 2 intervals between the first and the third) and reads
 * back its interval; setitimer returns the old value; disarming with a
 * zero it_value stops it; invalid which or usec values are EINVAL. */
#include "sole_test.h"
#include <sys/time.h>

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static long long tv_ns(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000000LL + (long long)tv.tv_usec * 1000LL;
}

/* Waits (in sigsuspend, SIGALRM blocked outside it) until `n` alarms. */
static int wait_alarms(int n)
{
	sigset_t empty;
	sigemptyset(&empty);
	long long end = now_ns() + 20000000000LL;
	while (alarms < n && now_ns() < end)
		sigsuspend(&empty);
	return alarms >= n;
}

int main(void)
{
	install_handler(SIGALRM, on_alarm, 0);
	mask_signal(SIG_BLOCK, SIGALRM);

	/* One-shot, 60 ms. */
	struct itimerval it = { { 0, 0 }, { 0, 60000 } }, old, now;
	long long t0 = now_ns();
	CHECK_OK(setitimer(ITIMER_REAL, &it, &old));
	CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0, "no timer before");
	CHECK_OK(getitimer(ITIMER_REAL, &now));
	CHECK(tv_ns(now.it_value) > 0 && tv_ns(now.it_value) <= 60000000LL,
	      "it_value is in (0, 60 ms] (%lld ns)", tv_ns(now.it_value));
	CHECK_EQ(tv_ns(now.it_interval), 0);
	CHECK(wait_alarms(1), "SIGALRM arrived");
	long long waited = now_ns() - t0;
	CHECK(waited >= 59000000LL, "after %lld ns (60 ms)", waited);
	CHECK_OK(getitimer(ITIMER_REAL, &now));
	CHECK(tv_ns(now.it_value) == 0, "spent, it reads 0");
	sleep_ms(80);
	CHECK_EQ(alarms, 1);
	CHECK(!signal_pending(SIGALRM), "only once");

	/* Periodic, 20 ms. */
	alarms = 0;
	it = (struct itimerval){ { 0, 20000 }, { 0, 20000 } };
	t0 = now_ns();
	CHECK_OK(setitimer(ITIMER_REAL, &it, NULL));
	CHECK_OK(getitimer(ITIMER_REAL, &now));
	CHECK(tv_ns(now.it_interval) == 20000000LL, "the interval reads back (%lld ns)",
	      tv_ns(now.it_interval));
	CHECK(wait_alarms(3), "three SIGALRMs (%d)", alarms);
	waited = now_ns() - t0;
	CHECK(waited >= 59000000LL, "three periods took %lld ns (at least 60 ms)", waited);
	/* Disarm; the old value has the interval. */
	struct itimerval zero = { { 0, 0 }, { 0, 0 } };
	CHECK_OK(setitimer(ITIMER_REAL, &zero, &old));
	CHECK(tv_ns(old.it_interval) == 20000000LL, "setitimer returned the old interval");
	CHECK(tv_ns(old.it_value) > 0 && tv_ns(old.it_value) <= 20000000LL,
	      "and the time to the next expiry (%lld ns)", tv_ns(old.it_value));
	/* Collect one that may have been pending, then nothing more. */
	struct timespec nothing = { 0, 0 };
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigtimedwait(&alrm, NULL, &nothing);
	sleep_ms(60);
	CHECK(!signal_pending(SIGALRM), "disarmed: no more SIGALRM");

	/* Errors. */
	CHECK_ERR(setitimer(42, &it, NULL), EINVAL);
	CHECK_ERR(getitimer(42, &now), EINVAL);
	struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
	CHECK_ERR(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
	bad = (struct itimerval){ { 0, -1 }, { 1, 0 } };
	CHECK_ERR(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
	mask_signal(SIG_UNBLOCK, SIGALRM);
	return finish();
}
