/* statfs(2) and fstatfs(2): sane figures that agree between the two, the
 * proc file system's magic number, and ENOENT, ENOTDIR, EBADF, EFAULT. */
#include "sole_test.h"
#include <sys/statfs.h>

int main(void)
{
	scratch();
	struct statfs a, b;

	make_file("f", "x");
	CHECK_OK(statfs("f", &a));
	CHECK(a.f_bsize > 0, "f_bsize > 0 (%ld)", (long)a.f_bsize);
	CHECK(a.f_namelen >= 255, "f_namelen >= 255 (%ld)", (long)a.f_namelen);
	CHECK(a.f_bfree <= a.f_blocks, "f_bfree <= f_blocks");
	CHECK(a.f_bavail <= a.f_blocks, "f_bavail <= f_blocks");
	CHECK(a.f_ffree <= a.f_files || a.f_files == 0, "f_ffree <= f_files");

	int fd = CHECK_OK(open("f", O_RDONLY));
	CHECK_OK(fstatfs(fd, &b));
	CHECK_EQ(b.f_type, a.f_type);
	CHECK_EQ(b.f_bsize, a.f_bsize);
	CHECK_EQ(b.f_blocks, a.f_blocks);
	CHECK_OK(statfs(".", &b));
	CHECK_EQ(b.f_type, a.f_type);
	CHECK_OK(statfs("/tmp", &b));
	CHECK_OK(statfs("/", &b));

	/* /proc is procfs. */
	CHECK_OK(statfs("/proc/self", &b));
	CHECK_EQ(b.f_type, SOLE_PROC_SUPER_MAGIC);

	/* Errors. */
	CHECK_ERR(statfs("missing", &b), ENOENT);
	CHECK_ERR(statfs("", &b), ENOENT);
	CHECK_ERR(statfs("f/x", &b), ENOTDIR);
	CHECK_ERR(syscall(SYS_statfs, "f", BAD_LOW), EFAULT);
	CHECK_ERR(syscall(SYS_statfs, BAD_KERNEL_IMAGE, &b), EFAULT);
	CHECK_ERR(syscall(SYS_fstatfs, fd, BAD_DIRECT_MAP), EFAULT);
	close(fd);
	CHECK_ERR(fstatfs(fd, &b), EBADF);
	CHECK_ERR(fstatfs(-1, &b), EBADF);
	return finish();
}
