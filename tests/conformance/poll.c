/* poll(2) and ppoll(2) on pipes, regular files, stdin and stdout: readiness
 * as data arrives and ends close, POLLNVAL for closed descriptors, negative
 * descriptors ignored, timeouts that wait; EINVAL, EFAULT. */
#include "sole_test.h"
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>

int main(void)
{
	scratch();
	int p[2];
	char buf[16];
	struct pollfd fds[4];

	CHECK_OK(pipe(p));
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	CHECK_RET(poll(fds, 2, 0), 1);
	CHECK_EQ(fds[0].revents, 0);
	CHECK_EQ(fds[1].revents, POLLOUT);

	/* Data makes the read end readable. */
	CHECK_RET(write(p[1], "x", 1), 1);
	CHECK_RET(poll(fds, 2, 0), 2);
	CHECK_EQ(fds[0].revents, POLLIN);
	CHECK_RET(read(p[0], buf, 1), 1);
	CHECK_RET(poll(fds, 1, 0), 0);

	/* events 0 still reports errors and hangups; a negative fd is
	 * ignored. */
	fds[0].events = 0;
	fds[1].fd = -1;
	CHECK_RET(poll(fds, 2, 0), 0);
	CHECK_EQ(fds[1].revents, 0);

	/* The write end closed: the read end hangs up. */
	close(p[1]);
	fds[0].events = POLLIN;
	CHECK_RET(poll(fds, 1, 0), 1);
	CHECK(fds[0].revents & POLLHUP, "POLLHUP after the writer closed (%#x)", fds[0].revents);
	close(p[0]);

	/* The read end closed: the write end has an error. */
	CHECK_OK(pipe(p));
	close(p[0]);
	fds[0] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	CHECK_RET(poll(fds, 1, 0), 1);
	CHECK(fds[0].revents & POLLERR, "POLLERR after the reader closed (%#x)", fds[0].revents);
	close(p[1]);

	/* A closed descriptor is POLLNVAL. */
	fds[0] = (struct pollfd){ .fd = p[1], .events = POLLIN };
	CHECK_RET(poll(fds, 1, 0), 1);
	CHECK_EQ(fds[0].revents, POLLNVAL);

	/* Regular files are always ready. */
	make_file("f", "data");
	int fd = CHECK_OK(open("f", O_RDWR));
	fds[0] = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	CHECK_RET(poll(fds, 1, -1), 1);
	CHECK_EQ(fds[0].revents, POLLIN | POLLOUT);
	close(fd);

	/* stdin (empty) is readable or hung up; stdout is writable. */
	fds[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = 1, .events = POLLOUT };
	CHECK_RET(poll(fds, 2, 1000), 2);
	CHECK(fds[0].revents & (POLLIN | POLLHUP), "stdin ready (%#x)", fds[0].revents);
	CHECK(fds[1].revents & POLLOUT, "stdout writable (%#x)", fds[1].revents);

	/* A timeout waits at least as long as asked. */
	CHECK_OK(pipe(p));
	fds[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	long long t0 = now_ns();
	CHECK_RET(poll(fds, 1, 30), 0);
	long long waited = now_ns() - t0;
	CHECK(waited >= 30000000LL, "poll waited %lld ns >= 30 ms", waited);
	CHECK_RET(poll(NULL, 0, 10), 0);

	/* ppoll with a timespec and a signal mask. */
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	t0 = now_ns();
	CHECK_RET(ppoll(fds, 1, &ts, &mask), 0);
	waited = now_ns() - t0;
	CHECK(waited >= 20000000LL, "ppoll waited %lld ns >= 20 ms", waited);
	CHECK_RET(write(p[1], "y", 1), 1);
	CHECK_RET(ppoll(fds, 1, NULL, NULL), 1);
	ts = (struct timespec){ 0, 0 };
	CHECK_RET(ppoll(fds, 1, &ts, NULL), 1);
	CHECK_EQ(fds[0].revents, POLLIN);

	/* Errors. */
	struct rlimit lim;
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &lim));
	CHECK_ERR(syscall(SYS_poll, fds, (unsigned long)lim.rlim_cur + 1, 0), EINVAL);
	ts = (struct timespec){ 0, 1000000000 };
	CHECK_ERR(syscall(SYS_ppoll, fds, 1, &ts, NULL, 8), EINVAL);
	ts = (struct timespec){ -1, 0 };
	CHECK_ERR(syscall(SYS_ppoll, fds, 1, &ts, NULL, 8), EINVAL);
	ts = (struct timespec){ 0, 0 };
	CHECK_ERR(syscall(SYS_ppoll, fds, 1, &ts, &mask, 4), EINVAL);
	CHECK_ERR(syscall(SYS_poll, BAD_LOW, 1, 0), EFAULT);
	CHECK_ERR(syscall(SYS_poll, BAD_KERNEL_IMAGE, 1, 0), EFAULT);
	CHECK_ERR(syscall(SYS_ppoll, fds, 1, BAD_LOW, NULL, 8), EFAULT);
	close(p[0]);
	close(p[1]);
	return finish();
}
