/* brk(2): the break grows into zeroed writable memory and shrinks; a
 * request it cannot grant (below the heap, into the upper half, over
 * another mapping) leaves it where it was: the system call returns the
 * current break, never -1. */
#include "sole_test.h"
#include <sys/mman.h>

static uintptr_t brk_call(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void)
{
	/* stdout's buffer must not come from malloc: in a dynamic program the
	 * first printf would move the break under the test (glibc's malloc
	 * grows its heap with brk), and shrinking it would take the buffer. */
	static char out[BUFSIZ];
	setvbuf(stdout, out, _IOFBF, sizeof out);
	uintptr_t start = brk_call(0);
	CHECK(start != 0 && start != (uintptr_t)-1, "brk(0) gives the break (%#lx)",
	      (unsigned long)start);
	CHECK_EQ(brk_call(0), start);

	/* Grow by 1 MiB: zeroed, writable. */
	uintptr_t want = start + (1 << 20);
	CHECK_EQ(brk_call(want), want);
	CHECK_EQ(brk_call(0), want);
	unsigned char *mem = (unsigned char *)start;
	int nonzero = 0;
	for (size_t i = 0; i < (1 << 20); i += 512)
		nonzero += mem[i] != 0;
	CHECK_EQ(nonzero, 0);
	memset(mem, 0xab, 1 << 20);
	CHECK_EQ(mem[(1 << 20) - 1], 0xab);

	/* Shrink, then grow again: the memory comes back zeroed (the pages
	 * were given back). */
	uintptr_t page = 4096;
	uintptr_t low = (start + page - 1) & ~(page - 1);
	CHECK_EQ(brk_call(low + page), low + page);
	CHECK_EQ(brk_call(want), want);
	CHECK_EQ(mem[(1 << 20) - 1], 0);
	CHECK_EQ(((unsigned char *)low)[page + 10], 0);

	/* Unaligned breaks are kept as given. */
	CHECK_EQ(brk_call(want + 3), want + 3);
	CHECK_EQ(brk_call(0), want + 3);

	/* Below the start of the heap, into the upper half, or over another
	 * mapping, nothing changes. */
	CHECK_EQ(brk_call(start - (64 << 20)), want + 3);
	CHECK_EQ(brk_call((uintptr_t)BAD_DIRECT_MAP), want + 3);
	uintptr_t in_way = ((want + 3 + page - 1) & ~(page - 1)) + 16 * page;
	void *blocker = mmap((void *)in_way, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			     MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(blocker == (void *)in_way, "a mapping above the break");
	CHECK_EQ(brk_call(in_way + 2 * page), want + 3);
	CHECK_EQ(brk_call(0), want + 3);
	/* Up to the mapping is fine. */
	CHECK_EQ(brk_call(in_way - page), in_way - page);
	munmap(blocker, page);

	CHECK_EQ(brk_call(start), start);
	return finish();
}
