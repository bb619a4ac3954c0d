/*
 * /init of the Linux guest's initramfs: mounts /proc (Sole has one), runs
 * the workload as its child with the command line in /bench.argv (each
 * argument ended by a NUL, argv[0] the program's path, as Sole runs it),
 * prints the child's exit status as Sole's exit marker (`[sole-exit N]`),
 * and ends the VM through QEMU's isa-debug-exit port as Sole does, or by
 * powering off.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4
#define ARGV_PATH "/bench.argv"
#define MAX_ARGS 64

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

int main(void)
{
	int status = 0;
	int code;
	/* Only the workloads that read /proc need it: they fail on their own. */
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		perror("init: mount /proc");
	pid_t child = fork();
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
	printf("[sole-exit %d]\n", code);
	fflush(stdout);
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
		outb((unsigned char)code, DEBUG_EXIT_PORT);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
