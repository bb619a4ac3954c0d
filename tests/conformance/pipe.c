/* pipe(2) and pipe2(2): data in order, EOF once writers are gone, EPIPE
 * once readers are gone (SIGPIPE ignored), O_NONBLOCK and EAGAIN, a
 * capacity of at least 4 KiB, atomic small writes; EINVAL, EFAULT,
 * ESPIPE. */
#include "sole_test.h"
#include <signal.h>

int main(void)
{
	int p[2];
	char buf[256];

	CHECK_OK(pipe(p));
	CHECK(p[0] >= 3 && p[1] == p[0] + 1, "two new descriptors (%d, %d)", p[0], p[1]);
	CHECK_RET(write(p[1], "hello", 5), 5);
	CHECK_RET(write(p[1], " world", 6), 6);
	CHECK_RET(read(p[0], buf, 3), 3);
	CHECK_MEM(buf, "hel", 3);
	CHECK_RET(read(p[0], buf, sizeof buf), 8);
	CHECK_MEM(buf, "lo world", 8);
	CHECK_RET(write(p[1], buf, 0), 0);
	CHECK_EQ(fcntl(p[0], F_GETFD), 0);
	CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);

	/* Wrong ends. */
	CHECK_ERR(write(p[0], "x", 1), EBADF);
	CHECK_ERR(read(p[1], buf, 1), EBADF);

	/* EOF when the last writer closes, after the data. */
	CHECK_RET(write(p[1], "tail", 4), 4);
	int w2 = CHECK_OK(dup(p[1]));
	close(p[1]);
	CHECK_RET(read(p[0], buf, sizeof buf), 4);
	close(w2);
	CHECK_RET(read(p[0], buf, sizeof buf), 0);
	CHECK_RET(read(p[0], buf, sizeof buf), 0);
	close(p[0]);

	/* EPIPE when no reader is left; SIGPIPE is ignored so the write
	 * returns. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	CHECK_OK(sigaction(SIGPIPE, &sa, NULL));
	CHECK_OK(pipe(p));
	close(p[0]);
	CHECK_ERR(write(p[1], "x", 1), EPIPE);
	close(p[1]);

	/* pipe2 flags. */
	CHECK_OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "read end non-blocking");
	CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK, "write end non-blocking");
	CHECK_ERR(read(p[0], buf, 1), EAGAIN);

	/* Fill it: at least 4 KiB fit, then EAGAIN. A write of PIPE_BUF bytes
	 * or fewer is all or nothing. */
	memset(buf, 'z', sizeof buf);
	long total = 0;
	int partial = 0;
	for (;;) {
		ssize_t n = write(p[1], buf, 100);
		if (n < 0)
			break;
		partial += n != 100;
		total += n;
		if (total > (1 << 24))
			break;
	}
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(partial, 0);
	CHECK(total >= 4096, "capacity %ld >= 4096", total);
	CHECK_ERR(write(p[1], buf, 100), EAGAIN);
	/* Draining gives back exactly what went in. */
	long drained = 0;
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof buf);
		if (n <= 0)
			break;
		drained += n;
	}
	CHECK_EQ(drained, total);
	CHECK_EQ(errno, EAGAIN);
	close(p[0]);
	close(p[1]);

	CHECK_OK(pipe2(p, 0));
	struct stat st;
	CHECK_OK(fstat(p[0], &st));
	CHECK(S_ISFIFO(st.st_mode), "S_ISFIFO");
	CHECK_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	close(p[0]);
	close(p[1]);

	/* Errors. */
	CHECK_ERR(pipe2(p, O_APPEND), EINVAL);
	CHECK_ERR(pipe2(p, 0x7fffffff), EINVAL);
	CHECK_ERR(syscall(SYS_pipe, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_pipe2, BAD_KERNEL_IMAGE, 0), EFAULT);
	return finish();
}
