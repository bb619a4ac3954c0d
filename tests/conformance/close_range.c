/* close(2) and close_range(2): closing, double closes, ranges with holes,
 * CLOSE_RANGE_CLOEXEC; EBADF and EINVAL. Called directly: not every libc
 * has close_range(). */
#include "sole_test.h"

static long close_range_call(unsigned first, unsigned last, unsigned flags)
{
	return syscall(SYS_close_range, first, last, flags);
}

static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

int main(void)
{
	scratch();
	make_file("f", "x");
	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(close(fd));
	CHECK_ERR(close(fd), EBADF);
	CHECK_ERR(close(-1), EBADF);
	CHECK_ERR(close(INT_MAX), EBADF);

	/* Descriptors 30..39, with a hole at 35. */
	fd = CHECK_OK(open("f", O_RDONLY));
	for (int i = 30; i < 40; i++)
		CHECK_RET(dup2(fd, i), i);
	close(fd);
	close(35);
	CHECK_OK(close_range_call(32, 37, 0));
	CHECK(is_open(30) && is_open(31), "30 and 31 stay open");
	CHECK(!is_open(32) && !is_open(34) && !is_open(37), "32..37 closed");
	CHECK(is_open(38) && is_open(39), "38 and 39 stay open");

	/* CLOSE_RANGE_CLOEXEC marks instead of closing. */
	CHECK_OK(close_range_call(38, 39, CLOSE_RANGE_CLOEXEC));
	CHECK_EQ(fcntl(38, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(39, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(30, F_GETFD), 0);

	/* A range with nothing open, and a range to the end. */
	CHECK_OK(close_range_call(1000, 2000, 0));
	CHECK_OK(close_range_call(30, ~0U, 0));
	CHECK(!is_open(30) && !is_open(31) && !is_open(38) && !is_open(39), "30.. closed");
	CHECK(is_open(0) && is_open(1) && is_open(2), "stdio untouched");
	/* A single descriptor. */
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(close_range_call(fd, fd, 0));
	CHECK(!is_open(fd), "closed");

	/* Errors. */
	CHECK_ERR(close_range_call(10, 5, 0), EINVAL);
	CHECK_ERR(close_range_call(0, 10, 0x8000), EINVAL);
	return finish();
}
