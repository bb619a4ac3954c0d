/* nanosleep(2) and clock_nanosleep(2): they sleep at least as long as
 * asked, absolute deadlines in the past return at once, a zero sleep
 * returns; EINVAL for bad times and clocks, EFAULT. */
#include "sole_test.h"

static long clock_nanosleep_call(clockid_t clock, int flags, const struct timespec *req,
				 struct timespec *rem)
{
	return syscall(SYS_clock_nanosleep, clock, flags, req, rem);
}

int main(void)
{
	struct timespec req = { 0, 30 * 1000 * 1000 }, rem = { 99, 99 };
	long long t0 = now_ns();
	CHECK_OK(nanosleep(&req, &rem));
	long long slept = now_ns() - t0;
	CHECK(slept >= 30000000LL, "nanosleep(30 ms) slept %lld ns", slept);
	CHECK(slept < 5000000000LL, "and not much longer (%lld ns)", slept);
	CHECK_OK(syscall(SYS_nanosleep, &req, NULL));

	req = (struct timespec){ 0, 0 };
	CHECK_OK(nanosleep(&req, NULL));

	/* clock_nanosleep, relative. */
	req = (struct timespec){ 0, 20 * 1000 * 1000 };
	t0 = now_ns();
	CHECK_OK(clock_nanosleep_call(CLOCK_MONOTONIC, 0, &req, NULL));
	slept = now_ns() - t0;
	CHECK(slept >= 20000000LL, "clock_nanosleep(MONOTONIC, 20 ms) slept %lld ns", slept);
	t0 = now_ns();
	CHECK_OK(clock_nanosleep_call(CLOCK_REALTIME, 0, &req, NULL));
	CHECK(now_ns() - t0 >= 20000000LL, "clock_nanosleep(REALTIME, 20 ms)");
	CHECK_OK(clock_nanosleep_call(CLOCK_BOOTTIME, 0, &req, NULL));

	/* Absolute: until a deadline 25 ms ahead; then a deadline in the past
	 * returns at once. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct timespec deadline = now;
	deadline.tv_nsec += 25 * 1000 * 1000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	CHECK_OK(clock_nanosleep_call(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL));
	struct timespec after;
	clock_gettime(CLOCK_MONOTONIC, &after);
	CHECK(after.tv_sec > deadline.tv_sec ||
		      (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec),
	      "TIMER_ABSTIME sleeps until the deadline");
	t0 = now_ns();
	CHECK_OK(clock_nanosleep_call(CLOCK_MONOTONIC, TIMER_ABSTIME, &now, NULL));
	CHECK(now_ns() - t0 < 1000000000LL, "a past deadline returns at once");
	clock_gettime(CLOCK_REALTIME, &now);
	CHECK_OK(clock_nanosleep_call(CLOCK_REALTIME, TIMER_ABSTIME, &now, NULL));

	/* The libc wrapper returns the error instead of setting errno. */
	req = (struct timespec){ 0, 1000 };
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
	req = (struct timespec){ 0, -1 };
	CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), EINVAL);

	/* Errors (nanosleep(2), clock_nanosleep(2)). */
	req = (struct timespec){ 0, 1000000000 };
	CHECK_ERR(nanosleep(&req, NULL), EINVAL);
	req = (struct timespec){ -1, 0 };
	CHECK_ERR(nanosleep(&req, NULL), EINVAL);
	req = (struct timespec){ 0, -1 };
	CHECK_ERR(syscall(SYS_nanosleep, &req, NULL), EINVAL);
	req = (struct timespec){ 0, 1000000000 };
	CHECK_ERR(clock_nanosleep_call(CLOCK_MONOTONIC, 0, &req, NULL), EINVAL);
	req = (struct timespec){ 0, 1000 };
	CHECK_ERR(clock_nanosleep_call(100, 0, &req, NULL), EINVAL);
	CHECK_ERR(syscall(SYS_nanosleep, BAD_LOW, NULL), EFAULT);
	CHECK_ERR(syscall(SYS_nanosleep, BAD_KERNEL_IMAGE, NULL), EFAULT);
	CHECK_ERR(clock_nanosleep_call(CLOCK_MONOTONIC, 0, BAD_LOW, NULL), EFAULT);
	return finish();
}
