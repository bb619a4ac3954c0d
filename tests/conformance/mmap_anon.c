/* mmap(2) and munmap(2) for anonymous memory: zeroed pages, private and
 * shared, MAP_FIXED and MAP_FIXED_NOREPLACE, hints, holes punched by
 * munmap; EINVAL, EBADF, EEXIST, ENOMEM. */
#include "sole_test.h"
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL

static int mapped(void *addr)
{
	/* madvise on a range with unmapped pages fails with ENOMEM. */
	return madvise(addr, PAGE, MADV_NORMAL) == 0;
}

int main(void)
{
	size_t len = 16 * PAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "a private anonymous mapping");
	if (p == MAP_FAILED)
		return finish();
	CHECK_EQ((uintptr_t)p % PAGE, 0);
	CHECK((uintptr_t)p < ((uintptr_t)1 << 47), "in the lower half");
	int nonzero = 0;
	for (size_t i = 0; i < len; i++)
		nonzero += p[i] != 0;
	CHECK_EQ(nonzero, 0);
	memset(p, 0x5a, len);
	CHECK_EQ(p[len - 1], 0x5a);

	/* Punch a hole in the middle; the rest stays. */
	CHECK_OK(munmap(p + 4 * PAGE, 2 * PAGE));
	CHECK(!mapped(p + 4 * PAGE) && !mapped(p + 5 * PAGE), "the hole is unmapped");
	CHECK(mapped(p + 3 * PAGE) && mapped(p + 6 * PAGE), "the rest is mapped");
	CHECK_EQ(p[3 * PAGE], 0x5a);
	CHECK_EQ(p[6 * PAGE], 0x5a);

	/* MAP_FIXED fills the hole with fresh zero pages. */
	void *q = mmap(p + 4 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + 4 * PAGE, "MAP_FIXED maps where asked");
	CHECK_EQ(p[4 * PAGE], 0);
	/* MAP_FIXED over existing pages replaces them. */
	q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p, "MAP_FIXED over a mapping");
	CHECK_EQ(p[0], 0);
	CHECK_EQ(p[PAGE], 0x5a);
	/* MAP_FIXED_NOREPLACE refuses to. */
	q = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping: EEXIST");
	CHECK_OK(munmap(p, len));
	CHECK(!mapped(p) && !mapped(p + len - PAGE), "all unmapped");
	/* Unmapping what is not mapped is fine. */
	CHECK_OK(munmap(p, len));

	/* A hint is honoured when free. */
	q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q == p, "a free hint is used");
	munmap(q, PAGE);
	q = mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == p, "MAP_FIXED_NOREPLACE on free space");
	munmap(q, PAGE);

	/* Shared anonymous memory, and PROT_NONE reservations. */
	unsigned char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED, "a shared anonymous mapping");
	if (s != MAP_FAILED) {
		s[100] = 7;
		CHECK_EQ(s[100], 7);
		CHECK_OK(munmap(s, PAGE));
	}
	void *none = mmap(NULL, 64 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(none != MAP_FAILED, "a PROT_NONE reservation");
	CHECK_OK(munmap(none, 64 * PAGE));

	/* A length that is not a page multiple is rounded up. */
	unsigned char *odd = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(odd != MAP_FAILED, "a 10-byte mapping");
	if (odd != MAP_FAILED) {
		odd[PAGE - 1] = 1;
		CHECK_OK(munmap(odd, 10));
	}

	/* Lots of small mappings, then freed. */
	void *many[256];
	int ok = 0;
	for (int i = 0; i < 256; i++) {
		many[i] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (many[i] != MAP_FAILED) {
			*(int *)many[i] = i;
			ok++;
		}
	}
	CHECK_EQ(ok, 256);
	int intact = 0;
	for (int i = 0; i < 256; i++)
		if (many[i] != MAP_FAILED) {
			intact += *(int *)many[i] == i;
			munmap(many[i], PAGE);
		}
	CHECK_EQ(intact, 256);

	/* A large mapping is lazy: only touched pages cost memory. */
	size_t big = 1UL << 30;
	unsigned char *g = mmap(NULL, big, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(g != MAP_FAILED, "a 1 GiB lazy mapping");
	if (g != MAP_FAILED) {
		g[0] = 1;
		g[big / 2] = 2;
		g[big - 1] = 3;
		CHECK_EQ(g[0] + g[big / 2] + g[big - 1], 6);
		CHECK_OK(munmap(g, big));
	}

	/* Errors (mmap(2)). */
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	CHECK(mmap(NULL, 0, PROT_READ, flags, -1, 0) == MAP_FAILED && errno == EINVAL,
	      "length 0: EINVAL");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL,
	      "neither private nor shared: EINVAL");
	CHECK(mmap((void *)0x10001000UL + 1, PAGE, PROT_READ, flags | MAP_FIXED, -1, 0) ==
			      MAP_FAILED &&
		      errno == EINVAL,
	      "unaligned MAP_FIXED: EINVAL");
	CHECK(mmap(NULL, PAGE, PROT_READ, flags, -1, 1) == MAP_FAILED && errno == EINVAL,
	      "unaligned offset: EINVAL");
	CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED && errno == EBADF,
	      "a file mapping of fd -1: EBADF");
	CHECK(mmap(NULL, (size_t)1 << 62, PROT_READ, flags, -1, 0) == MAP_FAILED &&
		      errno == ENOMEM,
	      "more than the address space: ENOMEM");
	CHECK(mmap(NULL, (size_t)-PAGE, PROT_READ, flags, -1, 0) == MAP_FAILED && errno == ENOMEM,
	      "a length that overflows: ENOMEM");
	CHECK(mmap(BAD_DIRECT_MAP, PAGE, PROT_READ, flags | MAP_FIXED, -1, 0) == MAP_FAILED &&
		      errno == ENOMEM,
	      "MAP_FIXED in the upper half: ENOMEM");
	CHECK_ERR(munmap((char *)p + 1, PAGE), EINVAL);
	CHECK_ERR(munmap(p, 0), EINVAL);
	CHECK_ERR(munmap(BAD_KERNEL_IMAGE, PAGE), EINVAL);
	return finish();
}
