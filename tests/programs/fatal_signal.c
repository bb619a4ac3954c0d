/* Ends by a signal, as argv[1] says: "abort" calls abort(3) (SIGABRT),
 * "term" sends itself SIGTERM, "thread-segv" faults in a second thread
 * while the main thread waits. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *fault(void *arg)
{
	(void)arg;
	*(volatile int *)0x5000 = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	printf("dying by %s\n", argv[1]);
	fflush(stdout);
	if (strcmp(argv[1], "abort") == 0)
		abort();
	if (strcmp(argv[1], "term") == 0)
		kill(getpid(), SIGTERM);
	if (strcmp(argv[1], "thread-segv") == 0) {
		pthread_t t;
		pthread_create(&t, NULL, fault, NULL);
		pthread_join(t, NULL);
	}
	pause();
	return 3;
}
