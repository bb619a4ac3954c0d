/*
 * threads: the cost of a thread's life and of handing a token between two
 * threads. Needs two CPUs.
 *
 * - pthread_create + pthread_join of a thread that returns at once;
 * - futex ping-pong: two threads take turns on one futex word (raw
 *   FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE, no spinning), so a round trip
 *   is two wakes, two waits and two hand-overs; once with both threads
 *   pinned to CPU 0 (each hand-over is a context switch) and once with one
 *   on CPU 0 and the other on CPU 1 (each is a cross-CPU wake-up).
 */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

/* From <linux/futex.h>, which musl-gcc does not see. */
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129 /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */

#define CREATE_WARMUP 200
#define CREATES 2000
#define PINGPONG_WARMUP 200
#define ROUND_TRIPS 2000

/* Fails with the error number a pthread function returned. */
static void check(int rc, const char *what)
{
	if (rc != 0) {
		errno = rc;
		fail(what);
	}
}

static void *nothing(void *arg)
{
	return arg;
}

static double create_join(void)
{
	long long start = 0;
	for (int i = 0; i < CREATE_WARMUP + CREATES; i++) {
		if (i == CREATE_WARMUP)
			start = now_ns();
		pthread_t thread;
		check(pthread_create(&thread, NULL, nothing, NULL), "pthread_create");
		check(pthread_join(thread, NULL), "pthread_join");
	}
	return (double)(now_ns() - start) / CREATES;
}

/* The token: 0 while it is the ping thread's turn, 1 while the pong's. */
static _Atomic int token;

/* Sleeps on the futex until the token is no longer `expected`. */
static void wait_while(int expected)
{
	while (atomic_load(&token) == expected) {
		long rc = syscall(SYS_futex, &token, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
		if (rc != 0 && errno != EAGAIN && errno != EINTR)
			fail("futex(FUTEX_WAIT_PRIVATE)");
	}
}

/* Sets the token to `value` and wakes the other thread. */
static void pass(int value)
{
	atomic_store(&token, value);
	if (syscall(SYS_futex, &token, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) < 0)
		fail("futex(FUTEX_WAKE_PRIVATE)");
}

struct player {
	int cpu;          /* pinned to */
	double ns;        /* ping: per round trip */
	int ran_on;       /* where it ran, checked after the run */
	pthread_barrier_t *start;
};

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		fail("sched_setaffinity");
}

static void *ping(void *arg)
{
	struct player *p = arg;
	pin(p->cpu);
	pthread_barrier_wait(p->start);
	long long start = 0;
	for (int i = 0; i < PINGPONG_WARMUP + ROUND_TRIPS; i++) {
		if (i == PINGPONG_WARMUP)
			start = now_ns();
		pass(1);
		wait_while(1);
	}
	p->ns = (double)(now_ns() - start) / ROUND_TRIPS;
	p->ran_on = sched_getcpu();
	return NULL;
}

static void *pong(void *arg)
{
	struct player *p = arg;
	pin(p->cpu);
	pthread_barrier_wait(p->start);
	for (int i = 0; i < PINGPONG_WARMUP + ROUND_TRIPS; i++) {
		wait_while(0);
		pass(0);
	}
	p->ran_on = sched_getcpu();
	return NULL;
}

/* ns per round trip between a thread on `ping_cpu` and one on `pong_cpu`. */
static double ping_pong(int ping_cpu, int pong_cpu)
{
	pthread_barrier_t start;
	check(pthread_barrier_init(&start, NULL, 2), "pthread_barrier_init");
	atomic_store(&token, 0);
	struct player a = {.cpu = ping_cpu, .start = &start};
	struct player b = {.cpu = pong_cpu, .start = &start};
	pthread_t ta, tb;
	check(pthread_create(&ta, NULL, ping, &a), "pthread_create");
	check(pthread_create(&tb, NULL, pong, &b), "pthread_create");
	check(pthread_join(ta, NULL), "pthread_join");
	check(pthread_join(tb, NULL), "pthread_join");
	pthread_barrier_destroy(&start);
	if (a.ran_on != ping_cpu || b.ran_on != pong_cpu) {
		printf("sole-bench-error pinning: asked for CPUs %d and %d, ran on %d and %d\n",
		       ping_cpu, pong_cpu, a.ran_on, b.ran_on);
		fflush(stdout);
		exit(1);
	}
	return a.ns;
}

int main(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2) {
		printf("sole-bench-error needs 2 CPUs, has %ld\n", cpus);
		fflush(stdout);
		return 1;
	}
	report("thread_create_join", create_join(), "ns");
	report("futex_same_cpu", ping_pong(0, 0), "ns");
	report("futex_cross_cpu", ping_pong(0, 1), "ns");
	return 0;
}
