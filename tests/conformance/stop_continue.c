/* SIGSTOP and SIGCONT (signal(7), "Standard signals": Stop and Cont). A
 * process that stops itself stays stopped, all its threads with it, until
 * SIGCONT arrives: here from a POSIX timer armed before the stop. Then a
 * SIGCONT handler runs, the stopped time has passed, and a second thread
 * that watched the clock saw it jump (it was stopped too). SIGCONT
 * without a handler is ignored; a blocked, pending stop signal is
 * discarded by SIGCONT. */
#include "sole_test.h"

static volatile int conts;
static volatile long counter;
static volatile int stop_counting;
static volatile long long max_gap;

static void on_cont(int sig)
{
	(void)sig;
	conts++;
}

static void *count(void *arg)
{
	(void)arg;
	long long last = now_ns();
	while (!stop_counting) {
		long long now = now_ns();
		if (counter > 0 && now - last > max_gap)
			max_gap = now - last;
		last = now;
		counter++;
	}
	return NULL;
}

/* Arms a one-shot CLOCK_MONOTONIC timer that sends `sig` in `ms`. */
static timer_t arm(int sig, long ms)
{
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = sig;
	timer_t t;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0)
		BAIL("timer_create");
	struct itimerspec its = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000000 } };
	if (timer_settime(t, 0, &its, NULL) != 0)
		BAIL("timer_settime");
	return t;
}

int main(void)
{
	/* SIGCONT with no handler: ignored, nothing happens. */
	CHECK_OK(raise(SIGCONT));
	CHECK(1, "an unhandled SIGCONT changes nothing");

	install_handler(SIGCONT, on_cont, 0);
	pthread_t t = start_thread(count, NULL);
	while (counter == 0)
		sched_yield();

	/* Stop ourselves; a timer continues us 150 ms later. */
	timer_t tm = arm(SIGCONT, 150);
	long long t0 = now_ns();
	CHECK_OK(raise(SIGSTOP));
	long long stopped = now_ns() - t0;
	CHECK(stopped >= 140000000LL, "stopped until SIGCONT (%lld ms)", stopped / 1000000);
	/* Sent to the process, the SIGCONT may be handled by either thread. */
	CHECK(wait_count(&conts, 1, 5000), "the SIGCONT handler ran");
	timer_delete(tm);
	long long c0 = counter;
	while (counter < c0 + 100)
		sched_yield();
	CHECK(max_gap >= 140000000LL, "the other thread was stopped too (gap %lld ms)",
	      max_gap / 1000000);

	/* A stop signal left pending (blocked) is discarded when SIGCONT
	 * arrives, so unblocking it later stops nothing. */
	mask_signal(SIG_BLOCK, SIGSTOP); /* SIGSTOP cannot be blocked: no-op */
	mask_signal(SIG_BLOCK, SIGTSTP);
	install_handler(SIGTSTP, SIG_DFL, 0);
	CHECK_OK(raise(SIGTSTP));
	CHECK(signal_pending(SIGTSTP), "SIGTSTP waits while blocked");
	CHECK_OK(raise(SIGCONT));
	CHECK(!signal_pending(SIGTSTP), "SIGCONT discarded the pending SIGTSTP");
	mask_signal(SIG_UNBLOCK, SIGTSTP);
	CHECK(wait_count(&conts, 2, 5000), "the handler ran again");

	stop_counting = 1;
	join_thread(t);
	return finish();
}
