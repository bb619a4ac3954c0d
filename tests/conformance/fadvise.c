/* posix_fadvise(2) (fadvise64): every advice is taken on a file, the
 * data reads back the same after DONTNEED and WILLNEED, a changed page
 * survives DONTNEED; ESPIPE for a pipe, EINVAL for an unknown advice or a
 * negative length, EBADF for a closed descriptor. */
#include "sole_test.h"

#include <fcntl.h>

#define PAGES 64

int main(void)
{
	scratch();
	static char data[PAGES * 4096], back[PAGES * 4096];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)(i * 7 + i / 4096);
	int fd = CHECK_OK(open("f", O_RDWR | O_CREAT, 0644));
	CHECK_RET(write(fd, data, sizeof data), (ssize_t)sizeof data);
	CHECK_OK(fsync(fd));

	int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_RANDOM,
			POSIX_FADV_SEQUENTIAL, POSIX_FADV_WILLNEED,
			POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
	for (size_t i = 0; i < sizeof advice / sizeof advice[0]; i++)
		CHECK_EQ(posix_fadvise(fd, 0, 0, advice[i]), 0);

	/* Dropping the cache loses nothing: the data is read back. */
	CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	CHECK_RET(pread(fd, back, sizeof back, 0), (ssize_t)sizeof back);
	CHECK_MEM(back, data, sizeof data);
	CHECK_EQ(posix_fadvise(fd, 4096, 8 * 4096, POSIX_FADV_WILLNEED), 0);
	CHECK_RET(pread(fd, back, sizeof back, 0), (ssize_t)sizeof back);
	CHECK_MEM(back, data, sizeof data);

	/* A page changed and not synced is not dropped. */
	CHECK_RET(pwrite(fd, "changed", 7, 10 * 4096), 7);
	CHECK_EQ(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	CHECK_RET(pread(fd, back, 7, 10 * 4096), 7);
	CHECK_MEM(back, "changed", 7);
	/* Past the end, and a length of 0 meaning "to the end". */
	CHECK_EQ(posix_fadvise(fd, 1 << 30, 4096, POSIX_FADV_DONTNEED), 0);
	CHECK_EQ(posix_fadvise(fd, 4096, 0, POSIX_FADV_WILLNEED), 0);

	/* Directories take advice too. */
	int dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_EQ(posix_fadvise(dfd, 0, 0, POSIX_FADV_WILLNEED), 0);
	close(dfd);

	/* Errors (the raw call sets errno; posix_fadvise returns it). */
	CHECK_ERR(syscall(SYS_fadvise64, fd, 0, 0, 6), EINVAL);
	CHECK_ERR(syscall(SYS_fadvise64, fd, 0, 0, -1), EINVAL);
	CHECK_ERR(syscall(SYS_fadvise64, fd, 0L, -1L, POSIX_FADV_NORMAL), EINVAL);
	CHECK_EQ(posix_fadvise(fd, 0, 0, 99), EINVAL);
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_ERR(syscall(SYS_fadvise64, p[0], 0, 0, POSIX_FADV_NORMAL), ESPIPE);
	CHECK_EQ(posix_fadvise(p[1], 0, 0, POSIX_FADV_DONTNEED), ESPIPE);
	close(p[0]);
	close(p[1]);
	close(fd);
	CHECK_ERR(syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_NORMAL), EBADF);
	CHECK_EQ(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL), EBADF);
	return finish();
}
