/* rename(2), renameat(2), renameat2(2): moving and replacing files and
 * directories, RENAME_NOREPLACE and RENAME_EXCHANGE, and EISDIR, ENOTDIR,
 * ENOTEMPTY, EINVAL, ENOENT, EEXIST, EBADF, EFAULT. */
#include "sole_test.h"

static long renameat2_call(int olddir, const char *old, int newdir, const char *new,
			   unsigned flags)
{
	return syscall(SYS_renameat2, olddir, old, newdir, new, flags);
}

int main(void)
{
	scratch();
	struct stat st, st2;
	char buf[16];

	make_file("a", "AAA");
	CHECK_OK(stat("a", &st));
	CHECK_OK(rename("a", "b"));
	CHECK_ERR(stat("a", &st2), ENOENT);
	CHECK_OK(stat("b", &st2));
	CHECK_EQ(st2.st_ino, st.st_ino);

	/* Replacing an existing file; the old one goes. */
	make_file("c", "CCCCC");
	CHECK_OK(rename("b", "c"));
	CHECK_RET(read_file("c", buf, sizeof buf), 3);
	CHECK_STR(buf, "AAA");
	CHECK_ERR(stat("b", &st2), ENOENT);

	/* Renaming a file onto itself, or onto another link to it, changes
	 * nothing. */
	CHECK_OK(rename("c", "c"));
	CHECK_OK(link("c", "c2"));
	CHECK_OK(rename("c", "c2"));
	CHECK_OK(stat("c", &st2));
	CHECK_OK(stat("c2", &st2));

	/* Directories move with their contents, and may replace an empty
	 * directory. */
	CHECK_OK(mkdir("d", 0755));
	make_file("d/in", "x");
	CHECK_OK(mkdir("e", 0755));
	CHECK_OK(rename("d", "e"));
	CHECK_OK(stat("e/in", &st2));
	CHECK_ERR(stat("d", &st2), ENOENT);
	CHECK_OK(mkdir("sub", 0755));
	CHECK_OK(rename("e", "sub/e"));
	CHECK_OK(stat("sub/e/in", &st2));

	/* renameat relative to directory descriptors. */
	int sub = CHECK_OK(open("sub", O_RDONLY | O_DIRECTORY));
	CHECK_OK(renameat(sub, "e/in", AT_FDCWD, "out"));
	CHECK_OK(stat("out", &st2));
	CHECK_OK(renameat(AT_FDCWD, "out", sub, "back"));
	CHECK_OK(stat("sub/back", &st2));

	/* Errors (rename(2)). */
	CHECK_OK(mkdir("dir", 0755));
	make_file("file", "f");
	CHECK_ERR(rename("file", "dir"), EISDIR);
	CHECK_ERR(rename("dir", "file"), ENOTDIR);
	CHECK_ERR(rename("missing", "x"), ENOENT);
	CHECK_ERR(rename("file", "nodir/x"), ENOENT);
	CHECK_ERR(rename("", "x"), ENOENT);
	CHECK_ERR(rename("file", "file/x"), ENOTDIR);
	CHECK_ERR(rename("file/", "x"), ENOTDIR);
	CHECK_ERR(rename("sub", "sub/e/inside"), EINVAL);
	CHECK_ERR(rename("sub", "sub/x"), EINVAL);
	CHECK_ERR(rename("dir", "sub"), ENOTEMPTY);
	CHECK_ERR(rename(".", "x"), EBUSY);
	CHECK_ERR(renameat(-1, "file", AT_FDCWD, "x"), EBADF);
	CHECK_ERR(syscall(SYS_rename, BAD_LOW, "x"), EFAULT);
	CHECK_ERR(syscall(SYS_rename, "file", BAD_KERNEL_IMAGE), EFAULT);

	/* RENAME_NOREPLACE. */
	make_file("p", "P");
	make_file("q", "Q");
	CHECK_ERR(renameat2_call(AT_FDCWD, "p", AT_FDCWD, "q", RENAME_NOREPLACE), EEXIST);
	CHECK_OK(renameat2_call(AT_FDCWD, "p", AT_FDCWD, "r", RENAME_NOREPLACE));
	CHECK_RET(read_file("r", buf, sizeof buf), 1);
	CHECK_STR(buf, "P");

	/* RENAME_EXCHANGE swaps, also a file with a directory. */
	CHECK_OK(renameat2_call(AT_FDCWD, "q", AT_FDCWD, "r", RENAME_EXCHANGE));
	CHECK_RET(read_file("r", buf, sizeof buf), 1);
	CHECK_STR(buf, "Q");
	CHECK_RET(read_file("q", buf, sizeof buf), 1);
	CHECK_STR(buf, "P");
	CHECK_OK(renameat2_call(AT_FDCWD, "q", AT_FDCWD, "dir", RENAME_EXCHANGE));
	CHECK_OK(stat("q", &st2));
	CHECK(S_ISDIR(st2.st_mode), "q is now the directory");
	CHECK_OK(stat("dir", &st2));
	CHECK(S_ISREG(st2.st_mode), "dir is now the file");
	CHECK_ERR(renameat2_call(AT_FDCWD, "q", AT_FDCWD, "missing", RENAME_EXCHANGE), ENOENT);
	CHECK_ERR(renameat2_call(AT_FDCWD, "q", AT_FDCWD, "r",
				 RENAME_EXCHANGE | RENAME_NOREPLACE),
		  EINVAL);
	CHECK_ERR(renameat2_call(AT_FDCWD, "q", AT_FDCWD, "r", 0x100), EINVAL);

	/* Flags 0 is plain renameat. */
	CHECK_OK(renameat2_call(AT_FDCWD, "r", AT_FDCWD, "s", 0));
	CHECK_OK(stat("s", &st2));
	close(sub);
	return finish();
}
