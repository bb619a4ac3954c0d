/* select(2) and pselect6(2) on pipes, regular files, stdin and stdout: the
 * sets are rewritten with what is ready, timeouts wait (and select updates
 * its timeout); EBADF, EINVAL, EFAULT. */
#include "sole_test.h"
#include <signal.h>
#include <sys/select.h>

int main(void)
{
	scratch();
	int p[2];
	fd_set r, w;
	struct timeval tv;
	char buf[4];

	CHECK_OK(pipe(p));
	int nfds = p[1] + 1;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 0, 0 };
	CHECK_RET(select(nfds, &r, &w, NULL, &tv), 1);
	CHECK(!FD_ISSET(p[0], &r), "empty pipe not readable");
	CHECK(FD_ISSET(p[1], &w), "pipe writable");

	CHECK_RET(write(p[1], "x", 1), 1);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	CHECK_RET(select(nfds, &r, &w, NULL, NULL), 2);
	CHECK(FD_ISSET(p[0], &r), "pipe readable");
	CHECK_RET(read(p[0], buf, 1), 1);

	/* A timeout waits, and the system call leaves what remains of it in
	 * tv (musl's select() passes a copy). */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 30000 };
	long long t0 = now_ns();
	CHECK_RET(syscall(SYS_select, nfds, &r, NULL, NULL, &tv), 0);
	long long waited = now_ns() - t0;
	CHECK(waited >= 30000000LL, "select waited %lld ns >= 30 ms", waited);
	CHECK(!FD_ISSET(p[0], &r), "the set is cleared on timeout");
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "remaining time 0 (%ld us)", (long)tv.tv_usec);
	/* No descriptors at all: a sleep. */
	tv = (struct timeval){ 0, 10000 };
	CHECK_RET(select(0, NULL, NULL, NULL, &tv), 0);

	/* A closed writer makes the reader readable (EOF). */
	close(p[1]);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_RET(select(p[0] + 1, &r, NULL, NULL, NULL), 1);
	CHECK_RET(read(p[0], buf, 1), 0);

	/* Regular files are ready both ways; stdin (at EOF) is readable and
	 * stdout writable. */
	make_file("f", "x");
	int fd = CHECK_OK(open("f", O_RDWR));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(0, &r);
	FD_SET(1, &w);
	tv = (struct timeval){ 1, 0 };
	CHECK_RET(select(fd + 1, &r, &w, NULL, &tv), 4);

	/* pselect with a timespec and a mask; the timespec is not updated. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	CHECK_OK(pipe(p));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	t0 = now_ns();
	CHECK_RET(pselect(p[0] + 1, &r, NULL, NULL, &ts, &mask), 0);
	waited = now_ns() - t0;
	CHECK(waited >= 20000000LL, "pselect waited %lld ns >= 20 ms", waited);
	CHECK_RET(write(p[1], "y", 1), 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	CHECK_RET(pselect(p[0] + 1, &r, NULL, NULL, NULL, NULL), 1);

	/* Errors. */
	close(fd);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	tv = (struct timeval){ 0, 0 };
	CHECK_ERR(select(fd + 1, &r, NULL, NULL, &tv), EBADF);
	CHECK_ERR(syscall(SYS_select, -1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ -1, 0 };
	CHECK_ERR(syscall(SYS_select, 0, NULL, NULL, NULL, &tv), EINVAL);
	ts = (struct timespec){ 0, 1000000000 };
	CHECK_ERR(syscall(SYS_pselect6, 0, NULL, NULL, NULL, &ts, NULL), EINVAL);
	tv = (struct timeval){ 0, 0 };
	CHECK_ERR(syscall(SYS_select, p[0] + 1, BAD_LOW, NULL, NULL, &tv), EFAULT);
	CHECK_ERR(syscall(SYS_select, p[0] + 1, BAD_KERNEL_IMAGE, NULL, NULL, &tv), EFAULT);
	CHECK_ERR(syscall(SYS_select, 0, NULL, NULL, NULL, BAD_LOW), EFAULT);
	close(p[0]);
	close(p[1]);
	return finish();
}
