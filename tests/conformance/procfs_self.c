/* /proc/self: the link to the process's directory, exe (the program's
 * absolute path), maps (the program, heap, stack and mappings with the right
 * permissions), and fd/ (one link per open descriptor). */
#include "sole_test.h"
#include <sys/mman.h>

static char maps[1 << 17];

/* The /proc/self/maps line for the mapping holding addr, or NULL. */
static char *maps_line(const void *addr, char *line, size_t size)
{
	if (read_file("/proc/self/maps", maps, sizeof maps) < 0)
		return NULL;
	for (char *l = strtok(maps, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long lo, hi;
		if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 && lo <= (uintptr_t)addr &&
		    (uintptr_t)addr < hi) {
			snprintf(line, size, "%s", l);
			return line;
		}
	}
	return NULL;
}

#define MAX_FD 1024

/* Marks the descriptors /proc/self/fd lists (but not the one used to list
 * them). */
static int list_fds(int open_fds[MAX_FD])
{
	memset(open_fds, 0, MAX_FD * sizeof open_fds[0]);
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return 0;
	int own = dirfd(dir);
	struct dirent *e;
	while ((e = readdir(dir))) {
		int num = atoi(e->d_name);
		if (e->d_name[0] != '.' && num >= 0 && num < MAX_FD && num != own)
			open_fds[num] = 1;
	}
	closedir(dir);
	return 1;
}

static int well_formed(void)
{
	if (read_file("/proc/self/maps", maps, sizeof maps) <= 0)
		return 0;
	int lines = 0;
	unsigned long prev_hi = 0;
	for (char *l = strtok(maps, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long lo, hi, off, inode;
		unsigned maj, min;
		char perms[8];
		if (sscanf(l, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min,
			   &inode) != 7)
			return 0;
		if (lo >= hi || lo < prev_hi || lo % 4096 || hi % 4096 || strlen(perms) != 4)
			return 0;
		prev_hi = hi;
		lines++;
	}
	return lines;
}

int main(int argc, char **argv)
{
	(void)argc;
	int at_start[MAX_FD];
	list_fds(at_start);
	scratch();
	char buf[PATH_MAX], line[512];
	struct stat a, b;

	/* /proc/self names the process. */
	ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
	CHECK(n > 0, "readlink /proc/self");
	buf[n > 0 ? n : 0] = 0;
	CHECK_EQ(atoi(buf), getpid());
	snprintf(line, sizeof line, "/proc/%d", (int)getpid());
	CHECK_OK(stat(line, &a));
	CHECK_OK(stat("/proc/self", &b));
	CHECK_EQ(a.st_ino, b.st_ino);

	/* exe: the runner starts the test by its absolute path. */
	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	CHECK(n > 0, "readlink /proc/self/exe");
	buf[n > 0 ? n : 0] = 0;
	CHECK(buf[0] == '/', "an absolute path (%s)", buf);
	CHECK_STR(buf, argv[0]);
	CHECK(stat("/proc/self/exe", &a) == 0 && stat(argv[0], &b) == 0 && a.st_ino == b.st_ino,
	      "exe is the program file");
	int fd = CHECK_OK(open("/proc/self/exe", O_RDONLY));
	char elf[4];
	CHECK_RET(read(fd, elf, 4), 4);
	CHECK_MEM(elf, "\177ELF", 4);
	close(fd);

	/* maps. */
	CHECK(well_formed() > 3, "maps lines are well formed and sorted");
	CHECK(maps_line((void *)main, line, sizeof line) != NULL, "main is mapped");
	unsigned long lo, hi, off;
	char perms[8], path[PATH_MAX];
	path[0] = 0;
	sscanf(line, "%lx-%lx %7s %lx %*x:%*x %*u %4095s", &lo, &hi, perms, &off, path);
	CHECK_STR(perms, "r-xp");
	CHECK_STR(path, argv[0]);
	int local = 0;
	CHECK(maps_line(&local, line, sizeof line) != NULL, "the stack is mapped");
	CHECK(strstr(line, "[stack]") != NULL, "the stack is [stack]: %s", line);
	CHECK(strstr(line, " rw-p ") != NULL, "the stack is rw-p: %s", line);
	void *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(maps_line(m, line, sizeof line) != NULL, "a new mapping shows");
	CHECK(sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo <= (uintptr_t)m &&
		      hi >= (uintptr_t)m + 3 * 4096 && !strcmp(perms, "r--p"),
	      "with its range and permissions: %s", line);
	munmap(m, 3 * 4096);
	CHECK(maps_line(m, line, sizeof line) == NULL, "an unmapped range does not show");

	/* fd/: links to what each descriptor is. */
	make_file("file", "x");
	fd = CHECK_OK(open("file", O_RDONLY));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	snprintf(line, sizeof line, "%s/file", st_scratch);
	CHECK_STR(buf, line);
	CHECK(stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino,
	      "stat through fd/ follows to the file");
	/* Opening it opens the file anew, at offset 0. */
	CHECK_RET(lseek(fd, 1, SEEK_SET), 1);
	int again = CHECK_OK(open(path, O_RDONLY));
	CHECK_RET(read(again, buf, 1), 1);
	close(again);

	int p[2];
	CHECK_OK(pipe(p));
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	n = readlink(path, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strncmp(buf, "pipe:[", 6) == 0, "a pipe reads as pipe:[inode] (%s)", buf);

	/* The listing has the open descriptors (and whatever the process
	 * was started with beyond 0, 1 and 2, so compare with a listing taken
	 * before). */
	int now[MAX_FD];
	CHECK(list_fds(now), "opendir /proc/self/fd");
	CHECK(now[0] && now[1] && now[2], "0, 1 and 2 are listed");
	int added = 0, removed = 0;
	for (int i = 0; i < MAX_FD; i++) {
		added += now[i] && !at_start[i];
		removed += !now[i] && at_start[i];
	}
	CHECK(now[fd] && now[p[0]] && now[p[1]], "the new descriptors are listed");
	CHECK_EQ(added, 3);
	CHECK_EQ(removed, 0);
	close(fd);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	CHECK_ERR(readlink(path, buf, sizeof buf), ENOENT);
	list_fds(now);
	CHECK(!now[fd], "a closed descriptor is not listed");
	CHECK_ERR(open("/proc/self/fd/9999", O_RDONLY), ENOENT);
	close(p[0]);
	close(p[1]);
	return finish();
}
