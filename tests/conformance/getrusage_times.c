/* getrusage(2) and times(2): CPU time that grows with work, normalized
 * fields, RUSAGE_SELF/THREAD/CHILDREN; EINVAL, EFAULT. */
#include "sole_test.h"
#include <sys/resource.h>
#include <sys/times.h>

static volatile unsigned long sink;

static void burn(long long ns)
{
	long long end = now_ns() + ns;
	while (now_ns() < end)
		for (int i = 0; i < 10000; i++)
			sink += (unsigned long)i * 7;
}

static long long usecs(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(void)
{
	struct rusage a, b;
	CHECK_OK(getrusage(RUSAGE_SELF, &a));
	CHECK(a.ru_utime.tv_usec >= 0 && a.ru_utime.tv_usec < 1000000, "ru_utime normalized");
	CHECK(a.ru_stime.tv_usec >= 0 && a.ru_stime.tv_usec < 1000000, "ru_stime normalized");
	CHECK(a.ru_maxrss >= 0, "ru_maxrss >= 0");

	burn(200 * 1000 * 1000LL);
	CHECK_OK(getrusage(RUSAGE_SELF, &b));
	long long used = usecs(b.ru_utime) + usecs(b.ru_stime) - usecs(a.ru_utime) -
			 usecs(a.ru_stime);
	CHECK(used >= 50000, "200 ms of work shows as CPU time (%lld us)", used);
	CHECK(usecs(b.ru_utime) >= usecs(a.ru_utime), "user time does not go back");

	struct rusage t;
	CHECK_OK(getrusage(RUSAGE_THREAD, &t));
	CHECK(usecs(t.ru_utime) + usecs(t.ru_stime) >= used / 2, "the thread did the work");
	struct rusage c;
	CHECK_OK(getrusage(RUSAGE_CHILDREN, &c));
	CHECK_EQ(usecs(c.ru_utime) + usecs(c.ru_stime), 0);

	CHECK_ERR(getrusage(42, &a), EINVAL);
	CHECK_ERR(syscall(SYS_getrusage, RUSAGE_SELF, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_getrusage, RUSAGE_SELF, BAD_KERNEL_IMAGE), EFAULT);

	/* times(): clock ticks since some point, process times in ticks. */
	long hz = sysconf(_SC_CLK_TCK);
	CHECK(hz > 0, "_SC_CLK_TCK > 0 (%ld)", hz);
	struct tms t1, t2;
	clock_t c1 = times(&t1);
	CHECK(c1 != (clock_t)-1, "times() succeeds");
	burn(100 * 1000 * 1000LL);
	clock_t c2 = times(&t2);
	CHECK(c2 - c1 >= hz / 20, "elapsed ticks grow (%ld)", (long)(c2 - c1));
	CHECK(t2.tms_utime + t2.tms_stime > t1.tms_utime + t1.tms_stime,
	      "process ticks grow (%ld -> %ld)", (long)(t1.tms_utime + t1.tms_stime),
	      (long)(t2.tms_utime + t2.tms_stime));
	CHECK_EQ(t2.tms_cutime + t2.tms_cstime, 0);
	/* NULL is allowed. */
	CHECK(syscall(SYS_times, NULL) != -1, "times(NULL)");
	CHECK_ERR(syscall(SYS_times, BAD_LOW), EFAULT);
	return finish();
}
