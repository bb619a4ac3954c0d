/* openat(2): paths relative to a directory descriptor, AT_FDCWD, absolute
 * paths ignoring dirfd, and EBADF/ENOTDIR for bad directory descriptors. */
#include "sole_test.h"

int main(void)
{
	const char *dir = scratch();
	char path[PATH_MAX + 16], buf[16];

	CHECK_OK(mkdir("sub", 0755));
	int dfd = CHECK_OK(open("sub", O_RDONLY | O_DIRECTORY));
	int fd = CHECK_OK(openat(dfd, "f", O_WRONLY | O_CREAT | O_EXCL, 0644));
	CHECK_RET(write(fd, "in sub", 6), 6);
	close(fd);
	CHECK_RET(read_file("sub/f", buf, sizeof buf), 6);
	CHECK_STR(buf, "in sub");

	/* Relative to AT_FDCWD is relative to the working directory. */
	fd = CHECK_OK(openat(AT_FDCWD, "sub/f", O_RDONLY));
	close(fd);

	/* An absolute path ignores dirfd, even an invalid one. */
	snprintf(path, sizeof path, "%s/sub/f", dir);
	fd = CHECK_OK(openat(dfd, path, O_RDONLY));
	close(fd);
	fd = CHECK_OK(openat(-1, path, O_RDONLY));
	close(fd);
	fd = CHECK_OK(openat(9999, path, O_RDONLY));
	close(fd);

	/* ".." from a directory descriptor. */
	make_file("top", "t");
	fd = CHECK_OK(openat(dfd, "../top", O_RDONLY));
	close(fd);

	/* Nested directories through a descriptor. */
	CHECK_OK(mkdirat(dfd, "deeper", 0755));
	int dfd2 = CHECK_OK(openat(dfd, "deeper", O_RDONLY | O_DIRECTORY));
	fd = CHECK_OK(openat(dfd2, "g", O_RDWR | O_CREAT, 0600));
	close(fd);
	struct stat st;
	CHECK_OK(stat("sub/deeper/g", &st));
	close(dfd2);

	/* The directory descriptor stays valid after a rename of the
	 * directory. */
	CHECK_OK(rename("sub", "moved"));
	fd = CHECK_OK(openat(dfd, "f", O_RDONLY));
	close(fd);

	/* EBADF: a relative path with a closed or invalid dirfd. */
	int file = CHECK_OK(open("top", O_RDONLY));
	close(dfd);
	CHECK_ERR(openat(dfd, "f", O_RDONLY), EBADF);
	CHECK_ERR(openat(-1, "f", O_RDONLY), EBADF);
	CHECK_ERR(openat(9999, "f", O_RDONLY), EBADF);

	/* ENOTDIR: dirfd names a file. */
	CHECK_ERR(openat(file, "f", O_RDONLY), ENOTDIR);
	CHECK_ERR(openat(file, "f", O_RDWR | O_CREAT, 0600), ENOTDIR);
	close(file);

	/* ENOENT relative to a good dirfd. */
	dfd = CHECK_OK(open("moved", O_RDONLY | O_DIRECTORY));
	CHECK_ERR(openat(dfd, "nothing", O_RDONLY), ENOENT);
	close(dfd);
	return finish();
}
