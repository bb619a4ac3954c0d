/* stat(2), fstat(2), lstat(2), newfstatat(2): what they report for files,
 * directories, symbolic links and pipes, how they agree, and ENOENT,
 * ENOTDIR, EBADF, EINVAL, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st, st2;

	make_file("f", "0123456789");
	CHECK_OK(chmod("f", 0640));
	CHECK_OK(stat("f", &st));
	CHECK(S_ISREG(st.st_mode), "f is a regular file");
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(st.st_size, 10);
	CHECK_EQ(st.st_nlink, 1);
	CHECK_EQ(st.st_uid, geteuid());
	CHECK(st.st_blksize > 0, "st_blksize > 0");
	CHECK(st.st_ino != 0, "st_ino != 0");
	CHECK(st.st_mtime > 1500000000, "st_mtime is a recent time");

	/* fstat, lstat and fstatat agree with stat on a regular file. */
	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fstat(fd, &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_EQ(st2.st_dev, st.st_dev);
	CHECK_EQ(st2.st_size, 10);
	CHECK_OK(lstat("f", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_OK(fstatat(AT_FDCWD, "f", &st2, 0));
	CHECK_EQ(st2.st_ino, st.st_ino);
	/* AT_EMPTY_PATH with an empty path is fstat. */
	CHECK_OK(syscall(SYS_newfstatat, fd, "", &st2, AT_EMPTY_PATH));
	CHECK_EQ(st2.st_ino, st.st_ino);

	/* The size follows writes. */
	int w = CHECK_OK(open("f", O_WRONLY | O_APPEND));
	CHECK_RET(write(w, "abc", 3), 3);
	CHECK_OK(fstat(fd, &st2));
	CHECK_EQ(st2.st_size, 13);
	close(w);

	/* Directories. */
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(stat("d", &st2));
	CHECK(S_ISDIR(st2.st_mode), "d is a directory");
	CHECK_EQ(st2.st_mode & 07777, 0755);
	int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	make_file("d/in", "x");
	CHECK_OK(fstatat(dfd, "in", &st2, 0));
	CHECK(S_ISREG(st2.st_mode), "fstatat relative to a directory fd");
	CHECK_OK(stat("d/../f", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_OK(stat("/", &st2));
	CHECK(S_ISDIR(st2.st_mode), "/ is a directory");

	/* Symbolic links: stat follows, lstat and AT_SYMLINK_NOFOLLOW do not. */
	CHECK_OK(symlink("f", "link"));
	CHECK_OK(stat("link", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);
	CHECK_OK(lstat("link", &st2));
	CHECK(S_ISLNK(st2.st_mode), "lstat sees the link");
	CHECK_EQ(st2.st_size, 1);
	CHECK_OK(fstatat(AT_FDCWD, "link", &st2, AT_SYMLINK_NOFOLLOW));
	CHECK(S_ISLNK(st2.st_mode), "AT_SYMLINK_NOFOLLOW sees the link");
	CHECK_OK(symlink("nowhere", "dangling"));
	CHECK_ERR(stat("dangling", &st2), ENOENT);
	CHECK_OK(lstat("dangling", &st2));

	/* Pipes. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_OK(fstat(p[0], &st2));
	CHECK(S_ISFIFO(st2.st_mode), "a pipe is a FIFO");
	close(p[0]);
	close(p[1]);

	/* Errors. */
	CHECK_ERR(stat("missing", &st2), ENOENT);
	CHECK_ERR(stat("", &st2), ENOENT);
	CHECK_ERR(lstat("missing/x", &st2), ENOENT);
	CHECK_ERR(stat("f/x", &st2), ENOTDIR);
	CHECK_ERR(stat("f/", &st2), ENOTDIR);
	CHECK_ERR(fstatat(fd, "x", &st2, 0), ENOTDIR);
	CHECK_ERR(fstatat(-1, "f", &st2, 0), EBADF);
	CHECK_ERR(fstatat(AT_FDCWD, "f", &st2, 0x8000000), EINVAL);
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "f", &st2, -1), EINVAL);
	CHECK_ERR(syscall(SYS_stat, BAD_LOW, &st2), EFAULT);
	CHECK_ERR(syscall(SYS_stat, "f", BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_fstat, fd, BAD_KERNEL_IMAGE), EFAULT);
	CHECK_ERR(syscall(SYS_lstat, "f", BAD_DIRECT_MAP), EFAULT);
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, BAD_NONCANONICAL, &st2, 0), EFAULT);
	close(fd);
	close(dfd);
	CHECK_ERR(fstat(fd, &st2), EBADF);
	CHECK_ERR(fstat(-1, &st2), EBADF);
	return finish();
}
