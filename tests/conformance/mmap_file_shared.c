/* mmap(2) of a regular file with MAP_SHARED, and the calls around it: writes
 * through the mapping reach the file (read(2), pread(2)) and writes to the
 * file show in the mapping; two mappings of one file see each other's
 * writes; msync(2) with MS_SYNC, MS_ASYNC, MS_INVALIDATE, and EINVAL for
 * bad flags or an unaligned address, ENOMEM for unmapped memory; ftruncate
 * shrinking the file under a mapping makes pages past the new end raise
 * SIGBUS (the partial page reads zero past it), growing it back makes them
 * readable and zero; EACCES for PROT_WRITE with MAP_SHARED on an O_RDONLY
 * descriptor and for any mapping of an O_WRONLY one; ENODEV for a directory;
 * mprotect(PROT_WRITE) of a read-only shared mapping fails; mremap(2) of a
 * file mapping (grow, move, shrink) keeps it the file's; mincore(2) on
 * mapped pages; madvise(MADV_DONTNEED) on a MAP_PRIVATE file mapping
 * brings back the file's bytes, on a MAP_SHARED one keeps the writes; and
 * memfd_create(2): write, mmap, ftruncate, MFD_CLOEXEC seen by fcntl. */
#include "sole_test.h"
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 13 + i / PAGE + 3);
}

static int shows_file(const unsigned char *p, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(off + i))
			return 0;
	return 1;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* A new file `name` of `size` bytes of pattern(), open O_RDWR. */
static int make_pattern_file(const char *name, size_t size)
{
	static unsigned char data[16 * PAGE];
	if (size > sizeof data)
		BAIL("file too big");
	for (size_t i = 0; i < size; i++)
		data[i] = pattern(i);
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		BAIL("cannot write %s", name);
	return fd;
}

/* The byte at offset off of fd, through pread; -1 on error. */
static int byte_at(int fd, off_t off)
{
	unsigned char b;
	return pread(fd, &b, 1, off) == 1 ? b : -1;
}

static void shared_writes(void)
{
	int fd = make_pattern_file("shared", 4 * PAGE);
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		BAIL("mmap MAP_SHARED");
	CHECK(shows_file(p, 0, 4 * PAGE), "the shared mapping shows the file");

	/* Mapping -> file. */
	p[5] = 0xa1;
	p[3 * PAGE + 7] = 0xa2;
	CHECK_EQ(byte_at(fd, 5), 0xa1);
	CHECK_EQ(byte_at(fd, 3 * PAGE + 7), 0xa2);
	unsigned char buf[16];
	CHECK_OK(lseek(fd, 0, SEEK_SET));
	CHECK_RET(read(fd, buf, sizeof buf), sizeof buf);
	CHECK_EQ(buf[5], 0xa1);
	CHECK_EQ(buf[4], pattern(4));

	/* File -> mapping, by write(2) and pwrite(2). */
	CHECK_OK(lseek(fd, PAGE + 1, SEEK_SET));
	CHECK_RET(write(fd, "hello", 5), 5);
	CHECK_MEM(p + PAGE + 1, "hello", 5);
	CHECK_RET(pwrite(fd, "world", 5, 2 * PAGE - 2), 5);
	CHECK_MEM(p + 2 * PAGE - 2, "world", 5);

	/* Another descriptor, another mapping, another offset: one page cache. */
	int fd2 = open("shared", O_RDWR);
	unsigned char *q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 2 * PAGE);
	CHECK(q != MAP_FAILED, "a second shared mapping from offset 2 pages");
	if (q != MAP_FAILED) {
		CHECK_EQ(q[PAGE + 7], 0xa2);
		q[9] = 0xb3;
		CHECK_EQ(p[2 * PAGE + 9], 0xb3);
		p[3 * PAGE + 100] = 0xb4;
		CHECK_EQ(q[PAGE + 100], 0xb4);
		CHECK_OK(munmap(q, 2 * PAGE));
	}
	close(fd2);

	/* msync. */
	CHECK_OK(msync(p, 4 * PAGE, MS_SYNC));
	CHECK_OK(msync(p, 4 * PAGE, MS_ASYNC));
	CHECK_OK(msync(p + PAGE, PAGE, MS_INVALIDATE));
	CHECK_OK(msync(p, 100, MS_SYNC | MS_INVALIDATE));
	CHECK_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
	CHECK_ERR(msync(p, PAGE, 0x100), EINVAL);
	CHECK_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
	CHECK_EQ(p[5], 0xa1);

	/* Writes survive munmap and close: a new mapping shows them. */
	CHECK_OK(munmap(p, 4 * PAGE));
	CHECK_OK(close(fd));
	fd = open("shared", O_RDONLY);
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "a read-only shared mapping of an O_RDONLY fd");
	if (p != MAP_FAILED) {
		CHECK_EQ(p[5], 0xa1);
		CHECK_EQ(p[2 * PAGE + 9], 0xb3);
		CHECK_MEM(p + PAGE + 1, "hello", 5);
		/* msync of memory no longer mapped. */
		CHECK_OK(munmap(p, 4 * PAGE));
		CHECK_ERR(msync(p, PAGE, MS_SYNC), ENOMEM);
	}
	close(fd);
}

