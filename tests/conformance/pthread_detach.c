/* Detached threads (pthread_detach(3), PTHREAD_CREATE_DETACHED): they run
 * to completion and release themselves; completion is signalled through a
 * semaphore. pthread_attr_getdetachstate reads back what was set. Many
 * detached threads in turn do not exhaust anything. (pthread_join on a
 * detached thread is undefined in musl, so it is not tried.) */
#include "sole_test.h"
#include <semaphore.h>

static sem_t done;
static int ran;

static void *worker(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
	sem_post(&done);
	return NULL;
}

static void *self_detach(void *arg)
{
	int *result = arg;
	*result = pthread_detach(pthread_self());
	__atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
	sem_post(&done);
	return NULL;
}

static sem_t go;

static void *waits_for_go(void *arg)
{
	(void)arg;
	while (sem_wait(&go) != 0)
		;
	__atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST);
	sem_post(&done);
	return NULL;
}

static void wait_done(void)
{
	while (sem_wait(&done) != 0)
		;
}

int main(void)
{
	CHECK_OK(sem_init(&done, 0, 0));
	CHECK_OK(sem_init(&go, 0, 0));

	pthread_attr_t attr;
	int state = -1;
	CHECK_RET(pthread_attr_init(&attr), 0);
	CHECK_RET(pthread_attr_getdetachstate(&attr, &state), 0);
	CHECK_EQ(state, PTHREAD_CREATE_JOINABLE);
	CHECK_RET(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), 0);
	CHECK_RET(pthread_attr_getdetachstate(&attr, &state), 0);
	CHECK_EQ(state, PTHREAD_CREATE_DETACHED);
	CHECK_RET(pthread_attr_setdetachstate(&attr, 12345), EINVAL);

	/* Created detached. */
	pthread_t t;
	CHECK_RET(pthread_create(&t, &attr, worker, NULL), 0);
	wait_done();
	CHECK_EQ(ran, 1);

	/* Detached by the creator while it still runs. */
	CHECK_RET(pthread_create(&t, NULL, waits_for_go, NULL), 0);
	CHECK_RET(pthread_detach(t), 0);
	sem_post(&go);
	wait_done();
	CHECK_EQ(ran, 2);

	/* Detached by the creator after it has finished. */
	CHECK_RET(pthread_create(&t, NULL, worker, NULL), 0);
	wait_done();
	sleep_ms(10);
	CHECK_RET(pthread_detach(t), 0);
	CHECK_EQ(ran, 3);

	/* Detaching itself. */
	int result = -1;
	CHECK_RET(pthread_create(&t, NULL, self_detach, &result), 0);
	wait_done();
	CHECK_EQ(result, 0);
	CHECK_EQ(ran, 4);

	/* Many detached threads in turn, and a burst of them at once. */
	int ok = 1;
	for (int i = 0; i < 60; i++) {
		if (pthread_create(&t, &attr, worker, NULL) != 0)
			ok = 0;
		else
			wait_done();
	}
	CHECK(ok, "60 detached threads, one after another");
	CHECK_EQ(ran, 64);
	int started = 0;
	for (int i = 0; i < 16; i++)
		if (pthread_create(&t, &attr, waits_for_go, NULL) == 0)
			started++;
	CHECK_EQ(started, 16);
	for (int i = 0; i < started; i++)
		sem_post(&go);
	for (int i = 0; i < started; i++)
		wait_done();
	CHECK_EQ(ran, 64 + 16);

	/* The process still makes threads after all that. */
	CHECK_RET(pthread_create(&t, NULL, worker, NULL), 0);
	CHECK_RET(pthread_join(t, NULL), 0);
	wait_done();
	pthread_attr_destroy(&attr);
	return finish();
}
