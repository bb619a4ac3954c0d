/* getrlimit(2), setrlimit(2), prlimit64(2): reading every resource,
 * lowering a soft limit and seeing it enforced (RLIMIT_NOFILE: EMFILE from
 * open, dup and pipe; EBADF/EINVAL from dup2/F_DUPFD past it); EINVAL,
 * ESRCH, EFAULT. Raising a hard limit is not tested: root may, others
 * may not. */
#include "sole_test.h"
#include <sys/resource.h>

struct rlimit64_abi {
	uint64_t cur, max;
};

static long prlimit_call(pid_t pid, int resource, const struct rlimit64_abi *new,
			 struct rlimit64_abi *old)
{
	return syscall(SYS_prlimit64, pid, resource, new, old);
}

int main(void)
{
	scratch();
	struct rlimit rl;

	int ok = 0;
	for (int r = 0; r < RLIMIT_NLIMITS; r++) {
		if (getrlimit(r, &rl) == 0 && rl.rlim_cur <= rl.rlim_max)
			ok++;
	}
	CHECK_EQ(ok, RLIMIT_NLIMITS);

	/* getrlimit and prlimit64 agree; pid 0 and our own pid are us. */
	CHECK_OK(getrlimit(RLIMIT_STACK, &rl));
	struct rlimit64_abi old;
	CHECK_OK(prlimit_call(0, RLIMIT_STACK, NULL, &old));
	CHECK_EQ(old.cur, rl.rlim_cur);
	CHECK_EQ(old.max, rl.rlim_max);
	CHECK_OK(prlimit_call(getpid(), RLIMIT_STACK, NULL, &old));
	CHECK_EQ(old.cur, rl.rlim_cur);

	/* Lower the soft limit on descriptors to 20. */
	struct rlimit nofile;
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &nofile));
	CHECK(nofile.rlim_cur >= 64, "RLIMIT_NOFILE soft >= 64 (%lu)", (unsigned long)nofile.rlim_cur);
	struct rlimit low = { 20, nofile.rlim_max };
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &low));
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK_EQ(rl.rlim_cur, 20);
	CHECK_EQ(rl.rlim_max, nofile.rlim_max);

	make_file("f", "");
	int fds[32], n = 0;
	for (; n < 32; n++) {
		fds[n] = open("f", O_RDONLY);
		if (fds[n] < 0)
			break;
	}
	CHECK_EQ(errno, EMFILE);
	CHECK(n > 0 && fds[n - 1] == 19, "the last descriptor is 19 (%d)", n ? fds[n - 1] : -1);
	CHECK_ERR(dup(0), EMFILE);
	int p[2];
	CHECK_ERR(pipe(p), EMFILE);
	CHECK_ERR(fcntl(0, F_DUPFD, 0), EMFILE);
	CHECK_ERR(dup2(0, 20), EBADF);
	CHECK_ERR(dup2(0, 100), EBADF);
	CHECK_ERR(fcntl(0, F_DUPFD, 20), EINVAL);
	/* Freeing one lets one more in. */
	close(fds[5]);
	int again = CHECK_OK(open("f", O_RDONLY));
	CHECK_EQ(again, fds[5]);
	fds[5] = again;
	for (int i = 0; i < n; i++)
		close(fds[i]);

	/* prlimit64 sets and returns the old value at once. */
	struct rlimit64_abi set = { 30, nofile.rlim_max };
	CHECK_OK(prlimit_call(0, RLIMIT_NOFILE, &set, &old));
	CHECK_EQ(old.cur, 20);
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK_EQ(rl.rlim_cur, 30);
	CHECK_OK(setrlimit(RLIMIT_NOFILE, &nofile));
	CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
	CHECK_EQ(rl.rlim_cur, nofile.rlim_cur);

	/* Lowering and restoring another soft limit. */
	struct rlimit core;
	CHECK_OK(getrlimit(RLIMIT_CORE, &core));
	struct rlimit zero = { 0, core.rlim_max };
	CHECK_OK(setrlimit(RLIMIT_CORE, &zero));
	CHECK_OK(getrlimit(RLIMIT_CORE, &rl));
	CHECK_EQ(rl.rlim_cur, 0);
	CHECK_OK(setrlimit(RLIMIT_CORE, &core));

	/* Errors. */
	struct rlimit bad = { 10, 5 };
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	CHECK_ERR(syscall(SYS_getrlimit, 1000, &rl), EINVAL);
	CHECK_ERR(syscall(SYS_setrlimit, 1000, &nofile), EINVAL);
	CHECK_ERR(prlimit_call(0, 1000, NULL, &old), EINVAL);
	struct rlimit64_abi bad64 = { 10, 5 };
	CHECK_ERR(prlimit_call(0, RLIMIT_NOFILE, &bad64, NULL), EINVAL);
	CHECK_ERR(prlimit_call(0x7ffffff0, RLIMIT_NOFILE, NULL, &old), ESRCH);
	CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, BAD_KERNEL_IMAGE), EFAULT);
	CHECK_ERR(prlimit_call(0, RLIMIT_NOFILE, NULL, BAD_LOW), EFAULT);
	CHECK_ERR(prlimit_call(0, RLIMIT_NOFILE, BAD_DIRECT_MAP, NULL), EFAULT);
	return finish();
}
