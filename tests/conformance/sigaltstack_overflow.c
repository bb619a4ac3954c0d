/* Stack overflow caught on an alternate signal stack (sigaltstack(2),
 * SA_ONSTACK): unbounded recursion runs the main thread off its stack
 * (RLIMIT_STACK is lowered to 1 MiB first so that this is quick); the
 * SIGSEGV handler runs on the alternate stack, where sigaltstack reports
 * SS_ONSTACK, and siglongjmps out; it works again a second time, and the
 * alternate stack is no longer in use afterwards. The alternate stack is
 * per thread: a new thread starts with none (SS_DISABLE), sets its own
 * without changing the main thread's, and catches its own overflow (of a
 * 256 KiB pthread stack, into its guard page) on it. */
#include "sole_test.h"
#include <setjmp.h>
#include <sys/resource.h>

#define ALT_SIZE (64 * 1024)

static __thread sigjmp_buf env;
static __thread char *alt_lo;
static __thread volatile int on_alt, reported_onstack, handled;
static __thread volatile long depth;
static volatile int limit = INT_MAX;

static void on_segv(int sig)
{
	(void)sig;
	char local;
	handled++;
	on_alt = &local > alt_lo && &local < alt_lo + ALT_SIZE;
	stack_t cur;
	if (sigaltstack(NULL, &cur) == 0)
		reported_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
	siglongjmp(env, 1);
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile char buf[1024];
	buf[0] = (char)n;
	buf[sizeof buf - 1] = 0;
	depth = n;
	if (n < limit)
		return recurse(n + 1) + buf[0];
	return 0;
}

static int set_alt_stack(void)
{
	alt_lo = malloc(ALT_SIZE);
	stack_t ss = { .ss_sp = alt_lo, .ss_size = ALT_SIZE, .ss_flags = 0 };
	return sigaltstack(&ss, NULL);
}

/* Overflows the stack once; returns whether the handler caught it. */
static int overflow(void)
{
	handled = 0;
	on_alt = 0;
	reported_onstack = 0;
	if (sigsetjmp(env, 1) == 0) {
		recurse(0);
		return 0;
	}
	return handled == 1;
}

struct thread_result {
	int initially_disabled, set, caught, on_alt, onstack, after_flags;
	long depth;
	void *own_sp;
};

static void *thread_main(void *arg)
{
	struct thread_result *r = arg;
	stack_t cur;
	sigaltstack(NULL, &cur);
	r->initially_disabled = (cur.ss_flags & SS_DISABLE) != 0;
	r->set = set_alt_stack() == 0;
	r->own_sp = alt_lo;
	r->caught = overflow();
	r->on_alt = on_alt;
	r->onstack = reported_onstack;
	r->depth = depth;
	sigaltstack(NULL, &cur);
	r->after_flags = cur.ss_flags;
	return NULL;
}

int main(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_STACK, &rl);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1024 * 1024) {
		rl.rlim_cur = 1024 * 1024;
		CHECK_OK(setrlimit(RLIMIT_STACK, &rl));
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	CHECK_OK(set_alt_stack());
	char *main_alt = alt_lo;

	for (int round = 1; round <= 2; round++) {
		CHECK(overflow(), "round %d: the overflow was caught", round);
		CHECK(on_alt, "round %d: the handler ran on the alternate stack", round);
		CHECK(reported_onstack, "round %d: sigaltstack reported SS_ONSTACK in it", round);
		CHECK(depth > 100, "round %d: after %ld frames", round, depth);
		stack_t cur;
		sigaltstack(NULL, &cur);
		CHECK(cur.ss_flags == 0, "round %d: no longer on it afterwards (%#x)", round,
		      cur.ss_flags);
		CHECK(!signal_blocked(SIGSEGV), "round %d: SIGSEGV unblocked again", round);
	}

	/* A thread with its own small stack and its own alternate stack. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	struct thread_result r;
	memset(&r, 0, sizeof r);
	pthread_t t;
	if (pthread_create(&t, &attr, thread_main, &r) != 0)
		BAIL("pthread_create");
	join_thread(t);
	CHECK(r.initially_disabled, "a new thread starts without an alternate stack");
	CHECK(r.set, "it set its own");
	CHECK(r.caught, "the thread's overflow was caught");
	CHECK(r.on_alt, "on the thread's alternate stack");
	CHECK(r.onstack, "which sigaltstack reported as SS_ONSTACK");
	CHECK(r.depth > 50 && r.depth < 1000, "after %ld frames of a 256 KiB stack", r.depth);
	CHECK_EQ(r.after_flags, 0);
	stack_t cur;
	sigaltstack(NULL, &cur);
	CHECK(cur.ss_sp == main_alt && cur.ss_flags == 0,
	      "the main thread's alternate stack is unchanged");
	CHECK(r.own_sp != main_alt, "the thread's was its own");
	return finish();
}
