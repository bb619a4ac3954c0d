/* futex(2) FUTEX_WAKE_OP: atomically applies an operation (SET, ADD, OR,
 * ANDN, XOR, with FUTEX_OP_OPARG_SHIFT and a sign-extended 12-bit oparg)
 * to *uaddr2, wakes up to nr_wake waiters on uaddr1 and, if the old value
 * of *uaddr2 compares true (EQ, NE, LT, LE, GT, GE against cmparg), up to
 * nr_wake2 waiters on uaddr2; the return value is the total woken. An
 * unknown operation or comparison is ENOSYS. Waiters are parked with
 * FUTEX_CMP_REQUEUE first, so that they are known to be asleep. */
#include "sole_test.h"

#define PRIV SOLE_FUTEX_PRIVATE_FLAG

static uint32_t w1, w2, stage;
static int woken;

static void *waiter(void *arg)
{
	(void)arg;
	long r = sole_futex(&stage, SOLE_FUTEX_WAIT | PRIV, 0, NULL, NULL, 0);
	if (r == 0)
		__atomic_add_fetch(&woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Starts a waiter on `stage` and moves it to `to`; returns the thread
 * once the waiter is known to sleep on `to`. */
static pthread_t park(uint32_t *to)
{
	pthread_t t = start_thread(waiter, NULL);
	long long end = now_ns() + 20000000000LL;
	while (now_ns() < end) {
		long r = sole_futex_val2(&stage, SOLE_FUTEX_CMP_REQUEUE | PRIV, 0, 1, to, 0);
		if (r == 1)
			return t;
		sched_yield();
	}
	BAIL("the waiter never slept on the stage word");
}

static long wake_op(int nr_wake, int nr_wake2, uint32_t op)
{
	return sole_futex_val2(&w1, SOLE_FUTEX_WAKE_OP | PRIV, (uint32_t)nr_wake,
			       (unsigned long)nr_wake2, &w2, op);
}

static int wait_woken(int n)
{
	long long end = now_ns() + 20000000000LL;
	while (__atomic_load_n(&woken, __ATOMIC_SEQ_CST) < n && now_ns() < end)
		sched_yield();
	return __atomic_load_n(&woken, __ATOMIC_SEQ_CST) == n;
}

int main(void)
{
	/* The operations, with nobody waiting: 0 woken. */
	w2 = 0x10;
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_SET, 5, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 5);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ADD, 3, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 8);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_OR, 0x30, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 0x38);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ANDN, 0x8, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 0x30);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_XOR, 0xff, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 0xcf);
	CHECK_RET(wake_op(1, 1,
			  SOLE_FUTEX_OP(SOLE_FUTEX_OP_SET | SOLE_FUTEX_OP_OPARG_SHIFT, 4,
					SOLE_FUTEX_OP_CMP_EQ, 0)),
		  0);
	CHECK_EQ(w2, 16);
	CHECK_RET(wake_op(1, 1,
			  SOLE_FUTEX_OP(SOLE_FUTEX_OP_OR | SOLE_FUTEX_OP_OPARG_SHIFT, 31,
					SOLE_FUTEX_OP_CMP_EQ, 0)),
		  0);
	CHECK_EQ(w2, 0x80000010u);
	/* oparg is a signed 12-bit field: 0xfff is -1. */
	w2 = 10;
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ADD, 0xfff, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 9);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_SET, 0x800, SOLE_FUTEX_OP_CMP_EQ, 0)), 0);
	CHECK_EQ(w2, 0xfffff800u);
	/* Unknown operation or comparison. */
	w2 = 1;
	CHECK_ERR(wake_op(1, 1, SOLE_FUTEX_OP(7, 0, SOLE_FUTEX_OP_CMP_EQ, 0)), ENOSYS);
	CHECK_ERR(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ADD, 0, 9, 0)), ENOSYS);

	/* With waiters on both words. A false comparison wakes uaddr1's only. */
	w2 = 5;
	pthread_t a = park(&w1);
	pthread_t b = park(&w2);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ADD, 0, SOLE_FUTEX_OP_CMP_NE, 5)), 1);
	join_thread(a);
	CHECK_EQ(woken, 1);
	/* A true comparison on the old value (5), then the new value (7). */
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_SET, 7, SOLE_FUTEX_OP_CMP_EQ, 5)), 1);
	join_thread(b);
	CHECK_EQ(woken, 2);
	CHECK_EQ(w2, 7);

	/* Both queues at once: 2. */
	a = park(&w1);
	b = park(&w2);
	CHECK_RET(wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ADD, 1, SOLE_FUTEX_OP_CMP_GT, 6)), 2);
	join_thread(a);
	join_thread(b);
	CHECK_EQ(woken, 4);
	CHECK_EQ(w2, 8);

	/* Every comparison, true and false, against the old value 8
	 * (cmparg is signed too: 0xfff is -1, and 8 > -1). */
	static const struct {
		int cmp, cmparg, wakes;
		const char *what;
	} rows[] = {
		{ SOLE_FUTEX_OP_CMP_EQ, 8, 1, "8 == 8" },  { SOLE_FUTEX_OP_CMP_EQ, 9, 0, "8 == 9" },
		{ SOLE_FUTEX_OP_CMP_NE, 9, 1, "8 != 9" },  { SOLE_FUTEX_OP_CMP_NE, 8, 0, "8 != 8" },
		{ SOLE_FUTEX_OP_CMP_LT, 9, 1, "8 < 9" },   { SOLE_FUTEX_OP_CMP_LT, 8, 0, "8 < 8" },
		{ SOLE_FUTEX_OP_CMP_LE, 8, 1, "8 <= 8" },  { SOLE_FUTEX_OP_CMP_LE, 7, 0, "8 <= 7" },
		{ SOLE_FUTEX_OP_CMP_GT, 7, 1, "8 > 7" },   { SOLE_FUTEX_OP_CMP_GT, 8, 0, "8 > 8" },
		{ SOLE_FUTEX_OP_CMP_GE, 8, 1, "8 >= 8" },  { SOLE_FUTEX_OP_CMP_GE, 9, 0, "8 >= 9" },
		{ SOLE_FUTEX_OP_CMP_GT, 0xfff, 1, "8 > -1" },
	};
	int expect = 4;
	for (unsigned i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		w2 = 8;
		b = park(&w2);
		long r = wake_op(1, 1, SOLE_FUTEX_OP(SOLE_FUTEX_OP_ADD, 0, rows[i].cmp, rows[i].cmparg));
		CHECK(r == rows[i].wakes, "%s: woke %ld, expected %d", rows[i].what, r,
		      rows[i].wakes);
		if (r == 0)
			CHECK_RET(sole_futex(&w2, SOLE_FUTEX_WAKE | PRIV, 1, NULL, NULL, 0), 1);
		join_thread(b);
		expect++;
		CHECK(wait_woken(expect), "%s: the waiter returned 0", rows[i].what);
	}
	return finish();
}
