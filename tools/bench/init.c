/*
 * /init of the Linux guest's initramfs: runs /bench (the workload) as its
 * child with init's own arguments, prints the child's exit status as Sole's
 * exit marker (`[sole-exit N]`), and ends the VM through QEMU's
 * isa-debug-exit port as Sole does, or by powering off.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	(void)argc;
	int status = 0;
	int code;
	pid_t child = fork();
	if (child == 0) {
		argv[0] = "/bench";
		execv("/bench", argv);
		perror("sole-bench-error exec /bench");
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
