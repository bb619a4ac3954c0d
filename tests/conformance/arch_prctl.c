/* arch_prctl(2): ARCH_GET_FS gives the thread pointer the C library set
 * (its TCB starts with a pointer to itself); ARCH_SET_FS moves %fs and
 * back; ARCH_GET_GS/ARCH_SET_GS; EINVAL for unknown codes, EFAULT, EPERM
 * for addresses outside the program's half. */
#include "sole_test.h"

/* A system call that does not touch errno (which lives behind %fs). */
static long raw2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint64_t fs_word0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

int main(void)
{
	uint64_t fs = 0;
	CHECK_OK(syscall(SYS_arch_prctl, SOLE_ARCH_GET_FS, &fs));
	CHECK(fs != 0, "a thread pointer is set");
	/* x86-64 TLS: the word at %fs:0 is the thread pointer itself. */
	CHECK_EQ(fs_word0(), fs);
	/* A thread-local variable lives near it. */
	static __thread int tls_var = 5;
	uintptr_t tv = (uintptr_t)&tls_var;
	CHECK(tv < fs && fs - tv < (1 << 20), "TLS below the thread pointer");
	CHECK_EQ(tls_var, 5);

	/* Point %fs somewhere else, read through it, and put it back, with
	 * no C library call in between. */
	static uint64_t block[8] = { 0x1122334455667788ull, 0xabcdef };
	long set = raw2(SYS_arch_prctl, SOLE_ARCH_SET_FS, (long)block);
	uint64_t seen = fs_word0();
	long back = raw2(SYS_arch_prctl, SOLE_ARCH_SET_FS, (long)fs);
	CHECK_EQ(set, 0);
	CHECK_EQ(back, 0);
	CHECK_EQ(seen, 0x1122334455667788ull);
	CHECK_EQ(fs_word0(), fs);
	CHECK_EQ(tls_var, 5);

	/* GS is free for the program. */
	uint64_t gs = 1;
	CHECK_OK(syscall(SYS_arch_prctl, SOLE_ARCH_GET_GS, &gs));
	CHECK_OK(syscall(SYS_arch_prctl, SOLE_ARCH_SET_GS, (unsigned long)block));
	uint64_t g0;
	__asm__ volatile("mov %%gs:8, %0" : "=r"(g0));
	CHECK_EQ(g0, 0xabcdef);
	CHECK_OK(syscall(SYS_arch_prctl, SOLE_ARCH_GET_GS, &gs));
	CHECK_EQ(gs, (uintptr_t)block);
	CHECK_OK(syscall(SYS_arch_prctl, SOLE_ARCH_SET_GS, 0UL));

	/* Errors (arch_prctl(2)). */
	CHECK_ERR(syscall(SYS_arch_prctl, 0x1fff, &fs), EINVAL);
	CHECK_ERR(syscall(SYS_arch_prctl, SOLE_ARCH_GET_FS, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_arch_prctl, SOLE_ARCH_GET_FS, BAD_KERNEL_IMAGE), EFAULT);
	CHECK_EQ(raw2(SYS_arch_prctl, SOLE_ARCH_SET_FS, (long)BAD_KERNEL_IMAGE), -EPERM);
	CHECK_EQ(raw2(SYS_arch_prctl, SOLE_ARCH_SET_FS, (long)BAD_NONCANONICAL), -EPERM);
	CHECK_EQ(fs_word0(), fs);
	return finish();
}
