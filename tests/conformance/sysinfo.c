/* sysinfo(2): uptime, memory and process figures that make sense and
 * agree with /proc; EFAULT. */
#include "sole_test.h"
#include <sys/sysinfo.h>

int main(void)
{
	struct sysinfo si;
	memset(&si, 0xff, sizeof si);
	CHECK_OK(sysinfo(&si));
	/* musl's field is unsigned, glibc's signed. */
	long uptime = (long)si.uptime;
	CHECK(uptime >= 0, "uptime %ld >= 0", uptime);
	CHECK(si.mem_unit >= 1, "mem_unit %u >= 1", si.mem_unit);
	unsigned long long unit = si.mem_unit;
	CHECK(si.totalram * unit >= 16ULL << 20, "at least 16 MiB of RAM (%llu)",
	      (unsigned long long)si.totalram * unit);
	CHECK(si.freeram > 0 && si.freeram <= si.totalram, "0 < freeram <= totalram");
	CHECK(si.freeswap <= si.totalswap, "freeswap <= totalswap");
	CHECK(si.procs >= 1, "procs %u >= 1", si.procs);

	/* The uptime matches /proc/uptime and CLOCK_BOOTTIME. */
	struct timespec boot;
	clock_gettime(CLOCK_BOOTTIME, &boot);
	CHECK(uptime >= boot.tv_sec - 2 && uptime <= boot.tv_sec + 2,
	      "uptime %ld ~ CLOCK_BOOTTIME %ld", uptime, (long)boot.tv_sec);
	char buf[128];
	double up = -1;
	if (read_file("/proc/uptime", buf, sizeof buf) > 0)
		sscanf(buf, "%lf", &up);
	CHECK(up >= uptime - 2 && up <= uptime + 2, "/proc/uptime %.2f ~ %ld", up, uptime);

	/* The total does not change. */
	struct sysinfo again;
	CHECK_OK(sysinfo(&again));
	CHECK_EQ(again.totalram, si.totalram);

	CHECK_ERR(syscall(SYS_sysinfo, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_sysinfo, BAD_KERNEL_IMAGE), EFAULT);
	return finish();
}
