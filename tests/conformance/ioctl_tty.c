/* ioctl(2): ENOTTY for terminal requests on files, pipes and /dev/null;
 * FIONREAD on pipes and files; FIONBIO; TCGETS, TCSETS, TCSETSW, TCSETSF and
 * TIOCGWINSZ on a terminal when there is one (the console in Sole; natively
 * the runner gives no terminal, so that part is skipped there); EBADF,
 * EFAULT. */
#include "sole_test.h"
#include <sys/ioctl.h>
#include <termios.h>

static void tty_checks(int fd, const char *name)
{
	struct termios t, t2;
	NOTE("%s is a terminal", name);
	CHECK_OK(ioctl(fd, TCGETS, &t));
	CHECK_OK(tcgetattr(fd, &t2));
	CHECK_EQ(t.c_lflag, t2.c_lflag);
	/* Setting what was read back is always allowed, with each variant. */
	CHECK_OK(ioctl(fd, TCSETS, &t));
	CHECK_OK(ioctl(fd, TCSETSW, &t));
	CHECK_OK(ioctl(fd, TCSETSF, &t));
	CHECK_OK(tcsetattr(fd, TCSANOW, &t));
	/* A change reads back, and can be undone. */
	struct termios raw = t;
	raw.c_lflag &= ~(tcflag_t)ECHO;
	CHECK_OK(ioctl(fd, TCSETS, &raw));
	CHECK_OK(ioctl(fd, TCGETS, &t2));
	CHECK_EQ(t2.c_lflag & ECHO, 0);
	CHECK_OK(ioctl(fd, TCSETS, &t));
	CHECK_OK(ioctl(fd, TCGETS, &t2));
	CHECK_EQ(t2.c_lflag, t.c_lflag);
	struct winsize ws;
	CHECK_OK(ioctl(fd, TIOCGWINSZ, &ws));
	CHECK(isatty(fd), "isatty");
	CHECK_ERR(syscall(SYS_ioctl, fd, TCGETS, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_ioctl, fd, TIOCGWINSZ, BAD_KERNEL_IMAGE), EFAULT);
}

int main(void)
{
	scratch();
	struct termios t;
	struct winsize ws;
	int n;

	/* Regular files. */
	make_file("f", "0123456789");
	int fd = CHECK_OK(open("f", O_RDWR));
	CHECK_ERR(ioctl(fd, TCGETS, &t), ENOTTY);
	CHECK_ERR(ioctl(fd, TCSETS, &t), ENOTTY);
	CHECK_ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
	CHECK(!isatty(fd) && errno == ENOTTY, "isatty(file) is 0 with ENOTTY");
	CHECK_ERR(ioctl(fd, 0x5401ff, &n), ENOTTY);
	/* FIONREAD on a file: the bytes after the offset. */
	CHECK_RET(lseek(fd, 4, SEEK_SET), 4);
	CHECK_OK(ioctl(fd, FIONREAD, &n));
	CHECK_EQ(n, 6);
	/* FIONBIO sets and clears O_NONBLOCK. */
	int on = 1;
	CHECK_OK(ioctl(fd, FIONBIO, &on));
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "FIONBIO 1 sets O_NONBLOCK");
	on = 0;
	CHECK_OK(ioctl(fd, FIONBIO, &on));
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK), "FIONBIO 0 clears O_NONBLOCK");
	close(fd);

	/* Pipes. */
	int p[2];
	CHECK_OK(pipe(p));
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 0);
	CHECK_RET(write(p[1], "abcde", 5), 5);
	CHECK_OK(ioctl(p[0], FIONREAD, &n));
	CHECK_EQ(n, 5);
	CHECK_ERR(ioctl(p[0], TCGETS, &t), ENOTTY);
	CHECK_ERR(ioctl(p[1], TIOCGWINSZ, &ws), ENOTTY);
	on = 1;
	CHECK_OK(ioctl(p[0], FIONBIO, &on));
	char buf[8];
	CHECK_RET(read(p[0], buf, 8), 5);
	CHECK_ERR(read(p[0], buf, 8), EAGAIN);
	CHECK_ERR(syscall(SYS_ioctl, p[0], FIONREAD, BAD_LOW), EFAULT);
	close(p[0]);
	close(p[1]);

	/* /dev/null is a character device but no terminal. */
	fd = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_ERR(ioctl(fd, TCGETS, &t), ENOTTY);
	close(fd);

	/* EBADF. */
	CHECK_ERR(ioctl(fd, FIONREAD, &n), EBADF);
	CHECK_ERR(ioctl(-1, TCGETS, &t), EBADF);

	/* A terminal, if there is one. */
	int tty = -1;
	const char *name = NULL;
	if (isatty(1)) {
		tty = 1;
		name = "stdout";
	} else if (isatty(0)) {
		tty = 0;
		name = "stdin";
	} else if (isatty(2)) {
		tty = 2;
		name = "stderr";
	}
	if (tty >= 0) {
		tty_checks(tty, name);
	} else {
		NOTE("no terminal on stdin, stdout or stderr: terminal checks skipped");
		CHECK_ERR(ioctl(1, TCGETS, &t), ENOTTY);
	}
	return finish();
}
