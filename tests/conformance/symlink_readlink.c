/* symlink(2), symlinkat(2), readlink(2), readlinkat(2): link contents
 * stored as given, truncation without a NUL, following in path lookup,
 * loops, O_NOFOLLOW; EEXIST, EINVAL, ENOENT, ELOOP, ENOTDIR, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[PATH_MAX];
	struct stat st;

	make_file("target", "T");
	CHECK_OK(symlink("target", "l1"));
	memset(buf, 'x', sizeof buf);
	CHECK_RET(readlink("l1", buf, sizeof buf), 6);
	CHECK_MEM(buf, "target", 6);
	CHECK_EQ(buf[6], 'x');
	/* A short buffer gets what fits, with no NUL. */
	memset(buf, 'x', sizeof buf);
	CHECK_RET(readlink("l1", buf, 3), 3);
	CHECK_MEM(buf, "tarx", 4);

	/* Contents are stored as given: absolute, relative, dangling,
	 * with odd characters. */
	CHECK_OK(symlink("/no/such/place", "abs"));
	CHECK_RET(readlink("abs", buf, sizeof buf), 14);
	CHECK_MEM(buf, "/no/such/place", 14);
	CHECK_OK(symlink("a b\tc", "odd"));
	CHECK_RET(readlink("odd", buf, sizeof buf), 5);

	/* Path lookup follows links, also in the middle of a path and
	 * through chains. */
	CHECK_OK(mkdir("dir", 0755));
	make_file("dir/inner", "I");
	CHECK_OK(symlink("dir", "dlink"));
	CHECK_OK(stat("dlink/inner", &st));
	CHECK_OK(symlink("l1", "l2"));
	CHECK_OK(symlink("l2", "l3"));
	CHECK_RET(read_file("l3", buf, sizeof buf), 1);
	CHECK_STR(buf, "T");
	CHECK_OK(symlink("../target", "dir/up"));
	CHECK_RET(read_file("dir/up", buf, sizeof buf), 1);

	/* Opening through a link creates its target. */
	CHECK_OK(symlink("created", "maker"));
	int fd = CHECK_OK(open("maker", O_WRONLY | O_CREAT, 0644));
	close(fd);
	CHECK_OK(lstat("created", &st));
	CHECK(S_ISREG(st.st_mode), "the target was created");

	/* readlinkat and symlinkat relative to a directory. */
	int dfd = CHECK_OK(open("dir", O_RDONLY | O_DIRECTORY));
	CHECK_OK(symlinkat("inner", dfd, "rel"));
	CHECK_RET(readlinkat(dfd, "rel", buf, sizeof buf), 5);
	CHECK_MEM(buf, "inner", 5);
	CHECK_RET(readlinkat(AT_FDCWD, "l1", buf, sizeof buf), 6);

	/* Loops, and O_NOFOLLOW. */
	CHECK_OK(symlink("loop2", "loop1"));
	CHECK_OK(symlink("loop1", "loop2"));
	CHECK_ERR(stat("loop1", &st), ELOOP);
	CHECK_ERR(open("loop1", O_RDONLY), ELOOP);
	CHECK_OK(lstat("loop1", &st));
	CHECK_ERR(open("l1", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = CHECK_OK(open("target", O_RDONLY | O_NOFOLLOW));
	close(fd);

	/* Errors. */
	CHECK_ERR(symlink("x", "l1"), EEXIST);
	CHECK_ERR(symlink("x", "target"), EEXIST);
	CHECK_ERR(symlink("", "empty"), ENOENT);
	CHECK_ERR(symlink("x", "nodir/l"), ENOENT);
	CHECK_ERR(symlink("x", "target/l"), ENOTDIR);
	CHECK_ERR(readlink("target", buf, sizeof buf), EINVAL);
	CHECK_ERR(readlink("dir", buf, sizeof buf), EINVAL);
	/* musl turns a size of 0 into 1, so ask the kernel directly. */
	CHECK_ERR(syscall(SYS_readlink, "l1", buf, 0), EINVAL);
	CHECK_ERR(readlink("missing", buf, sizeof buf), ENOENT);
	CHECK_ERR(readlink("target/x", buf, sizeof buf), ENOTDIR);
	CHECK_ERR(readlinkat(-1, "l1", buf, sizeof buf), EBADF);
	CHECK_ERR(symlinkat("x", -1, "y"), EBADF);
	CHECK_ERR(syscall(SYS_readlink, "l1", BAD_LOW, 10), EFAULT);
	CHECK_ERR(syscall(SYS_readlink, "l1", BAD_KERNEL_IMAGE, 10), EFAULT);
	CHECK_ERR(syscall(SYS_readlink, BAD_LOW, buf, 10), EFAULT);
	CHECK_ERR(syscall(SYS_symlink, BAD_DIRECT_MAP, "new"), EFAULT);
	close(dfd);
	return finish();
}
