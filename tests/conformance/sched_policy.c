/* Scheduling policy and priority, through the raw system calls (musl's
 * sched_setscheduler and friends are ENOSYS stubs):
 * sched_getscheduler(2) is SCHED_OTHER with priority 0 (sched_getparam);
 * sched_get_priority_min/max are 0/0 for OTHER, BATCH and IDLE and 1/99
 * for FIFO and RR, EINVAL for an unknown policy; SCHED_OTHER with a
 * non-zero priority and SCHED_FIFO with priority 0 are EINVAL; SCHED_FIFO
 * with a valid priority either works (privileged: then it reads back and
 * sched_rr_get_interval gives 0) or is EPERM; SCHED_BATCH round-trips;
 * sched_rr_get_interval answers for SCHED_OTHER. Nice values
 * (getpriority(2), setpriority, nice(2)) round-trip, raising nice is always
 * allowed, and on Linux the nice value belongs to the thread: another
 * thread's stays put, and new threads inherit their creator's. */
#include "sole_test.h"
#include <sched.h>
#include <sys/resource.h>

#ifndef SCHED_BATCH
#define SCHED_BATCH 3
#endif
#ifndef SCHED_IDLE
#define SCHED_IDLE 5
#endif

static long getscheduler(pid_t pid)
{
	return syscall(SYS_sched_getscheduler, pid);
}

static long setscheduler(pid_t pid, int policy, int prio)
{
	struct sched_param p = { .sched_priority = prio };
	return syscall(SYS_sched_setscheduler, pid, policy, &p);
}

static int getparam(pid_t pid)
{
	struct sched_param p = { .sched_priority = -1 };
	if (syscall(SYS_sched_getparam, pid, &p) != 0)
		return -1;
	return p.sched_priority;
}

struct view {
	int nice_at_start;
	int nice_after;
	pthread_barrier_t *barrier;
};

static void *other(void *arg)
{
	struct view *v = arg;
	errno = 0;
	v->nice_at_start = getpriority(PRIO_PROCESS, 0);
	pthread_barrier_wait(v->barrier); /* main changes its own nice */
	pthread_barrier_wait(v->barrier);
	v->nice_after = getpriority(PRIO_PROCESS, 0);
	return NULL;
}

