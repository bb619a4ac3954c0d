/* sigaltstack(2): the alternate stack is recorded and read back, disabled
 * with SS_DISABLE; ENOMEM for a stack below MINSIGSTKSZ, EINVAL for bad
 * flags, EFAULT. (Delivery on it comes later.) */
#include "sole_test.h"
#include <signal.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

int main(void)
{
	stack_t ss, old;

	/* Nothing is set up at first. */
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK(old.ss_flags & SS_DISABLE, "initially disabled (%#x)", old.ss_flags);
	CHECK(!(old.ss_flags & SS_ONSTACK), "not on it");

	static char stack[64 * 1024];
	ss.ss_sp = stack;
	ss.ss_size = sizeof stack;
	ss.ss_flags = 0;
	CHECK_OK(sigaltstack(&ss, &old));
	CHECK(old.ss_flags & SS_DISABLE, "the old one was disabled");
	memset(&old, 0, sizeof old);
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK(old.ss_sp == stack, "ss_sp reads back");
	CHECK_EQ(old.ss_size, sizeof stack);
	CHECK_EQ(old.ss_flags, 0);

	/* SS_AUTODISARM is kept. */
	ss.ss_flags = SS_AUTODISARM;
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK(old.ss_flags & SS_AUTODISARM, "SS_AUTODISARM reads back");

	/* SS_DISABLE: the rest is ignored. */
	ss.ss_flags = SS_DISABLE;
	ss.ss_size = 0;
	CHECK_OK(sigaltstack(&ss, NULL));
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK_EQ(old.ss_flags, SS_DISABLE);

	/* The kernel accepts SS_ONSTACK as 0 (musl's wrapper refuses it). */
	ss.ss_sp = stack;
	ss.ss_size = sizeof stack;
	ss.ss_flags = SS_ONSTACK;
	CHECK_OK(syscall(SYS_sigaltstack, &ss, NULL));
	CHECK_OK(sigaltstack(NULL, &old));
	CHECK_EQ(old.ss_flags, 0);

	/* Errors (sigaltstack(2)), from the kernel rather than the C library
	 * (glibc's MINSIGSTKSZ is the CPU's, not the kernel's 2048). */
	ss.ss_flags = 0;
	ss.ss_size = 1024;
	CHECK_ERR(syscall(SYS_sigaltstack, &ss, NULL), ENOMEM);
	ss.ss_size = sizeof stack;
	ss.ss_flags = 0x1234;
	CHECK_ERR(syscall(SYS_sigaltstack, &ss, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_sigaltstack, BAD_LOW, NULL), EFAULT);
	CHECK_ERR(syscall(SYS_sigaltstack, NULL, BAD_KERNEL_IMAGE), EFAULT);
	return finish();
}
