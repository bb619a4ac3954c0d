/* getpid(2), gettid(2), getppid(2), getuid/geteuid/getgid/getegid(2),
 * getresuid/getresgid(2), getgroups(2): consistent answers for a
 * single-threaded process; EINVAL, EFAULT. */
#include "sole_test.h"

int main(void)
{
	pid_t pid = getpid();
	CHECK(pid > 0, "getpid() > 0 (%d)", (int)pid);
	CHECK_EQ(syscall(SYS_getpid), pid);
	CHECK_EQ(getpid(), pid);
	/* The only thread's id is the process id. */
	CHECK_EQ(syscall(SYS_gettid), pid);
	CHECK(getppid() >= 0, "getppid() >= 0 (%d)", (int)getppid());
	CHECK(getppid() != pid, "the parent is not the process");

	uid_t uid = getuid();
	gid_t gid = getgid();
	CHECK_EQ(geteuid(), uid);
	CHECK_EQ(getegid(), gid);
	CHECK_EQ(syscall(SYS_getuid), uid);
	CHECK_EQ(syscall(SYS_getgid), gid);
	uid_t r, e, s;
	CHECK_OK(getresuid(&r, &e, &s));
	CHECK(r == uid && e == uid && s == uid, "getresuid: %u %u %u", r, e, s);
	gid_t rg, eg, sg;
	CHECK_OK(getresgid(&rg, &eg, &sg));
	CHECK(rg == gid && eg == gid && sg == gid, "getresgid: %u %u %u", rg, eg, sg);
	CHECK_ERR(syscall(SYS_getresuid, BAD_LOW, &e, &s), EFAULT);
	CHECK_ERR(syscall(SYS_getresgid, &rg, &eg, BAD_KERNEL_IMAGE), EFAULT);

	/* getgroups: size 0 asks for the count. */
	int n = CHECK_OK(getgroups(0, NULL));
	CHECK(n >= 0 && n <= 65536, "a sane number of groups (%d)", n);
	gid_t groups[65536 / 16];
	if (n <= (int)(sizeof groups / sizeof groups[0])) {
		CHECK_RET(getgroups(n, groups), n);
		/* A list too small for the groups (a size of 0 would ask for
		 * the count). */
		if (n >= 2)
			CHECK_ERR(syscall(SYS_getgroups, n - 1, groups), EINVAL);
	}
	CHECK_ERR(syscall(SYS_getgroups, -1, groups), EINVAL);
	if (n > 0)
		CHECK_ERR(syscall(SYS_getgroups, n, BAD_LOW), EFAULT);
	return finish();
}
