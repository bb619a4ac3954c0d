/*
 * boot: guest time from kernel entry to main, for a hello program.
 * CLOCK_BOOTTIME starts at (or near) kernel entry in both Sole and Linux, so
 * reading it first thing in main measures the whole boot.
 */
#include "bench.h"

int main(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		fail("clock_gettime(CLOCK_BOOTTIME)");
	report("entry_to_main", ts.tv_sec * 1e6 + ts.tv_nsec / 1e3, "us");
	puts("hello");
	return 0;
}
