/* mprotect(2) on anonymous memory: changes show in /proc/self/maps, split
 * and rejoin mappings, keep contents; EINVAL, ENOMEM. (Faults on protected
 * pages need signal delivery, which comes later.) */
#include "sole_test.h"
#include <sys/mman.h>

#define PAGE 4096UL

/* The permissions /proc/self/maps gives for the mapping holding addr, as
 * "rwxp", or "" if none. */
static void perms(void *addr, char out[5])
{
	static char maps[1 << 16];
	out[0] = 0;
	if (read_file("/proc/self/maps", maps, sizeof maps) < 0)
		return;
	for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long lo, hi;
		char p[5];
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && lo <= (uintptr_t)addr &&
		    (uintptr_t)addr < hi) {
			memcpy(out, p, 5);
			return;
		}
	}
}

int main(void)
{
	char pm[5];
	unsigned char *p = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		BAIL("mmap");
	memset(p, 0x11, 8 * PAGE);
	perms(p, pm);
	CHECK_STR(pm, "rw-p");

	/* Protect the middle: three mappings now. */
	CHECK_OK(mprotect(p + 2 * PAGE, 2 * PAGE, PROT_READ));
	perms(p + 2 * PAGE, pm);
	CHECK_STR(pm, "r--p");
	perms(p + 3 * PAGE, pm);
	CHECK_STR(pm, "r--p");
	perms(p + PAGE, pm);
	CHECK_STR(pm, "rw-p");
	perms(p + 4 * PAGE, pm);
	CHECK_STR(pm, "rw-p");
	CHECK_EQ(p[2 * PAGE], 0x11);

	CHECK_OK(mprotect(p + 5 * PAGE, PAGE, PROT_NONE));
	perms(p + 5 * PAGE, pm);
	CHECK_STR(pm, "---p");
	CHECK_OK(mprotect(p + 6 * PAGE, PAGE, PROT_READ | PROT_EXEC));
	perms(p + 6 * PAGE, pm);
	CHECK_STR(pm, "r-xp");

	/* Back to read-write: writable again, contents kept. */
	CHECK_OK(mprotect(p, 8 * PAGE, PROT_READ | PROT_WRITE));
	for (int i = 0; i < 8; i++) {
		perms(p + i * PAGE, pm);
		CHECK_STR(pm, "rw-p");
	}
	p[5 * PAGE] += 1;
	CHECK_EQ(p[5 * PAGE], 0x12);
	CHECK_EQ(p[2 * PAGE + 7], 0x11);
	/* A length that is not a page multiple covers the partial page. */
	CHECK_OK(mprotect(p, PAGE + 1, PROT_READ));
	perms(p + PAGE, pm);
	CHECK_STR(pm, "r--p");
	CHECK_OK(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE));
	/* Length 0 succeeds. */
	CHECK_OK(mprotect(p, 0, PROT_READ));

	/* Errors (mprotect(2)). */
	/* musl rounds the address down itself; ask the kernel. */
	CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);
	CHECK_ERR(mprotect(p, PAGE, 0x100), EINVAL);
	CHECK_OK(munmap(p + 7 * PAGE, PAGE));
	CHECK_ERR(mprotect(p, 8 * PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(mprotect(p + 7 * PAGE, PAGE, PROT_READ), ENOMEM);
	CHECK_ERR(mprotect(BAD_KERNEL_IMAGE, PAGE, PROT_READ | PROT_WRITE), ENOMEM);
	CHECK_ERR(mprotect(BAD_DIRECT_MAP, PAGE, PROT_READ), ENOMEM);
	CHECK_OK(munmap(p, 7 * PAGE));
	return finish();
}
