/*
 * memory: the cost of demand paging (the first write to each page of
 * 256 MiB of fresh anonymous memory) and of mmap/munmap pairs.
 */
#include <sys/mman.h>

#include "bench.h"

#define TOUCH_MIB 256
#define PAGE 4096
#define WARMUP 100
#define PAIRS 10000

int main(void)
{
	size_t size = (size_t)TOUCH_MIB << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	long long start = now_ns();
	for (size_t off = 0; off < size; off += PAGE)
		p[off] = 1;
	report("first_touch", (double)(now_ns() - start) / (size / PAGE), "ns");
	if (munmap(p, size) != 0)
		fail("munmap");

	for (int i = 0; i < WARMUP + PAIRS; i++) {
		if (i == WARMUP)
			start = now_ns();
		void *q = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q == MAP_FAILED)
			fail("mmap");
		if (munmap(q, 64 * 1024) != 0)
			fail("munmap");
	}
	report("mmap_munmap", (double)(now_ns() - start) / PAIRS, "ns");
	return 0;
}
