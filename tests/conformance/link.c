/* link(2) and linkat(2): hard links share an inode and count it; linkat
 * follows symbolic links only when asked; EEXIST, ENOENT, EPERM for
 * directories, ENOTDIR, EINVAL, EBADF, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st, st2;
	char buf[16];

	make_file("a", "data");
	CHECK_OK(link("a", "b"));
	CHECK_OK(stat("a", &st));
	CHECK_OK(stat("b", &st2));
	CHECK_EQ(st.st_ino, st2.st_ino);
	CHECK_EQ(st.st_nlink, 2);

	/* Writes through one name show through the other. */
	int fd = CHECK_OK(open("b", O_WRONLY | O_APPEND));
	CHECK_RET(write(fd, "+", 1), 1);
	close(fd);
	CHECK_RET(read_file("a", buf, sizeof buf), 5);
	CHECK_STR(buf, "data+");

	/* linkat with directory descriptors. */
	CHECK_OK(mkdir("d", 0755));
	int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(linkat(AT_FDCWD, "a", dfd, "c", 0));
	CHECK_OK(stat("d/c", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_nlink, 3);
	CHECK_OK(unlink("a"));
	CHECK_OK(stat("b", &st2));
	CHECK_EQ(st2.st_nlink, 2);

	/* A symbolic link: linkat without AT_SYMLINK_FOLLOW links the link
	 * itself; with it, the target. */
	CHECK_OK(symlink("b", "sym"));
	CHECK_OK(linkat(AT_FDCWD, "sym", AT_FDCWD, "sym2", 0));
	CHECK_OK(lstat("sym2", &st2));
	CHECK(S_ISLNK(st2.st_mode), "linkat(0) links the symbolic link");
	CHECK_OK(linkat(AT_FDCWD, "sym", AT_FDCWD, "target2", AT_SYMLINK_FOLLOW));
	CHECK_OK(lstat("target2", &st2));
	CHECK(S_ISREG(st2.st_mode), "AT_SYMLINK_FOLLOW links the target");
	CHECK_EQ(st2.st_ino, st.st_ino);

	/* Errors. */
	CHECK_ERR(link("b", "d/c"), EEXIST);
	CHECK_ERR(link("b", "sym"), EEXIST);
	CHECK_ERR(link("missing", "x"), ENOENT);
	CHECK_ERR(link("b", "nodir/x"), ENOENT);
	CHECK_ERR(link("", "x"), ENOENT);
	CHECK_ERR(link("d", "dlink"), EPERM);
	CHECK_ERR(link("b/x", "x"), ENOTDIR);
	CHECK_ERR(link("b", "b/x"), ENOTDIR);
	CHECK_ERR(linkat(AT_FDCWD, "b", AT_FDCWD, "x", 0x1), EINVAL);
	CHECK_ERR(linkat(-1, "b", AT_FDCWD, "x", 0), EBADF);
	CHECK_ERR(linkat(AT_FDCWD, "b", -1, "x", 0), EBADF);
	CHECK_ERR(syscall(SYS_link, BAD_LOW, "x"), EFAULT);
	CHECK_ERR(syscall(SYS_link, "b", BAD_KERNEL_IMAGE), EFAULT);
	close(dfd);
	return finish();
}
