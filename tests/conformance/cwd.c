/* getcwd(2), chdir(2), fchdir(2): the working directory moves with them and
 * resolves relative paths; ERANGE, ENOENT for a removed directory, ENOTDIR,
 * EBADF, EFAULT. */
#include "sole_test.h"

static long getcwd_call(char *buf, size_t size)
{
	return syscall(SYS_getcwd, buf, size);
}

int main(void)
{
	const char *dir = scratch();
	char buf[PATH_MAX], want[PATH_MAX + 16];
	struct stat a, b;

	CHECK(getcwd(buf, sizeof buf) != NULL, "getcwd");
	CHECK_STR(buf, dir);
	/* The system call returns the length including the NUL. */
	CHECK_RET(getcwd_call(buf, sizeof buf), (long)strlen(dir) + 1);

	CHECK_OK(mkdir("a", 0755));
	CHECK_OK(mkdir("a/b", 0755));
	CHECK_OK(chdir("a/b"));
	snprintf(want, sizeof want, "%s/a/b", dir);
	CHECK(getcwd(buf, sizeof buf) != NULL, "getcwd");
	CHECK_STR(buf, want);
	make_file("here", "");
	snprintf(want, sizeof want, "%s/a/b/here", dir);
	CHECK_OK(access(want, F_OK));
	CHECK_OK(chdir(".."));
	snprintf(want, sizeof want, "%s/a", dir);
	CHECK(getcwd(buf, sizeof buf) != NULL, "getcwd");
	CHECK_STR(buf, want);

	/* fchdir. */
	int fd = CHECK_OK(open("b", O_RDONLY | O_DIRECTORY));
	CHECK_OK(chdir("/"));
	CHECK(getcwd(buf, sizeof buf) != NULL, "getcwd");
	CHECK_STR(buf, "/");
	CHECK_OK(chdir(".."));
	CHECK(getcwd(buf, sizeof buf) != NULL, "getcwd");
	CHECK_STR(buf, "/");
	CHECK_OK(fchdir(fd));
	CHECK_OK(stat(".", &a));
	CHECK_OK(fstat(fd, &b));
	CHECK_EQ(a.st_ino, b.st_ino);
	CHECK_OK(access("here", F_OK));
	close(fd);

	/* Through a symbolic link, getcwd gives the real path. */
	CHECK_OK(chdir(dir));
	CHECK_OK(symlink("a/b", "link"));
	CHECK_OK(chdir("link"));
	snprintf(want, sizeof want, "%s/a/b", dir);
	CHECK(getcwd(buf, sizeof buf) != NULL, "getcwd");
	CHECK_STR(buf, want);

	/* ERANGE: too small a buffer. */
	CHECK_ERR(getcwd_call(buf, 1), ERANGE);
	CHECK_ERR(getcwd_call(buf, strlen(want)), ERANGE);
	CHECK_RET(getcwd_call(buf, strlen(want) + 1), (long)strlen(want) + 1);
	CHECK(getcwd(buf, 2) == NULL && errno == ERANGE, "getcwd(buf, 2) fails with ERANGE");

	/* A removed working directory: getcwd fails with ENOENT. */
	CHECK_OK(chdir(dir));
	CHECK_OK(mkdir("gone", 0755));
	CHECK_OK(chdir("gone"));
	CHECK_ERR(rmdir(want), ENOTEMPTY);
	CHECK_OK(rmdir("../gone"));
	CHECK_ERR(getcwd_call(buf, sizeof buf), ENOENT);
	CHECK_ERR(open("new", O_RDWR | O_CREAT, 0600), ENOENT);
	CHECK_OK(chdir(dir));

	/* Errors. */
	make_file("file", "");
	CHECK_ERR(chdir("file"), ENOTDIR);
	CHECK_ERR(chdir("missing"), ENOENT);
	CHECK_ERR(chdir(""), ENOENT);
	fd = CHECK_OK(open("file", O_RDONLY));
	CHECK_ERR(fchdir(fd), ENOTDIR);
	close(fd);
	CHECK_ERR(fchdir(fd), EBADF);
	CHECK_ERR(fchdir(-1), EBADF);
	CHECK_ERR(getcwd_call(BAD_LOW, 100), EFAULT);
	CHECK_ERR(getcwd_call(BAD_KERNEL_IMAGE, 100), EFAULT);
	CHECK_ERR(syscall(SYS_chdir, BAD_LOW), EFAULT);
	return finish();
}
