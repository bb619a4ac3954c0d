/* truncate(2) and ftruncate(2): shrinking, growing with zeros, the file
 * offset left alone; EINVAL, EISDIR, ENOENT, ENOTDIR, EBADF, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st;
	char buf[32];

	make_file("f", "0123456789");
	CHECK_OK(truncate("f", 4));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 4);
	CHECK_RET(read_file("f", buf, sizeof buf), 4);
	CHECK_STR(buf, "0123");

	/* Growing fills with zeros (and old data beyond the cut is gone). */
	CHECK_OK(truncate("f", 8));
	CHECK_RET(read_file("f", buf, sizeof buf), 8);
	CHECK_MEM(buf, "0123\0\0\0\0", 8);

	int fd = CHECK_OK(open("f", O_RDWR));
	CHECK_RET(lseek(fd, 6, SEEK_SET), 6);
	CHECK_OK(ftruncate(fd, 2));
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 6);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 2);
	/* A write at the old offset leaves a hole. */
	CHECK_RET(write(fd, "W", 1), 1);
	CHECK_RET(pread(fd, buf, 7, 0), 7);
	CHECK_MEM(buf, "01\0\0\0\0W", 7);
	CHECK_OK(ftruncate(fd, 0));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	CHECK_RET(pread(fd, buf, 7, 0), 0);
	/* A large, sparse size. */
	CHECK_OK(ftruncate(fd, 1 << 30));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 1 << 30);
	CHECK_RET(pread(fd, buf, 4, (1 << 30) - 2), 2);
	CHECK_MEM(buf, "\0\0", 2);
	CHECK_OK(ftruncate(fd, 3));
	close(fd);

	/* Errors (truncate(2)). */
	CHECK_ERR(truncate("f", -1), EINVAL);
	CHECK_OK(mkdir("d", 0755));
	CHECK_ERR(truncate("d", 0), EISDIR);
	CHECK_ERR(truncate("missing", 0), ENOENT);
	CHECK_ERR(truncate("", 0), ENOENT);
	CHECK_ERR(truncate("f/x", 0), ENOTDIR);
	CHECK_ERR(syscall(SYS_truncate, BAD_LOW, 0), EFAULT);

	fd = CHECK_OK(open("f", O_RDWR));
	CHECK_ERR(ftruncate(fd, -1), EINVAL);
	close(fd);
	/* Not open for writing, or not a regular file. */
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(ftruncate(fd, 0), EINVAL);
	close(fd);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(ftruncate(p[1], 0), EINVAL);
	close(p[0]);
	close(p[1]);
	CHECK_ERR(ftruncate(fd, 0), EBADF);
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 3);
	return finish();
}
