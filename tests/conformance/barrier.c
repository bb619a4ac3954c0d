/* pthread_barrier_wait(3): no thread leaves a round before all have
 * arrived; exactly one thread per round gets
 * PTHREAD_BARRIER_SERIAL_THREAD and the others 0; the barrier can be
 * reused for several rounds; a count of 0 is EINVAL. */
#include "sole_test.h"

#define THREADS 4
#define ROUNDS 6

static pthread_barrier_t barrier;
static int arrived[ROUNDS];
static int serial[ROUNDS];
static int zero[ROUNDS];
static int early[ROUNDS];
static int other[ROUNDS];

static void *worker(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		__atomic_add_fetch(&arrived[r], 1, __ATOMIC_SEQ_CST);
		int ret = pthread_barrier_wait(&barrier);
		if (ret == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serial[r], 1, __ATOMIC_SEQ_CST);
		else if (ret == 0)
			__atomic_add_fetch(&zero[r], 1, __ATOMIC_SEQ_CST);
		else
			__atomic_add_fetch(&other[r], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&arrived[r], __ATOMIC_SEQ_CST) != THREADS)
			__atomic_add_fetch(&early[r], 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

int main(void)
{
	pthread_barrier_t bad;
	CHECK_RET(pthread_barrier_init(&bad, NULL, 0), EINVAL);

	CHECK_RET(pthread_barrier_init(&barrier, NULL, THREADS), 0);
	pthread_t t[THREADS - 1];
	for (int i = 0; i < THREADS - 1; i++)
		t[i] = start_thread(worker, NULL);
	/* The main thread is the fourth participant, and comes late. */
	sleep_ms(20);
	worker(NULL);
	for (int i = 0; i < THREADS - 1; i++)
		join_thread(t[i]);
	for (int r = 0; r < ROUNDS; r++) {
		CHECK(serial[r] == 1, "round %d: one PTHREAD_BARRIER_SERIAL_THREAD (%d)", r,
		      serial[r]);
		CHECK(zero[r] == THREADS - 1, "round %d: the others got 0 (%d)", r, zero[r]);
		CHECK(other[r] == 0, "round %d: no other return value", r);
		CHECK(early[r] == 0, "round %d: nobody left before all arrived", r);
	}
	CHECK_RET(pthread_barrier_destroy(&barrier), 0);

	/* A barrier of one never waits. */
	CHECK_RET(pthread_barrier_init(&barrier, NULL, 1), 0);
	CHECK_RET(pthread_barrier_wait(&barrier), PTHREAD_BARRIER_SERIAL_THREAD);
	CHECK_RET(pthread_barrier_wait(&barrier), PTHREAD_BARRIER_SERIAL_THREAD);
	CHECK_RET(pthread_barrier_destroy(&barrier), 0);
	return finish();
}
