/* Timer overruns (timer_getoverrun(2)): while its signal is blocked, a
 * periodic 10 ms timer expires about ten times in 100 ms but queues only
 * one signal; when it is taken, si_overrun counts the extra expirations
 * (at least 3 here) and timer_getoverrun agrees. A marker sigqueue'd
 * after the sleep comes out right after that single timer signal (real-time
 * signals are FIFO), which shows that nothing else was queued. After the
 * timer is deleted no more signals come. */
#include "sole_test.h"

int main(void)
{
	int sig = SIGRTMIN + 3;
	mask_signal(SIG_BLOCK, sig);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);

	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = 5;
	timer_t t;
	CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &t));
	struct itimerspec its = { { 0, 10000000 }, { 0, 1000000 } };
	CHECK_OK(timer_settime(t, 0, &its, NULL));
	sleep_ms(100);
	CHECK(signal_pending(sig), "the timer's signal is pending");
	union sigval marker;
	marker.sival_int = 999;
	CHECK_OK(sigqueue(getpid(), sig, marker));

	siginfo_t si;
	memset(&si, 0, sizeof si);
	struct timespec zero = { 0, 0 };
	CHECK_RET(sigtimedwait(&set, &si, &zero), sig);
	CHECK_EQ(si.si_code, SI_TIMER);
	CHECK_EQ(si.si_value.sival_int, 5);
	CHECK(si.si_overrun >= 3, "si_overrun counts the missed expirations (%d)", si.si_overrun);
	CHECK(si.si_overrun <= 1000, "but not wildly (%d)", si.si_overrun);
	int overrun = timer_getoverrun(t);
	CHECK(overrun == si.si_overrun, "timer_getoverrun agrees (%d, %d)", overrun, si.si_overrun);

	memset(&si, 0, sizeof si);
	CHECK_RET(sigtimedwait(&set, &si, &zero), sig);
	CHECK(si.si_code == SI_QUEUE && si.si_value.sival_int == 999,
	      "the next one is the marker: one timer signal was queued (code %d, value %d)",
	      si.si_code, si.si_value.sival_int);

	/* The timer goes on and queues again. */
	memset(&si, 0, sizeof si);
	struct timespec ten = { 10, 0 };
	CHECK_RET(sigtimedwait(&set, &si, &ten), sig);
	CHECK_EQ(si.si_code, SI_TIMER);

	/* Deleted: nothing more. */
	CHECK_OK(timer_delete(t));
	sigtimedwait(&set, NULL, &zero);
	struct timespec fifty = { 0, 50 * 1000 * 1000 };
	CHECK_ERR(sigtimedwait(&set, NULL, &fifty), EAGAIN);
	return finish();
}