int main(void)
{
	CHECK_RET(getscheduler(0), SCHED_OTHER);
	CHECK_RET(getscheduler(getpid()), SCHED_OTHER);
	CHECK_EQ(getparam(0), 0);

	static const struct {
		int policy, min, max;
		const char *name;
	} policies[] = {
		{ SCHED_OTHER, 0, 0, "SCHED_OTHER" }, { SCHED_FIFO, 1, 99, "SCHED_FIFO" },
		{ SCHED_RR, 1, 99, "SCHED_RR" },      { SCHED_BATCH, 0, 0, "SCHED_BATCH" },
		{ SCHED_IDLE, 0, 0, "SCHED_IDLE" },
	};
	for (unsigned i = 0; i < sizeof policies / sizeof policies[0]; i++) {
		long min = syscall(SYS_sched_get_priority_min, policies[i].policy);
		long max = syscall(SYS_sched_get_priority_max, policies[i].policy);
		CHECK(min == policies[i].min && max == policies[i].max, "%s: priorities %ld..%ld",
		      policies[i].name, min, max);
	}
	CHECK_ERR(syscall(SYS_sched_get_priority_min, 42), EINVAL);
	CHECK_ERR(syscall(SYS_sched_get_priority_max, -1), EINVAL);
	CHECK(sched_get_priority_max(SCHED_FIFO) == 99, "the C library agrees");

	/* Setting. */
	CHECK_OK(setscheduler(0, SCHED_OTHER, 0));
	CHECK_ERR(setscheduler(0, SCHED_OTHER, 1), EINVAL);
	CHECK_ERR(setscheduler(0, SCHED_FIFO, 0), EINVAL);
	CHECK_ERR(setscheduler(0, SCHED_FIFO, 100), EINVAL);
	CHECK_ERR(setscheduler(0, 42, 0), EINVAL);
	CHECK_ERR(setscheduler(-1, SCHED_OTHER, 0), EINVAL);
	CHECK_ERR(setscheduler(0x3ffffff0, SCHED_OTHER, 0), ESRCH);
	CHECK_ERR(getscheduler(0x3ffffff0), ESRCH);
	CHECK_ERR(getscheduler(-1), EINVAL);

	struct timespec ts = { -1, -1 };
	CHECK_OK(syscall(SYS_sched_rr_get_interval, 0, &ts));
	CHECK(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L,
	      "SCHED_OTHER interval %ld.%09ld", (long)ts.tv_sec, ts.tv_nsec);

	errno = 0;
	long r = setscheduler(0, SCHED_FIFO, 10);
	if (r == 0) {
		NOTE("SCHED_FIFO allowed (privileged)");
		CHECK_RET(getscheduler(0), SCHED_FIFO);
		CHECK_EQ(getparam(0), 10);
		ts = (struct timespec){ -1, -1 };
		CHECK_OK(syscall(SYS_sched_rr_get_interval, 0, &ts));
		CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0, "SCHED_FIFO has no time slice");
		CHECK_OK(setscheduler(0, SCHED_RR, 5));
		CHECK_RET(getscheduler(0), SCHED_RR);
		ts = (struct timespec){ 0, 0 };
		CHECK_OK(syscall(SYS_sched_rr_get_interval, 0, &ts));
		CHECK(ts.tv_sec > 0 || ts.tv_nsec > 0, "SCHED_RR has a time slice");
		CHECK_OK(setscheduler(0, SCHED_OTHER, 0));
	} else {
		CHECK(r == -1 && errno == EPERM, "SCHED_FIFO unprivileged: EPERM (%s)",
		      errno_name(errno));
	}
	CHECK_RET(getscheduler(0), SCHED_OTHER);

	/* SCHED_BATCH needs no privilege; so is going back to OTHER. */
	CHECK_OK(setscheduler(0, SCHED_BATCH, 0));
	CHECK_RET(getscheduler(0), SCHED_BATCH);
	CHECK_OK(setscheduler(0, SCHED_OTHER, 0));
	CHECK_RET(getscheduler(0), SCHED_OTHER);

	/* Nice. */
	errno = 0;
	int start = getpriority(PRIO_PROCESS, 0);
	CHECK(errno == 0 && start >= -20 && start <= 19, "getpriority: %d", start);
	CHECK_EQ(syscall(SYS_getpriority, PRIO_PROCESS, 0), 20 - start);
	if (start > 17)
		BAIL("the test needs a nice value below 18 (%d)", start);

	pthread_barrier_t barrier;
	pthread_barrier_init(&barrier, NULL, 2);
	struct view v = { -100, -100, &barrier };
	pthread_t t = start_thread(other, &v);
	pthread_barrier_wait(&barrier);
	CHECK_OK(setpriority(PRIO_PROCESS, 0, start + 1));
	errno = 0;
	CHECK_EQ(getpriority(PRIO_PROCESS, 0), start + 1);
	errno = 0;
	CHECK_RET(nice(1), start + 2);
	CHECK_EQ(getpriority(PRIO_PROCESS, sole_gettid()), start + 2);
	pthread_barrier_wait(&barrier);
	join_thread(t);
	CHECK_EQ(v.nice_at_start, start);
	CHECK(v.nice_after == start, "another thread's nice stays %d (%d)", start, v.nice_after);

	/* A new thread inherits its creator's. */
	pthread_barrier_t b2;
	pthread_barrier_init(&b2, NULL, 2);
	struct view w = { -100, -100, &b2 };
	t = start_thread(other, &w);
	pthread_barrier_wait(&b2);
	pthread_barrier_wait(&b2);
	join_thread(t);
	CHECK(w.nice_at_start == start + 2, "a new thread inherits nice %d (%d)", start + 2,
	      w.nice_at_start);
	CHECK_ERR(setpriority(42, 0, 0), EINVAL);
	CHECK_ERR(setpriority(PRIO_PROCESS, 0x3ffffff0, 0), ESRCH);
	return finish();
}
