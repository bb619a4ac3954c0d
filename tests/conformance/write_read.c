/* read(2) and write(2) on regular files: round trips, offsets, EOF, zero
 * counts, large transfers, and the errors for wrong access modes, closed
 * descriptors and directories. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[64];

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
	CHECK_RET(write(fd, "hello, ", 7), 7);
	CHECK_RET(write(fd, "world", 5), 5);
	CHECK_RET(write(fd, buf, 0), 0);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 12);
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof buf);
	CHECK_RET(read(fd, buf, 5), 5);
	CHECK_MEM(buf, "hello", 5);
	CHECK_RET(read(fd, buf, sizeof buf), 7);
	CHECK_MEM(buf, ", world", 7);
	CHECK_RET(read(fd, buf, sizeof buf), 0);
	CHECK_RET(read(fd, buf, 0), 0);
	close(fd);

	/* A 1 MiB write and read back, with a pattern that shows misplaced
	 * pages. */
	size_t big = 1 << 20;
	unsigned char *out = malloc(big), *in = malloc(big);
	if (!out || !in)
		BAIL("malloc");
	for (size_t i = 0; i < big; i++)
		out[i] = (unsigned char)(i * 7 + (i >> 12));
	fd = CHECK_OK(open("big", O_RDWR | O_CREAT | O_TRUNC, 0600));
	size_t done = 0;
	while (done < big) {
		ssize_t n = write(fd, out + done, big - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	CHECK_EQ(done, big);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, big);
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	done = 0;
	while (done < big) {
		ssize_t n = read(fd, in + done, big - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	CHECK_EQ(done, big);
	CHECK_MEM(in, out, big);
	close(fd);
	free(in);
	free(out);

	/* Access modes. */
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(write(fd, "x", 1), EBADF);
	close(fd);
	fd = CHECK_OK(open("f", O_WRONLY));
	CHECK_ERR(read(fd, buf, 1), EBADF);
	close(fd);

	/* Closed and invalid descriptors. */
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_ERR(write(fd, "x", 1), EBADF);
	CHECK_ERR(read(-1, buf, 1), EBADF);
	CHECK_ERR(write(-1, buf, 1), EBADF);
	CHECK_ERR(read(INT_MAX, buf, 1), EBADF);

	/* Directories cannot be read with read(2). */
	CHECK_OK(mkdir("d", 0755));
	fd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_ERR(read(fd, buf, sizeof buf), EISDIR);
	close(fd);

	/* O_APPEND: every write goes to the end. */
	fd = CHECK_OK(open("f", O_WRONLY | O_APPEND));
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	CHECK_RET(write(fd, "!", 1), 1);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 13);
	close(fd);
	CHECK_RET(read_file("f", buf, sizeof buf), 13);
	CHECK_STR(buf, "hello, world!");

	/* stdin is empty, stdout and stderr are writable. */
	CHECK_RET(read(0, buf, sizeof buf), 0);
	CHECK_RET(write(1, "# stdout\n", 9), 9);
	CHECK_RET(write(2, "# stderr\n", 9), 9);
	return finish();
}
