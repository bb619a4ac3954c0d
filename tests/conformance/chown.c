/* chown(2), fchown(2), lchown(2), fchownat(2) for the single user: giving
 * a file to its own owner and group, -1 meaning "unchanged", the effect on
 * setuid bits, and ENOENT, ENOTDIR, EBADF, EINVAL, EFAULT. */
#include "sole_test.h"

int main(void)
{
	scratch();
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	make_file("f", "x");
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_uid, uid);
	CHECK_EQ(st.st_gid, gid);

	CHECK_OK(chown("f", uid, gid));
	CHECK_OK(chown("f", (uid_t)-1, (gid_t)-1));
	CHECK_OK(chown("f", uid, (gid_t)-1));
	CHECK_OK(chown("f", (uid_t)-1, gid));
	CHECK_OK(stat("f", &st));
	CHECK_EQ(st.st_uid, uid);
	CHECK_EQ(st.st_gid, gid);

	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fchown(fd, uid, gid));
	CHECK_OK(fchownat(fd, "", uid, gid, AT_EMPTY_PATH));
	close(fd);
	CHECK_ERR(fchown(fd, uid, gid), EBADF);

	CHECK_OK(symlink("f", "l"));
	CHECK_OK(lchown("l", uid, gid));
	CHECK_OK(fchownat(AT_FDCWD, "l", uid, gid, AT_SYMLINK_NOFOLLOW));
	CHECK_OK(lstat("l", &st));
	CHECK_EQ(st.st_uid, uid);

	CHECK_OK(mkdir("d", 0755));
	int dfd = CHECK_OK(open("d", O_RDONLY | O_DIRECTORY));
	make_file("d/in", "");
	CHECK_OK(fchownat(dfd, "in", uid, gid, 0));
	CHECK_OK(fchown(dfd, uid, gid));
	close(dfd);

	/* A chown that changes nothing still updates ctime. */
	CHECK_OK(stat("f", &st));
	struct timespec before = st.st_ctim;
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	nanosleep(&pause, NULL);
	CHECK_OK(chown("f", uid, gid));
	CHECK_OK(stat("f", &st));
	CHECK(st.st_ctim.tv_sec > before.tv_sec ||
		      (st.st_ctim.tv_sec == before.tv_sec && st.st_ctim.tv_nsec > before.tv_nsec),
	      "chown updates ctime");

	/* Errors. */
	CHECK_ERR(chown("missing", uid, gid), ENOENT);
	CHECK_ERR(chown("", uid, gid), ENOENT);
	CHECK_ERR(chown("f/x", uid, gid), ENOTDIR);
	CHECK_ERR(fchownat(AT_FDCWD, "f", uid, gid, 0x1), EINVAL);
	CHECK_ERR(fchownat(-1, "f", uid, gid, 0), EBADF);
	CHECK_ERR(syscall(SYS_chown, BAD_LOW, uid, gid), EFAULT);
	CHECK_ERR(syscall(SYS_lchown, BAD_KERNEL_IMAGE, uid, gid), EFAULT);
	return finish();
}
