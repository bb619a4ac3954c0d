/* The standard descriptors a program starts with: stdin is open for reading
 * and empty (reads return 0 every time), stdout and stderr take writes,
 * they agree with isatty(); closing one frees its number. */
#include "sole_test.h"
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
	char buf[16];
	struct stat st;

	for (int fd = 0; fd < 3; fd++) {
		CHECK(fstat(fd, &st) == 0, "fd %d is open", fd);
		int fl = fcntl(fd, F_GETFL);
		CHECK(fl != -1, "F_GETFL on fd %d", fd);
		int mode = fl & O_ACCMODE;
		if (fd == 0)
			CHECK(mode == O_RDONLY || mode == O_RDWR, "stdin is readable");
		else
			CHECK(mode == O_WRONLY || mode == O_RDWR, "fd %d is writable", fd);
		/* isatty() and TCGETS agree. */
		struct termios t;
		int tty = isatty(fd);
		int tc = ioctl(fd, TCGETS, &t) == 0;
		CHECK_EQ(tty, tc);
		NOTE("fd %d: mode %o, %s", fd, st.st_mode & S_IFMT, tty ? "a terminal" : "not a terminal");
	}

	/* stdin is empty and stays so. */
	CHECK_RET(read(0, buf, sizeof buf), 0);
	CHECK_RET(read(0, buf, sizeof buf), 0);
	CHECK_RET(read(0, buf, 0), 0);

	/* Output goes out in order, through either descriptor and copies. */
	CHECK_RET(write(1, "# one\n", 6), 6);
	CHECK_RET(write(2, "# two\n", 6), 6);
	int copy = CHECK_OK(dup(1));
	CHECK_RET(write(copy, "# three\n", 8), 8);
	close(copy);
	CHECK_RET(write(1, buf, 0), 0);
	/* A larger write in one go. */
	static char big[8192];
	memset(big, '#', sizeof big);
	big[sizeof big - 1] = '\n';
	CHECK_RET(write(2, big, sizeof big), sizeof big);

	/* Closing stdin frees descriptor 0 for the next open. */
	CHECK_OK(close(0));
	int fd = CHECK_OK(open("/dev/null", O_RDONLY));
	CHECK_EQ(fd, 0);
	return finish();
}
