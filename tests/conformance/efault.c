/* EFAULT: system calls handed memory the program cannot use (unmapped,
 * PROT_NONE, read-only for a write, non-canonical, or the upper half where
 * Sole's kernel lives) fail with EFAULT and change nothing: no data moves,
 * file offsets stay, the kernel's memory is neither read nor written. */
#include "sole_test.h"
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#define PAGE 4096UL

static void *const bad[] = { BAD_LOW, BAD_NONCANONICAL, BAD_DIRECT_MAP, BAD_KERNEL_IMAGE };
static const char *const bad_name[] = { "low", "non-canonical", "direct map", "kernel image" };
#define NBAD (sizeof bad / sizeof bad[0])

int main(void)
{
	scratch();
	make_file("f", "0123456789abcdef");
	int fd = CHECK_OK(open("f", O_RDWR));
	int p[2];
	CHECK_OK(pipe(p));
	int zero = CHECK_OK(open("/dev/zero", O_RDONLY));
	int null = CHECK_OK(open("/dev/null", O_WRONLY));

	for (size_t i = 0; i < NBAD; i++) {
		void *b = bad[i];
		const char *n = bad_name[i];
		errno = 0;
		CHECK(syscall(SYS_read, fd, b, 4) == -1 && errno == EFAULT, "read file into %s", n);
		CHECK(lseek(fd, 0, SEEK_CUR) == 0, "the offset stays after a bad read (%s)", n);
		CHECK(syscall(SYS_write, fd, b, 4) == -1 && errno == EFAULT, "write file from %s", n);
		CHECK(syscall(SYS_read, zero, b, 4) == -1 && errno == EFAULT, "read /dev/zero into %s",
		      n);
		/* /dev/null never reads the buffer: Linux checks only that it
		 * is in the program's half. */
		long r = syscall(SYS_write, null, b, 4);
		CHECK(r == 4 || (r == -1 && errno == EFAULT), "write /dev/null from %s: %ld", n, r);
		CHECK(syscall(SYS_write, p[1], b, 4) == -1 && errno == EFAULT, "write pipe from %s", n);
		CHECK(syscall(SYS_write, 1, b, 4) == -1 && errno == EFAULT, "write stdout from %s", n);
		CHECK(syscall(SYS_pread64, fd, b, 4, 0) == -1 && errno == EFAULT, "pread into %s", n);
		CHECK(syscall(SYS_pwrite64, fd, b, 4, 0) == -1 && errno == EFAULT, "pwrite from %s", n);
		CHECK(syscall(SYS_open, b, O_RDONLY) == -1 && errno == EFAULT, "open path at %s", n);
		CHECK(syscall(SYS_fstat, fd, b) == -1 && errno == EFAULT, "fstat into %s", n);
		CHECK(syscall(SYS_getcwd, b, 64) == -1 && errno == EFAULT, "getcwd into %s", n);
		CHECK(syscall(SYS_pipe, b) == -1 && errno == EFAULT, "pipe into %s", n);
		CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, b) == -1 && errno == EFAULT,
		      "clock_gettime into %s", n);
		struct iovec iov = { b, 4 };
		CHECK(syscall(SYS_writev, fd, &iov, 1) == -1 && errno == EFAULT, "writev from %s", n);
		CHECK(syscall(SYS_readv, fd, &iov, 1) == -1 && errno == EFAULT, "readv into %s", n);
	}
	/* The pipe got nothing. */
	int avail = -1;
	CHECK_OK(ioctl(p[0], FIONREAD, &avail));
	CHECK_EQ(avail, 0);
	/* The file is unchanged. */
	char buf[32];
	CHECK_RET(pread(fd, buf, sizeof buf, 0), 16);
	CHECK_MEM(buf, "0123456789abcdef", 16);

	/* PROT_NONE and read-only pages. */
	char *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none == MAP_FAILED || ro == MAP_FAILED)
		BAIL("mmap");
	CHECK_ERR(syscall(SYS_read, fd, none, 4), EFAULT);
	CHECK_ERR(syscall(SYS_write, fd, none, 4), EFAULT);
	CHECK_ERR(syscall(SYS_read, fd, ro, 4), EFAULT);
	CHECK_ERR(syscall(SYS_read, zero, ro, 4), EFAULT);
	CHECK_ERR(syscall(SYS_fstat, fd, ro), EFAULT);
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, ro), EFAULT);
	CHECK_ERR(syscall(SYS_uname, ro), EFAULT);
	CHECK_ERR(syscall(SYS_pipe, ro), EFAULT);
	CHECK_EQ(ro[0], 0);
	/* Reading from a read-only page is fine. */
	CHECK_RET(syscall(SYS_pwrite64, fd, ro, 4, 0), 4);
	CHECK_RET(pread(fd, buf, 4, 0), 4);
	CHECK_MEM(buf, "\0\0\0\0", 4);
	/* Unmapped after munmap. */
	char *gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, PAGE);
	CHECK_ERR(syscall(SYS_read, zero, gone, 4), EFAULT);
	CHECK_ERR(syscall(SYS_stat, gone, buf), EFAULT);
	/* A path that runs into an unmapped page without a NUL. */
	char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + PAGE, PAGE);
	memset(two, 'a', PAGE);
	CHECK(syscall(SYS_open, two + PAGE - 8, O_RDONLY) == -1 &&
		      (errno == EFAULT || errno == ENAMETOOLONG),
	      "an unterminated path at the end of memory: EFAULT (%s)", errno_name(errno));
	munmap(two, PAGE);
	munmap(none, PAGE);
	munmap(ro, PAGE);
	close(fd);
	close(zero);
	close(null);
	close(p[0]);
	close(p[1]);
	return finish();
}
