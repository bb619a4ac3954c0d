/* mmap(2) flags beyond the basics, on anonymous and file mappings:
 * MAP_FIXED_NOREPLACE over any part of an existing mapping fails with EEXIST
 * and leaves it alone; MAP_NORESERVE; MAP_POPULATE makes every page
 * resident at once (mincore(2)), where an untouched mapping has none and
 * MADV_DONTNEED drops them again; a MAP_GROWSDOWN mapping grows down when
 * touched below; MAP_STACK is accepted;
 * MAP_SHARED_VALIDATE refuses a flag the file cannot honour (MAP_SYNC)
 * with EOPNOTSUPP; and the argument errors of a file mapping: length 0
 * (EINVAL), a closed or negative fd (EBADF), an unaligned offset (EINVAL),
 * an offset past the largest file size (EOVERFLOW). */
#include "sole_test.h"
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define PAGE 4096UL

/* How many of the n pages at p mincore(2) says are resident; -1 on error. */
static int resident(void *p, size_t n)
{
	unsigned char vec[64];
	if (n > sizeof vec || mincore(p, n * PAGE, vec) != 0)
		return -1;
	int count = 0;
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	return count;
}

static void noreplace(int fd)
{
	/* Eight free pages: the file mapping in the middle four. */
	unsigned char *r = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED || munmap(r, 8 * PAGE) != 0)
		BAIL("reserve");
	unsigned char *p = mmap(r + 2 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	if (p != r + 2 * PAGE)
		BAIL("mmap MAP_FIXED_NOREPLACE on free space");
	p[PAGE] = 0x61;
	/* Over all of it, over its tail and past, over its head from before. */
	CHECK(mmap(p, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
			      MAP_FAILED &&
		      errno == EEXIST,
	      "MAP_FIXED_NOREPLACE over a file mapping: EEXIST");
	CHECK(mmap(p + 3 * PAGE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0) ==
			      MAP_FAILED &&
		      errno == EEXIST,
	      "MAP_FIXED_NOREPLACE over its last page and beyond: EEXIST");
	CHECK(mmap(r, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		   0) == MAP_FAILED &&
		      errno == EEXIST,
	      "MAP_FIXED_NOREPLACE from free space into the mapping: EEXIST");
	CHECK_EQ(p[PAGE], 0x61);
	CHECK_EQ(p[0], 'F');
	/* The free pages next to it stayed free, and can be had. */
	unsigned char *next = mmap(p + 4 * PAGE, 2 * PAGE, PROT_READ,
				   MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	CHECK(next == p + 4 * PAGE, "MAP_FIXED_NOREPLACE right after the mapping");
	if (next != MAP_FAILED)
		CHECK_EQ(next[PAGE], 'F');
	unsigned char *prev = mmap(r, 2 * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(prev == r, "MAP_FIXED_NOREPLACE right before the mapping");
	CHECK_OK(munmap(r, 8 * PAGE));
}

static void populate(int fd)
{
	/* Anonymous: nothing resident until touched... */
	unsigned char *a = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		BAIL("mmap");
	CHECK_EQ(resident(a, 16), 0);
	a[3 * PAGE] = 1;
	CHECK_EQ(resident(a, 16), 1);
	CHECK_OK(munmap(a, 16 * PAGE));

	/* ... with MAP_POPULATE, everything at once. */
	a = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		 -1, 0);
	CHECK(a != MAP_FAILED, "MAP_POPULATE, anonymous");
	if (a != MAP_FAILED) {
		CHECK_EQ(resident(a, 16), 16);
		CHECK_EQ(a[5 * PAGE + 5], 0);
		CHECK_OK(madvise(a, 16 * PAGE, MADV_DONTNEED));
		CHECK_EQ(resident(a, 16), 0);
		CHECK_OK(munmap(a, 16 * PAGE));
	}

	/* A file mapping, private and shared. */
	unsigned char *f = mmap(NULL, 4 * PAGE, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	CHECK(f != MAP_FAILED, "MAP_POPULATE, file, private");
	if (f != MAP_FAILED) {
		CHECK_EQ(resident(f, 4), 4);
		CHECK_EQ(f[2 * PAGE], 'F');
		CHECK_OK(munmap(f, 4 * PAGE));
	}
	f = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	CHECK(f != MAP_FAILED, "MAP_POPULATE, file, shared");
	if (f != MAP_FAILED) {
		CHECK_EQ(resident(f, 4), 4);
		CHECK_OK(munmap(f, 4 * PAGE));
	}
}

static void accepted(int fd)
{
	/* MAP_NORESERVE: a lazy mapping like any other. */
	size_t big = 64UL << 20;
	unsigned char *n = mmap(NULL, big, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(n != MAP_FAILED, "MAP_NORESERVE, anonymous, 64 MiB");
	if (n != MAP_FAILED) {
		n[big - 1] = 9;
		CHECK_EQ(n[big - 1] + n[0], 9);
		CHECK_OK(munmap(n, big));
	}
	n = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
	CHECK(n != MAP_FAILED && n[0] == 'F', "MAP_NORESERVE, file");
	if (n != MAP_FAILED)
		munmap(n, 2 * PAGE);

	/* MAP_GROWSDOWN: a mapping for a stack, usable as one. */
	unsigned char *g = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	CHECK(g != MAP_FAILED, "MAP_GROWSDOWN");
	if (g != MAP_FAILED) {
		g[8 * PAGE - 1] = 1;
		g[0] = 2;
		CHECK_EQ(g[8 * PAGE - 1] + g[0], 3);
		/* A touch below it grows it down (the guard gap under it is
		 * kept free), as the stack grows. */
		CHECK_TOUCH(g - 3 * PAGE, TOUCH_WRITE, 0, 0);
		CHECK_EQ(resident(g - 3 * PAGE, 1), 1);
		CHECK_OK(munmap(g - 3 * PAGE, 11 * PAGE));
	}
	unsigned char *s = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	CHECK(s != MAP_FAILED, "MAP_STACK");
	if (s != MAP_FAILED)
		munmap(s, 4 * PAGE);

	/* MAP_SHARED_VALIDATE: known flags work, MAP_SYNC needs DAX. */
	unsigned char *v = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE, fd, 0);
	CHECK(v != MAP_FAILED && v[0] == 'F', "MAP_SHARED_VALIDATE");
	if (v != MAP_FAILED)
		munmap(v, PAGE);
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0) == MAP_FAILED &&
		      errno == EOPNOTSUPP,
	      "MAP_SHARED_VALIDATE | MAP_SYNC on a plain file: EOPNOTSUPP");
}

static void errors(int fd)
{
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "a file mapping of length 0: EINVAL");
	CHECK(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "a shared file mapping of length 0: EINVAL");
	int closed = dup(fd);
	close(closed);
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, closed, 0) == MAP_FAILED && errno == EBADF,
	      "a closed fd: EBADF");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, -5, 0) == MAP_FAILED && errno == EBADF,
	      "a negative fd: EBADF");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL,
	      "an unaligned offset: EINVAL");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE / 2) == MAP_FAILED &&
		      errno == EINVAL,
	      "a half-page offset, shared: EINVAL");
	CHECK(mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, (off_t)0x7ffffffffffff000LL) ==
			      MAP_FAILED &&
		      errno == EOVERFLOW,
	      "an offset near the largest file size: EOVERFLOW");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_FIXED, fd, 0) == MAP_FAILED && errno == EINVAL,
	      "a file mapping neither private nor shared: EINVAL");
}

int main(void)
{
	scratch();
	static char data[4 * PAGE];
	memset(data, 'F', sizeof data);
	int fd = open("file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data)
		BAIL("cannot write the test file");
	noreplace(fd);
	populate(fd);
	accepted(fd);
	errors(fd);
	close(fd);
	return finish();
}
