/* CPU affinity (sched_setaffinity(2), sched_getaffinity(2),
 * pthread_setaffinity_np(3), sched_getcpu(3), getcpu(2)): the mask holds
 * at least one CPU and no more than sysconf(_SC_NPROCESSORS_ONLN); pinned
 * to one CPU, the thread runs there (sched_getcpu and getcpu agree, also
 * after sched_yield); affinity is per thread and inherited by new threads;
 * an empty mask is EINVAL; the raw call returns the size it wrote and
 * rejects a size that is not a multiple of a long; a missing thread is
 * ESRCH. */
#include "sole_test.h"
#include <sched.h>

static int count(const cpu_set_t *set)
{
	return CPU_COUNT(set);
}

static int running_on(void)
{
	unsigned cpu = ~0u, node = ~0u;
	if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0)
		return -1;
	return (int)cpu;
}

struct thread_view {
	cpu_set_t inherited;
	cpu_set_t own;
	int cpu;
	pid_t tid;
	int set_result;
	int target;
	pthread_barrier_t *barrier;
};

static void *worker(void *arg)
{
	struct thread_view *v = arg;
	v->tid = sole_gettid();
	sched_getaffinity(0, sizeof v->inherited, &v->inherited);
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(v->target, &one);
	v->set_result = pthread_setaffinity_np(pthread_self(), sizeof one, &one);
	sched_yield();
	v->cpu = sched_getcpu();
	pthread_getaffinity_np(pthread_self(), sizeof v->own, &v->own);
	pthread_barrier_wait(v->barrier);
	pthread_barrier_wait(v->barrier);
	return NULL;
}

int main(void)
{
	cpu_set_t orig, set;
	CPU_ZERO(&orig);
	CHECK_OK(sched_getaffinity(0, sizeof orig, &orig));
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int n = count(&orig);
	NOTE("%d CPUs in the mask, %ld online", n, online);
	CHECK(n >= 1, "at least one CPU in the mask (%d)", n);
	CHECK(online >= 1 && n <= online, "no more than are online (%d <= %ld)", n, online);
	CHECK_OK(sched_getaffinity(sole_gettid(), sizeof set, &set));
	CHECK(CPU_EQUAL(&set, &orig), "by tid the same");

	/* The raw system call returns the size it wrote. */
	unsigned long raw[16];
	memset(raw, 0, sizeof raw);
	long size = syscall(SYS_sched_getaffinity, 0, sizeof raw, raw);
	CHECK(size > 0 && size % sizeof(long) == 0 && size <= (long)sizeof raw,
	      "the raw call returns a size in longs (%ld)", size);
	CHECK(memcmp(raw, &orig, (size_t)size) == 0, "the same mask");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 4, raw), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 12, raw), EINVAL);

	/* Pin to each allowed CPU in turn. */
	int first = -1, last = -1;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &orig))
			continue;
		if (first < 0)
			first = cpu;
		last = cpu;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		CHECK_OK(sched_setaffinity(0, sizeof set, &set));
		int ok = 1, seen = -1, seen2 = -1;
		for (int i = 0; i < 5; i++) {
			sched_yield();
			seen = sched_getcpu();
			seen2 = running_on();
			if (seen != cpu || seen2 != cpu)
				ok = 0;
		}
		CHECK(ok, "pinned to CPU %d: sched_getcpu %d, getcpu %d", cpu, seen, seen2);
		cpu_set_t back;
		sched_getaffinity(0, sizeof back, &back);
		CHECK(count(&back) == 1 && CPU_ISSET(cpu, &back), "the mask reads back as CPU %d",
		      cpu);
	}

	/* A new thread inherits the mask, and its own change is its own. */
	CPU_ZERO(&set);
	CPU_SET(first, &set);
	CHECK_OK(sched_setaffinity(0, sizeof set, &set));
	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, 2);
	struct thread_view v;
	memset(&v, 0, sizeof v);
	v.target = last;
	v.barrier = &barrier;
	pthread_t t = start_thread(worker, &v);
	pthread_barrier_wait(&barrier);
	CHECK(count(&v.inherited) == 1 && CPU_ISSET(first, &v.inherited),
	      "the new thread inherited CPU %d only", first);
	CHECK_EQ(v.set_result, 0);
	CHECK(v.cpu == last, "the thread runs on its own CPU %d (%d)", last, v.cpu);
	CHECK(count(&v.own) == 1 && CPU_ISSET(last, &v.own), "pthread_getaffinity_np reads it");
	cpu_set_t theirs, mine;
	CHECK_OK(sched_getaffinity(v.tid, sizeof theirs, &theirs));
	CHECK(count(&theirs) == 1 && CPU_ISSET(last, &theirs), "seen by tid from outside");
	CHECK_OK(sched_getaffinity(0, sizeof mine, &mine));
	CHECK(count(&mine) == 1 && CPU_ISSET(first, &mine), "the main thread's is unchanged");
	/* Another thread's mask can be set by tid. */
	CHECK_OK(sched_setaffinity(v.tid, sizeof orig, &orig));
	CHECK_OK(sched_getaffinity(v.tid, sizeof theirs, &theirs));
	CHECK(CPU_EQUAL(&theirs, &orig), "set by tid from outside");
	pthread_barrier_wait(&barrier);
	join_thread(t);

	/* Errors. */
	CPU_ZERO(&set);
	CHECK_ERR(sched_setaffinity(0, sizeof set, &set), EINVAL);
	CHECK_ERR(sched_getaffinity(0x3ffffff0, sizeof set, &set), ESRCH);
	CHECK_ERR(sched_setaffinity(0x3ffffff0, sizeof orig, &orig), ESRCH);

	CHECK_OK(sched_setaffinity(0, sizeof orig, &orig));
	CHECK_OK(sched_getaffinity(0, sizeof set, &set));
	CHECK(CPU_EQUAL(&set, &orig), "restored");
	return finish();
}
