/* ITIMER_VIRTUAL and ITIMER_PROF (setitimer(2)) count CPU time, not wall
 * time: armed for 200 ms, they do not fire while the process sleeps 100 ms
 * (getitimer then still shows time left; the budget is wide because a
 * virtual CPU that the host pauses while the thread runs counts the pause
 * as CPU time, in any guest), and fire SIGVTALRM and SIGPROF
 * once the process has burnt enough CPU in a loop; a periodic ITIMER_PROF
 * fires repeatedly while the loop runs; the interval reads back. The
 * busy loops give up after 20 s. */
#include "sole_test.h"
#include <sys/time.h>

static volatile int vt, prof;

static void on_signal(int sig)
{
	if (sig == SIGVTALRM)
		vt++;
	else if (sig == SIGPROF)
		prof++;
}

static long long tv_ns(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000000LL + (long long)tv.tv_usec * 1000LL;
}

/* Burns CPU until *count reaches n or 20 s pass. */
static int burn_until(volatile int *count, int n)
{
	long long end = now_ns() + 20000000000LL;
	while (*count < n && now_ns() < end) {
		for (volatile int i = 0; i < 20000; i++)
			;
	}
	return *count >= n;
}

static void one_shot(int which, int sig, volatile int *count, const char *name)
{
	struct itimerval it = { { 0, 0 }, { 0, 200000 } }, now;
	CHECK_OK(setitimer(which, &it, NULL));
	sleep_ms(100);
	CHECK(*count == 0, "%s: did not fire while the process slept", name);
	CHECK_OK(getitimer(which, &now));
	/* (Linux adds one scheduler tick to a CPU timer when it is armed,
	 * for the partial first tick: with HZ >= 100 that is at most 10 ms.) */
	CHECK(tv_ns(now.it_value) > 0 && tv_ns(now.it_value) <= 210000000LL,
	      "%s: time is left after the sleep (%lld ns)", name, tv_ns(now.it_value));
	CHECK(burn_until(count, 1), "%s: fired (signal %d) while the process computed", name, sig);
	CHECK_EQ(*count, 1);
	CHECK_OK(getitimer(which, &now));
	CHECK(tv_ns(now.it_value) == 0, "%s: spent", name);
}

int main(void)
{
	install_handler(SIGVTALRM, on_signal, 0);
	install_handler(SIGPROF, on_signal, 0);

	one_shot(ITIMER_VIRTUAL, SIGVTALRM, &vt, "ITIMER_VIRTUAL");
	one_shot(ITIMER_PROF, SIGPROF, &prof, "ITIMER_PROF");

	/* Periodic. */
	prof = 0;
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, now;
	CHECK_OK(setitimer(ITIMER_PROF, &it, NULL));
	CHECK_OK(getitimer(ITIMER_PROF, &now));
	CHECK(tv_ns(now.it_interval) == 10000000LL, "the interval reads back (%lld ns)",
	      tv_ns(now.it_interval));
	CHECK(burn_until(&prof, 3), "a periodic ITIMER_PROF fired three times (%d)", prof);
	struct itimerval zero = { { 0, 0 }, { 0, 0 } };
	CHECK_OK(setitimer(ITIMER_PROF, &zero, NULL));
	CHECK_OK(getitimer(ITIMER_PROF, &now));
	CHECK(tv_ns(now.it_value) == 0 && tv_ns(now.it_interval) == 0, "disarmed");

	/* Periodic ITIMER_VIRTUAL too. */
	vt = 0;
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &it, NULL));
	CHECK(burn_until(&vt, 2), "a periodic ITIMER_VIRTUAL fired twice (%d)", vt);
	CHECK_OK(setitimer(ITIMER_VIRTUAL, &zero, NULL));
	return finish();
}
