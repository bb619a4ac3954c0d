/* POSIX timers with signal notification (timer_create(2), timer_settime,
 * timer_gettime, timer_delete): a one-shot CLOCK_MONOTONIC timer with
 * SIGEV_SIGNAL queues its signal once, not before its time, with si_code
 * SI_TIMER, the given si_value and si_overrun 0, and then reads as
 * disarmed; a periodic one fires repeatedly and timer_settime returns the
 * old setting when it is disarmed; TIMER_ABSTIME deadlines (also one in
 * the past, which fires at once); CLOCK_REALTIME timers; a NULL sigevent
 * means SIGALRM; SIGEV_NONE counts down without a signal; timer_delete
 * makes the id invalid (EINVAL); bad clocks and times are EINVAL. */
#include "sole_test.h"

static long long its_value_ns(const struct itimerspec *its)
{
	return (long long)its->it_value.tv_sec * 1000000000LL + its->it_value.tv_nsec;
}

static long long its_interval_ns(const struct itimerspec *its)
{
	return (long long)its->it_interval.tv_sec * 1000000000LL + its->it_interval.tv_nsec;
}

/* Waits up to 10 s for one of `sig`. */
static int wait_for(int sig, siginfo_t *si)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec ten = { 10, 0 };
	memset(si, 0, sizeof *si);
	return sigtimedwait(&set, si, &ten);
}

static int none_within(int sig, long ms)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec ts = { 0, ms * 1000000L };
	return sigtimedwait(&set, NULL, &ts) == -1 && errno == EAGAIN;
}

int main(void)
{
	int sig = SIGRTMIN + 1;
	mask_signal(SIG_BLOCK, sig);
	mask_signal(SIG_BLOCK, SIGALRM);

	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = 123;
	timer_t t;
	CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	struct itimerspec its, old;
	CHECK_OK(timer_gettime(t, &its));
	CHECK(its_value_ns(&its) == 0 && its_interval_ns(&its) == 0, "a new timer is disarmed");

	/* One-shot, 30 ms. */
	its = (struct itimerspec){ { 0, 0 }, { 0, 30000000 } };
	long long t0 = now_ns();
	CHECK_OK(timer_settime(t, 0, &its, &old));
	CHECK(its_value_ns(&old) == 0, "the old setting was disarmed");
	CHECK_OK(timer_gettime(t, &its));
	CHECK(its_value_ns(&its) > 0 && its_value_ns(&its) <= 30000000LL,
	      "timer_gettime: %lld ns left of 30 ms", its_value_ns(&its));
	CHECK_EQ(its_interval_ns(&its), 0);
	siginfo_t si;
	CHECK_RET(wait_for(sig, &si), sig);
	long long waited = now_ns() - t0;
	CHECK(waited >= 30000000LL, "not before its time (%lld ns)", waited);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_value.sival_int, 123);
	CHECK_EQ(si.si_overrun, 0);
	/* Both C libraries hand out the kernel's id for SIGEV_SIGNAL timers. */
	CHECK_EQ(si.si_timerid, (int)(intptr_t)t);
	CHECK_OK(timer_gettime(t, &its));
	CHECK(its_value_ns(&its) == 0, "spent, it reads as disarmed");
	CHECK(none_within(sig, 50), "a one-shot timer fires once");
	CHECK_RET(timer_getoverrun(t), 0);

	/* Periodic, 10 ms. */
	its = (struct itimerspec){ { 0, 10000000 }, { 0, 10000000 } };
	t0 = now_ns();
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	int fired = 0;
	for (int i = 0; i < 3; i++)
		if (wait_for(sig, &si) == sig && si.si_code == SI_TIMER)
			fired++;
	CHECK_EQ(fired, 3);
	CHECK(now_ns() - t0 >= 30000000LL, "three periods took at least 30 ms");
	struct itimerspec zero = { { 0, 0 }, { 0, 0 } };
	CHECK_OK(timer_settime(t, 0, &zero, &old));
	CHECK(its_interval_ns(&old) == 10000000LL, "the old interval (%lld ns)",
	      its_interval_ns(&old));
	CHECK(its_value_ns(&old) > 0 && its_value_ns(&old) <= 10000000LL,
	      "and the time left (%lld ns)", its_value_ns(&old));
	CHECK_OK(timer_gettime(t, &its));
	CHECK(its_value_ns(&its) == 0 && its_interval_ns(&its) == 0, "disarmed");
	/* A signal queued just before the disarm may still be collected. */
	struct timespec nothing = { 0, 0 };
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigtimedwait(&set, NULL, &nothing);
	CHECK(none_within(sig, 40), "no signal after the disarm");

	/* Absolute deadlines. */
	struct timespec deadline = deadline_after(CLOCK_MONOTONIC, 40000000LL);
	its = (struct itimerspec){ { 0, 0 }, deadline };
	CHECK_OK(timer_settime(t, TIMER_ABSTIME, &its, NULL));
	CHECK_RET(wait_for(sig, &si), sig);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	CHECK(ts_diff_ns(deadline, now) >= 0, "TIMER_ABSTIME: not before the deadline");
	/* Long past: the clock's first nanosecond (a machine may have been up
	 * for less than a second). */
	its = (struct itimerspec){ { 0, 0 }, { 0, 1 } };
	t0 = now_ns();
	CHECK_OK(timer_settime(t, TIMER_ABSTIME, &its, NULL));
	CHECK_RET(wait_for(sig, &si), sig);
	CHECK(now_ns() - t0 < 5000000000LL, "a past absolute deadline fires at once");

	/* Errors, then delete. */
	its = (struct itimerspec){ { 0, 0 }, { 0, 1000000000L } };
	CHECK_ERR(timer_settime(t, 0, &its, NULL), EINVAL);
	its = (struct itimerspec){ { 0, -1 }, { 1, 0 } };
	CHECK_ERR(timer_settime(t, 0, &its, NULL), EINVAL);
	CHECK_OK(timer_delete(t));
	CHECK_ERR(timer_gettime(t, &its), EINVAL);
	/* (musl's timer_delete returns the raw -EINVAL: ask the kernel.) */
	CHECK_ERR(syscall(SYS_timer_delete, (int)(intptr_t)t), EINVAL);
	timer_t bad;
	CHECK_ERR(timer_create((clockid_t)42, &sev, &bad), EINVAL);
	sev.sigev_signo = 65;
	CHECK_ERR(timer_create(CLOCK_MONOTONIC, &sev, &bad), EINVAL);

	/* CLOCK_REALTIME. */
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = 456;
	CHECK_OK(timer_create(CLOCK_REALTIME, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 20000000 } };
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_RET(wait_for(sig, &si), sig);
	CHECK_EQ(si.si_value.sival_int, 456);
	CHECK_OK(timer_delete(t));

	/* A NULL sigevent: SIGALRM. */
	CHECK_OK(timer_create(CLOCK_MONOTONIC, NULL, &t));
	its = (struct itimerspec){ { 0, 0 }, { 0, 20000000 } };
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	CHECK_RET(wait_for(SIGALRM, &si), SIGALRM);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_OK(timer_delete(t));

	/* SIGEV_NONE: no signal, but it counts down. */
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_NONE;
	CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = (struct itimerspec){ { 0, 0 }, { 5, 0 } };
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	sleep_ms(30);
	CHECK_OK(timer_gettime(t, &its));
	CHECK(its_value_ns(&its) > 0 && its_value_ns(&its) <= 4980000000LL,
	      "SIGEV_NONE counts down (%lld ns left)", its_value_ns(&its));
	CHECK_OK(timer_delete(t));
	return finish();
}
