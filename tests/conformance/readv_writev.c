/* readv(2) and writev(2): gather and scatter in order, empty vectors, short
 * reads at EOF, and EINVAL for bad counts and lengths, EFAULT, EBADF. */
#include "sole_test.h"
#include <sys/uio.h>

int main(void)
{
	scratch();

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	struct iovec out[4] = {
		{ "one ", 4 },
		{ NULL, 0 },
		{ "two ", 4 },
		{ "three", 5 },
	};
	CHECK_RET(writev(fd, out, 4), 13);
	CHECK_RET(writev(fd, out, 0), 0);
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);

	char a[3], b[6], c[20];
	memset(c, 0, sizeof c);
	struct iovec in[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
	CHECK_RET(readv(fd, in, 3), 13);
	CHECK_MEM(a, "one", 3);
	CHECK_MEM(b, " two t", 6);
	CHECK_STR(c, "hree");
	CHECK_RET(readv(fd, in, 3), 0);

	/* stdout takes a vector too. */
	struct iovec line[2] = { { "# writev ", 9 }, { "to stdout\n", 10 } };
	CHECK_RET(writev(1, line, 2), 19);

	/* EINVAL: negative count, more than IOV_MAX, a length that does not
	 * fit in ssize_t. */
	CHECK_ERR(syscall(SYS_writev, fd, out, -1), EINVAL);
	CHECK_ERR(syscall(SYS_readv, fd, in, -1), EINVAL);
	static struct iovec many[IOV_MAX + 1];
	for (int i = 0; i <= IOV_MAX; i++) {
		many[i].iov_base = a;
		many[i].iov_len = 1;
	}
	CHECK_ERR(writev(fd, many, IOV_MAX + 1), EINVAL);
	CHECK_RET(lseek(fd, 0, SEEK_END), 13);
	CHECK_RET(writev(fd, many, IOV_MAX), IOV_MAX);
	struct iovec huge[2] = { { a, 1 }, { a, (size_t)SSIZE_MAX + 1 } };
	CHECK_ERR(writev(fd, huge, 2), EINVAL);

	/* EFAULT: the vector itself, or a buffer in it, is unreadable. */
	CHECK_ERR(syscall(SYS_writev, fd, BAD_LOW, 1), EFAULT);
	CHECK_ERR(syscall(SYS_readv, fd, BAD_KERNEL_IMAGE, 1), EFAULT);
	struct iovec bad[1] = { { BAD_DIRECT_MAP, 16 } };
	CHECK_ERR(syscall(SYS_writev, fd, bad, 1), EFAULT);
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERR(syscall(SYS_readv, fd, bad, 1), EFAULT);
	close(fd);

	/* EBADF. */
	CHECK_ERR(writev(fd, out, 1), EBADF);
	CHECK_ERR(readv(fd, in, 1), EBADF);
	return finish();
}
