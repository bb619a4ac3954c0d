/* lseek(2): SEEK_SET/CUR/END, seeking past the end and the hole a write
 * there leaves, SEEK_DATA/SEEK_HOLE, and EINVAL/ESPIPE/EBADF/ENXIO. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[32];

	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_RET(write(fd, "0123456789", 10), 10);
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 10);
	CHECK_RET(lseek(fd, 3, SEEK_SET), 3);
	CHECK_RET(read(fd, buf, 2), 2);
	CHECK_MEM(buf, "34", 2);
	CHECK_RET(lseek(fd, 2, SEEK_CUR), 7);
	CHECK_RET(lseek(fd, -3, SEEK_CUR), 4);
	CHECK_RET(lseek(fd, -1, SEEK_END), 9);
	CHECK_RET(read(fd, buf, 5), 1);
	CHECK_MEM(buf, "9", 1);
	CHECK_RET(lseek(fd, 0, SEEK_END), 10);

	/* Past the end: reads return 0, a write leaves a hole of zeros. */
	CHECK_RET(lseek(fd, 20, SEEK_SET), 20);
	CHECK_RET(read(fd, buf, 5), 0);
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 10);
	CHECK_RET(write(fd, "X", 1), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 21);
	CHECK_RET(pread(fd, buf, 11, 10), 11);
	CHECK_MEM(buf, "\0\0\0\0\0\0\0\0\0\0X", 11);

	/* SEEK_DATA/SEEK_HOLE: a file system may treat the whole file as
	 * data, with the only hole at the end. */
	CHECK_RET(lseek(fd, 0, SEEK_DATA), 0);
	off_t hole = lseek(fd, 0, SEEK_HOLE);
	CHECK(hole >= 0 && hole <= 21, "SEEK_HOLE within the file (%lld)", (long long)hole);
	CHECK_ERR(lseek(fd, 21, SEEK_DATA), ENXIO);
	CHECK_ERR(lseek(fd, 100, SEEK_HOLE), ENXIO);

	/* EINVAL: a bad whence, a negative result. */
	CHECK_ERR(lseek(fd, 0, 17), EINVAL);
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	CHECK_ERR(lseek(fd, -100, SEEK_END), EINVAL);
	CHECK_RET(lseek(fd, 5, SEEK_SET), 5);
	CHECK_ERR(lseek(fd, -6, SEEK_CUR), EINVAL);
	/* A failed seek leaves the offset alone. */
	CHECK_RET(lseek(fd, 0, SEEK_CUR), 5);
	close(fd);

	/* EBADF, and ESPIPE on a pipe. */
	CHECK_ERR(lseek(fd, 0, SEEK_SET), EBADF);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	CHECK_ERR(lseek(p[1], 0, SEEK_SET), ESPIPE);
	close(p[0]);
	close(p[1]);

	/* Directories can be rewound. */
	int d = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_RET(lseek(d, 0, SEEK_SET), 0);
	close(d);
	return finish();
}
