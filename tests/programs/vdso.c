/* Time and CPU through the C library, which calls the vDSO when the kernel
 * gives one (AT_SYSINFO_EHDR): clock_gettime on every clock the vDSO
 * serves (1000 calls each for CLOCK_MONOTONIC and CLOCK_REALTIME) never
 * goes back and lies between two raw system calls (as Linux's
 * vdso_test_correctness checks); so do gettimeofday and time; sched_getcpu
 * names the CPU the thread is pinned to, on each CPU; CPU-time and unknown
 * clocks still work (the vDSO falls back to the system call). The vDSO is
 * [vdso] in /proc/self/maps. A thread spinning on clock_gettime gets its
 * timer's SIGALRM, and two such threads on one CPU both run (the calls
 * may be interrupted, preempted and resumed anywhere in the vDSO).
 *
 * Prints how many system calls of each kind it made itself, raw or by
 * fallback ("syscalls clock_gettime=N ..."): run under --strace, those
 * must be all there are. Then "ok", or the failures and exit status 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failures;
static int n_clock_gettime, n_gettimeofday, n_time, n_getcpu;

#define CHECK(cond, ...)                                      \
	do {                                                  \
		if (!(cond)) {                                \
			failures++;                           \
			printf("FAIL line %d: ", __LINE__);   \
			printf(__VA_ARGS__);                  \
			printf("\n");                         \
		}                                             \
	} while (0)

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long us(struct timeval t)
{
	return t.tv_sec * 1000000LL + t.tv_usec;
}

static void raw_clock_gettime(clockid_t id, struct timespec *t)
{
	n_clock_gettime++;
	if (syscall(SYS_clock_gettime, id, t) != 0)
		CHECK(0, "the clock_gettime syscall on clock %d: %s", (int)id, strerror(errno));
}

static void clock_between_syscalls(clockid_t id, const char *name, int calls)
{
	struct timespec before, after, prev, t;
	raw_clock_gettime(id, &before);
	CHECK(clock_gettime(id, &prev) == 0, "%s", name);
	CHECK(ns(before) <= ns(prev), "%s: the first call (%lld) is not before the syscall (%lld)",
	      name, ns(prev), ns(before));
	int back = 0, bad = 0;
	for (int i = 0; i < calls; i++) {
		bad += clock_gettime(id, &t) != 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000L;
		back += ns(t) < ns(prev);
		prev = t;
	}
	raw_clock_gettime(id, &after);
	CHECK(!bad, "%s: %d of %d calls failed or gave a bad tv_nsec", name, bad, calls);
	CHECK(!back, "%s went back %d times in %d calls", name, back, calls);
	CHECK(ns(prev) <= ns(after), "%s: the last call (%lld) is not after the syscall (%lld)", name,
	      ns(prev), ns(after));
}

static void wall_clock(void)
{
	struct timeval before, after, tv;
	n_gettimeofday += 2;
	CHECK(syscall(SYS_gettimeofday, &before, NULL) == 0, "the gettimeofday syscall");
	CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday");
	CHECK(syscall(SYS_gettimeofday, &after, NULL) == 0, "the gettimeofday syscall");
	CHECK(us(before) <= us(tv) && us(tv) <= us(after),
	      "gettimeofday (%lld) lies between two syscalls (%lld, %lld)", us(tv), us(before),
	      us(after));
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec in range");

	n_time += 2;
	long t0 = syscall(SYS_time, NULL);
	time_t stored = 0;
	time_t t = time(&stored);
	long t1 = syscall(SYS_time, NULL);
	CHECK(t == stored, "time(&t) stores what it returns");
	/* Linux's vDSO time() reads the coarse clock: allow it a second. */
	CHECK(t0 - 1 <= t && t <= t1 + 1, "time (%lld) lies between two syscalls (%ld, %ld)",
	      (long long)t, t0, t1);
}