static void truncation(void)
{
	int fd = make_pattern_file("trunc", 4 * PAGE);
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		BAIL("mmap for truncation");
	/* Every page in use before the file shrinks under them. */
	for (size_t i = 0; i < 4; i++)
		p[i * PAGE + 1] = 0x77;
	CHECK_OK(ftruncate(fd, PAGE + PAGE / 2));
	CHECK(shows_file(p + 2, 2, PAGE - 2), "page 0 still shows the file");
	CHECK(all_zero(p + PAGE + PAGE / 2, PAGE / 2), "the partial page is zero past the new end");
	CHECK_TOUCH(p + 2 * PAGE, TOUCH_READ, SIGBUS, BUS_ADRERR);
	CHECK_TOUCH(p + 3 * PAGE + 5, TOUCH_WRITE, SIGBUS, BUS_ADRERR);
	/* Growing back: the pages are there again, and zero. */
	CHECK_OK(ftruncate(fd, 4 * PAGE));
	CHECK_TOUCH(p + 2 * PAGE, TOUCH_READ, 0, 0);
	CHECK(all_zero(p + PAGE + PAGE / 2, 2 * PAGE + PAGE / 2), "the regrown part reads zero");
	CHECK_TOUCH(p + 3 * PAGE + 5, TOUCH_WRITE, 0, 0);
	CHECK_EQ(byte_at(fd, 3 * PAGE + 5), 0x5a);
	CHECK_EQ(byte_at(fd, PAGE + 1), 0x77);
	CHECK_OK(munmap(p, 4 * PAGE));
	close(fd);
}

static void access_errors(void)
{
	int fd = make_pattern_file("modes", PAGE);
	close(fd);
	int ro = open("modes", O_RDONLY);
	int wo = open("modes", O_WRONLY);
	if (ro < 0 || wo < 0)
		BAIL("open modes");
	CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED &&
		      errno == EACCES,
	      "PROT_WRITE, MAP_SHARED of an O_RDONLY fd: EACCES");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED && errno == EACCES,
	      "MAP_SHARED of an O_WRONLY fd: EACCES");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED && errno == EACCES,
	      "MAP_PRIVATE of an O_WRONLY fd: EACCES");
	/* A read-only shared mapping cannot be made writable. */
	unsigned char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	CHECK(p != MAP_FAILED, "PROT_READ, MAP_SHARED of an O_RDONLY fd");
	if (p != MAP_FAILED) {
		CHECK_ERR(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES);
		CHECK_TOUCH(p, TOUCH_WRITE, SIGSEGV, SEGV_ACCERR);
		munmap(p, PAGE);
	}
	close(ro);
	close(wo);

	if (mkdir("dir", 0755) != 0)
		BAIL("mkdir");
	int dir = open("dir", O_RDONLY | O_DIRECTORY);
	/* mmap(2) lists EACCES for "a non-regular file" and ENODEV for "does
	 * not support memory mapping"; Linux answers ENODEV for a directory
	 * (do_mmap: no f_op->mmap), after the access checks have passed. */
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, dir, 0) == MAP_FAILED && errno == ENODEV,
	      "mapping a directory: ENODEV");
	close(dir);
}

static void remap(void)
{
	int fd = make_pattern_file("remap", 8 * PAGE);
	unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	if (p == MAP_FAILED)
		BAIL("mmap for mremap");
	p[0] = 0xc1;
	/* Keep the pages after it busy, so that growing must move it. */
	void *block = mmap(p + 2 * PAGE, PAGE, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	unsigned char *q = mremap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED, "mremap grows a file mapping");
	if (q == MAP_FAILED)
		BAIL("mremap");
	if (block != MAP_FAILED) {
		CHECK(q != p, "it moved");
		munmap(block, PAGE);
	}
	CHECK_EQ(q[0], 0xc1);
	CHECK(shows_file(q + 1, PAGE + 1, 4 * PAGE - 1), "the grown mapping shows the file");
	q[3 * PAGE + 2] = 0xc2;
	CHECK_EQ(byte_at(fd, 4 * PAGE + 2), 0xc2);
	/* Shrink in place. */
	unsigned char *r = mremap(q, 4 * PAGE, PAGE, 0);
	CHECK(r == q, "mremap shrinks in place");
	CHECK_TOUCH(q + PAGE, TOUCH_READ, SIGSEGV, SEGV_MAPERR);
	/* Move to a chosen place. */
	unsigned char *to = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mremap(q, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to + PAGE);
	CHECK(r == to + PAGE, "mremap MREMAP_FIXED moves it");
	CHECK_EQ(r[0], 0xc1);
	r[1] = 0xc3;
	CHECK_EQ(byte_at(fd, PAGE + 1), 0xc3);
	CHECK_TOUCH(q, TOUCH_READ, SIGSEGV, SEGV_MAPERR);
	munmap(to, 2 * PAGE);
	close(fd);
}

