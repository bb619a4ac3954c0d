/* FUTEX_WAIT interrupted by a signal from another thread (futex(2),
 * signal(7)): without SA_RESTART it fails with EINTR; with SA_RESTART a
 * wait without a timeout is restarted and returns 0 when woken later; a
 * wait with a timeout (relative FUTEX_WAIT, or absolute
 * FUTEX_WAIT_BITSET) fails with EINTR even with SA_RESTART, as Linux does
 * (it restarts those only when no handler runs); an ignored signal does
 * not interrupt a timed wait, which then times out. */
#include "sole_test.h"

#define PRIV SOLE_FUTEX_PRIVATE_FLAG

static volatile int hits;
static uint32_t word;

static void handler(int sig)
{
	(void)sig;
	hits++;
}

/* Wakes the main thread once three handlers have run. */
static void *wake_after_three(void *arg)
{
	(void)arg;
	wait_count(&hits, 3, 20000);
	sleep_ms(20);
	long long end = now_ns() + 20000000000LL;
	while (sole_futex(&word, SOLE_FUTEX_WAKE | PRIV, 1, NULL, NULL, 0) != 1 && now_ns() < end)
		sched_yield();
	return NULL;
}

int main(void)
{
	pid_t me = sole_gettid();
	struct pelter p;
	struct timespec ten = { 10, 0 };

	/* No SA_RESTART. */
	install_handler(SIGUSR1, handler, 0);
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(sole_futex(&word, SOLE_FUTEX_WAIT | PRIV, 0, NULL, NULL, 0), EINTR, pelter_stop(&p));
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(sole_futex(&word, SOLE_FUTEX_WAIT | PRIV, 0, &ten, NULL, 0), EINTR, pelter_stop(&p));

	/* SA_RESTART, no timeout: restarted, then woken. */
	install_handler(SIGUSR1, handler, SA_RESTART);
	hits = 0;
	pelter_start(&p, me, SIGUSR1, 20, 3);
	pthread_t w = start_thread(wake_after_three, NULL);
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_WAIT | PRIV, 0, NULL, NULL, 0), 0);
	CHECK(hits == 3, "three handlers ran during the restarted wait (%d)", hits);
	pelter_stop(&p);
	join_thread(w);

	/* The same for FUTEX_WAIT_BITSET without a timeout. */
	hits = 0;
	pelter_start(&p, me, SIGUSR1, 20, 3);
	w = start_thread(wake_after_three, NULL);
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_WAIT_BITSET | PRIV, 0, NULL, NULL,
			     SOLE_FUTEX_BITSET_MATCH_ANY),
		  0);
	CHECK_EQ(hits, 3);
	pelter_stop(&p);
	join_thread(w);

	/* SA_RESTART with a timeout: EINTR all the same. */
	pelter_start(&p, me, SIGUSR1, 20, 0);
	long long t0 = now_ns();
	CHECK_ERR_THEN(sole_futex(&word, SOLE_FUTEX_WAIT | PRIV, 0, &ten, NULL, 0), EINTR, pelter_stop(&p));
	CHECK(now_ns() - t0 < 9000000000LL, "well before the timeout");
	struct timespec deadline = deadline_after(CLOCK_MONOTONIC, 10000000000LL);
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_WAIT_BITSET | PRIV, 0, &deadline, NULL,
			     SOLE_FUTEX_BITSET_MATCH_ANY),
		  EINTR);
	pelter_stop(&p);

	/* Ignored: the timed wait runs to its end. */
	install_handler(SIGUSR2, SIG_IGN, 0);
	pelter_start(&p, me, SIGUSR2, 5, 0);
	wait_count(&p.sent, 1, 20000);
	struct timespec short_wait = { 0, 80 * 1000 * 1000 };
	t0 = now_ns();
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_WAIT | PRIV, 0, &short_wait, NULL, 0), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 75000000LL, "the full timeout passed despite ignored signals");
	pelter_stop(&p);
	CHECK(p.sent > 0, "ignored signals were sent (%d)", p.sent);
	return finish();
}
