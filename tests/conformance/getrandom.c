/* getrandom(2): full reads of random bytes that differ between calls,
 * GRND_NONBLOCK and GRND_RANDOM, a length of 0; EINVAL, EFAULT. */
#include "sole_test.h"
#include <sys/random.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

int main(void)
{
	unsigned char a[64], b[64], big[4096];

	CHECK_RET(getrandom(a, sizeof a, 0), 64);
	CHECK_RET(getrandom(b, sizeof b, 0), 64);
	CHECK(memcmp(a, b, sizeof a) != 0, "two reads differ");
	CHECK_RET(getrandom(a, sizeof a, GRND_NONBLOCK), 64);
	CHECK_RET(getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK), 16);
	CHECK_RET(getrandom(a, sizeof a, GRND_INSECURE), 64);
	CHECK_RET(getrandom(a, 0, 0), 0);

	/* Up to 256 bytes never come back short; bigger reads may, but
	 * give something. */
	CHECK_RET(getrandom(big, 256, 0), 256);
	long n = CHECK_OK(getrandom(big, sizeof big, 0));
	CHECK(n > 0, "a 4 KiB read gives bytes (%ld)", n);
	/* The bytes look random: every value of the low nibble shows up. */
	int seen[16] = { 0 }, kinds = 0;
	for (long i = 0; i < n; i++)
		seen[big[i] & 15] = 1;
	for (int i = 0; i < 16; i++)
		kinds += seen[i];
	CHECK_EQ(kinds, 16);

	/* Errors (getrandom(2)). */
	CHECK_ERR(getrandom(a, sizeof a, 0x80), EINVAL);
	CHECK_ERR(getrandom(a, sizeof a, GRND_INSECURE | GRND_RANDOM), EINVAL);
	CHECK_ERR(syscall(SYS_getrandom, BAD_LOW, 16, 0), EFAULT);
	CHECK_ERR(syscall(SYS_getrandom, BAD_KERNEL_IMAGE, 16, 0), EFAULT);
	CHECK_ERR(syscall(SYS_getrandom, BAD_DIRECT_MAP, 16, 0), EFAULT);
	return finish();
}
