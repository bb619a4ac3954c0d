/* access(2), faccessat(2), faccessat2(2): existence and permission checks
 * that hold for any user (execute needs an execute bit even for root);
 * ENOENT, ENOTDIR, EACCES, EINVAL, EBADF, EFAULT; AT_SYMLINK_NOFOLLOW and
 * AT_EACCESS. */
#include "sole_test.h"

static long faccessat2_call(int dirfd, const char *path, int mode, int flags)
{
	return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

int main(void)
{
	scratch();

	make_file("rw", "");
	CHECK_OK(chmod("rw", 0644));
	make_file("rx", "");
	CHECK_OK(chmod("rx", 0755));
	CHECK_OK(mkdir("d", 0755));

	CHECK_OK(access("rw", F_OK));
	CHECK_OK(access("rw", R_OK));
	CHECK_OK(access("rw", W_OK));
	CHECK_OK(access("rw", R_OK | W_OK));
	CHECK_ERR(access("rw", X_OK), EACCES);
	CHECK_ERR(access("rw", R_OK | X_OK), EACCES);
	CHECK_OK(access("rx", X_OK));
	CHECK_OK(access("rx", R_OK | X_OK));
	CHECK_OK(access("d", X_OK));
	CHECK_OK(access("d", R_OK | W_OK | X_OK));
	CHECK_OK(access("/", X_OK));
	CHECK_OK(access("/tmp", W_OK));

	/* faccessat relative to a directory, and through a link. */
	int dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_OK(faccessat(dfd, "rx", X_OK, 0));
	CHECK_OK(faccessat(AT_FDCWD, "rw", R_OK, 0));
	CHECK_OK(symlink("missing", "dangling"));
	CHECK_ERR(access("dangling", F_OK), ENOENT);

	/* faccessat2: flags the old call lacked. */
	CHECK_OK(faccessat2_call(dfd, "rx", X_OK, AT_EACCESS));
	CHECK_OK(faccessat2_call(dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
	CHECK_ERR(faccessat2_call(dfd, "dangling", F_OK, 0), ENOENT);
	int fd = CHECK_OK(open("rw", O_RDONLY));
	CHECK_OK(faccessat2_call(fd, "", R_OK, AT_EMPTY_PATH));
	CHECK_ERR(faccessat2_call(fd, "", X_OK, AT_EMPTY_PATH), EACCES);
	CHECK_ERR(faccessat2_call(dfd, "rw", F_OK, 0x1), EINVAL);
	CHECK_ERR(faccessat2_call(dfd, "rw", 8, 0), EINVAL);

	/* Errors. */
	CHECK_ERR(access("missing", F_OK), ENOENT);
	CHECK_ERR(access("", F_OK), ENOENT);
	CHECK_ERR(access("rw/x", F_OK), ENOTDIR);
	CHECK_ERR(access("rw", 0x10), EINVAL);
	CHECK_ERR(syscall(SYS_faccessat, dfd, "rw", 0x10), EINVAL);
	CHECK_ERR(faccessat(-1, "rw", F_OK, 0), EBADF);
	CHECK_ERR(faccessat(fd, "x", F_OK, 0), ENOTDIR);
	CHECK_ERR(syscall(SYS_access, BAD_LOW, F_OK), EFAULT);
	CHECK_ERR(syscall(SYS_faccessat, AT_FDCWD, BAD_KERNEL_IMAGE, F_OK), EFAULT);
	close(fd);
	close(dfd);
	return finish();
}
