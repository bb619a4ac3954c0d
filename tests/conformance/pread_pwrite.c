/* pread64(2) and pwrite64(2): positioned I/O that leaves the file offset
 * alone, extends files, and fails with EINVAL, ESPIPE, EBADF, EISDIR. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[32];

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_RET(write(fd, "abcdefghij", 10), 10);
	CHECK_RET(lseek(fd, 2, SEEK_SET), 2);
	CHECK_RET(pread(fd, buf, 3, 5), 3);
	CHECK_MEM(buf, "fgh", 3);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 2);
	CHECK_RET(pwrite(fd, "XY", 2, 0), 2);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 2);
	CHECK_RET(read(fd, buf, 2), 2);
	CHECK_MEM(buf, "cd", 2);
	CHECK_RET(pread(fd, buf, 10, 0), 10);
	CHECK_MEM(buf, "XYcdefghij", 10);

	/* Reading at or past the end returns what is there, then 0. */
	CHECK_RET(pread(fd, buf, 10, 8), 2);
	CHECK_RET(pread(fd, buf, 10, 10), 0);
	CHECK_RET(pread(fd, buf, 10, 1000), 0);
	CHECK_RET(pread(fd, buf, 0, 0), 0);

	/* Writing past the end extends the file with zeros. */
	CHECK_RET(pwrite(fd, "Z", 1, 15), 1);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 16);
	CHECK_RET(pread(fd, buf, 6, 10), 6);
	CHECK_MEM(buf, "\0\0\0\0\0Z", 6);

	/* EINVAL: a negative offset. */
	CHECK_ERR(pread(fd, buf, 1, -1), EINVAL);
	CHECK_ERR(pwrite(fd, "a", 1, -1), EINVAL);
	close(fd);

	/* With O_APPEND, Linux appends whatever offset pwrite() names (the
	 * BUGS section of pwrite(2)). */
	fd = CHECK_OK(open("f", O_RDWR | O_APPEND));
	CHECK_RET(pwrite(fd, "END", 3, 0), 3);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 19);
	CHECK_RET(pread(fd, buf, 3, 0), 3);
	CHECK_MEM(buf, "XYc", 3);
	close(fd);

	/* EBADF: closed descriptors and wrong access modes. */
	CHECK_ERR(pread(fd, buf, 1, 0), EBADF);
	CHECK_ERR(pwrite(fd, "a", 1, 0), EBADF);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(pwrite(fd, "a", 1, 0), EBADF);
	close(fd);
	fd = CHECK_OK(open("f", O_WRONLY));
	CHECK_ERR(pread(fd, buf, 1, 0), EBADF);
	close(fd);

	/* ESPIPE on pipes. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(pwrite(p[1], "a", 1, 0), ESPIPE);
	CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE);
	close(p[0]);
	close(p[1]);

	/* EISDIR on directories. */
	fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_ERR(pread(fd, buf, 1, 0), EISDIR);
	close(fd);
	return finish();
}
