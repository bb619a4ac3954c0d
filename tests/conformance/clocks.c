/* clock_gettime(2), clock_getres(2), gettimeofday(2), time(2): every clock
 * Linux has, monotonic clocks that never go back, the wall clock agreeing
 * across the calls (through the vDSO and directly); EINVAL, EFAULT. */
#include "sole_test.h"
#include <sys/time.h>

static const struct {
	clockid_t id;
	const char *name;
} clocks[] = {
	{ CLOCK_REALTIME, "CLOCK_REALTIME" },
	{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
	{ CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID" },
	{ CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID" },
	{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
	{ CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
	{ CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
	{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
};

static long long ns(struct timespec ts)
{
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	struct timespec ts, ts2, res;
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		const char *name = clocks[i].name;
		clockid_t id = clocks[i].id;
		CHECK(clock_gettime(id, &ts) == 0, "clock_gettime(%s)", name);
		CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "%s: tv_nsec normalized", name);
		CHECK(syscall(SYS_clock_gettime, id, &ts2) == 0, "SYS_clock_gettime(%s)", name);
		CHECK(ns(ts2) >= ns(ts), "%s: the system call agrees with the vDSO", name);
		CHECK(clock_getres(id, &res) == 0, "clock_getres(%s)", name);
		CHECK(ns(res) > 0 && ns(res) <= 10000000, "%s: resolution %lld ns in (0, 10 ms]", name,
		      ns(res));
		CHECK(syscall(SYS_clock_getres, id, NULL) == 0, "clock_getres(%s, NULL)", name);
	}
	/* The high-resolution clocks have 1 ns resolution. */
	CHECK_OK(clock_getres(CLOCK_MONOTONIC, &res));
	CHECK_EQ(ns(res), 1);
	CHECK_OK(clock_getres(CLOCK_REALTIME, &res));
	CHECK_EQ(ns(res), 1);

	/* The monotonic clocks never go back and do advance. */
	int backwards = 0;
	struct timespec prev, cur;
	clock_gettime(CLOCK_MONOTONIC, &prev);
	long long start = ns(prev);
	for (int i = 0; i < 100000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &cur);
		backwards += ns(cur) < ns(prev);
		prev = cur;
	}
	CHECK_EQ(backwards, 0);
	CHECK(ns(cur) > start, "CLOCK_MONOTONIC advances");
	struct timespec boot, mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	CHECK(ns(boot) >= ns(mono), "CLOCK_BOOTTIME >= CLOCK_MONOTONIC");

	/* The wall clock is set (after 2020) and agrees across calls. */
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &ts));
	CHECK(ts.tv_sec > 1577836800, "the wall clock is after 2020 (%lld)", (long long)ts.tv_sec);
	struct timeval tv;
	CHECK_OK(gettimeofday(&tv, NULL));
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec normalized");
	CHECK(tv.tv_sec >= ts.tv_sec && tv.tv_sec <= ts.tv_sec + 2, "gettimeofday agrees");
	CHECK_OK(syscall(SYS_gettimeofday, &tv, NULL));
	CHECK(tv.tv_sec >= ts.tv_sec && tv.tv_sec <= ts.tv_sec + 2, "SYS_gettimeofday agrees");
	time_t t = time(NULL);
	CHECK(t >= ts.tv_sec && t <= ts.tv_sec + 2, "time() agrees");
	time_t t2 = 0;
	long r = syscall(SYS_time, &t2);
	CHECK(r >= ts.tv_sec && r <= ts.tv_sec + 2 && r == t2, "SYS_time agrees and stores");
	CHECK(syscall(SYS_time, NULL) >= ts.tv_sec, "SYS_time(NULL)");
	/* gettimeofday with a timezone argument, and with neither. */
	struct timezone tz;
	CHECK_OK(syscall(SYS_gettimeofday, &tv, &tz));
	CHECK_OK(syscall(SYS_gettimeofday, NULL, NULL));

	/* CPU clocks grow with work. */
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	long long end = now_ns() + 50000000;
	while (now_ns() < end) {
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	CHECK(ns(c1) - ns(c0) >= 10000000, "50 ms of work shows as %lld ns of CPU time",
	      ns(c1) - ns(c0));

	/* Errors. */
	CHECK_ERR(syscall(SYS_clock_gettime, 100, &ts), EINVAL);
	CHECK_ERR(syscall(SYS_clock_gettime, -1000, &ts), EINVAL);
	CHECK_ERR(syscall(SYS_clock_getres, 100, &ts), EINVAL);
	CHECK_ERR(clock_gettime((clockid_t)100, &ts), EINVAL);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, BAD_KERNEL_IMAGE), EFAULT);
	CHECK_ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_gettimeofday, BAD_LOW, NULL), EFAULT);
	CHECK_ERR(syscall(SYS_gettimeofday, NULL, BAD_DIRECT_MAP), EFAULT);
	CHECK_ERR(syscall(SYS_time, BAD_LOW), EFAULT);
	return finish();
}
