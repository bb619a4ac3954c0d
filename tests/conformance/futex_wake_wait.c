/* futex(2) FUTEX_WAIT and FUTEX_WAKE between threads: a thread waiting on
 * an unchanging word returns 0 only when woken; FUTEX_WAKE returns how
 * many it woke, never more than asked, and the wakes add up to the number
 * of waiters; private and shared futexes; FUTEX_WAIT_BITSET waiters are
 * woken only by FUTEX_WAKE_BITSET with an intersecting bitset (and by plain
 * FUTEX_WAKE); a waiter is woken by a wake on its own word only. */
#include "sole_test.h"

#define N 3

static uint32_t word;
static uint32_t other_word;
static long results[N + 2];
static int done[N + 2];

struct waiter {
	int index;
	int op;
	uint32_t bitset;
	volatile uint32_t *addr;
};

static void *waiter(void *arg)
{
	struct waiter *w = arg;
	long r;
	if (w->op == SOLE_FUTEX_WAIT_BITSET)
		r = sole_futex(w->addr, SOLE_FUTEX_WAIT_BITSET | SOLE_FUTEX_PRIVATE_FLAG, 0, NULL,
			       NULL, w->bitset);
	else
		r = sole_futex(w->addr, w->op, 0, NULL, NULL, 0);
	results[w->index] = r == 0 ? 0 : errno;
	__atomic_store_n(&done[w->index], 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Calls FUTEX_WAKE-like `op` with count `n` (and `bitset`) until the wakes
 * add up to `expect`; returns whether every call stayed within `n` and the
 * total was reached within 20 s. */
static int wake_until(volatile uint32_t *addr, int op, int n, uint32_t bitset, int expect,
		      int *total)
{
	int ok = 1;
	long long end = now_ns() + 20000000000LL;
	*total = 0;
	while (*total < expect && now_ns() < end) {
		long r = sole_futex(addr, op, (uint32_t)n, NULL, NULL, bitset);
		if (r < 0 || r > n)
			ok = 0;
		if (r > 0)
			*total += (int)r;
		sched_yield();
	}
	return ok && *total == expect;
}

static int count_done(void)
{
	int n = 0;
	for (int i = 0; i < N + 2; i++)
		n += __atomic_load_n(&done[i], __ATOMIC_SEQ_CST);
	return n;
}

int main(void)
{
	pthread_t t[N + 2];
	struct waiter w[N + 2];
	int total;

	/* N waiters (shared futex ops), woken one at a time. */
	for (int i = 0; i < N; i++) {
		w[i] = (struct waiter){ i, SOLE_FUTEX_WAIT, 0, &word };
		t[i] = start_thread(waiter, &w[i]);
	}
	CHECK(wake_until(&word, SOLE_FUTEX_WAKE, 1, 0, N, &total),
	      "FUTEX_WAKE of 1 woke one at a time, %d in all", total);
	for (int i = 0; i < N; i++)
		join_thread(t[i]);
	for (int i = 0; i < N; i++)
		CHECK(results[i] == 0, "waiter %d returned 0 (%s)", i,
		      errno_name((int)results[i]));
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);

	/* Private waiters, woken all at once (possibly in several calls if
	 * they are slow to arrive). */
	memset(done, 0, sizeof done);
	for (int i = 0; i < N; i++) {
		w[i] = (struct waiter){ i, SOLE_FUTEX_WAIT | SOLE_FUTEX_PRIVATE_FLAG, 0, &word };
		t[i] = start_thread(waiter, &w[i]);
	}
	sleep_ms(30);
	CHECK(wake_until(&word, SOLE_FUTEX_WAKE | SOLE_FUTEX_PRIVATE_FLAG, INT_MAX, 0, N, &total),
	      "FUTEX_WAKE of INT_MAX woke %d in all", total);
	for (int i = 0; i < N; i++)
		join_thread(t[i]);
	for (int i = 0; i < N; i++)
		CHECK(results[i] == 0, "private waiter %d returned 0", i);

	/* A wake on another word wakes nobody here. */
	memset(done, 0, sizeof done);
	w[0] = (struct waiter){ 0, SOLE_FUTEX_WAIT | SOLE_FUTEX_PRIVATE_FLAG, 0, &word };
	t[0] = start_thread(waiter, &w[0]);
	sleep_ms(30);
	CHECK_RET(sole_futex(&other_word, SOLE_FUTEX_WAKE | SOLE_FUTEX_PRIVATE_FLAG, INT_MAX, NULL,
			     NULL, 0),
		  0);
	sleep_ms(10);
	CHECK(count_done() == 0, "a wake on another word did not wake the waiter");
	CHECK(wake_until(&word, SOLE_FUTEX_WAKE | SOLE_FUTEX_PRIVATE_FLAG, 1, 0, 1, &total),
	      "woken on its own word");
	join_thread(t[0]);

	/* Bitsets: A waits with bitset 1, B with bitset 2. */
	memset(done, 0, sizeof done);
	w[0] = (struct waiter){ 0, SOLE_FUTEX_WAIT_BITSET, 0x1, &word };
	w[1] = (struct waiter){ 1, SOLE_FUTEX_WAIT_BITSET, 0x2, &word };
	t[0] = start_thread(waiter, &w[0]);
	t[1] = start_thread(waiter, &w[1]);
	sleep_ms(30);
	CHECK(wake_until(&word, SOLE_FUTEX_WAKE_BITSET | SOLE_FUTEX_PRIVATE_FLAG, INT_MAX, 0x2, 1,
			 &total),
	      "FUTEX_WAKE_BITSET with bitset 2 woke exactly one (%d)", total);
	join_thread(t[1]);
	CHECK(results[1] == 0, "the bitset-2 waiter was woken");
	CHECK(__atomic_load_n(&done[0], __ATOMIC_SEQ_CST) == 0,
	      "the bitset-1 waiter was not woken by bitset 2");
	CHECK_RET(sole_futex(&word, SOLE_FUTEX_WAKE_BITSET | SOLE_FUTEX_PRIVATE_FLAG, INT_MAX, NULL,
			     NULL, 0x4),
		  0);
	CHECK(__atomic_load_n(&done[0], __ATOMIC_SEQ_CST) == 0, "nor by bitset 4");
	CHECK(wake_until(&word, SOLE_FUTEX_WAKE_BITSET | SOLE_FUTEX_PRIVATE_FLAG, INT_MAX, 0x3, 1,
			 &total),
	      "bitset 3 intersects bitset 1: woke one (%d)", total);
	join_thread(t[0]);
	CHECK(results[0] == 0, "the bitset-1 waiter was woken");

	/* A plain FUTEX_WAKE matches any bitset. */
	memset(done, 0, sizeof done);
	w[0] = (struct waiter){ 0, SOLE_FUTEX_WAIT_BITSET, 0x80, &word };
	t[0] = start_thread(waiter, &w[0]);
	CHECK(wake_until(&word, SOLE_FUTEX_WAKE | SOLE_FUTEX_PRIVATE_FLAG, 1, 0, 1, &total),
	      "plain FUTEX_WAKE woke a bitset waiter");
	join_thread(t[0]);
	CHECK(results[0] == 0, "which returned 0");

	/* A bitset of 0 is invalid. */
	CHECK_ERR(sole_futex(&word, SOLE_FUTEX_WAKE_BITSET | SOLE_FUTEX_PRIVATE_FLAG, 1, NULL,
			     NULL, 0),
		  EINVAL);
	return finish();
}
