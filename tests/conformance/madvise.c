/* madvise(2) on anonymous memory: MADV_DONTNEED drops private pages (they
 * read back as zeros), advice that changes nothing succeeds; EINVAL,
 * ENOMEM. */
#include "sole_test.h"
#include <sys/mman.h>

#define PAGE 4096UL

int main(void)
{
	unsigned char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		BAIL("mmap");
	memset(p, 0x77, 8 * PAGE);

	CHECK_OK(madvise(p + 2 * PAGE, 2 * PAGE, MADV_DONTNEED));
	CHECK_EQ(p[2 * PAGE], 0);
	CHECK_EQ(p[4 * PAGE - 1], 0);
	CHECK_EQ(p[2 * PAGE - 1], 0x77);
	CHECK_EQ(p[4 * PAGE], 0x77);
	/* The pages are still mapped and writable. */
	p[3 * PAGE] = 1;
	CHECK_EQ(p[3 * PAGE], 1);

	CHECK_OK(madvise(p, 8 * PAGE, MADV_NORMAL));
	CHECK_OK(madvise(p, 8 * PAGE, MADV_RANDOM));
	CHECK_OK(madvise(p, 8 * PAGE, MADV_SEQUENTIAL));
	CHECK_OK(madvise(p, 8 * PAGE, MADV_WILLNEED));
	CHECK_EQ(p[0], 0x77);
	CHECK_OK(madvise(p, 0, MADV_DONTNEED));
	/* posix_madvise(3) returns its error instead of setting errno. */
	CHECK_EQ(posix_madvise(p, PAGE, POSIX_MADV_NORMAL), 0);

	/* Errors (madvise(2)). */
	CHECK_ERR(madvise(p + 1, PAGE, MADV_DONTNEED), EINVAL);
	CHECK_ERR(madvise(p, PAGE, 12345), EINVAL);
	CHECK_OK(munmap(p + 7 * PAGE, PAGE));
	CHECK_ERR(madvise(p + 7 * PAGE, PAGE, MADV_NORMAL), ENOMEM);
	CHECK_ERR(madvise(p, 8 * PAGE, MADV_NORMAL), ENOMEM);
	CHECK_OK(munmap(p, 7 * PAGE));
	return finish();
}
