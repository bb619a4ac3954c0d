/* setuid(2), setgid(2), setreuid(2), setregid(2), setresuid(2),
 * setresgid(2) for the single user: setting the ids a process already has
 * succeeds and changes nothing; -1 means "unchanged" where the call allows
 * it; an invalid id (-1 for setuid/setgid) is EINVAL. Changing to another
 * user is not tested: root may, others may not. */
#include "sole_test.h"

static void same_ids(uid_t uid, gid_t gid)
{
	CHECK(getuid() == uid && geteuid() == uid, "user ids unchanged (%u %u)", getuid(),
	      geteuid());
	CHECK(getgid() == gid && getegid() == gid, "group ids unchanged (%u %u)", getgid(),
	      getegid());
}

int main(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();

	/* Through the C library (musl synchronizes threads around these). */
	CHECK_OK(setuid(uid));
	CHECK_OK(setgid(gid));
	CHECK_OK(seteuid(uid));
	CHECK_OK(setegid(gid));
	CHECK_OK(setreuid(uid, uid));
	CHECK_OK(setregid(gid, gid));
	CHECK_OK(setresuid(uid, uid, uid));
	CHECK_OK(setresgid(gid, gid, gid));
	same_ids(uid, gid);

	/* Directly. */
	CHECK_OK(syscall(SYS_setuid, uid));
	CHECK_OK(syscall(SYS_setgid, gid));
	CHECK_OK(syscall(SYS_setreuid, -1, -1));
	CHECK_OK(syscall(SYS_setregid, -1, -1));
	CHECK_OK(syscall(SYS_setreuid, uid, -1));
	CHECK_OK(syscall(SYS_setregid, -1, gid));
	CHECK_OK(syscall(SYS_setresuid, -1, -1, -1));
	CHECK_OK(syscall(SYS_setresgid, -1, -1, -1));
	CHECK_OK(syscall(SYS_setresuid, uid, -1, uid));
	CHECK_OK(syscall(SYS_setresgid, -1, gid, -1));
	same_ids(uid, gid);

	/* -1 is no user or group. */
	CHECK_ERR(syscall(SYS_setuid, -1), EINVAL);
	CHECK_ERR(syscall(SYS_setgid, -1), EINVAL);
	same_ids(uid, gid);
	return finish();
}
