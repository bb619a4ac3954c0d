/* uname(2): Linux on x86_64, NUL-terminated fields, stable between calls;
 * EFAULT. */
#include "sole_test.h"
#include <sys/utsname.h>

static int terminated(const char *field, size_t size)
{
	return memchr(field, 0, size) != NULL;
}

int main(void)
{
	struct utsname u, v;
	memset(&u, 0xff, sizeof u);
	CHECK_OK(uname(&u));
	CHECK(terminated(u.sysname, sizeof u.sysname) && terminated(u.nodename, sizeof u.nodename) &&
		      terminated(u.release, sizeof u.release) &&
		      terminated(u.version, sizeof u.version) &&
		      terminated(u.machine, sizeof u.machine),
	      "every field is NUL-terminated");
	CHECK_STR(u.sysname, "Linux");
	CHECK_STR(u.machine, "x86_64");
	NOTE("release %s, version %s, node %s", u.release, u.version, u.nodename);
	/* glibc refuses to run on kernels older than it was built for; the
	 * release must look like a Linux version. */
	int major = 0, minor = 0;
	CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2 && (major > 3 || (major == 3 && minor >= 2)),
	      "release \"%s\" is at least 3.2", u.release);
	CHECK(u.version[0] != 0, "version is set");
	CHECK_OK(uname(&v));
	CHECK(memcmp(&u, &v, sizeof u) == 0, "the same answer twice");
	CHECK_ERR(syscall(SYS_uname, BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_uname, BAD_KERNEL_IMAGE), EFAULT);
	CHECK_ERR(syscall(SYS_uname, BAD_DIRECT_MAP), EFAULT);
	return finish();
}
