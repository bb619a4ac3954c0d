/* sigaction(2) flags at delivery: SA_RESETHAND runs the handler once and
 * resets the action to SIG_DFL on entry; SA_NODEFER lets a signal
 * interrupt its own handler (nesting depth 2); without it the signal is
 * blocked in the handler and delivered right after it returns; sa_mask
 * blocks other signals for the handler's duration only; SIG_IGN discards an
 * unblocked signal at once, and setting SIG_IGN discards a pending one; signals whose default action is
 * to ignore (SIGCHLD, SIGURG, SIGWINCH) do nothing under SIG_DFL. */
#include "sole_test.h"

static volatile int depth, max_depth, calls, order_len;
static int order[16];

static void record(int what)
{
	if (order_len < 16)
		order[order_len++] = what;
}

static void reentrant(int sig)
{
	calls++;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	record(sig * 10 + depth);
	if (calls == 1)
		raise(sig);
	record(-(sig * 10 + depth));
	depth--;
}

static volatile int resethand_calls;
static void *resethand_seen;

static void once(int sig)
{
	struct sigaction now;
	resethand_calls++;
	sigaction(sig, NULL, &now);
	resethand_seen = (void *)now.sa_handler;
}

static void outer(int sig)
{
	(void)sig;
	record(1);
	raise(SIGUSR2);
	record(2);
}

static void inner(int sig)
{
	(void)sig;
	record(3);
}

static volatile int ign_hits;
static void counting(int sig)
{
	(void)sig;
	ign_hits++;
}

int main(void)
{
	/* SA_RESETHAND, on a signal whose default is to ignore. */
	install_handler(SIGWINCH, once, SA_RESETHAND);
	raise(SIGWINCH);
	CHECK_EQ(resethand_calls, 1);
	CHECK(resethand_seen == (void *)SIG_DFL, "reset to SIG_DFL on entry to the handler");
	struct sigaction sa;
	sigaction(SIGWINCH, NULL, &sa);
	CHECK(sa.sa_handler == SIG_DFL, "and after it");
	raise(SIGWINCH);
	CHECK_EQ(resethand_calls, 1);

	/* SA_NODEFER: nested. */
	install_handler(SIGUSR1, reentrant, SA_NODEFER);
	raise(SIGUSR1);
	CHECK_EQ(calls, 2);
	CHECK_EQ(max_depth, 2);
	int nested[] = { 101, 102, -102, -101 };
	CHECK(order_len == 4 && memcmp(order, nested, sizeof nested) == 0,
	      "SA_NODEFER: the second delivery ran inside the first");

	/* Without SA_NODEFER: deferred to after the handler returns. */
	calls = 0;
	max_depth = 0;
	order_len = 0;
	install_handler(SIGUSR1, reentrant, 0);
	raise(SIGUSR1);
	CHECK_EQ(calls, 2);
	CHECK_EQ(max_depth, 1);
	int deferred[] = { 101, -101, 101, -101 };
	CHECK(order_len == 4 && memcmp(order, deferred, sizeof deferred) == 0,
	      "without SA_NODEFER: delivered after the handler returned");
	CHECK(!signal_blocked(SIGUSR1), "unblocked once the handlers are done");

	/* sa_mask. */
	order_len = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = outer;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	install_handler(SIGUSR2, inner, 0);
	raise(SIGUSR1);
	int masked[] = { 1, 2, 3 };
	CHECK(order_len == 3 && memcmp(order, masked, sizeof masked) == 0,
	      "sa_mask held SIGUSR2 back until the SIGUSR1 handler returned");
	CHECK(!signal_blocked(SIGUSR2), "sa_mask applies only inside the handler");
	/* Without it, SIGUSR2 runs inside. */
	order_len = 0;
	install_handler(SIGUSR1, outer, 0);
	raise(SIGUSR1);
	int inside[] = { 1, 3, 2 };
	CHECK(order_len == 3 && memcmp(order, inside, sizeof inside) == 0,
	      "without sa_mask SIGUSR2 interrupts the handler");

	/* SIG_IGN. */
	install_handler(SIGUSR1, SIG_IGN, 0);
	CHECK_RET(raise(SIGUSR1), 0);
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK(!signal_pending(SIGUSR1), "an ignored signal is not even pending");
	/* Blocked: Linux keeps it pending whatever the action (the action may
	 * change before it is unblocked); setting SIG_IGN again drops it. */
	mask_signal(SIG_BLOCK, SIGUSR1);
	raise(SIGUSR1);
	CHECK(signal_pending(SIGUSR1), "a blocked signal is pending even while ignored");
	install_handler(SIGUSR1, SIG_IGN, 0);
	CHECK(!signal_pending(SIGUSR1), "setting SIG_IGN discarded it");
	/* Pending, then ignored: discarded when SIG_IGN is set. */
	install_handler(SIGUSR1, counting, 0);
	raise(SIGUSR1);
	CHECK(signal_pending(SIGUSR1), "pending while blocked with a handler");
	install_handler(SIGUSR1, SIG_IGN, 0);
	CHECK(!signal_pending(SIGUSR1), "setting SIG_IGN discarded the pending signal");
	install_handler(SIGUSR1, counting, 0);
	mask_signal(SIG_UNBLOCK, SIGUSR1);
	CHECK_EQ(ign_hits, 0);

	/* Default-ignore signals. */
	install_handler(SIGCHLD, SIG_DFL, 0);
	install_handler(SIGURG, SIG_DFL, 0);
	install_handler(SIGWINCH, SIG_DFL, 0);
	CHECK_RET(raise(SIGCHLD), 0);
	CHECK_RET(raise(SIGURG), 0);
	CHECK_RET(raise(SIGWINCH), 0);
	CHECK(1, "SIGCHLD, SIGURG and SIGWINCH under SIG_DFL did nothing");
	return finish();
}
