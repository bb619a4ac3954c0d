/* Thread exit: pthread_exit(3) from a thread (also from a nested call)
 * hands its value to pthread_join; cleanup handlers and thread-specific
 * data destructors run at exit; the other threads keep running. Then the
 * main thread itself calls pthread_exit while another thread goes on: the
 * process lives on, that thread can still make threads and do I/O, and
 * its exit(3) ends the process with its status (the runner sees the
 * summary and status 0). */
#include "sole_test.h"

static pthread_barrier_t barrier;
static int cleanup_ran, destructor_ran;
static pthread_key_t key;

static void nested_exit(long v)
{
	pthread_exit((void *)v);
}

static void cleanup(void *arg)
{
	cleanup_ran = (int)(long)arg;
}

static void destructor(void *value)
{
	destructor_ran = (int)(long)value;
}

static void *exits_early(void *arg)
{
	(void)arg;
	pthread_setspecific(key, (void *)77L);
	pthread_cleanup_push(cleanup, (void *)5L);
	nested_exit(42);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *keeps_running(void *arg)
{
	int *rounds = arg;
	for (int i = 0; i < 3; i++) {
		pthread_barrier_wait(&barrier);
		(*rounds)++;
	}
	return (void *)9L;
}

static void *trivial(void *arg)
{
	return arg;
}

static pid_t main_tid, pid;
static volatile int main_leaving;

static void *survivor(void *arg)
{
	(void)arg;
	/* Wait until the main thread has called pthread_exit, and a little
	 * longer, so that it is gone. */
	wait_flag(&main_leaving, 20000);
	sleep_ms(50);
	NOTE("the main thread has exited; the survivor goes on");
	CHECK_EQ(getpid(), pid);
	CHECK(sole_gettid() != main_tid, "the survivor is not the main thread");
	void *ret = NULL;
	pthread_t t;
	CHECK_RET(pthread_create(&t, NULL, trivial, (void *)3L), 0);
	CHECK_RET(pthread_join(t, &ret), 0);
	CHECK(ret == (void *)3L, "a thread made after the main thread left ran");
	int fds[2];
	CHECK_OK(pipe(fds));
	CHECK_RET(write(fds[1], "x", 1), 1);
	char c = 0;
	CHECK_RET(read(fds[0], &c, 1), 1);
	close(fds[0]);
	close(fds[1]);
	exit(finish());
}

int main(void)
{
	pid = getpid();
	main_tid = sole_gettid();
	pthread_key_create(&key, destructor);
	pthread_barrier_init(&barrier, NULL, 2);

	int rounds = 0;
	pthread_t runner = start_thread(keeps_running, &rounds);
	pthread_t early = start_thread(exits_early, NULL);
	void *ret = NULL;
	CHECK_RET(pthread_join(early, &ret), 0);
	CHECK(ret == (void *)42L, "pthread_exit's value reaches pthread_join (%ld)", (long)ret);
	CHECK_EQ(cleanup_ran, 5);
	CHECK_EQ(destructor_ran, 77);
	/* The other thread is unaffected. */
	for (int i = 0; i < 3; i++)
		pthread_barrier_wait(&barrier);
	CHECK_RET(pthread_join(runner, &ret), 0);
	CHECK_EQ(rounds, 3);
	CHECK(ret == (void *)9L, "the running thread finished normally");

	/* Now the main thread leaves first. */
	start_thread(survivor, NULL);
	NOTE("the main thread calls pthread_exit");
	__atomic_store_n(&main_leaving, 1, __ATOMIC_SEQ_CST);
	pthread_exit(NULL);
}
