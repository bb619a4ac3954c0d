/*
 * /init of the Linux guest's initramfs: mounts /proc (Sole has one), runs
 * the workload as its child with the command line in /bench.argv (each
 * argument ended by a NUL, argv[0] the program's path, as Sole runs it),
 * prints the child's exit status as Sole's exit marker (`[sole-exit N]`),
 * and ends the VM through QEMU's isa-debug-exit port as Sole does, or by
 * powering off.
 *
 * For a workload on a disk, it first loads the kernel modules listed in
 * /bench.modules (one path a line, dependencies first) and mounts what
 * /bench.mount names (`DEVICE DIRECTORY TYPE`) from a devtmpfs at /dev.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4
#define ARGV_PATH "/bench.argv"
#define MAX_ARGS 64
#define MODULES_PATH "/bench.modules"
#define MOUNT_PATH "/bench.mount"
/* How long the disk's device node may take to appear: 200 x 10 ms. */
#define MOUNT_TRIES 200

static char args[1 << 16];
static char *argv_of_bench[MAX_ARGS + 1];

/* Splits /bench.argv into argv_of_bench; 0 on success. */
static int read_argv(void)
{
	int fd = open(ARGV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, args + len, sizeof(args) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0 || len == 0 || len == sizeof(args) || args[len - 1] != '\0')
		return -1;
	int argc = 0;
	for (size_t at = 0; at < len; at += strlen(args + at) + 1) {
		if (argc == MAX_ARGS)
			return -1;
		argv_of_bench[argc++] = args + at;
	}
	argv_of_bench[argc] = NULL;
	return 0;
}

/* Loads the modules MODULES_PATH lists; 0 on success or without a list. */
static int load_modules(void)
{
	FILE *list = fopen(MODULES_PATH, "re");
	if (!list)
		return errno == ENOENT ? 0 : -1;
	char line[4096];
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		int fd = open(line, O_RDONLY | O_CLOEXEC);
		/* EEXIST: the module is loaded already (or built in). */
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)) {
			printf("sole-bench-error init: load %s: %s\n", line, strerror(errno));
			fclose(list);
			return -1;
		}
		close(fd);
	}
	fclose(list);
	return 0;
}

/* Mounts what MOUNT_PATH names; 0 on success or without one. */
static int mount_disk(void)
{
	FILE *spec = fopen(MOUNT_PATH, "re");
	if (!spec)
		return errno == ENOENT ? 0 : -1;
	char device[256], dir[256], type[32];
	int fields = fscanf(spec, "%255s %255s %31s", device, dir, type);
	fclose(spec);
	if (fields != 3) {
		printf("sole-bench-error init: %s is not DEVICE DIRECTORY TYPE\n", MOUNT_PATH);
		return -1;
	}
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY) {
		printf("sole-bench-error init: mount devtmpfs: %s\n", strerror(errno));
		return -1;
	}
	/* The device node appears once the driver has probed the disk. */
	for (int try = 0; try < MOUNT_TRIES; try++) {
		if (mount(device, dir, type, 0, NULL) == 0)
			return 0;
		if (errno != ENOENT && errno != ENXIO)
			break;
		usleep(10000);
	}
	printf("sole-bench-error init: mount %s on %s: %s\n", device, dir, strerror(errno));
	return -1;
}

int main(void)
{
	int status = 0;
	int code;
	/* Only the workloads that read /proc need it: they fail on their own. */
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		perror("init: mount /proc");
	pid_t child = -1;
	if (load_modules() != 0 || mount_disk() != 0) {
		fflush(stdout);
		code = 125;
		goto end;
	}
	child = fork();
	if (child == 0) {
		if (read_argv() != 0) {
			fprintf(stderr, "sole-bench-error cannot read %s\n", ARGV_PATH);
			_exit(127);
		}
		execv(argv_of_bench[0], argv_of_bench);
		perror("sole-bench-error exec");
		_exit(127);
	}
	if (child < 0) {
		perror("sole-bench-error fork");
		code = 126;
	} else if (waitpid(child, &status, 0) < 0) {
		perror("sole-bench-error waitpid");
		code = 126;
	} else if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
	} else {
		code = 128 + WTERMSIG(status);
	}
end:
	printf("[sole-exit %d]\n", code);
	fflush(stdout);
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
		outb((unsigned char)code, DEBUG_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
