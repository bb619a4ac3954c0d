/* open(2): creation flags, the lowest free descriptor, O_TRUNC,
 * O_DIRECTORY, O_CLOEXEC, and the errors: EEXIST, ENOENT, ENOTDIR, EISDIR,
 * EINVAL, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	char buf[32];

	/* O_CREAT makes a file; O_EXCL refuses an existing one. */
	int fd = CHECK_OK(open("a", O_WRONLY | O_CREAT | O_EXCL, 0600));
	CHECK_RET(write(fd, "abcdef", 6), 6);
	close(fd);
	CHECK_ERR(open("a", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	CHECK_OK(mkdir("dir", 0755));
	CHECK_ERR(open("dir", O_RDONLY | O_CREAT | O_EXCL, 0600), EEXIST);

	/* O_CREAT without O_EXCL opens an existing file as it is. */
	fd = CHECK_OK(open("a", O_RDONLY | O_CREAT, 0600));
	CHECK_RET(read(fd, buf, sizeof buf), 6);
	close(fd);

	/* O_TRUNC empties it. */
	fd = CHECK_OK(open("a", O_WRONLY | O_TRUNC));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 0);
	close(fd);

	/* What creat() does: O_CREAT|O_WRONLY|O_TRUNC. */
	fd = CHECK_OK(open("c", O_CREAT | O_WRONLY | O_TRUNC, 0644));
	CHECK_ERR(read(fd, buf, 1), EBADF);
	CHECK_RET(write(fd, "z", 1), 1);
	close(fd);

	/* The lowest free descriptor is used. */
	int a = CHECK_OK(open("a", O_RDONLY));
	int b = CHECK_OK(open("a", O_RDONLY));
	CHECK_EQ(b, a + 1);
	close(a);
	int c = CHECK_OK(open("c", O_RDONLY));
	CHECK_EQ(c, a);
	close(b);
	close(c);

	/* ENOENT: a missing file without O_CREAT, a missing parent, "". */
	CHECK_ERR(open("missing", O_RDONLY), ENOENT);
	CHECK_ERR(open("nodir/x", O_RDWR | O_CREAT, 0600), ENOENT);
	CHECK_ERR(open("", O_RDONLY), ENOENT);
	CHECK_ERR(open("", O_RDWR | O_CREAT, 0600), ENOENT);

	/* ENOTDIR: a file used as a directory. */
	CHECK_ERR(open("a/x", O_RDONLY), ENOTDIR);
	CHECK_ERR(open("a/x", O_RDWR | O_CREAT, 0600), ENOTDIR);
	CHECK_ERR(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR);
	CHECK_ERR(open("a/", O_RDONLY), ENOTDIR);

	/* EISDIR: writing to a directory, or creating over one. */
	CHECK_ERR(open("dir", O_WRONLY), EISDIR);
	CHECK_ERR(open("dir", O_RDWR), EISDIR);
	CHECK_ERR(open("dir", O_RDONLY | O_CREAT, 0600), EISDIR);
	CHECK_ERR(open("new/", O_RDWR | O_CREAT, 0600), EISDIR);
	fd = CHECK_OK(open("dir", O_RDONLY));
	close(fd);
	fd = CHECK_OK(open("dir/", O_RDONLY | O_DIRECTORY));
	close(fd);

	/* O_CLOEXEC is reported by F_GETFD; other flags by F_GETFL. */
	fd = CHECK_OK(open("a", O_RDWR | O_CLOEXEC | O_APPEND));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	int fl = fcntl(fd, F_GETFL);
	CHECK_EQ(fl & O_ACCMODE, O_RDWR);
	CHECK(fl & O_APPEND, "O_APPEND in F_GETFL");
	close(fd);
	fd = CHECK_OK(open("a", O_WRONLY));
	CHECK_EQ(fcntl(fd, F_GETFD), 0);
	CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
	close(fd);

	/* The mode of a new file is masked by the umask. */
	umask(022);
	fd = CHECK_OK(open("m", O_WRONLY | O_CREAT, 0777));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mode & 07777, 0755);
	CHECK(S_ISREG(st.st_mode), "a new file is a regular file");
	close(fd);

	/* EFAULT: a path the program cannot read. */
	CHECK_ERR(syscall(SYS_open, BAD_LOW, O_RDONLY), EFAULT);
	CHECK_ERR(syscall(SYS_open, BAD_KERNEL_IMAGE, O_RDONLY), EFAULT);
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, BAD_DIRECT_MAP, O_RDONLY), EFAULT);

	/* EINVAL: O_TMPFILE (__O_TMPFILE | O_DIRECTORY) needs a writable
	 * access mode. */
	CHECK_ERR(open(".", O_RDONLY | O_DIRECTORY | 020000000), EINVAL);
	return finish();
}
