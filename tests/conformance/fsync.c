/* fsync(2), fdatasync(2), sync(2): they succeed on files and directories,
 * the data is there afterwards; EBADF, and EINVAL for pipes. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[16];

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_RET(write(fd, "durable", 7), 7);
	CHECK_OK(fsync(fd));
	CHECK_OK(fdatasync(fd));
	CHECK_RET(read_file("f", buf, sizeof buf), 7);
	CHECK_STR(buf, "durable");
	close(fd);

	/* A read-only descriptor may be synced too. */
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fsync(fd));
	close(fd);

	/* Directories. */
	int dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_OK(fsync(dfd));
	CHECK_OK(fdatasync(dfd));
	close(dfd);

	sync();
	CHECK(1, "sync() returns");
	CHECK_OK(syscall(SYS_sync));

	/* Errors. */
	CHECK_ERR(fsync(fd), EBADF);
	CHECK_ERR(fdatasync(-1), EBADF);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(fsync(p[0]), EINVAL);
	CHECK_ERR(fdatasync(p[1]), EINVAL);
	close(p[0]);
	close(p[1]);
	return finish();
}
