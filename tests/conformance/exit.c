/* exit(2) from the only thread ends the process with its status, like
 * exit_group(2); stdio flushed by hand first, since the system call skips
 * the C library's exit handlers. */
#include "sole_test.h"

int main(void)
{
	CHECK(1, "before exit");
	int status = finish();
	fflush(NULL);
	/* The last thread leaving ends the process with this status. */
	syscall(SYS_exit, status);
	printf("not ok - still running after exit()\n");
	return 1;
}