static void cpus(void)
{
	cpu_set_t old;
	CHECK(sched_getaffinity(0, sizeof old, &old) == 0, "sched_getaffinity");
	int tried = 0;
	for (int cpu = 0; cpu < 4; cpu++) {
		if (!CPU_ISSET(cpu, &old))
			continue;
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		CHECK(sched_setaffinity(0, sizeof one, &one) == 0, "pin to CPU %d", cpu);
		unsigned raw = 99, node = 99;
		n_getcpu++;
		CHECK(syscall(SYS_getcpu, &raw, &node, NULL) == 0, "the getcpu syscall");
		int lib = sched_getcpu();
		CHECK(raw == (unsigned)cpu && lib == cpu,
		      "pinned to CPU %d: the syscall says %u, sched_getcpu %d", cpu, raw, lib);
		tried++;
	}
	CHECK(tried > 0, "some CPU is allowed");
	sched_setaffinity(0, sizeof old, &old);
}

static void fallbacks(void)
{
	/* Not served by the vDSO: its stub makes the system call. */
	struct timespec t = { 0, 0 };
	n_clock_gettime++;
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) == 0 && ns(t) > 0,
	      "CLOCK_PROCESS_CPUTIME_ID works (%lld ns)", ns(t));
	n_clock_gettime++;
	errno = 0;
	CHECK(clock_gettime((clockid_t)100, &t) == -1 && errno == EINVAL,
	      "an unknown clock gives EINVAL (errno %d)", errno);
}

static volatile sig_atomic_t fired;

static void on_alarm(int sig)
{
	(void)sig;
	fired = 1;
}

static void signal_while_spinning(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	struct timespec start, t;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long calls = 0;
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		calls++;
	} while (!fired && ns(t) - ns(start) < 5000000000LL);
	CHECK(fired, "SIGALRM arrives while the program spins on clock_gettime (%ld calls)", calls);
}

struct spinner {
	long long until;
	long calls;
	int back;
};

static void *spin(void *arg)
{
	struct spinner *s = arg;
	struct timespec prev, t;
	clock_gettime(CLOCK_MONOTONIC, &prev);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
		s->back += ns(t) < ns(prev);
		prev = t;
		s->calls++;
	} while (ns(t) < s->until);
	return NULL;
}

static void two_spinners_on_one_cpu(void)
{
	cpu_set_t old, zero;
	CHECK(sched_getaffinity(0, sizeof old, &old) == 0, "sched_getaffinity");
	CPU_ZERO(&zero);
	CPU_SET(0, &zero);
	CHECK(sched_setaffinity(0, sizeof zero, &zero) == 0, "pin to CPU 0");
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct spinner s[2] = { { ns(now) + 100000000LL, 0, 0 }, { ns(now) + 100000000LL, 0, 0 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, spin, &s[i]) == 0, "pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	sched_setaffinity(0, sizeof old, &old);
	CHECK(s[0].calls > 0 && s[1].calls > 0 && !s[0].back && !s[1].back,
	      "two threads on one CPU both call clock_gettime (%ld, %ld calls), never back", s[0].calls,
	      s[1].calls);
}

static void maps(void)
{
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
	CHECK(ehdr != 0, "AT_SYSINFO_EHDR is set");
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL, "open /proc/self/maps");
	if (!f)
		return;
	char line[512];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end;
		char perms[8];
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3) {
			found = 1;
			CHECK(start == ehdr, "[vdso] starts at AT_SYSINFO_EHDR (%lx, %lx)", start, ehdr);
			CHECK(perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x',
			      "[vdso] is r-x (%s)", perms);
		}
	}
	fclose(f);
	CHECK(found, "/proc/self/maps has a [vdso] line");
}

int main(void)
{
	static const struct {
		clockid_t id;
		const char *name;
		int calls;
	} clocks[] = {
		{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC", 1000 },
		{ CLOCK_REALTIME, "CLOCK_REALTIME", 1000 },
		{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW", 10 },
		{ CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE", 10 },
		{ CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE", 10 },
		{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME", 10 },
	};
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
		clock_between_syscalls(clocks[i].id, clocks[i].name, clocks[i].calls);
	wall_clock();
	cpus();
	fallbacks();
	maps();
	signal_while_spinning();
	two_spinners_on_one_cpu();
	printf("syscalls clock_gettime=%d gettimeofday=%d time=%d getcpu=%d\n", n_clock_gettime,
	       n_gettimeofday, n_time, n_getcpu);
	if (failures) {
		printf("%d failed\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