static void residency(void)
{
	int fd = make_pattern_file("core", 4 * PAGE);
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		BAIL("mmap for mincore");
	volatile unsigned sum = 0;
	for (size_t i = 0; i < 4; i++)
		sum += p[i * PAGE];
	(void)sum;
	unsigned char vec[4] = { 0, 0, 0, 0 };
	CHECK_OK(mincore(p, 4 * PAGE, vec));
	CHECK((vec[0] & vec[1] & vec[2] & vec[3] & 1) == 1, "mincore: touched pages are resident");
	CHECK_ERR(mincore(p + 1, PAGE, vec), EINVAL);
	CHECK_OK(munmap(p + 2 * PAGE, 2 * PAGE));
	CHECK_ERR(mincore(p, 4 * PAGE, vec), ENOMEM);
	CHECK_OK(munmap(p, 2 * PAGE));
	close(fd);
}

static void dontneed(void)
{
	int fd = make_pattern_file("dontneed", 2 * PAGE);
	unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	unsigned char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || s == MAP_FAILED)
		BAIL("mmap for madvise");
	p[3] = 0xd1;
	p[PAGE + 3] = 0xd2;
	CHECK_OK(madvise(p, 2 * PAGE, MADV_DONTNEED));
	CHECK(shows_file(p, 0, 2 * PAGE), "MADV_DONTNEED: the private mapping shows the file again");
	s[8] = 0xd3;
	CHECK_OK(madvise(s, 2 * PAGE, MADV_DONTNEED));
	CHECK_EQ(s[8], 0xd3);
	/* The private mapping now follows the file again. */
	CHECK_EQ(p[8], 0xd3);
	CHECK_OK(madvise(p, 2 * PAGE, MADV_WILLNEED));
	CHECK_OK(munmap(p, 2 * PAGE));
	CHECK_OK(munmap(s, 2 * PAGE));
	close(fd);
}

static void memfd(void)
{
	int fd = memfd_create("sole-memfd", MFD_CLOEXEC);
	CHECK(fd >= 0, "memfd_create");
	if (fd < 0)
		return;
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "MFD_CLOEXEC sets FD_CLOEXEC");
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK(S_ISREG(st.st_mode), "a memfd is a regular file");
	CHECK_EQ(st.st_size, 0);
	CHECK_RET(write(fd, "memfd!", 6), 6);
	CHECK_OK(ftruncate(fd, 2 * PAGE));
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, 2 * PAGE);
	unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "a shared mapping of a memfd");
	if (p != MAP_FAILED) {
		CHECK_MEM(p, "memfd!", 6);
		CHECK(all_zero(p + 6, 2 * PAGE - 6), "the rest is zero");
		memcpy(p + PAGE, "mapped", 6);
		char buf[8] = { 0 };
		CHECK_RET(pread(fd, buf, 6, PAGE), 6);
		CHECK_STR(buf, "mapped");
		unsigned char *q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
		CHECK(q != MAP_FAILED && memcmp(q, "mapped", 6) == 0, "a second mapping sees it");
		if (q != MAP_FAILED)
			munmap(q, PAGE);
		CHECK_OK(ftruncate(fd, PAGE));
		CHECK_TOUCH(p + PAGE, TOUCH_READ, SIGBUS, BUS_ADRERR);
		munmap(p, 2 * PAGE);
	}
	close(fd);

	fd = memfd_create("plain", 0);
	CHECK(fd >= 0 && !(fcntl(fd, F_GETFD) & FD_CLOEXEC), "memfd_create without MFD_CLOEXEC");
	close(fd);
	CHECK_ERR(memfd_create("bad", 0x1000), EINVAL);
	char long_name[300];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	CHECK_ERR(memfd_create(long_name, 0), EINVAL);
}

int main(void)
{
	scratch();
	shared_writes();
	truncation();
	access_errors();
	remap();
	residency();
	dontneed();
	memfd();
	return finish();
}
