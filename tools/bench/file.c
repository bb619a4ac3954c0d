/*
 * file: open/read/close of a small file in a loop, and a sequential read of
 * a 64 MiB file, both in the root directory (Sole's tmpfs root; the Linux
 * guest's initramfs). The files are written first, outside the timed part.
 */
#include <fcntl.h>
#include <unistd.h>

#include "bench.h"

#define SMALL "/bench-small"
#define LARGE "/bench-large"
#define WARMUP 100
#define OPENS 10000
#define LARGE_MIB 64
#define CHUNK (128 * 1024)

static char buf[CHUNK];

static void write_file(const char *path, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("create");
	memset(buf, 'x', sizeof(buf));
	for (size_t done = 0; done < size;) {
		size_t n = size - done < CHUNK ? size - done : CHUNK;
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			fail("write");
		done += (size_t)w;
	}
	if (close(fd) != 0)
		fail("close");
}

static void open_read_close(void)
{
	int fd = open(SMALL, O_RDONLY);
	if (fd < 0)
		fail("open");
	if (read(fd, buf, 4096) != 100)
		fail("read");
	close(fd);
}

int main(void)
{
	write_file(SMALL, 100);
	for (int i = 0; i < WARMUP; i++)
		open_read_close();
	long long start = now_ns();
	for (int i = 0; i < OPENS; i++)
		open_read_close();
	report("open_read_close", (double)(now_ns() - start) / OPENS, "ns");

	write_file(LARGE, (size_t)LARGE_MIB << 20);
	int fd = open(LARGE, O_RDONLY);
	if (fd < 0)
		fail("open");
	size_t total = 0;
	start = now_ns();
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0)
			fail("read");
		if (n == 0)
			break;
		total += (size_t)n;
	}
	long long took = now_ns() - start;
	close(fd);
	if (total != (size_t)LARGE_MIB << 20) {
		errno = EIO;
		fail("short read");
	}
	report("read_64m", took / 1e6, "ms");
	return 0;
}
