/* The devices in /dev: null, zero, full, random, urandom read and write as
 * Linux's do and carry Linux's device numbers; tty and console, when they
 * open, are terminals; stdin/stdout/stderr are links to /proc/self/fd. */
#include "sole_test.h"
#include <sys/sysmacros.h>

static void check_dev(const char *path, unsigned maj, unsigned min)
{
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode), "%s is a character device", path);
	CHECK(major(st.st_rdev) == maj && minor(st.st_rdev) == min, "%s is %u:%u (%u:%u)", path,
	      maj, min, major(st.st_rdev), minor(st.st_rdev));
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	unsigned char buf[4096], buf2[64];
	struct stat st;

	check_dev("/dev/null", 1, 3);
	check_dev("/dev/zero", 1, 5);
	check_dev("/dev/full", 1, 7);
	check_dev("/dev/random", 1, 8);
	check_dev("/dev/urandom", 1, 9);

	/* /dev/null swallows writes and reads as empty. */
	int fd = CHECK_OK(open("/dev/null", O_RDWR));
	CHECK_RET(write(fd, "gone", 4), 4);
	CHECK_RET(write(fd, buf, sizeof buf), sizeof buf);
	CHECK_RET(read(fd, buf, sizeof buf), 0);
	CHECK_RET(lseek(fd, 100, SEEK_SET), 0);
	CHECK_RET(pwrite(fd, "x", 1, 50), 1);
	close(fd);

	/* /dev/zero reads zeros, accepts writes. */
	fd = CHECK_OK(open("/dev/zero", O_RDWR));
	memset(buf, 0xee, sizeof buf);
	CHECK_RET(read(fd, buf, sizeof buf), sizeof buf);
	CHECK(all_zero(buf, sizeof buf), "zeros from /dev/zero");
	CHECK_RET(write(fd, buf, 100), 100);
	close(fd);

	/* /dev/full reads zeros and is always full. */
	fd = CHECK_OK(open("/dev/full", O_RDWR));
	CHECK_ERR(write(fd, "x", 1), ENOSPC);
	memset(buf, 0xee, 100);
	CHECK_RET(read(fd, buf, 100), 100);
	CHECK(all_zero(buf, 100), "zeros from /dev/full");
	close(fd);

	/* /dev/random and /dev/urandom give full reads that differ. */
	const char *rnd[] = { "/dev/random", "/dev/urandom" };
	for (int i = 0; i < 2; i++) {
		fd = open(rnd[i], O_RDONLY);
		CHECK(fd >= 0, "open %s", rnd[i]);
		CHECK(read(fd, buf, 64) == 64 && read(fd, buf2, 64) == 64, "read %s", rnd[i]);
		CHECK(memcmp(buf, buf2, 64) != 0, "two reads of %s differ", rnd[i]);
		close(fd);
	}
	/* Writing to urandom adds to the pool; it is allowed. */
	fd = CHECK_OK(open("/dev/urandom", O_WRONLY));
	CHECK_RET(write(fd, "seed", 4), 4);
	close(fd);

	/* /dev/tty and /dev/console: terminals when they can be opened
	 * (natively there may be no controlling terminal: ENXIO). */
	const char *ttys[] = { "/dev/tty", "/dev/console" };
	for (int i = 0; i < 2; i++) {
		fd = open(ttys[i], O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			CHECK(isatty(fd), "%s is a terminal", ttys[i]);
			close(fd);
		} else {
			CHECK(errno == ENXIO || errno == ENOENT || errno == EACCES || errno == EPERM ||
				      errno == EIO,
			      "%s cannot be opened here (%s)", ttys[i], errno_name(errno));
		}
	}

	/* /dev/stdin, /dev/stdout, /dev/stderr. */
	char link[64];
	const char *std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	for (int i = 0; i < 3; i++) {
		char want[32];
		snprintf(want, sizeof want, "/proc/self/fd/%d", i);
		CHECK(lstat(std[i], &st) == 0 && S_ISLNK(st.st_mode), "%s is a link", std[i]);
		ssize_t n = readlink(std[i], link, sizeof link - 1);
		link[n > 0 ? n : 0] = 0;
		CHECK_STR(link, want);
	}
	fd = CHECK_OK(open("/dev/stdin", O_RDONLY));
	CHECK_RET(read(fd, buf, sizeof buf), 0);
	close(fd);
	fd = CHECK_OK(open("/dev/stdout", O_WRONLY | O_APPEND));
	CHECK_RET(write(fd, "# written through /dev/stdout\n", 30), 30);
	struct stat a, b;
	CHECK_OK(fstat(fd, &a));
	CHECK_OK(fstat(1, &b));
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "/dev/stdout is stdout");
	close(fd);

	/* The directory lists them; missing devices are missing. */
	DIR *dir = opendir("/dev");
	CHECK(dir != NULL, "opendir /dev");
	int found = 0;
	if (dir) {
		struct dirent *e;
		while ((e = readdir(dir)))
			found += !strcmp(e->d_name, "null") + !strcmp(e->d_name, "zero") +
				 !strcmp(e->d_name, "full") + !strcmp(e->d_name, "urandom");
		closedir(dir);
	}
	CHECK_EQ(found, 4);
	CHECK_ERR(open("/dev/no-such-device", O_RDONLY), ENOENT);
	CHECK_ERR(open("/dev/null/x", O_RDONLY), ENOTDIR);
	return finish();
}
