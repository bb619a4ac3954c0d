/* pthread_create(3) and pthread_join(3): threads run, return values come
 * back through pthread_join, each thread has its own pthread_self() and
 * thread id (gettid(2)), all share the process id (getpid(2)), the main
 * thread's id is the process id, a thread that has already finished can
 * still be joined, and thread arguments and shared memory are seen by all
 * (clone(2) with CLONE_VM | CLONE_THREAD). */
#include "sole_test.h"

#define N 4

struct seen {
	long index;
	pthread_t self;
	pid_t tid;
	pid_t pid;
	int writes;
};

static struct seen seen[N];
static int shared_counter;

static void *worker(void *arg)
{
	struct seen *s = arg;
	s->self = pthread_self();
	s->tid = sole_gettid();
	s->pid = getpid();
	__atomic_add_fetch(&shared_counter, 1, __ATOMIC_SEQ_CST);
	s->writes = 1;
	return (void *)(s->index * 10 + 1);
}

static void *quick(void *arg)
{
	return arg;
}

int main(void)
{
	pid_t pid = getpid();
	pid_t main_tid = sole_gettid();
	CHECK_EQ(main_tid, pid);

	pthread_t threads[N];
	for (long i = 0; i < N; i++) {
		seen[i].index = i;
		CHECK_RET(pthread_create(&threads[i], NULL, worker, &seen[i]), 0);
	}
	for (long i = 0; i < N; i++) {
		void *ret = (void *)-1;
		CHECK_RET(pthread_join(threads[i], &ret), 0);
		CHECK((long)ret == i * 10 + 1, "thread %ld returned %ld", i, (long)ret);
	}
	CHECK_EQ(shared_counter, N);
	for (int i = 0; i < N; i++) {
		CHECK(seen[i].writes == 1, "thread %d ran and wrote shared memory", i);
		CHECK(seen[i].pid == pid, "thread %d: getpid() %d is the process's %d", i,
		      seen[i].pid, pid);
		CHECK(seen[i].tid > 0 && seen[i].tid != main_tid,
		      "thread %d: its tid %d is not the main thread's", i, seen[i].tid);
		CHECK(pthread_equal(seen[i].self, threads[i]),
		      "thread %d: pthread_self() equals what pthread_create gave", i);
		CHECK(!pthread_equal(seen[i].self, pthread_self()),
		      "thread %d: pthread_self() differs from the main thread's", i);
		for (int j = 0; j < i; j++)
			CHECK(seen[i].tid != seen[j].tid, "threads %d and %d have distinct tids", i, j);
	}
	CHECK(sole_gettid() == main_tid, "the main thread's tid is unchanged");

	/* A thread that has finished before the join is still joinable, and
	 * its return value is kept. */
	pthread_t t;
	CHECK_RET(pthread_create(&t, NULL, quick, (void *)0x1234), 0);
	sleep_ms(20);
	void *ret = NULL;
	CHECK_RET(pthread_join(t, &ret), 0);
	CHECK(ret == (void *)0x1234, "a finished thread's value is kept");

	/* Many short threads in sequence: ids and stacks are recycled. */
	int ok = 1;
	for (long i = 0; i < 50; i++) {
		if (pthread_create(&t, NULL, quick, (void *)i) != 0 || pthread_join(t, &ret) != 0 ||
		    ret != (void *)i)
			ok = 0;
	}
	CHECK(ok, "50 threads created and joined in sequence");

	/* Several alive at once, joined in reverse order. */
	pthread_t many[16];
	ok = 1;
	for (long i = 0; i < 16; i++)
		if (pthread_create(&many[i], NULL, quick, (void *)(i + 100)) != 0)
			ok = 0;
	for (long i = 15; i >= 0; i--)
		if (pthread_join(many[i], &ret) != 0 || ret != (void *)(i + 100))
			ok = 0;
	CHECK(ok, "16 threads at once, joined in reverse order");

	/* A thread with a small explicit stack. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	CHECK_RET(pthread_attr_setstacksize(&attr, 64 * 1024), 0);
	CHECK_RET(pthread_create(&t, &attr, quick, (void *)7), 0);
	CHECK_RET(pthread_join(t, &ret), 0);
	CHECK(ret == (void *)7, "a thread with a 64 KiB stack ran");
	pthread_attr_destroy(&attr);
	return finish();
}
