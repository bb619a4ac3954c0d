/* dup(2), dup2(2), dup3(2): the lowest free descriptor, a shared offset
 * and status flags, close-on-exec not shared, dup2 onto itself and onto an
 * open descriptor; EBADF and EINVAL. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[8];

	make_file("f", "abcdef");
	int fd = CHECK_OK(open("f", O_RDONLY | O_CLOEXEC));
	int d = CHECK_OK(dup(fd));
	CHECK(d > fd, "dup gives a new descriptor");
	/* The copy does not inherit FD_CLOEXEC. */
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	/* The offset is shared. */
	CHECK_RET(read(fd, buf, 2), 2);
	CHECK_RET(read(d, buf, 2), 2);
	CHECK_MEM(buf, "cd", 2);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 4);
	/* So are status flags. */
	CHECK_OK(fcntl(d, F_SETFL, O_NONBLOCK));
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK shows through the original");

	/* The lowest free descriptor. */
	close(fd);
	int d2 = CHECK_OK(dup(d));
	CHECK_EQ(d2, fd);
	/* The file lives while a copy is open. */
	close(d);
	CHECK_RET(read(d2, buf, 8), 2);
	CHECK_MEM(buf, "ef", 2);

	/* dup2 onto an open descriptor closes it first. */
	int other = CHECK_OK(open("f", O_RDONLY));
	CHECK_RET(dup2(d2, other), other);
	CHECK_RET(lseek(other, 0, SEEK_CUR), 6);
	/* dup2 onto itself is a no-op that checks the descriptor. */
	CHECK_RET(dup2(other, other), other);
	/* A high descriptor number. */
	CHECK_RET(dup2(other, 100), 100);
	CHECK_RET(lseek(100, 0, SEEK_SET), 0);
	CHECK_RET(lseek(other, 0, SEEK_CUR), 0);
	close(100);

	/* dup3 with O_CLOEXEC. */
	CHECK_RET(dup3(other, 50, O_CLOEXEC), 50);
	CHECK_EQ(fcntl(50, F_GETFD), FD_CLOEXEC);
	CHECK_RET(dup3(other, 50, 0), 50);
	CHECK_EQ(fcntl(50, F_GETFD), 0);
	close(50);

	/* Errors. */
	close(d2);
	CHECK_ERR(dup(d2), EBADF);
	CHECK_ERR(dup(-1), EBADF);
	CHECK_ERR(dup2(d2, 60), EBADF);
	CHECK_ERR(dup2(d2, d2), EBADF);
	CHECK_ERR(dup2(other, -1), EBADF);
	CHECK_ERR(dup2(other, INT_MAX), EBADF);
	/* musl's dup3() checks some of this itself; ask the kernel. */
	CHECK_ERR(syscall(SYS_dup3, other, other, 0), EINVAL);
	CHECK_ERR(syscall(SYS_dup3, other, 60, O_NONBLOCK), EINVAL);
	CHECK_ERR(syscall(SYS_dup3, d2, 60, 0), EBADF);
	CHECK_ERR(syscall(SYS_dup2, other, -1), EBADF);
	close(other);
	return finish();
}
