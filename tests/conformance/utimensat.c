/* utimensat(2) and futimens(3): explicit times, UTIME_NOW, UTIME_OMIT,
 * NULL times, symbolic links with AT_SYMLINK_NOFOLLOW; EINVAL, ENOENT,
 * ENOTDIR, EBADF, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st;

	make_file("f", "x");
	struct timespec t[2] = { { 1000000000, 123456789 }, { 1200000000, 987654321 } };
	CHECK_OK(utimensat(AT_FDCWD, "f", t, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
	/* File systems keep at least microseconds (ext4 and tmpfs keep
	 * nanoseconds). */
	CHECK_EQ(st.st_atim.tv_nsec / 1000, 123456);
	CHECK_EQ(st.st_mtim.tv_nsec / 1000, 987654);

	/* UTIME_OMIT leaves a time alone; UTIME_NOW sets the current time. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct timespec t2[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	CHECK_OK(utimensat(AT_FDCWD, "f", t2, 0));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK(st.st_mtim.tv_sec >= now.tv_sec - 1 && st.st_mtim.tv_sec <= now.tv_sec + 5,
	      "UTIME_NOW mtime is now (%lld vs %lld)", (long long)st.st_mtim.tv_sec,
	      (long long)now.tv_sec);

	/* NULL sets both to now. */
	CHECK_OK(utimensat(AT_FDCWD, "f", NULL, 0));
	CHECK_OK(stat("f", &st));
	CHECK(st.st_atim.tv_sec >= now.tv_sec - 1, "NULL sets atime to now");

	/* futimens on a descriptor. */
	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(futimens(fd, t));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
	/* Setting times changes ctime to now. */
	CHECK(st.st_ctim.tv_sec >= now.tv_sec - 1, "ctime is now");

	/* Relative to a directory descriptor, and a symbolic link itself. */
	CHECK_OK(mkdir("d", 0755));
	make_file("d/g", "");
	int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	CHECK_OK(utimensat(dfd, "g", t, 0));
	CHECK_OK(stat("d/g", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
	CHECK_OK(symlink("f", "l"));
	struct timespec t3[2] = { { 1100000000, 0 }, { 1100000000, 0 } };
	CHECK_OK(utimensat(AT_FDCWD, "l", t3, AT_SYMLINK_NOFOLLOW));
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1100000000);
	CHECK_OK(stat("l", &st));
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);

	/* Errors (utimensat(2)). */
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	struct timespec neg[2] = { { 0, 0 }, { 0, -5 } };
	CHECK_ERR(utimensat(AT_FDCWD, "f", neg, 0), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "f", t, 0x1), EINVAL);
	CHECK_ERR(utimensat(AT_FDCWD, "missing", t, 0), ENOENT);
	CHECK_ERR(utimensat(AT_FDCWD, "", t, 0), ENOENT);
	CHECK_ERR(utimensat(AT_FDCWD, "f/x", t, 0), ENOTDIR);
	CHECK_ERR(utimensat(-1, "f", t, 0), EBADF);
	CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", BAD_LOW, 0), EFAULT);
	CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, BAD_KERNEL_IMAGE, t, 0), EFAULT);
	close(fd);
	CHECK_ERR(futimens(fd, t), EBADF);
	close(dfd);
	return finish();
}
