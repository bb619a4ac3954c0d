/* unlink(2) and unlinkat(2): the name goes, an open file lives on, link
 * counts; EISDIR, ENOENT, ENOTDIR, EINVAL, EBADF, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st;
	char buf[16];

	make_file("f", "still here");
	int fd = CHECK_OK(open("f", O_RDWR));
	CHECK_OK(unlink("f"));
	CHECK_ERR(stat("f", &st), ENOENT);
	CHECK_ERR(open("f", O_RDONLY), ENOENT);
	/* The open file keeps its data and can still be written. */
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_nlink, 0);
	CHECK_RET(pread(fd, buf, 10, 0), 10);
	CHECK_MEM(buf, "still here", 10);
	CHECK_RET(pwrite(fd, "!", 1, 10), 1);
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 11);
	close(fd);

	/* A new file can take the old name. */
	make_file("f", "new");
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_size, 3);

	/* Removing one of two links. */
	CHECK_OK(link("f", "g"));
	CHECK_OK(unlink("f"));
	CHECK_OK(stat("g", &st));
	CHECK_EQ(st.st_nlink, 1);

	/* A symbolic link is removed, not its target. */
	CHECK_OK(symlink("g", "l"));
	CHECK_OK(unlink("l"));
	CHECK_OK(stat("g", &st));

	/* unlinkat relative to a directory. */
	CHECK_OK(mkdir("d", 0755));
	make_file("d/x", "");
	int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(unlinkat(dfd, "x", 0));
	CHECK_ERR(unlinkat(dfd, "x", 0), ENOENT);

	/* Errors. */
	CHECK_ERR(unlink("d"), EISDIR);
	CHECK_ERR(unlinkat(AT_FDCWD, "d", 0), EISDIR);
	CHECK_ERR(unlinkat(AT_FDCWD, "g", AT_REMOVEDIR), ENOTDIR);
	CHECK_ERR(unlinkat(AT_FDCWD, "g", 0x1), EINVAL);
	CHECK_ERR(unlink("missing"), ENOENT);
	CHECK_ERR(unlink(""), ENOENT);
	CHECK_ERR(unlink("g/x"), ENOTDIR);
	CHECK_ERR(unlink("missing/x"), ENOENT);
	int file = CHECK_OK(open("g", O_RDONLY));
	CHECK_ERR(unlinkat(file, "x", 0), ENOTDIR);
	close(file);
	close(dfd);
	CHECK_ERR(unlinkat(dfd, "x", 0), EBADF);
	CHECK_ERR(syscall(SYS_unlink, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_unlinkat, AT_FDCWD, BAD_DIRECT_MAP, 0), EFAULT);
	return finish();
}
