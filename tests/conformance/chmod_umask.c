/* chmod(2), fchmod(2), fchmodat(2) and umask(2): permission bits including
 * setuid/setgid/sticky, the umask applied to new files and directories;
 * ENOENT, ENOTDIR, EBADF, EFAULT. */
#include "sole_test.h"

static unsigned mode_of(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0xffffffffu;
	return st.st_mode & 07777;
}

int main(void)
{
	scratch();

	/* umask returns the previous mask. */
	CHECK_EQ(umask(027), 022);
	CHECK_EQ(umask(027), 027);
	make_file("f", "");
	CHECK_EQ(mode_of("f"), 0640);
	CHECK_OK(mkdir("d", 0777));
	CHECK_EQ(mode_of("d"), 0750);
	CHECK_EQ(umask(0), 027);
	int fd = CHECK_OK(open("g", O_WRONLY | O_CREAT, 0777));
	close(fd);
	CHECK_EQ(mode_of("g"), 0777);
	/* Only the permission bits are kept. */
	CHECK_EQ(umask(0777 | 07000), 0);
	CHECK_EQ(umask(022), 0777);

	/* chmod sets exactly what it is given. */
	CHECK_OK(chmod("f", 0));
	CHECK_EQ(mode_of("f"), 0);
	CHECK_OK(chmod("f", 04755));
	CHECK_EQ(mode_of("f"), 04755);
	CHECK_OK(chmod("f", 01777));
	CHECK_EQ(mode_of("f"), 01777);
	CHECK_OK(chmod("d", 0700));
	CHECK_EQ(mode_of("d"), 0700);
	/* The file type bits in the argument are ignored. */
	CHECK_OK(chmod("f", S_IFDIR | 0600));
	struct stat st;
	CHECK_OK(stat("f", &st));
	CHECK(S_ISREG(st.st_mode), "still a regular file");
	CHECK_EQ(st.st_mode & 07777, 0600);

	/* fchmod on a descriptor, also one open read-only. */
	fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fchmod(fd, 0444));
	CHECK_EQ(mode_of("f"), 0444);
	close(fd);
	CHECK_ERR(fchmod(fd, 0644), EBADF);

	/* chmod through a symbolic link changes the target. */
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(chmod("l", 0604));
	CHECK_EQ(mode_of("f"), 0604);

	/* fchmodat relative to a directory. */
	int dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_OK(fchmodat(dfd, "g", 0611, 0));
	CHECK_EQ(mode_of("g"), 0611);
	close(dfd);

	/* Errors. */
	CHECK_ERR(chmod("missing", 0644), ENOENT);
	CHECK_ERR(chmod("", 0644), ENOENT);
	CHECK_ERR(chmod("g/x", 0644), ENOTDIR);
	CHECK_ERR(fchmodat(-1, "g", 0644, 0), EBADF);
	CHECK_ERR(syscall(SYS_chmod, BAD_LOW, 0644), EFAULT);
	CHECK_ERR(syscall(SYS_fchmodat, AT_FDCWD, BAD_KERNEL_IMAGE, 0644), EFAULT);
	return finish();
}
