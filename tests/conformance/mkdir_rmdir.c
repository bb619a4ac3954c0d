/* mkdir(2), mkdirat(2), rmdir(2) and unlinkat(AT_REMOVEDIR): modes under
 * the umask, link counts, and EEXIST, ENOENT, ENOTDIR, ENOTEMPTY, EINVAL,
 * EBADF, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st;

	CHECK_OK(mkdir("a", 0777));
	CHECK_OK(stat("a", &st));
	CHECK(S_ISDIR(st.st_mode), "a is a directory");
	CHECK_EQ(st.st_mode & 07777, 0755);
	umask(077);
	CHECK_OK(mkdir("b", 0777));
	CHECK_OK(stat("b", &st));
	CHECK_EQ(st.st_mode & 07777, 0700);
	umask(022);

	/* Nested, through a directory descriptor. */
	int dfd = CHECK_OK(open("a", O_RDONLY | O_DIRECTORY));
	CHECK_OK(mkdirat(dfd, "x", 0750));
	CHECK_OK(stat("a/x", &st));
	CHECK_EQ(st.st_mode & 07777, 0750);
	CHECK_OK(mkdirat(AT_FDCWD, "a/x/y", 0755));
	CHECK_OK(mkdir("a/x/y/z/", 0755));

	/* EEXIST: a directory, a file, a dangling symbolic link. */
	CHECK_ERR(mkdir("a", 0755), EEXIST);
	CHECK_ERR(mkdirat(dfd, "x", 0755), EEXIST);
	make_file("f", "");
	CHECK_ERR(mkdir("f", 0755), EEXIST);
	CHECK_OK(symlink("nowhere", "dangling"));
	CHECK_ERR(mkdir("dangling", 0755), EEXIST);
	CHECK_ERR(mkdir(".", 0755), EEXIST);
	CHECK_ERR(mkdir("/", 0755), EEXIST);

	/* ENOENT and ENOTDIR in the path. */
	CHECK_ERR(mkdir("no/such", 0755), ENOENT);
	CHECK_ERR(mkdir("", 0755), ENOENT);
	CHECK_ERR(mkdir("f/sub", 0755), ENOTDIR);

	/* rmdir: non-empty, not a directory, ".", missing. */
	CHECK_ERR(rmdir("a/x"), ENOTEMPTY);
	CHECK_ERR(rmdir("f"), ENOTDIR);
	CHECK_ERR(rmdir("f/"), ENOTDIR);
	CHECK_ERR(rmdir("a/x/."), EINVAL);
	CHECK_ERR(rmdir("missing"), ENOENT);
	CHECK_ERR(rmdir("dangling"), ENOTDIR);
	CHECK_ERR(unlinkat(dfd, "x", AT_REMOVEDIR), ENOTEMPTY);

	/* Removing from the bottom up works. */
	CHECK_OK(rmdir("a/x/y/z"));
	CHECK_OK(rmdir("a/x/y/"));
	CHECK_OK(unlinkat(dfd, "x", AT_REMOVEDIR));
	CHECK_ERR(stat("a/x", &st), ENOENT);
	CHECK_OK(rmdir("b"));
	CHECK_ERR(rmdir("b"), ENOENT);

	/* A directory's link count counts its subdirectories (on file systems
	 * that keep one; a count of 1 means "not counted"). */
	CHECK_OK(mkdir("a/s1", 0755));
	CHECK_OK(mkdir("a/s2", 0755));
	CHECK_OK(stat("a", &st));
	CHECK(st.st_nlink == 4 || st.st_nlink == 1, "a's link count (%ld)", (long)st.st_nlink);

	/* The directory still open is empty once removed. */
	int afd = CHECK_OK(open("a/s1", O_RDONLY | O_DIRECTORY));
	CHECK_OK(rmdir("a/s1"));
	CHECK_ERR(openat(afd, "new", O_RDWR | O_CREAT, 0600), ENOENT);
	CHECK_ERR(mkdirat(afd, "new", 0755), ENOENT);
	close(afd);

	/* EBADF, EFAULT. */
	close(dfd);
	CHECK_ERR(mkdirat(dfd, "q", 0755), EBADF);
	CHECK_ERR(syscall(SYS_mkdir, BAD_LOW, 0755), EFAULT);
	CHECK_ERR(syscall(SYS_rmdir, BAD_KERNEL_IMAGE), EFAULT);
	return finish();
}
