/* futex(2) FUTEX_CMP_REQUEUE and FUTEX_REQUEUE: waiters move from one
 * word to another without waking (nr_wake 0), the return value counts the
 * woken plus the requeued, requeued waiters are woken by a wake on their
 * new word only, FUTEX_CMP_REQUEUE fails with EAGAIN (and moves nobody)
 * when *uaddr != val3, and negative counts are EINVAL. */
#include "sole_test.h"

#define N 3
#define PRIV SOLE_FUTEX_PRIVATE_FLAG

static uint32_t w1, w2;
static long results[N];
static int done[N];

static void *waiter(void *arg)
{
	long i = (long)arg;
	long r = sole_futex(&w1, SOLE_FUTEX_WAIT | PRIV, 0, NULL, NULL, 0);
	results[i] = r == 0 ? 0 : errno;
	__atomic_store_n(&done[i], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int count_done(void)
{
	int n = 0;
	for (int i = 0; i < N; i++)
		n += __atomic_load_n(&done[i], __ATOMIC_SEQ_CST);
	return n;
}

/* Requeues every waiter of `from` to `to`, waking none, until `n` have
 * moved: then they are all known to be asleep on `to`. */
static int gather(int op, uint32_t *from, uint32_t *to, int n)
{
	long long end = now_ns() + 20000000000LL;
	int total = 0, ok = 1;
	while (total < n && now_ns() < end) {
		long r = sole_futex_val2(from, op | PRIV, 0, INT_MAX, to, *from);
		if (r < 0)
			ok = 0;
		else
			total += (int)r;
		sched_yield();
	}
	return ok && total == n;
}

/* Waits until `n` waiters have returned (20 s at most). */
static int wait_done(int n)
{
	long long end = now_ns() + 20000000000LL;
	while (count_done() < n && now_ns() < end)
		sched_yield();
	return count_done() >= n;
}

int main(void)
{
	pthread_t t[N];
	for (long i = 0; i < N; i++)
		t[i] = start_thread(waiter, (void *)i);

	CHECK(gather(SOLE_FUTEX_CMP_REQUEUE, &w1, &w2, N),
	      "FUTEX_CMP_REQUEUE with nr_wake 0 moved all %d waiters to w2", N);
	sleep_ms(10);
	CHECK(count_done() == 0, "requeueing woke nobody");
	CHECK_RET(sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0), 0);
	CHECK(count_done() == 0, "a wake on the old word finds nobody");

	/* *uaddr must equal val3. */
	CHECK_ERR(sole_futex_val2(&w2, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, INT_MAX, &w1, 5), EAGAIN);
	CHECK(count_done() == 0, "the failed requeue woke nobody");

	/* Wake one and move one: returns 2. */
	CHECK_RET(sole_futex_val2(&w2, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, 1, &w1, 0), 2);
	CHECK(wait_done(1), "one waiter woke");
	sleep_ms(10);
	CHECK(count_done() == 1, "only one");
	/* One is now on w1, one on w2. */
	CHECK_RET(sole_futex(&w2, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0), 1);
	CHECK(wait_done(2), "the one left on w2 woke");
	CHECK_RET(sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0), 1);
	for (int i = 0; i < N; i++)
		join_thread(t[i]);
	for (int i = 0; i < N; i++)
		CHECK(results[i] == 0, "waiter %d returned 0 (%s)", i, errno_name((int)results[i]));

	/* FUTEX_REQUEUE (no comparison). */
	memset(done, 0, sizeof done);
	for (long i = 0; i < 2; i++)
		t[i] = start_thread(waiter, (void *)i);
	CHECK(gather(SOLE_FUTEX_REQUEUE, &w1, &w2, 2), "FUTEX_REQUEUE moved both waiters to w2");
	sleep_ms(10);
	CHECK(count_done() == 0, "and woke neither");
	/* nr_requeue 0: only wakes. */
	CHECK_RET(sole_futex_val2(&w2, SOLE_FUTEX_REQUEUE | PRIV, 1, 0, &w1, 0), 1);
	CHECK(wait_done(1), "one woke");
	/* nr_wake 0, nr_requeue 1: moves the other back to w1. */
	CHECK_RET(sole_futex_val2(&w2, SOLE_FUTEX_REQUEUE | PRIV, 0, 1, &w1, 0), 1);
	CHECK_RET(sole_futex(&w2, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0), 0);
	CHECK_RET(sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0), 1);
	for (int i = 0; i < 2; i++)
		join_thread(t[i]);
	CHECK(results[0] == 0 && results[1] == 0, "both returned 0");

	/* Nobody waiting: 0. Negative counts: EINVAL. */
	CHECK_RET(sole_futex_val2(&w1, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, 1, &w2, 0), 0);
	CHECK_RET(sole_futex_val2(&w1, SOLE_FUTEX_REQUEUE | PRIV, 1, 1, &w2, 0), 0);
	CHECK_ERR(sole_futex_val2(&w1, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, (unsigned long)-1, &w2, 0),
		  EINVAL);
	CHECK_ERR(sole_futex_val2(&w1, SOLE_FUTEX_CMP_REQUEUE | PRIV, (uint32_t)-1, 1, &w2, 0),
		  EINVAL);
	return finish();
}
