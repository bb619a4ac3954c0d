/* futex(2) under load: four threads increment a counter under a
 * hand-written futex mutex (the three-state lock from Drepper's "Futexes
 * Are Tricky": 0 free, 1 locked, 2 locked with waiters) many times, with
 * private and then shared futex operations; no increment is lost, no two
 * threads are ever inside at once, and the lock ends free. */
#include "sole_test.h"

#define THREADS 4
#define ROUNDS 10000

static uint32_t lock_word;
static long counter;
static int inside, overlaps;
static int private_ops = 1;

static void lock(uint32_t *m)
{
	uint32_t c = 0;
	if (__atomic_compare_exchange_n(m, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		sole_futex(m, SOLE_FUTEX_WAIT | (private_ops ? SOLE_FUTEX_PRIVATE_FLAG : 0), 2, NULL,
			   NULL, 0);
		c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock(uint32_t *m)
{
	if (__atomic_fetch_sub(m, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(m, 0, __ATOMIC_RELEASE);
		sole_futex(m, SOLE_FUTEX_WAKE | (private_ops ? SOLE_FUTEX_PRIVATE_FLAG : 0), 1, NULL,
			   NULL, 0);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		lock(&lock_word);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		counter++;
		/* Now and then hold the lock across a yield, so that others
		 * must sleep on it. */
		if (i % 64 == 0)
			sched_yield();
		__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
		unlock(&lock_word);
	}
	return NULL;
}

static void run(const char *what)
{
	counter = 0;
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		t[i] = start_thread(worker, NULL);
	for (int i = 0; i < THREADS; i++)
		join_thread(t[i]);
	CHECK(counter == (long)THREADS * ROUNDS, "%s: counter %ld == %d", what, counter,
	      THREADS * ROUNDS);
	CHECK(overlaps == 0, "%s: never two inside at once (%d)", what, overlaps);
	CHECK(lock_word == 0, "%s: the lock ends free (%u)", what, lock_word);
}

int main(void)
{
	run("private futexes");
	private_ops = 0;
	run("shared futexes");
	return finish();
}
