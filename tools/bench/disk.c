/*
 * disk DIR: the filesystem on a disk, in DIR (Sole: a directory of the root
 * filesystem, on the disk image it boots from; the Linux guest: the mount
 * point of an ext4 filesystem on a virtio-blk disk of the same size). The
 * disk is made afresh for every boot, and holds DIR/sole-bench-read and
 * DIR/sole-bench-random, 64 MiB each written when the disk was made, so that
 * they are read cold: neither kernel has read them since boot, and each is
 * read only once, one sequentially, the other at random.
 *
 *   seq_write     64 MiB in 1 MiB write()s to a new file, then fsync(),
 *                 counted: MiB/s.
 *   seq_read      DIR/sole-bench-read in 1 MiB read()s, cold: MiB/s.
 *   rand_read     2,048 4 KiB pread()s at random 4 KiB-aligned offsets of
 *                 DIR/sole-bench-random (cold but for the few repeated
 *                 blocks): IOPS.
 *   rand_write    2,048 4 KiB pwrite()s at random 4 KiB-aligned offsets of
 *                 the file seq_write wrote, then one fsync(), counted: IOPS.
 *   fsync         pwrite() of 4 KiB at offset 0 of a small file, then
 *                 fsync(); the median of 100 pairs: us.
 *   create_file   open(O_CREAT)+write(100 bytes)+close() of 10,000 new files
 *                 in one directory, no fsync: us per file.
 *   stat_file     stat() of each of those files: us per file.
 *
 * The data written is pseudo-random, so compression gains nothing.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define MIB (1024 * 1024)
#define SEQ_MIB 64
#define BLOCK 4096
#define RANDOM_OPS 2048
#define FSYNCS 100
#define FILES 10000
#define SMALL 100

/* The files written when the disk was made (tools/src/bench/disk.rs). */
#define READ_FILE "sole-bench-read"
#define RANDOM_FILE "sole-bench-random"

static char buf[MIB];
static char path[4096];
static long long fsync_ns[FSYNCS];
static unsigned long long seed = 0x9e3779b97f4a7c15ULL;

static unsigned long long next_random(void)
{
	/* xorshift64 */
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void fill_random(char *to, size_t len)
{
	for (size_t i = 0; i + 8 <= len; i += 8) {
		unsigned long long r = next_random();
		memcpy(to + i, &r, 8);
	}
}

static const char *in_dir(const char *dir, const char *name)
{
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		fail("path");
	}
	return path;
}

static double mib_per_s(size_t bytes, long long ns)
{
	return (double)bytes / MIB / (ns / 1e9);
}

static int compare_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static void seq_write(const char *work)
{
	int fd = open(in_dir(work, "seq"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("create seq");
	long long start = now_ns();
	for (int i = 0; i < SEQ_MIB; i++) {
		fill_random(buf, MIB);
		if (write(fd, buf, MIB) != MIB)
			fail("write seq");
	}
	if (fsync(fd) != 0)
		fail("fsync seq");
	long long took = now_ns() - start;
	close(fd);
	report("seq_write", mib_per_s((size_t)SEQ_MIB * MIB, took), "MiB/s");
}

static void seq_read(const char *dir)
{
	int fd = open(in_dir(dir, READ_FILE), O_RDONLY);
	if (fd < 0)
		fail("open " READ_FILE);
	size_t total = 0;
	long long start = now_ns();
	for (;;) {
		ssize_t n = read(fd, buf, MIB);
		if (n < 0)
			fail("read " READ_FILE);
		if (n == 0)
			break;
		total += (size_t)n;
	}
	long long took = now_ns() - start;
	close(fd);
	if (total != (size_t)SEQ_MIB * MIB) {
		errno = EIO;
		fail(READ_FILE " is not 64 MiB");
	}
	report("seq_read", mib_per_s(total, took), "MiB/s");
}

static void rand_read(const char *dir)
{
	int fd = open(in_dir(dir, RANDOM_FILE), O_RDONLY);
	if (fd < 0)
		fail("open " RANDOM_FILE);
	long long start = now_ns();
	for (int i = 0; i < RANDOM_OPS; i++) {
		off_t at = (off_t)(next_random() % ((size_t)SEQ_MIB * MIB / BLOCK)) * BLOCK;
		if (pread(fd, buf, BLOCK, at) != BLOCK)
			fail("pread");
	}
	long long took = now_ns() - start;
	close(fd);
	report("rand_read", RANDOM_OPS / (took / 1e9), "/s");
}

static void rand_write(const char *work)
{
	int fd = open(in_dir(work, "seq"), O_WRONLY);
	if (fd < 0)
		fail("open seq");
	fill_random(buf, BLOCK * 16);
	long long start = now_ns();
	for (int i = 0; i < RANDOM_OPS; i++) {
		off_t at = (off_t)(next_random() % ((size_t)SEQ_MIB * MIB / BLOCK)) * BLOCK;
		if (pwrite(fd, buf + (i % 16) * BLOCK, BLOCK, at) != BLOCK)
			fail("pwrite");
	}
	if (fsync(fd) != 0)
		fail("fsync after pwrite");
	long long took = now_ns() - start;
	close(fd);
	report("rand_write", RANDOM_OPS / (took / 1e9), "/s");
}

static void fsync_latency(const char *work)
{
	int fd = open(in_dir(work, "fsync"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("create fsync");
	for (int i = 0; i < FSYNCS; i++) {
		fill_random(buf, BLOCK);
		long long start = now_ns();
		if (pwrite(fd, buf, BLOCK, 0) != BLOCK)
			fail("pwrite fsync");
		if (fsync(fd) != 0)
			fail("fsync");
		fsync_ns[i] = now_ns() - start;
	}
	close(fd);
	qsort(fsync_ns, FSYNCS, sizeof(fsync_ns[0]), compare_ll);
	report("fsync", (fsync_ns[FSYNCS / 2 - 1] + fsync_ns[FSYNCS / 2]) / 2e3, "us");
}

static void small_files(const char *work)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", in_dir(work, "files"));
	if (mkdir(dir, 0755) != 0)
		fail("mkdir files");
	fill_random(buf, SMALL);
	char name[32];
	long long start = now_ns();
	for (int i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%05d", i);
		int fd = open(in_dir(dir, name), O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			fail("create small file");
		if (write(fd, buf, SMALL) != SMALL)
			fail("write small file");
		if (close(fd) != 0)
			fail("close small file");
	}
	report("create_file", (now_ns() - start) / 1e3 / FILES, "us");
	struct stat st;
	start = now_ns();
	for (int i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "f%05d", i);
		if (stat(in_dir(dir, name), &st) != 0)
			fail("stat small file");
		if (st.st_size != SMALL) {
			errno = EIO;
			fail("small file has the wrong size");
		}
	}
	report("stat_file", (now_ns() - start) / 1e3 / FILES, "us");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		errno = EINVAL;
		fail("usage: disk DIR");
	}
	const char *dir = argv[1];
	char work[4096];
	snprintf(work, sizeof(work), "%s", in_dir(dir, "sole-bench"));
	if (mkdir(work, 0755) != 0)
		fail("mkdir");
	seq_write(work);
	seq_read(dir);
	rand_read(dir);
	rand_write(work);
	fsync_latency(work);
	small_files(work);
	return 0;
}
