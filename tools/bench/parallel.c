/*
 * parallel: the same CPU-bound work (a fixed number of steps of a 64-bit
 * LCG, no memory traffic, nothing shared) done by one thread, then split in
 * halves over two threads, and the speedup (one thread's time over two's).
 * The kernel's part is to run the two threads on different CPUs at once
 * and to stay out of the way. Needs two CPUs; the threads are not pinned,
 * so placing them is the scheduler's job.
 */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define STEPS (1L << 26)
#define WARMUP_STEPS (1L << 16)
#define MAX_THREADS 2

struct share {
	long steps;
	uint64_t result;
	char pad[64]; /* each share on its own cache line */
};

static void *work(void *arg)
{
	struct share *s = arg;
	uint64_t x = (uint64_t)s->steps, acc = 0;
	for (long i = 0; i < s->steps; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		acc += x >> 33;
	}
	s->result = acc;
	return NULL;
}

/* Milliseconds for STEPS steps split over `threads` threads. */
static double run(int threads, long steps)
{
	struct share shares[MAX_THREADS] = {0};
	pthread_t ids[MAX_THREADS];
	long long start = now_ns();
	for (int i = 0; i < threads; i++) {
		shares[i].steps = steps / threads;
		int rc = pthread_create(&ids[i], NULL, work, &shares[i]);
		if (rc != 0) {
			errno = rc;
			fail("pthread_create");
		}
	}
	uint64_t sum = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(ids[i], NULL);
		sum += shares[i].result;
	}
	double ms = (double)(now_ns() - start) / 1e6;
	if (sum == 0) {
		printf("sole-bench-error the work computed nothing\n");
		exit(1);
	}
	return ms;
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2) {
		printf("sole-bench-error needs 2 CPUs, has %ld\n", cpus);
		fflush(stdout);
		return 1;
	}
	run(2, WARMUP_STEPS);
	double one = run(1, STEPS);
	double two = run(2, STEPS);
	report("parallel_1_thread", one, "ms");
	report("parallel_2_threads", two, "ms");
	report("parallel_speedup", one / two, "x");
	return 0;
}
