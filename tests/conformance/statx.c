/* statx(2): the basic fields and their mask, agreement with fstat(),
 * AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW, and EINVAL, ENOENT, EBADF,
 * EFAULT. Called directly: older musl has no wrapper. */
#include "sole_test.h"

static long statx_call(int dirfd, const char *path, int flags, unsigned mask,
		       struct sole_statx *buf)
{
	return syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

int main(void)
{
	scratch();
	struct sole_statx sx;
	struct stat st;

	make_file("f", "hello");
	CHECK_OK(chmod("f", 0604));
	memset(&sx, 0xff, sizeof sx);
	CHECK_OK(statx_call(AT_FDCWD, "f", 0, SOLE_STATX_BASIC_STATS, &sx));
	CHECK_EQ(sx.stx_mask & (SOLE_STATX_TYPE | SOLE_STATX_MODE | SOLE_STATX_SIZE |
				SOLE_STATX_INO | SOLE_STATX_NLINK),
		 SOLE_STATX_TYPE | SOLE_STATX_MODE | SOLE_STATX_SIZE | SOLE_STATX_INO |
			 SOLE_STATX_NLINK);
	CHECK(S_ISREG(sx.stx_mode), "a regular file");
	CHECK_EQ(sx.stx_mode & 07777, 0604);
	CHECK_EQ(sx.stx_size, 5);
	CHECK_EQ(sx.stx_nlink, 1);
	CHECK(sx.stx_blksize > 0, "stx_blksize > 0");
	CHECK(sx.stx_mtime.tv_nsec < 1000000000u, "stx_mtime.tv_nsec is normalized");

	CHECK_OK(stat("f", &st));
	CHECK_EQ(sx.stx_ino, st.st_ino);
	CHECK_EQ(sx.stx_uid, st.st_uid);
	CHECK_EQ(sx.stx_gid, st.st_gid);
	CHECK_EQ(sx.stx_mtime.tv_sec, st.st_mtime);

	/* AT_EMPTY_PATH: statx on a descriptor. */
	int fd = CHECK_OK(open("f", O_RDONLY));
	memset(&sx, 0, sizeof sx);
	CHECK_OK(statx_call(fd, "", AT_EMPTY_PATH, SOLE_STATX_BASIC_STATS, &sx));
	CHECK_EQ(sx.stx_ino, st.st_ino);
	CHECK_EQ(sx.stx_size, 5);

	/* Symbolic links. */
	CHECK_OK(symlink("f", "l"));
	CHECK_OK(statx_call(AT_FDCWD, "l", 0, SOLE_STATX_BASIC_STATS, &sx));
	CHECK(S_ISREG(sx.stx_mode), "statx follows links");
	CHECK_OK(statx_call(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, SOLE_STATX_BASIC_STATS, &sx));
	CHECK(S_ISLNK(sx.stx_mode), "AT_SYMLINK_NOFOLLOW");
	CHECK_EQ(sx.stx_size, 1);

	/* A directory, relative to a directory descriptor. */
	CHECK_OK(mkdir("d", 0700));
	int dfd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	CHECK_OK(statx_call(dfd, "d", 0, SOLE_STATX_TYPE, &sx));
	CHECK(S_ISDIR(sx.stx_mode), "a directory");

	/* Errors (statx(2)). */
	CHECK_ERR(statx_call(AT_FDCWD, "f", 0, SOLE_STATX__RESERVED, &sx), EINVAL);
	CHECK_ERR(statx_call(AT_FDCWD, "f", 0x40000000, SOLE_STATX_BASIC_STATS, &sx), EINVAL);
	CHECK_ERR(statx_call(AT_FDCWD, "f", SOLE_AT_STATX_SYNC_TYPE, SOLE_STATX_BASIC_STATS, &sx),
		  EINVAL);
	CHECK_ERR(statx_call(AT_FDCWD, "missing", 0, SOLE_STATX_BASIC_STATS, &sx), ENOENT);
	CHECK_ERR(statx_call(AT_FDCWD, "f/x", 0, SOLE_STATX_BASIC_STATS, &sx), ENOTDIR);
	CHECK_ERR(statx_call(-1, "f", 0, SOLE_STATX_BASIC_STATS, &sx), EBADF);
	CHECK_ERR(statx_call(fd, "x", 0, SOLE_STATX_BASIC_STATS, &sx), ENOTDIR);
	CHECK_ERR(statx_call(AT_FDCWD, "f", 0, SOLE_STATX_BASIC_STATS, BAD_LOW), EFAULT);
	CHECK_ERR(statx_call(AT_FDCWD, BAD_KERNEL_IMAGE, 0, SOLE_STATX_BASIC_STATS, &sx), EFAULT);
	close(fd);
	close(dfd);
	CHECK_ERR(statx_call(fd, "", AT_EMPTY_PATH, SOLE_STATX_BASIC_STATS, &sx), EBADF);
	return finish();
}
