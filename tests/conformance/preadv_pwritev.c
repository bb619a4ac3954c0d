/* preadv(2) and pwritev(2): positioned vector I/O that leaves the offset
 * alone, and its errors. */
#include "sole_test.h"
#include <sys/uio.h>

int main(void)
{
	scratch();

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_RET(write(fd, "..........", 10), 10);
	struct iovec out[2] = { { "ab", 2 }, { "cde", 3 } };
	CHECK_RET(pwritev(fd, out, 2, 3), 5);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 10);

	char x[4], y[4];
	struct iovec in[2] = { { x, sizeof x }, { y, sizeof y } };
	CHECK_RET(preadv(fd, in, 2, 2), 8);
	CHECK_MEM(x, ".abc", 4);
	CHECK_MEM(y, "de..", 4);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 10);

	/* Short at the end of the file, 0 past it. */
	CHECK_RET(preadv(fd, in, 2, 7), 3);
	CHECK_RET(preadv(fd, in, 2, 50), 0);

	/* Past the end, pwritev() extends the file. */
	CHECK_RET(pwritev(fd, out, 2, 20), 5);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 25);

	/* Errors: negative offset, bad count, pipes, closed descriptors. */
	CHECK_ERR(preadv(fd, in, 2, -1), EINVAL);
	CHECK_ERR(pwritev(fd, out, 2, -5), EINVAL);
	CHECK_ERR(syscall(SYS_pwritev, fd, out, -1, 0, 0), EINVAL);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(pwritev(p[1], out, 2, 0), ESPIPE);
	CHECK_ERR(preadv(p[0], in, 2, 0), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);
	CHECK_ERR(preadv(fd, in, 2, 0), EBADF);
	CHECK_ERR(pwritev(fd, out, 2, 0), EBADF);
	return finish();
}
