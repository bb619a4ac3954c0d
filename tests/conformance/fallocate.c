/* fallocate(2): mode 0 extends the file with zeros, FALLOC_FL_KEEP_SIZE
 * does not; EINVAL, EBADF, ESPIPE, EOPNOTSUPP as the VFS checks them. */
#include "sole_test.h"

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif

static long falloc(int fd, int mode, off_t offset, off_t len)
{
	return syscall(SYS_fallocate, fd, mode, offset, len);
}

int main(void)
{
	scratch();
	struct stat st;
	char buf[16];

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_RET(write(fd, "abc", 3), 3);
	CHECK_OK(falloc(fd, 0, 0, 8192));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 8192);
	CHECK_RET(pread(fd, buf, 6, 0), 6);
	CHECK_MEM(buf, "abc\0\0\0", 6);
	CHECK_RET(pread(fd, buf, 4, 8190), 2);
	CHECK_MEM(buf, "\0\0", 2);
	/* Inside the file, nothing changes. */
	CHECK_OK(falloc(fd, 0, 0, 100));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 8192);
	CHECK_RET(pread(fd, buf, 3, 0), 3);
	CHECK_MEM(buf, "abc", 3);
	/* FALLOC_FL_KEEP_SIZE reserves without growing. */
	CHECK_OK(falloc(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 8192);
	/* The offset is unchanged. */
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 3);
	CHECK_EQ(posix_fallocate(fd, 0, 10000), 0);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10000);

	/* Errors (fallocate(2)). */
	CHECK_ERR(falloc(fd, 0, 0, 0), EINVAL);
	CHECK_ERR(falloc(fd, 0, 0, -1), EINVAL);
	CHECK_ERR(falloc(fd, 0, -1, 10), EINVAL);
	CHECK_ERR(falloc(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	close(fd);
	CHECK_ERR(falloc(fd, 0, 0, 10), EBADF);
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_ERR(falloc(fd, 0, 0, 10), EBADF);
	close(fd);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(falloc(p[1], 0, 0, 10), ESPIPE);
	close(p[0]);
	close(p[1]);
	return finish();
}
