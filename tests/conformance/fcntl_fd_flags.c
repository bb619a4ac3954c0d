/* fcntl(2) descriptor and status flags: F_DUPFD, F_DUPFD_CLOEXEC,
 * F_GETFD/F_SETFD, F_GETFL/F_SETFL (which flags change, which do not);
 * EBADF, EINVAL. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[8];

	make_file("f", "abc");
	int fd = CHECK_OK(open("f", O_RDWR));

	/* F_DUPFD: the lowest free descriptor at or above the argument. */
	int d = CHECK_OK(fcntl(fd, F_DUPFD, 20));
	CHECK_EQ(d, 20);
	int d2 = CHECK_OK(fcntl(fd, F_DUPFD, 20));
	CHECK_EQ(d2, 21);
	CHECK_EQ(fcntl(d, F_GETFD), 0);
	close(d);
	d = CHECK_OK(fcntl(fd, F_DUPFD_CLOEXEC, 20));
	CHECK_EQ(d, 20);
	CHECK_EQ(fcntl(d, F_GETFD), FD_CLOEXEC);
	int low = CHECK_OK(fcntl(fd, F_DUPFD, 0));
	CHECK(low < 20, "F_DUPFD 0 takes a low descriptor (%d)", low);
	close(low);
	close(d);
	close(d2);

	/* F_SETFD / F_GETFD. */
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_OK(fcntl(fd, F_SETFD, 0));
	CHECK_EQ(fcntl(fd, F_GETFD), 0);

	/* F_GETFL reports the access mode and status flags. */
	int fl = CHECK_OK(fcntl(fd, F_GETFL));
	CHECK_EQ(fl & O_ACCMODE, O_RDWR);
	CHECK_EQ(fl & (O_APPEND | O_NONBLOCK), 0);

	/* F_SETFL changes O_APPEND and O_NONBLOCK, not the access mode. */
	CHECK_OK(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY));
	fl = fcntl(fd, F_GETFL);
	CHECK(fl & O_APPEND, "O_APPEND set");
	CHECK(fl & O_NONBLOCK, "O_NONBLOCK set");
	CHECK_EQ(fl & O_ACCMODE, O_RDWR);
	/* O_APPEND now takes effect. */
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	CHECK_RET(write(fd, "d", 1), 1);
	CHECK_RET(pread(fd, buf, 8, 0), 4);
	CHECK_MEM(buf, "abcd", 4);
	/* Creation flags are ignored by F_SETFL. */
	CHECK_OK(fcntl(fd, F_SETFL, O_CREAT | O_EXCL | O_TRUNC));
	fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & (O_APPEND | O_NONBLOCK | O_CREAT | O_EXCL | O_TRUNC), 0);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 4);

	/* Pipes carry O_NONBLOCK too. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	CHECK_ERR(read(p[0], buf, 1), EAGAIN);
	close(p[0]);
	close(p[1]);

	/* Errors. */
	CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
	CHECK_ERR(fcntl(fd, F_DUPFD, INT_MAX), EINVAL);
	CHECK_ERR(fcntl(fd, 12345), EINVAL);
	close(fd);
	CHECK_ERR(fcntl(fd, F_GETFD), EBADF);
	CHECK_ERR(fcntl(fd, F_GETFL), EBADF);
	CHECK_ERR(fcntl(fd, F_SETFD, 0), EBADF);
	CHECK_ERR(fcntl(fd, F_DUPFD, 0), EBADF);
	CHECK_ERR(fcntl(-1, F_GETFD), EBADF);
	return finish();
}
