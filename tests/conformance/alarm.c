/* alarm(2): returns the seconds left of the previous alarm (the system
 * call rounds to the nearest second, and gives at least 1 if any time is
 * left), alarm(0) cancels
 * (getitimer(ITIMER_REAL) then reads zero), the alarm shares ITIMER_REAL
 * with setitimer(2), it is per process (set in one thread, seen in
 * another), and SIGALRM arrives, not before the second is up. */
#include "sole_test.h"
#include <sys/time.h>

static volatile int alarms;
static volatile pid_t alarm_tid;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
	alarm_tid = sole_gettid();
}

static void *set_from_thread(void *arg)
{
	(void)arg;
	return (void *)(long)alarm(7);
}

static unsigned after_itimer(long sec, long usec)
{
	struct itimerval it = { { 0, 0 }, { sec, usec } };
	setitimer(ITIMER_REAL, &it, NULL);
	return (unsigned)syscall(SYS_alarm, 0);
}

int main(void)
{
	install_handler(SIGALRM, on_alarm, 0);

	CHECK_RET(alarm(0), 0);
	CHECK_RET(alarm(10), 0);
	CHECK_RET(alarm(5), 10);
	CHECK_RET(alarm(0), 5);
	struct itimerval it;
	CHECK_OK(getitimer(ITIMER_REAL, &it));
	CHECK(it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0, "alarm(0) disarmed the timer");
	CHECK_RET(alarm(0), 0);

	/* The same timer as setitimer's ITIMER_REAL; the system call rounds
	 * to the nearest second (musl's alarm() wrapper, built on setitimer,
	 * rounds up instead, so the raw call is used). */
	CHECK_EQ(after_itimer(3, 400000), 3);
	CHECK_EQ(after_itimer(3, 600000), 4);
	CHECK_EQ(after_itimer(0, 300000), 1);
	alarm(20);
	CHECK_OK(getitimer(ITIMER_REAL, &it));
	CHECK(it.it_value.tv_sec >= 19 && it.it_value.tv_sec <= 20 && it.it_interval.tv_sec == 0,
	      "getitimer sees the alarm (%ld s)", (long)it.it_value.tv_sec);

	/* Per process. */
	void *prev = join_thread(start_thread(set_from_thread, NULL));
	CHECK((long)prev == 20, "a thread sees the main thread's alarm (%ld)", (long)prev);
	CHECK_RET(alarm(0), 7);

	/* It fires. */
	mask_signal(SIG_BLOCK, SIGALRM);
	long long t0 = now_ns();
	CHECK_RET(alarm(1), 0);
	sigset_t empty;
	sigemptyset(&empty);
	while (alarms == 0 && now_ns() - t0 < 20000000000LL)
		sigsuspend(&empty);
	long long waited = now_ns() - t0;
	CHECK_EQ(alarms, 1);
	CHECK(waited >= 990000000LL, "SIGALRM came after %lld ns (1 s)", waited);
	CHECK(waited < 10000000000LL, "and not much later");
	CHECK_EQ(alarm_tid, sole_gettid());
	CHECK_RET(alarm(0), 0);
	mask_signal(SIG_UNBLOCK, SIGALRM);
	return finish();
}
