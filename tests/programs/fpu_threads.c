/* FPU, SSE and AVX state belongs to each thread: three threads share the
 * CPUs, each keeps its own values in XMM9, the upper half of YMM10 (when
 * the OS enabled AVX), MXCSR and the x87 control word, and checks them
 * after sched_yield (a voluntary switch) and across long register-only
 * spins (preemption by the timer). A SIGALRM handler that clobbers the
 * same registers runs meanwhile; the interrupted code must not notice.
 * Prints whether the OS enabled XSAVE (CPUID.1:ECX.OSXSAVE) and AVX, then
 * "ok" and exits 0, or names the first mismatch and exits 1. */
#include <cpuid.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define THREADS 3
#define ROUNDS 300

static int avx;
static volatile int handled;

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void fail(int id, const char *what, uint64_t want, uint64_t got)
{
	printf("thread %d: %s is %#llx, not %#llx\n", id, what, (unsigned long long)got,
	       (unsigned long long)want);
	exit(1);
}

/* Loads v into both halves of XMM9, yields, reads XMM9 back. */
static void xmm_across_yield(int id, uint64_t v)
{
	uint64_t out[2];
	long ret;
	__asm__ volatile("movq %[v], %%xmm9\n\t"
			 "pshufd $0x44, %%xmm9, %%xmm9\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm9, %[out]\n\t"
			 : [out] "=m"(out), "=a"(ret)
			 : [v] "r"(v), "a"(24L) /* sched_yield */
			 : "rcx", "r11", "xmm9", "memory");
	if (out[0] != v || out[1] != v)
		fail(id, "xmm9 after sched_yield", v, out[0] != v ? out[0] : out[1]);
}

/* Puts v in the upper 128 bits of YMM10, yields, reads them back. */
static void ymm_across_yield(int id, uint64_t v)
{
	uint64_t out[4];
	long ret;
	__asm__ volatile("vmovq %[v], %%xmm10\n\t"
			 "vpshufd $0x44, %%xmm10, %%xmm10\n\t"
			 "vinsertf128 $1, %%xmm10, %%ymm10, %%ymm10\n\t"
			 "syscall\n\t"
			 "vmovdqu %%ymm10, %[out]\n\t"
			 "vzeroupper\n\t"
			 : [out] "=m"(out), "=a"(ret)
			 : [v] "r"(v), "a"(24L)
			 : "rcx", "r11", "xmm10", "memory");
	if (out[2] != v || out[3] != v)
		fail(id, "upper ymm10 after sched_yield", v, out[2] != v ? out[2] : out[3]);
}

/* Keeps v in XMM11 through a long loop of register-only work (no calls,
 * no syscalls), so only preemption can switch threads meanwhile; returns
 * how many checks saw another value. */
static long xmm_across_spin(uint64_t v, long iterations)
{
	long bad = 0;
	__asm__ volatile("movq %[v], %%xmm11\n\t"
			 "1:\n\t"
			 "movq %%xmm11, %%rdx\n\t"
			 "cmp %[v], %%rdx\n\t"
			 "je 2f\n\t"
			 "inc %[bad]\n\t"
			 "2:\n\t"
			 "dec %[n]\n\t"
			 "jnz 1b\n\t"
			 : [bad] "+r"(bad), [n] "+r"(iterations)
			 : [v] "r"(v)
			 : "rdx", "xmm11", "cc");
	return bad;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	/* Each thread its own rounding mode and x87 precision. */
	unsigned mxcsr = 0x1f80 | ((unsigned)id % 4) << 13;
	unsigned short cw = 0x037f & ~0x0300;
	cw |= (unsigned short)((id % 3) << 8);
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
	__asm__ volatile("fldcw %0" ::"m"(cw));
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t v = 0x0101010101010101ull * (uint64_t)(id + 1) + (uint64_t)round;
		xmm_across_yield(id, v);
		if (avx)
			ymm_across_yield(id, ~v);
		long bad = xmm_across_spin(v ^ 0x5a5a, 20000);
		if (bad)
			fail(id, "xmm11 during a spin (times wrong)", 0, (uint64_t)bad);
		unsigned m;
		unsigned short c;
		__asm__ volatile("stmxcsr %0" : "=m"(m));
		__asm__ volatile("fnstcw %0" : "=m"(c));
		if (m != mxcsr)
			fail(id, "MXCSR", mxcsr, m);
		if (c != cw)
			fail(id, "x87 control word", cw, c);
	}
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
	unsigned junk = 0x7f80; /* all exceptions masked, round toward zero */
	__asm__ volatile("pcmpeqd %%xmm9, %%xmm9\n\t"
			 "pcmpeqd %%xmm11, %%xmm11\n\t"
			 "ldmxcsr %0" ::"m"(junk)
			 : "xmm9", "xmm11");
	if (avx)
		__asm__ volatile("vpcmpeqd %%ymm10, %%ymm10, %%ymm10\n\t"
				 "vzeroupper" ::
					 : "xmm10");
	handled++;
}

int main(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	__get_cpuid(1, &a, &b, &c, &d);
	int osxsave = (c >> 27) & 1;
	avx = osxsave && ((c >> 28) & 1) && (xgetbv0() & 6) == 6;
	printf("osxsave %d\navx %d\n", osxsave, avx);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	setitimer(ITIMER_REAL, &it, NULL);

	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i)) {
			puts("pthread_create failed");
			return 1;
		}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	if (!handled) {
		puts("SIGALRM never arrived");
		return 1;
	}
	puts("ok");
	return 0;
}
