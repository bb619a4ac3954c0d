/*
 * Shared by the `sole bench` workloads: one clock and one report format.
 *
 * A workload measures itself and prints each figure on its own line,
 *     sole-bench <metric> <value> <unit>
 * which `sole bench` reads from the guest's console (tools/src/bench/
 * workloads.rs). A failure prints `sole-bench-error <what>: <why>` and exits
 * with status 1. The same binary runs in Sole and in the Linux guest.
 */
#ifndef SOLE_BENCH_H
#define SOLE_BENCH_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Nanoseconds on CLOCK_MONOTONIC. */
static inline long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Prints one figure. */
static inline void report(const char *metric, double value, const char *unit)
{
	printf("sole-bench %s %.3f %s\n", metric, value, unit);
	fflush(stdout);
}

/* Reports that `what` failed (with errno's reason) and exits. */
static inline void fail(const char *what)
{
	printf("sole-bench-error %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

#endif
