/* getdents64(2): every entry exactly once with the right d_type, across
 * many calls with a small buffer; rewinding with lseek; and EINVAL for a
 * buffer too small for one entry, ENOTDIR, EBADF, EFAULT. */
#include "sole_test.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define NFILES 150

static long dents64(int fd, void *buf, size_t len)
{
	return syscall(SYS_getdents64, fd, buf, len);
}

/* Reads the whole directory with buffers of `bufsize` bytes; counts the
 * numbered files in seen[], and what else it found. */
static int list(int fd, size_t bufsize, int seen[NFILES], int *dots, int *sub, int *lnk,
		int *bad_type)
{
	static char buf[65536] __attribute__((aligned(8)));
	int calls = 0;
	for (;;) {
		long n = dents64(fd, buf, bufsize);
		if (n < 0)
			return -1;
		if (n == 0)
			return calls;
		calls++;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (d->d_reclen == 0 || off + d->d_reclen > n)
				return -2;
			unsigned char t = d->d_type;
			int num;
			char extra;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
				(*dots)++;
				if (t != DT_DIR && t != DT_UNKNOWN)
					(*bad_type)++;
			} else if (strcmp(d->d_name, "sub") == 0) {
				(*sub)++;
				if (t != DT_DIR && t != DT_UNKNOWN)
					(*bad_type)++;
			} else if (strcmp(d->d_name, "lnk") == 0) {
				(*lnk)++;
				if (t != DT_LNK && t != DT_UNKNOWN)
					(*bad_type)++;
			} else if (sscanf(d->d_name, "file%d%c", &num, &extra) == 1 && num >= 0 &&
				   num < NFILES) {
				seen[num]++;
				if (t != DT_REG && t != DT_UNKNOWN)
					(*bad_type)++;
			} else {
				(*bad_type)++;
			}
			if (d->d_ino == 0)
				(*bad_type)++;
			off += d->d_reclen;
		}
	}
}

static void check_listing(int fd, size_t bufsize)
{
	int seen[NFILES] = { 0 }, dots = 0, sub = 0, lnk = 0, bad = 0;
	int calls = list(fd, bufsize, seen, &dots, &sub, &lnk, &bad);
	CHECK(calls > 0, "listing with a %zu-byte buffer (%d calls)", bufsize, calls);
	int once = 0;
	for (int i = 0; i < NFILES; i++)
		once += seen[i] == 1;
	CHECK_EQ(once, NFILES);
	CHECK_EQ(dots, 2);
	CHECK_EQ(sub, 1);
	CHECK_EQ(lnk, 1);
	CHECK_EQ(bad, 0);
}

int main(void)
{
	scratch();
	CHECK_OK(mkdir("d", 0755));
	CHECK_OK(chdir("d"));
	char name[32];
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof name, "file%d", i);
		make_file(name, "");
	}
	CHECK_OK(mkdir("sub", 0755));
	CHECK_OK(symlink("file0", "lnk"));

	int fd = CHECK_OK(open(".", O_RDONLY | O_DIRECTORY));
	check_listing(fd, 65536);
	/* At the end, it keeps returning 0. */
	char buf[512] __attribute__((aligned(8)));
	CHECK_RET(dents64(fd, buf, sizeof buf), 0);

	/* Rewind and list again, a few entries at a time. */
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	check_listing(fd, 100);
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	check_listing(fd, 1024);

	/* A buffer too small for the next entry. */
	CHECK_RET(lseek(fd, 0, SEEK_SET), 0);
	CHECK_ERR(dents64(fd, buf, 8), EINVAL);
	CHECK_ERR(dents64(fd, buf, 0), EINVAL);

	/* An empty directory has "." and "..". */
	int sfd = CHECK_OK(open("sub", O_RDONLY | O_DIRECTORY));
	long n = CHECK_OK(dents64(sfd, buf, sizeof buf));
	int entries = 0;
	for (long off = 0; off < n; entries++)
		off += ((struct linux_dirent64 *)(buf + off))->d_reclen;
	CHECK_EQ(entries, 2);
	CHECK_RET(lseek(sfd, 0, SEEK_SET), 0);
	CHECK_ERR(dents64(sfd, BAD_LOW, sizeof buf), EFAULT);
	CHECK_RET(lseek(sfd, 0, SEEK_SET), 0);
	CHECK_ERR(dents64(sfd, BAD_KERNEL_IMAGE, sizeof buf), EFAULT);
	close(sfd);

	/* Not a directory; not open. */
	int file = CHECK_OK(open("file1", O_RDONLY));
	CHECK_ERR(dents64(file, buf, sizeof buf), ENOTDIR);
	close(file);
	close(fd);
	CHECK_ERR(dents64(fd, buf, sizeof buf), EBADF);

	/* readdir(3) sees the same. */
	DIR *dir = opendir(".");
	CHECK(dir != NULL, "opendir");
	int count = 0;
	if (dir) {
		while (readdir(dir))
			count++;
		closedir(dir);
	}
	CHECK_EQ(count, NFILES + 4);
	return finish();
}
