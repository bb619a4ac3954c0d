/* Sleeps interrupted by a signal from another thread: nanosleep(2) fails
 * with EINTR and writes the remaining time to rem (more than 0, no more
 * than asked), with or without SA_RESTART (signal(7): never restarted
 * after a handler); clock_nanosleep(2) returns EINTR and sets rem for a
 * relative sleep and leaves rem alone for TIMER_ABSTIME; the raw
 * nanosleep and clock_nanosleep system calls likewise; an ignored or
 * blocked signal does not cut a sleep short. */
#include "sole_test.h"

static volatile int hits;

static void handler(int sig)
{
	(void)sig;
	hits++;
}

static int rem_ok(struct timespec rem, long long asked_ns)
{
	long long r = (long long)rem.tv_sec * 1000000000LL + rem.tv_nsec;
	return rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000L && r > 0 && r <= asked_ns;
}

int main(void)
{
	pid_t me = sole_gettid();
	struct pelter p;
	const long long asked = 5000000000LL;

	for (int restart = 0; restart <= 1; restart++) {
		const char *how = restart ? "SA_RESTART" : "no SA_RESTART";
		install_handler(SIGUSR1, handler, restart ? SA_RESTART : 0);

		struct timespec ts = { 5, 0 }, rem = { -1, -1 };
		pelter_start(&p, me, SIGUSR1, 20, 0);
		long long t0 = now_ns();
		int r = nanosleep(&ts, &rem);
		int e = errno;
		pelter_stop(&p);
		CHECK(r == -1 && e == EINTR, "%s: nanosleep fails with EINTR (%d %s)", how, r,
		      errno_name(e));
		CHECK(now_ns() - t0 < 4000000000LL, "%s: cut short", how);
		CHECK(rem_ok(rem, asked), "%s: rem %ld.%09ld is in (0, 5 s]", how, (long)rem.tv_sec,
		      rem.tv_nsec);

		rem = (struct timespec){ -1, -1 };
		pelter_start(&p, me, SIGUSR1, 20, 0);
		r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem);
		pelter_stop(&p);
		CHECK(r == EINTR, "%s: clock_nanosleep returns EINTR (%d)", how, r);
		CHECK(rem_ok(rem, asked), "%s: clock_nanosleep rem %ld.%09ld", how, (long)rem.tv_sec,
		      rem.tv_nsec);

		struct timespec until = deadline_after(CLOCK_MONOTONIC, asked);
		rem = (struct timespec){ 77, 77 };
		pelter_start(&p, me, SIGUSR1, 20, 0);
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, &rem);
		pelter_stop(&p);
		CHECK(r == EINTR, "%s: absolute clock_nanosleep returns EINTR (%d)", how, r);
		CHECK(rem.tv_sec == 77 && rem.tv_nsec == 77, "%s: TIMER_ABSTIME leaves rem alone", how);

		rem = (struct timespec){ -1, -1 };
		pelter_start(&p, me, SIGUSR1, 20, 0);
		long rr = syscall(SYS_nanosleep, &ts, &rem);
		e = errno;
		pelter_stop(&p);
		CHECK(rr == -1 && e == EINTR, "%s: raw nanosleep fails with EINTR", how);
		CHECK(rem_ok(rem, asked), "%s: raw nanosleep rem", how);

		rem = (struct timespec){ -1, -1 };
		pelter_start(&p, me, SIGUSR1, 20, 0);
		rr = syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &ts, &rem);
		e = errno;
		pelter_stop(&p);
		CHECK(rr == -1 && e == EINTR, "%s: raw clock_nanosleep (CLOCK_REALTIME): EINTR", how);
		CHECK(rem_ok(rem, asked), "%s: raw clock_nanosleep rem", how);
	}
	CHECK(hits >= 10, "the handlers ran (%d)", hits);

	/* Ignored and blocked signals: the sleep runs its course. */
	install_handler(SIGUSR2, SIG_IGN, 0);
	struct pelter q;
	pelter_start(&q, me, SIGUSR2, 5, 0);
	wait_count(&q.sent, 1, 20000);
	mask_signal(SIG_BLOCK, SIGUSR1);
	pelter_start(&p, me, SIGUSR1, 5, 0);
	wait_count(&p.sent, 1, 20000);
	struct timespec ts = { 0, 80 * 1000 * 1000 }, rem = { -1, -1 };
	long long t0 = now_ns();
	CHECK_OK(nanosleep(&ts, &rem));
	CHECK(now_ns() - t0 >= 80000000LL, "the whole 80 ms passed");
	pelter_stop(&p);
	pelter_stop(&q);
	CHECK(p.sent > 0 && q.sent > 0, "signals were sent meanwhile");
	int before = hits;
	mask_signal(SIG_UNBLOCK, SIGUSR1);
	CHECK(hits == before + 1, "the blocked one is delivered once unblocked");
	return finish();
}
