/* sigsuspend(2) and pause(2): sigsuspend replaces the mask atomically, so
 * a signal blocked before the call (even one already pending) is
 * delivered inside it; it returns -1 with EINTR after the handler has run;
 * the handler runs with the temporary mask plus its own signal; the
 * original mask is back afterwards. A signal sent by another thread
 * while the caller sleeps ends sigsuspend and pause alike. A signal the
 * temporary mask blocks does not end sigsuspend. */
#include "sole_test.h"

static volatile int hits;
static volatile int usr2_blocked_inside, hup_blocked_inside;

static void handler(int sig)
{
	(void)sig;
	hits++;
	usr2_blocked_inside = signal_blocked(SIGUSR2);
	hup_blocked_inside = signal_blocked(SIGHUP);
}

static volatile int hup_hits;

static void hup_handler(int sig)
{
	(void)sig;
	hup_hits++;
}

int main(void)
{
	install_handler(SIGUSR1, handler, 0);
	install_handler(SIGHUP, hup_handler, 0);
	pid_t me = sole_gettid();

	/* Already pending when sigsuspend unblocks it. */
	mask_signal(SIG_BLOCK, SIGUSR1);
	mask_signal(SIG_BLOCK, SIGHUP);
	raise(SIGUSR1);
	sigset_t tmp;
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGUSR2);
	CHECK_ERR(sigsuspend(&tmp), EINTR);
	CHECK_EQ(hits, 1);
	CHECK(usr2_blocked_inside == 1, "the handler ran under the temporary mask (SIGUSR2)");
	CHECK(hup_blocked_inside == 0, "and not under the original one (SIGHUP)");
	CHECK(signal_blocked(SIGUSR1) && signal_blocked(SIGHUP), "the original mask is back");
	CHECK(!signal_blocked(SIGUSR2), "without the temporary one");

	/* Sent by another thread while we sleep (sent repeatedly, so that it
	 * does not matter whether we were asleep yet). */
	struct pelter p;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	sigemptyset(&tmp);
	CHECK_ERR_THEN(sigsuspend(&tmp), EINTR, pelter_stop(&p));
	CHECK(hits >= 2, "the handler ran (%d)", hits);
	CHECK(signal_blocked(SIGUSR1), "SIGUSR1 is blocked again");
	/* The pelter may have sent once more after sigsuspend returned. */
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGUSR1);
	struct timespec zero = { 0, 0 };
	sigtimedwait(&tmp, NULL, &zero);

	/* A signal blocked by the temporary mask does not end it. */
	int before = hits;
	pelter_start(&p, me, SIGHUP, 20, 3);
	sigfillset(&tmp);
	sigdelset(&tmp, SIGUSR1);
	/* SIGHUP (blocked in tmp) arrives three times; then SIGUSR1 ends it. */
	struct pelter q;
	memset(&q, 0, sizeof q);
	while (!wait_count(&p.sent, 3, 20000))
		;
	pelter_start(&q, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(sigsuspend(&tmp), EINTR, (pelter_stop(&q), pelter_stop(&p)));
	CHECK(hits > before, "SIGUSR1 ended sigsuspend");
	CHECK_EQ(hup_hits, 0);
	CHECK(signal_pending(SIGHUP), "SIGHUP stays pending");
	sigemptyset(&tmp);
	sigaddset(&tmp, SIGUSR1);
	sigtimedwait(&tmp, NULL, &zero);

	/* pause(): the signal must be unblocked. */
	mask_signal(SIG_UNBLOCK, SIGUSR1);
	before = hits;
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(pause(), EINTR, pelter_stop(&p));
	CHECK(hits > before, "pause returned after the handler");
	/* SIGHUP is delivered once unblocked (standard signals coalesce). */
	mask_signal(SIG_UNBLOCK, SIGHUP);
	CHECK_EQ(hup_hits, 1);
	return finish();
}
