/* mremap(2): growing in place or moving with MREMAP_MAYMOVE (contents
 * kept, new pages zeroed), shrinking, MREMAP_FIXED; EINVAL, ENOMEM, EFAULT. */
#include "sole_test.h"
#include <sys/mman.h>

#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

#define PAGE 4096UL

int main(void)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		BAIL("mmap");
	for (size_t i = 0; i < 4 * PAGE; i++)
		p[i] = (unsigned char)(i % 251);

	/* Shrink in place. */
	void *q = mremap(p, 4 * PAGE, 2 * PAGE, 0);
	CHECK(q == p, "shrinking stays in place");
	CHECK_ERR(madvise(p + 2 * PAGE, PAGE, MADV_NORMAL), ENOMEM);

	/* Grow: block the way with another mapping so it has to move. */
	void *block = mmap(p + 2 * PAGE, PAGE, PROT_READ, flags | MAP_FIXED, -1, 0);
	CHECK(block == p + 2 * PAGE, "a blocker after the mapping");
	q = mremap(p, 2 * PAGE, 8 * PAGE, 0);
	CHECK(q == MAP_FAILED && errno == ENOMEM, "blocked without MREMAP_MAYMOVE: ENOMEM");
	unsigned char *m = mremap(p, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	CHECK(m != MAP_FAILED, "MREMAP_MAYMOVE moves");
	if (m == MAP_FAILED)
		return finish();
	CHECK(m != p, "to a new address");
	int wrong = 0;
	for (size_t i = 0; i < 2 * PAGE; i++)
		wrong += m[i] != (unsigned char)(i % 251);
	CHECK_EQ(wrong, 0);
	int nonzero = 0;
	for (size_t i = 2 * PAGE; i < 8 * PAGE; i++)
		nonzero += m[i] != 0;
	CHECK_EQ(nonzero, 0);
	m[8 * PAGE - 1] = 9;
	CHECK_ERR(madvise(p, PAGE, MADV_NORMAL), ENOMEM);
	munmap(block, PAGE);

	/* MREMAP_FIXED to a chosen address. */
	unsigned char *target = mmap(NULL, 16 * PAGE, PROT_NONE, flags, -1, 0);
	if (target == MAP_FAILED)
		BAIL("mmap");
	unsigned char *f = mremap(m, 8 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target + 4 * PAGE);
	CHECK(f == target + 4 * PAGE, "MREMAP_FIXED moves to the address given");
	if (f != MAP_FAILED) {
		CHECK_EQ(f[1], 1);
		CHECK_EQ(f[PAGE + 3], (PAGE + 3) % 251);
	}

	/* Grow in place when there is room. */
	unsigned char *g = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
	munmap(g + PAGE, PAGE);
	void *gg = mremap(g, PAGE, 2 * PAGE, 0);
	CHECK(gg == g || (gg == MAP_FAILED && errno == ENOMEM), "in-place growth into free space");
	if (gg != MAP_FAILED) {
		g[2 * PAGE - 1] = 1;
		munmap(gg, 2 * PAGE);
	} else {
		munmap(g, PAGE);
	}

	/* Errors (mremap(2)). */
	q = mremap(target + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	CHECK(q == MAP_FAILED && errno == EINVAL, "unaligned old address: EINVAL");
	q = mremap(target, PAGE, 0, MREMAP_MAYMOVE);
	CHECK(q == MAP_FAILED && errno == EINVAL, "new size 0: EINVAL");
	q = mremap(target, PAGE, 2 * PAGE, 0x80);
	CHECK(q == MAP_FAILED && errno == EINVAL, "unknown flag: EINVAL");
	q = mremap(target, PAGE, 2 * PAGE, MREMAP_FIXED, target + 8 * PAGE);
	CHECK(q == MAP_FAILED && errno == EINVAL, "MREMAP_FIXED without MREMAP_MAYMOVE: EINVAL");
	q = mremap(target, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target + PAGE);
	CHECK(q == MAP_FAILED && errno == EINVAL, "overlapping MREMAP_FIXED: EINVAL");
	munmap(target, 16 * PAGE);
	q = mremap(target, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	CHECK(q == MAP_FAILED && errno == EFAULT, "unmapped old address: EFAULT");
	q = mremap(BAD_KERNEL_IMAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	CHECK(q == MAP_FAILED && errno == EFAULT, "kernel address: EFAULT");
	return finish();
}
