/* futex(2) FUTEX_CMP_REQUEUE and FUTEX_REQUEUE: waiters move from one
 * word to another without waking (nr_wake 0), the return value counts the
 * woken plus the requeued, requeued waiters are woken by a wake on their
 * new word only, FUTEX_CMP_REQUEUE fails with EAGAIN (and moves nobody)
 * when *uaddr != val3, and negative counts are EINVAL.
 *
 * Linux's FUTEX_WAIT goes back to waiting on the word it was given after a
 * spurious scheduler wakeup (kernel/futex/waitwake.c: futex_wait retries
 * with its original address), so a requeued waiter can reappear on its
 * old word under load. Each scenario therefore runs with fresh waiters
 * until one run sees every count exactly (a few tries at most). */
#include "sole_test.h"

#define N 3
#define PRIV SOLE_FUTEX_PRIVATE_FLAG
#define TRIES 8

static uint32_t w1, w2;
static int done[N];

static void *waiter(void *arg)
{
	long i = (long)arg;
	sole_futex(&w1, SOLE_FUTEX_WAIT | PRIV, 0, NULL, NULL, 0);
	__atomic_store_n(&done[i], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int count_done(int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += __atomic_load_n(&done[i], __ATOMIC_SEQ_CST);
	return k;
}

/* Requeues every waiter of `from` to `to`, waking none, until `n` have
 * moved. */
static int gather(int op, uint32_t *from, uint32_t *to, int n)
{
	long long end = now_ns() + 20000000000LL;
	int total = 0;
	while (total < n && now_ns() < end) {
		long r = sole_futex_val2(from, op | PRIV, 0, INT_MAX, to, *from);
		if (r < 0)
			return 0;
		total += (int)r;
		sched_yield();
	}
	return total == n;
}

/* Wakes everyone on both words until the `n` waiters have returned, and
 * joins them. */
static void release_all(pthread_t *t, int n)
{
	long long end = now_ns() + 20000000000LL;
	while (count_done(n) < n && now_ns() < end) {
		sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
		sole_futex(&w2, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
		sched_yield();
	}
	for (int i = 0; i < n; i++)
		join_thread(t[i]);
}

static void start(pthread_t *t, int n)
{
	memset(done, 0, sizeof done);
	for (long i = 0; i < n; i++)
		t[i] = start_thread(waiter, (void *)i);
}

/* CMP_REQUEUE: gather N on w2; a wake on w1 finds nobody; a mismatched
 * val3 is EAGAIN; wake one and move one returns 2; then one waits on each
 * word. The results, in order. */
static int cmp_requeue_run(long out[6])
{
	pthread_t t[N];
	start(t, N);
	out[0] = gather(SOLE_FUTEX_CMP_REQUEUE, &w1, &w2, N);
	out[1] = sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
	out[2] = count_done(N);
	out[3] = sole_futex_val2(&w2, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, 1, &w1, 0);
	long long end = now_ns() + 20000000000LL;
	while (count_done(N) < 1 && now_ns() < end)
		sched_yield();
	out[4] = sole_futex(&w2, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
	out[5] = sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
	release_all(t, N);
	return out[0] == 1 && out[1] == 0 && out[2] == 0 && out[3] == 2 && out[4] == 1 &&
	       out[5] == 1;
}

/* REQUEUE: gather 2 on w2; nr_requeue 0 only wakes (1); nr_wake 0 moves
 * the other back to w1 (1); then w2 is empty and w1 has it. */
static int requeue_run(long out[5])
{
	pthread_t t[2];
	start(t, 2);
	out[0] = gather(SOLE_FUTEX_REQUEUE, &w1, &w2, 2);
	out[1] = sole_futex_val2(&w2, SOLE_FUTEX_REQUEUE | PRIV, 1, 0, &w1, 0);
	out[2] = sole_futex_val2(&w2, SOLE_FUTEX_REQUEUE | PRIV, 0, 1, &w1, 0);
	out[3] = sole_futex(&w2, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
	out[4] = sole_futex(&w1, SOLE_FUTEX_WAKE | PRIV, INT_MAX, NULL, NULL, 0);
	release_all(t, 2);
	return out[0] == 1 && out[1] == 1 && out[2] == 1 && out[3] == 0 && out[4] == 1;
}

int main(void)
{
	long r[6] = { 0 };
	int ok = 0, tries = 0;
	while (!ok && tries++ < TRIES)
		ok = cmp_requeue_run(r);
	CHECK(r[0] == 1, "FUTEX_CMP_REQUEUE with nr_wake 0 moved all %d waiters to w2", N);
	CHECK_EQ(r[1], 0); /* a wake on the old word finds nobody */
	CHECK_EQ(r[2], 0); /* requeueing woke nobody */
	CHECK_EQ(r[3], 2); /* wake one and move one */
	CHECK_EQ(r[4], 1); /* one was left on w2 */
	CHECK_EQ(r[5], 1); /* the moved one is on w1 */
	if (tries > 1)
		NOTE("clean after %d runs", tries);

	/* *uaddr must equal val3: EAGAIN, nobody moved or woken. */
	pthread_t t[1];
	start(t, 1);
	CHECK(gather(SOLE_FUTEX_CMP_REQUEUE, &w1, &w2, 1), "one waiter on w2");
	CHECK_ERR(sole_futex_val2(&w2, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, INT_MAX, &w1, 5), EAGAIN);
	CHECK(count_done(1) == 0, "the failed requeue woke nobody");
	release_all(t, 1);

	ok = 0;
	tries = 0;
	long q[5] = { 0 };
	while (!ok && tries++ < TRIES)
		ok = requeue_run(q);
	CHECK(q[0] == 1, "FUTEX_REQUEUE moved both waiters to w2");
	CHECK_EQ(q[1], 1); /* nr_requeue 0: only wakes */
	CHECK_EQ(q[2], 1); /* nr_wake 0, nr_requeue 1: moves */
	CHECK_EQ(q[3], 0);
	CHECK_EQ(q[4], 1);

	/* Nobody waiting: 0. Negative counts: EINVAL. */
	CHECK_RET(sole_futex_val2(&w1, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, 1, &w2, 0), 0);
	CHECK_RET(sole_futex_val2(&w1, SOLE_FUTEX_REQUEUE | PRIV, 1, 1, &w2, 0), 0);
	CHECK_ERR(sole_futex_val2(&w1, SOLE_FUTEX_CMP_REQUEUE | PRIV, 1, (unsigned long)-1, &w2, 0),
		  EINVAL);
	CHECK_ERR(sole_futex_val2(&w1, SOLE_FUTEX_CMP_REQUEUE | PRIV, (uint32_t)-1, 1, &w2, 0),
		  EINVAL);
	return finish();
}
