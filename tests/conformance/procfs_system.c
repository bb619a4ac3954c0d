/* /proc/cpuinfo, /proc/meminfo, /proc/uptime: the fields programs parse,
 * consistent with sysconf(), sysinfo() and the clocks; reads of any size
 * give the same well-formed text. */
#include "sole_test.h"
#include <sched.h>
#include <sys/sysinfo.h>

static char text[1 << 16];

int main(void)
{
	/* cpuinfo: one block per CPU with the x86 fields. */
	CHECK(read_file("/proc/cpuinfo", text, sizeof text) > 0, "read /proc/cpuinfo");
	int processors = 0, vendor = 0, flags = 0, model = 0;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		int num;
		if (sscanf(l, "processor : %d", &num) == 1 || sscanf(l, "processor\t: %d", &num) == 1)
			processors++;
		vendor += strncmp(l, "vendor_id", 9) == 0;
		flags += strncmp(l, "flags", 5) == 0;
		model += strncmp(l, "model name", 10) == 0;
	}
	CHECK(processors >= 1, "at least one processor (%d)", processors);
	CHECK_EQ(vendor, processors);
	CHECK_EQ(flags, processors);
	CHECK_EQ(model, processors);
	cpu_set_t set;
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof set, &set);
	CHECK(processors >= CPU_COUNT(&set), "%d processors >= %d usable", processors,
	      CPU_COUNT(&set));
	/* Linux lists every flag on one line; "fpu" comes first. */
	CHECK(read_file("/proc/cpuinfo", text, sizeof text) > 0 && strstr(text, " fpu ") != NULL,
	      "the flags include fpu");

	/* meminfo: MemTotal agrees with sysinfo(). */
	CHECK(read_file("/proc/meminfo", text, sizeof text) > 0, "read /proc/meminfo");
	unsigned long total = 0, free_kb = 0, avail = 0;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		sscanf(l, "MemTotal: %lu kB", &total);
		sscanf(l, "MemFree: %lu kB", &free_kb);
		sscanf(l, "MemAvailable: %lu kB", &avail);
	}
	CHECK(total > 0, "MemTotal %lu kB", total);
	CHECK(free_kb > 0 && free_kb <= total, "0 < MemFree %lu <= MemTotal", free_kb);
	CHECK(avail > 0 && avail <= total, "0 < MemAvailable %lu <= MemTotal", avail);
	struct sysinfo si;
	sysinfo(&si);
	unsigned long long si_kb = (unsigned long long)si.totalram * si.mem_unit / 1024;
	CHECK(si_kb + 1024 >= total && total + 1024 >= si_kb, "MemTotal %lu ~ sysinfo %llu kB",
	      total, si_kb);

	/* uptime: two non-negative numbers, the first moving with
	 * CLOCK_BOOTTIME. */
	double up1 = -1, idle = -1, up2 = -1;
	CHECK(read_file("/proc/uptime", text, sizeof text) > 0, "read /proc/uptime");
	CHECK(sscanf(text, "%lf %lf", &up1, &idle) == 2, "two numbers: %s", text);
	CHECK(up1 > 0 && idle >= 0, "uptime %.2f > 0, idle %.2f >= 0", up1, idle);
	struct timespec boot;
	clock_gettime(CLOCK_BOOTTIME, &boot);
	CHECK(up1 >= boot.tv_sec - 1 && up1 <= boot.tv_sec + 1, "uptime %.2f ~ CLOCK_BOOTTIME %ld",
	      up1, (long)boot.tv_sec);
	struct timespec pause = { 0, 150 * 1000 * 1000 };
	nanosleep(&pause, NULL);
	read_file("/proc/uptime", text, sizeof text);
	sscanf(text, "%lf", &up2);
	CHECK(up2 >= up1 + 0.1, "uptime moves (%.2f -> %.2f)", up1, up2);

	/* Reading a byte at a time gives a whole line. */
	int fd = CHECK_OK(open("/proc/uptime", O_RDONLY));
	char small[128];
	size_t len = 0;
	while (len < sizeof small - 1 && read(fd, small + len, 1) == 1)
		len++;
	small[len] = 0;
	CHECK(len > 3 && small[len - 1] == '\n' && sscanf(small, "%lf", &up2) == 1,
	      "byte-wise read: %s", small);
	/* And rewinding reads it again. */
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	CHECK(read(fd, small, sizeof small) > 3, "read after rewinding");
	close(fd);

	/* These files are read-only (mode 0444). */
	struct stat st;
	CHECK_OK(stat("/proc/uptime", &st));
	CHECK_EQ(st.st_mode & 0777, 0444);
	CHECK(S_ISREG(st.st_mode), "/proc/uptime is a regular file");
	CHECK_OK(stat("/proc/meminfo", &st));
	CHECK_EQ(st.st_mode & 0777, 0444);
	CHECK_ERR(open("/proc/no-such-file", O_RDONLY), ENOENT);
	return finish();
}
