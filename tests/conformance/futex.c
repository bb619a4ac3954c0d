/* futex(2) with one thread: FUTEX_WAIT returns EAGAIN when the value
 * differs and ETIMEDOUT when nothing wakes it; FUTEX_WAKE with no waiters
 * wakes 0; private and bitset variants; EINVAL, EFAULT, ENOSYS. */
#include "sole_test.h"

static long futex(void *addr, int op, uint32_t val, const struct timespec *timeout,
		  void *addr2, uint32_t val3)
{
	return syscall(SYS_futex, addr, op, val, timeout, addr2, val3);
}

int main(void)
{
	static uint32_t word = 42;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT, 41, NULL, NULL, 0), EAGAIN);
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT | SOLE_FUTEX_PRIVATE_FLAG, 0, &ts, NULL, 0), EAGAIN);

	long long t0 = now_ns();
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT, 42, &ts, NULL, 0), ETIMEDOUT);
	long long waited = now_ns() - t0;
	CHECK(waited >= 20000000LL, "waited %lld ns >= 20 ms", waited);
	t0 = now_ns();
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT | SOLE_FUTEX_PRIVATE_FLAG, 42, &ts, NULL, 0),
		  ETIMEDOUT);
	CHECK(now_ns() - t0 >= 20000000LL, "the private wait also waited");

	CHECK_RET(futex(&word, SOLE_FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	CHECK_RET(futex(&word, SOLE_FUTEX_WAKE | SOLE_FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0), 0);

	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline (or
	 * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME). */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct timespec deadline = now;
	deadline.tv_nsec += 20 * 1000 * 1000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	t0 = now_ns();
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT_BITSET | SOLE_FUTEX_PRIVATE_FLAG, 42, &deadline,
			NULL, 0xffffffff),
		  ETIMEDOUT);
	CHECK(now_ns() - t0 >= 15000000LL, "the bitset wait waited until the deadline");
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT_BITSET | SOLE_FUTEX_PRIVATE_FLAG, 42, &now, NULL,
			0xffffffff),
		  ETIMEDOUT);
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	CHECK_ERR(futex(&word,
			SOLE_FUTEX_WAIT_BITSET | SOLE_FUTEX_PRIVATE_FLAG | SOLE_FUTEX_CLOCK_REALTIME,
			42, &wall, NULL, 0xffffffff),
		  ETIMEDOUT);
	CHECK_RET(futex(&word, SOLE_FUTEX_WAKE_BITSET | SOLE_FUTEX_PRIVATE_FLAG, 1, NULL, NULL,
			0xffffffff),
		  0);

	/* A zero timeout times out at once. */
	struct timespec zero = { 0, 0 };
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT, 42, &zero, NULL, 0), ETIMEDOUT);

	/* Errors (futex(2)). */
	CHECK_ERR(futex((char *)&word + 1, SOLE_FUTEX_WAIT, 42, &ts, NULL, 0), EINVAL);
	CHECK_ERR(futex((char *)&word + 2, SOLE_FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL);
	struct timespec bad = { 0, 1000000000 };
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT, 42, &bad, NULL, 0), EINVAL);
	bad = (struct timespec){ -1, 0 };
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT, 42, &bad, NULL, 0), EINVAL);
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT_BITSET, 42, &ts, NULL, 0), EINVAL);
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT | SOLE_FUTEX_CLOCK_REALTIME, 42, &ts, NULL, 0),
		  ENOSYS);
	CHECK_ERR(futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);
	CHECK_ERR(futex(BAD_LOW, SOLE_FUTEX_WAIT, 0, &ts, NULL, 0), EFAULT);
	CHECK_ERR(futex(BAD_KERNEL_IMAGE, SOLE_FUTEX_WAIT, 0, &ts, NULL, 0), EFAULT);
	CHECK_ERR(futex(&word, SOLE_FUTEX_WAIT, 42, BAD_LOW, NULL, 0), EFAULT);
	return finish();
}
