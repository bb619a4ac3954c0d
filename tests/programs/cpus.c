/* Two CPU-bound threads: each works through a fixed amount of arithmetic
 * and notes, every so often, which CPU it is on (getcpu(2)). Prints each
 * thread's set of CPUs and their union as bit masks, then the result of
 * the arithmetic (so the work cannot be optimised away). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#define CHUNKS 400
#define CHUNK 20000

struct worker {
	unsigned long cpus;
	unsigned long sum;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned long x = (unsigned long)arg;
	for (int c = 0; c < CHUNKS; c++) {
		for (int i = 0; i < CHUNK; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
		int cpu = sched_getcpu();
		if (cpu >= 0 && cpu < 64)
			w->cpus |= 1ul << cpu;
	}
	w->sum = x;
	return NULL;
}

int main(void)
{
	struct worker w[2] = { { 0, 0 }, { 0, 0 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, work, &w[i]) != 0)
			return 2;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("thread 0 cpus %#lx\nthread 1 cpus %#lx\nunion %#lx\n", w[0].cpus, w[1].cpus,
	       w[0].cpus | w[1].cpus);
	printf("sum %lx\n", w[0].sum ^ w[1].sum);
	return 0;
}
