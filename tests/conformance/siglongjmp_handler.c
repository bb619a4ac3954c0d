/* sigsetjmp(3)/siglongjmp out of a SIGSEGV handler, 100 times in a row:
 * each fault is delivered (the handler's blocking of SIGSEGV does not
 * outlive the jump when the mask was saved), sigsetjmp returns the value
 * given to siglongjmp, and siglongjmp restores the signal mask saved by
 * sigsetjmp(env, 1) (a signal blocked at sigsetjmp and unblocked later is
 * blocked again after the jump). With sigsetjmp(env, 0) the mask is not
 * restored: SIGSEGV stays blocked after the jump, as the handler left it.
 * Also a jump out of a handler for a signal raised by raise(3). */
#include "sole_test.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int faults, blocked_in_handler;

static void on_segv(int sig)
{
	(void)sig;
	faults++;
	blocked_in_handler = signal_blocked(SIGSEGV);
	siglongjmp(env, faults);
}

static void on_usr1(int sig)
{
	(void)sig;
	siglongjmp(env, 77);
}

int main(void)
{
	char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		BAIL("mmap");
	install_handler(SIGSEGV, on_segv, 0);

	volatile int jumps = 0, values_ok = 1, masks_ok = 1;
	for (volatile int i = 0; i < 100; i++) {
		int r = sigsetjmp(env, 1);
		if (r == 0) {
			*(volatile char *)(page + i) = 1;
			break; /* not reached */
		}
		jumps++;
		if (r != faults)
			values_ok = 0;
		if (signal_blocked(SIGSEGV))
			masks_ok = 0;
	}
	CHECK_EQ(jumps, 100);
	CHECK_EQ(faults, 100);
	CHECK(values_ok, "sigsetjmp returned siglongjmp's value every time");
	CHECK(masks_ok, "SIGSEGV was unblocked again after every jump");
	CHECK(blocked_in_handler == 1, "SIGSEGV was blocked inside the handler");

	/* The saved mask comes back, whatever changed since. */
	mask_signal(SIG_BLOCK, SIGUSR2);
	volatile int r = sigsetjmp(env, 1);
	if (r == 0) {
		mask_signal(SIG_UNBLOCK, SIGUSR2);
		mask_signal(SIG_BLOCK, SIGHUP);
		*(volatile char *)page = 1;
	}
	CHECK_EQ(r, 101);
	CHECK(signal_blocked(SIGUSR2), "siglongjmp restored the saved mask (SIGUSR2 blocked)");
	CHECK(!signal_blocked(SIGHUP), "and dropped what was blocked later (SIGHUP)");
	mask_signal(SIG_UNBLOCK, SIGUSR2);

	/* Without a saved mask: SIGSEGV stays blocked, as in the handler. */
	r = sigsetjmp(env, 0);
	if (r == 0)
		*(volatile char *)page = 1;
	CHECK_EQ(r, 102);
	CHECK(signal_blocked(SIGSEGV), "sigsetjmp(env, 0): the handler's mask is kept");
	mask_signal(SIG_UNBLOCK, SIGSEGV);

	/* Out of an asynchronous-style handler. */
	install_handler(SIGUSR1, on_usr1, 0);
	r = sigsetjmp(env, 1);
	if (r == 0) {
		raise(SIGUSR1);
		CHECK(0, "raise returned");
	}
	CHECK_EQ(r, 77);
	CHECK(!signal_blocked(SIGUSR1), "SIGUSR1 unblocked after the jump");
	return finish();
}
