/*
 * syscall: the cost of the cheapest calls into the kernel. getppid() does no
 * work in either kernel, so it measures a system call's way in and out;
 * clock_gettime() is what programs call most often, and both kernels serve
 * it through their vDSO (Linux reads the clock in user space, Sole's vDSO
 * calls a kernel function directly).
 */
#include <unistd.h>

#include "bench.h"

#define WARMUP 1000
#define CALLS 100000

int main(void)
{
	volatile pid_t sink = 0;
	for (int i = 0; i < WARMUP; i++)
		sink += getppid();
	long long start = now_ns();
	for (int i = 0; i < CALLS; i++)
		sink += getppid();
	report("getppid", (double)(now_ns() - start) / CALLS, "ns");

	struct timespec ts;
	for (int i = 0; i < WARMUP; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	start = now_ns();
	for (int i = 0; i < CALLS; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	report("clock_gettime", (double)(now_ns() - start) / CALLS, "ns");
	return 0;
}
