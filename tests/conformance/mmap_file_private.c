/* mmap(2) of a regular file with MAP_PRIVATE: the mapping shows the file
 * (from offset 0 and from a page offset), the last partial page reads as
 * zeros past EOF, writes are copy-on-write (the file, read(2) and other
 * mappings keep the old bytes; a copied page no longer follows the file),
 * PROT_WRITE is allowed on an O_RDONLY descriptor, mprotect(PROT_READ)
 * makes a write raise SIGSEGV (SEGV_ACCERR), MAP_FIXED replaces part of a
 * file mapping, munmap of a part leaves a hole (SEGV_MAPERR), the mapping
 * outlives close(2), and a page wholly past EOF raises SIGBUS (BUS_ADRERR)
 * with si_addr the address touched, whether read or written. */
#include "sole_test.h"
#include <sys/mman.h>

#define PAGE 4096UL

/* The byte the test file holds at offset i. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / PAGE + 1);
}

/* Whether n bytes at p equal the file's bytes from offset off. */
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

int main(void)
{
	scratch();
	/* Three pages and 100 bytes. */
	const size_t size = 3 * PAGE + 100;
	static unsigned char data[3 * PAGE + 100];
	for (size_t i = 0; i < size; i++)
		data[i] = pattern(i);
	int fd = open("data", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		BAIL("cannot write the test file");

	/* The whole file, rounded up to four pages. */
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		BAIL("mmap of the file");
	CHECK_EQ((uintptr_t)p % PAGE, 0);
	CHECK(shows_file(p, 0, size), "the mapping shows the file");
	CHECK(all_zero(p + size, 4 * PAGE - size), "the last page is zero past EOF");

	/* A mapping from a page offset. */
	unsigned char *q = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	CHECK(q != MAP_FAILED, "a mapping from offset 2 pages");
	if (q != MAP_FAILED) {
		CHECK(shows_file(q, 2 * PAGE, PAGE + 100), "it shows the file from that offset");
		CHECK(all_zero(q + PAGE + 100, PAGE - 100), "and zeros past EOF");
		CHECK_OK(munmap(q, 2 * PAGE));
	}

	/* Writes stay in the mapping. */
	p[10] = 0xee;
	p[2 * PAGE + 5] = 0xdd;
	p[size + 1] = 0xcc; /* past EOF, in the last page: private too */
	CHECK_EQ(p[10], 0xee);
	CHECK_EQ(p[size + 1], 0xcc);
	unsigned char buf[PAGE];
	CHECK_RET(pread(fd, buf, 16, 0), 16);
	CHECK_EQ(buf[10], pattern(10));
	CHECK_RET(pread(fd, buf, 8, 2 * PAGE), 8);
	CHECK_EQ(buf[5], pattern(2 * PAGE + 5));
	struct stat st;
	CHECK_OK(fstat(fd, &st));
	CHECK_EQ(st.st_size, size);
	q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(q != MAP_FAILED && q[10] == pattern(10), "another mapping shows the file, not the write");
	if (q != MAP_FAILED)
		munmap(q, PAGE);

	/* A copied page keeps its own bytes when the file changes later. */
	unsigned char z = 0x11;
	CHECK_RET(pwrite(fd, &z, 1, 20), 1);
	CHECK_EQ(p[20], pattern(20));
	CHECK_EQ(p[10], 0xee);
	CHECK_RET(pwrite(fd, &data[20], 1, 20), 1);

	/* PROT_WRITE on a private mapping of a read-only descriptor is fine. */
	int ro = open("data", O_RDONLY);
	if (ro < 0)
		BAIL("open O_RDONLY");
	q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	CHECK(q != MAP_FAILED, "MAP_PRIVATE with PROT_WRITE of an O_RDONLY fd");
	if (q != MAP_FAILED) {
		q[0] = 0x42;
		CHECK_EQ(q[0], 0x42);
		CHECK_RET(pread(ro, buf, 1, 0), 1);
		CHECK_EQ(buf[0], pattern(0));
		munmap(q, PAGE);
	}
	close(ro);

	/* mprotect: read-only, then writable again; contents kept. */
	CHECK_OK(mprotect(p, 2 * PAGE, PROT_READ));
	CHECK_TOUCH(p + 10, TOUCH_WRITE, SIGSEGV, SEGV_ACCERR);
	CHECK_TOUCH(p + PAGE + 3, TOUCH_WRITE, SIGSEGV, SEGV_ACCERR);
	CHECK_EQ(p[10], 0xee);
	CHECK_EQ(p[PAGE + 3], pattern(PAGE + 3));
	CHECK_TOUCH(p + 2 * PAGE, TOUCH_WRITE, 0, 0);
	CHECK_OK(mprotect(p, 2 * PAGE, PROT_NONE));
	CHECK_TOUCH(p + PAGE, TOUCH_READ, SIGSEGV, SEGV_ACCERR);
	CHECK_OK(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE));
	CHECK_EQ(p[10], 0xee);
	CHECK(shows_file(p + PAGE, PAGE, PAGE), "page 1 still shows the file");
	CHECK_TOUCH(p + PAGE + 3, TOUCH_WRITE, 0, 0);
	CHECK_EQ(p[PAGE + 3], 0x5a);

	/* MAP_FIXED over page 1: anonymous zeros there, the rest unchanged. */
	void *r = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		       -1, 0);
	CHECK(r == p + PAGE, "MAP_FIXED over page 1");
	CHECK(all_zero(p + PAGE, PAGE), "page 1 is now zero");
	CHECK_EQ(p[10], 0xee);
	CHECK_EQ(p[2 * PAGE + 5], 0xdd);
	CHECK(shows_file(p + 3 * PAGE, 3 * PAGE, 100), "page 3 still shows the file");
	/* ... and the file again over it, from another offset. */
	r = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 3 * PAGE);
	CHECK(r == p + PAGE, "MAP_FIXED of the file's page 3 at page 1");
	CHECK(shows_file(p + PAGE, 3 * PAGE, 100), "page 1 shows the file's page 3");

	/* munmap of page 2 leaves a hole; its neighbours stay. */
	CHECK_OK(munmap(p + 2 * PAGE, PAGE));
	CHECK_TOUCH(p + 2 * PAGE + 8, TOUCH_READ, SIGSEGV, SEGV_MAPERR);
	CHECK_EQ(p[3 * PAGE + 1], pattern(3 * PAGE + 1));
	CHECK_EQ(p[size + 1], 0xcc);
	CHECK_OK(munmap(p, 4 * PAGE));

	/* The mapping outlives the descriptor. */
	q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	CHECK(q != MAP_FAILED, "a mapping of page 1");
	CHECK_OK(close(fd));
	if (q != MAP_FAILED) {
		CHECK(shows_file(q, PAGE, PAGE), "it still shows the file after close");
		munmap(q, PAGE);
	}

	/* Beyond EOF: the file is 1.5 pages, the mapping four. */
	fd = open("short", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, PAGE + PAGE / 2) != (ssize_t)(PAGE + PAGE / 2))
		BAIL("cannot write the short file");
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		BAIL("mmap past EOF");
	CHECK(shows_file(p, 0, PAGE + PAGE / 2), "the short file shows");
	CHECK(all_zero(p + PAGE + PAGE / 2, PAGE / 2), "its partial page is zero past EOF");
	CHECK_TOUCH(p + PAGE + PAGE / 2 + 7, TOUCH_WRITE, 0, 0);
	CHECK_TOUCH(p + 2 * PAGE, TOUCH_READ, SIGBUS, BUS_ADRERR);
	CHECK_TOUCH(p + 3 * PAGE + 123, TOUCH_READ, SIGBUS, BUS_ADRERR);
	CHECK_TOUCH(p + 2 * PAGE + 9, TOUCH_WRITE, SIGBUS, BUS_ADRERR);
	/* A mapping that starts past EOF is made; touching it faults. */
	q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 4 * PAGE);
	CHECK(q != MAP_FAILED, "a mapping wholly past EOF is made");
	if (q != MAP_FAILED) {
		CHECK_TOUCH(q, TOUCH_READ, SIGBUS, BUS_ADRERR);
		munmap(q, PAGE);
	}
	/* The file grows: the page past the old EOF shows the new bytes. */
	CHECK_RET(pwrite(fd, data, PAGE, 2 * PAGE), (ssize_t)PAGE);
	CHECK_TOUCH(p + 2 * PAGE, TOUCH_READ, 0, 0);
	CHECK(shows_file(p + 2 * PAGE, 0, PAGE), "a page the file grew into shows it");
	CHECK_OK(munmap(p, 4 * PAGE));
	close(fd);

	/* An empty file maps, and faults at once. */
	fd = open("empty", O_RDWR | O_CREAT | O_TRUNC, 0644);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "an empty file maps");
	if (p != MAP_FAILED) {
		CHECK_TOUCH(p, TOUCH_READ, SIGBUS, BUS_ADRERR);
		munmap(p, PAGE);
	}
	close(fd);
	return finish();
}
