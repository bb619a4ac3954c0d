/* fcntl(2) record locks within one process: F_SETLK, F_SETLKW and F_GETLK
 * for read and write locks, unlocking, whole-file locks; EBADF for a lock
 * the access mode does not allow, EINVAL for a bad type or range. */
#include "sole_test.h"

static struct flock lock(short type, off_t start, off_t len)
{
	struct flock fl;
	memset(&fl, 0, sizeof fl);
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = start;
	fl.l_len = len;
	return fl;
}

int main(void)
{
	scratch();
	make_file("f", "0123456789");
	int fd = CHECK_OK(open("f", O_RDWR));

	struct flock fl = lock(F_WRLCK, 0, 5);
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl = lock(F_RDLCK, 5, 5);
	CHECK_OK(fcntl(fd, F_SETLKW, &fl));
	/* A process's own locks never conflict with it: F_GETLK says
	 * F_UNLCK and leaves the rest alone. */
	fl = lock(F_WRLCK, 0, 0);
	CHECK_OK(fcntl(fd, F_GETLK, &fl));
	CHECK_EQ(fl.l_type, F_UNLCK);
	/* Upgrading and downgrading its own locks works. */
	fl = lock(F_WRLCK, 0, 10);
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl = lock(F_RDLCK, 0, 0);
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl = lock(F_UNLCK, 0, 0);
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	/* SEEK_CUR and SEEK_END ranges. */
	CHECK_RET(lseek(fd, 3, SEEK_SET), 3);
	fl = lock(F_WRLCK, 0, 2);
	fl.l_whence = SEEK_CUR;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl = lock(F_WRLCK, -2, 2);
	fl.l_whence = SEEK_END;
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	/* A negative length locks the bytes before l_start. */
	fl = lock(F_RDLCK, 5, -3);
	CHECK_OK(fcntl(fd, F_SETLK, &fl));
	fl = lock(F_UNLCK, 0, 0);
	CHECK_OK(fcntl(fd, F_SETLK, &fl));

	/* A read lock needs a readable descriptor, a write lock a writable
	 * one. */
	int ro = CHECK_OK(open("f", O_RDONLY));
	int wo = CHECK_OK(open("f", O_WRONLY));
	fl = lock(F_WRLCK, 0, 1);
	CHECK_ERR(fcntl(ro, F_SETLK, &fl), EBADF);
	fl = lock(F_RDLCK, 0, 1);
	CHECK_ERR(fcntl(wo, F_SETLK, &fl), EBADF);
	fl = lock(F_RDLCK, 0, 1);
	CHECK_OK(fcntl(ro, F_SETLK, &fl));
	fl = lock(F_WRLCK, 0, 1);
	CHECK_OK(fcntl(wo, F_SETLK, &fl));
	/* Closing any descriptor of the file drops the process's locks. */
	close(ro);
	close(wo);

	/* Errors. */
	fl = lock(42, 0, 1);
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	CHECK_ERR(fcntl(fd, F_GETLK, &fl), EINVAL);
	fl = lock(F_WRLCK, 0, 1);
	fl.l_whence = 7;
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	fl = lock(F_WRLCK, -5, 1);
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EINVAL);
	CHECK_ERR(syscall(SYS_fcntl, fd, F_SETLK, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_fcntl, fd, F_GETLK, BAD_KERNEL_IMAGE), EFAULT);
	close(fd);
	fl = lock(F_RDLCK, 0, 1);
	CHECK_ERR(fcntl(fd, F_SETLK, &fl), EBADF);
	return finish();
}
