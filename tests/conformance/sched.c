/* sched_yield(2), sched_getaffinity(2), getpriority(2): yielding returns,
 * the affinity mask holds at least one CPU and matches the online count,
 * the nice value is in range; EINVAL, ESRCH, EFAULT. */
#include "sole_test.h"
#include <sched.h>
#include <sys/resource.h>

int main(void)
{
	CHECK_OK(sched_yield());
	CHECK_OK(syscall(SYS_sched_yield));

	/* The system call returns how many bytes of mask it wrote. */
	unsigned long mask[16];
	memset(mask, 0, sizeof mask);
	long n = CHECK_OK(syscall(SYS_sched_getaffinity, 0, sizeof mask, mask));
	CHECK(n > 0 && n <= (long)sizeof mask && n % sizeof(long) == 0,
	      "a whole number of longs (%ld bytes)", n);
	int cpus = 0;
	for (size_t i = 0; i < sizeof mask / sizeof mask[0]; i++)
		cpus += __builtin_popcountl(mask[i]);
	CHECK(cpus >= 1, "at least one CPU (%d)", cpus);
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	CHECK(cpus <= online, "%d CPUs in the mask, %ld online", cpus, online);
	CHECK_OK(syscall(SYS_sched_getaffinity, getpid(), sizeof mask, mask));

	cpu_set_t set;
	CPU_ZERO(&set);
	CHECK_OK(sched_getaffinity(0, sizeof set, &set));
	CHECK_EQ(CPU_COUNT(&set), cpus);

	/* Errors (sched_getaffinity(2)). */
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 3, mask), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 0, mask), EINVAL);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0x7ffffff0, sizeof mask, mask), ESRCH);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof mask, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof mask, BAD_KERNEL_IMAGE), EFAULT);

	/* getpriority: libc gives the nice value (-20..19); the system call
	 * gives 20 - nice (1..40) so that it is never negative. */
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	CHECK(errno == 0 && nice >= -20 && nice <= 19, "nice value %d in -20..19", nice);
	long raw = syscall(SYS_getpriority, PRIO_PROCESS, 0);
	CHECK_EQ(raw, 20 - nice);
	errno = 0;
	CHECK_EQ(getpriority(PRIO_PROCESS, getpid()), nice);
	CHECK_EQ(errno, 0);
	CHECK_ERR(getpriority(42, 0), EINVAL);
	CHECK_ERR(getpriority(PRIO_PROCESS, 0x7ffffff0), ESRCH);
	return finish();
}
