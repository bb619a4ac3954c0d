/* Robust mutexes (pthread_mutexattr_setrobust(3)): when the owner thread
 * exits holding one, the next locker gets EOWNERDEAD and owns it; after
 * pthread_mutex_consistent it is an ordinary mutex again; unlocked without
 * being made consistent it becomes unusable (ENOTRECOVERABLE). A thread
 * already blocked on the mutex when the owner dies is woken with
 * EOWNERDEAD, and every robust mutex the dead thread held is recovered
 * (the kernel walks the robust list set with set_robust_list(2)). */
#include "sole_test.h"
#include <semaphore.h>

static pthread_mutex_t m1, m2, m3;
static sem_t locked, may_exit;
static int slow;

static void init_robust(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(m, &attr) != 0)
		BAIL("pthread_mutex_init");
	pthread_mutexattr_destroy(&attr);
}

/* Locks every mutex in the NULL-terminated array, says so, waits for
 * permission and exits without unlocking. */
static void *die_holding(void *arg)
{
	pthread_mutex_t **list = arg;
	for (int i = 0; list[i]; i++)
		pthread_mutex_lock(list[i]);
	sem_post(&locked);
	while (sem_wait(&may_exit) != 0)
		;
	if (slow)
		sleep_ms(30);
	return NULL;
}

static void wait_sem(sem_t *s)
{
	while (sem_wait(s) != 0)
		;
}

int main(void)
{
	sem_init(&locked, 0, 0);
	sem_init(&may_exit, 0, 0);

	pthread_mutexattr_t attr;
	int robust = -1;
	pthread_mutexattr_init(&attr);
	CHECK_RET(pthread_mutexattr_getrobust(&attr, &robust), 0);
	CHECK_EQ(robust, PTHREAD_MUTEX_STALLED);
	CHECK_RET(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST), 0);
	CHECK_RET(pthread_mutexattr_getrobust(&attr, &robust), 0);
	CHECK_EQ(robust, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_destroy(&attr);

	init_robust(&m1);
	init_robust(&m2);
	init_robust(&m3);

	/* 1. The owner exits holding two mutexes; both come back. */
	pthread_mutex_t *both[] = { &m1, &m2, NULL };
	pthread_t t = start_thread(die_holding, both);
	wait_sem(&locked);
	CHECK_RET(pthread_mutex_trylock(&m1), EBUSY);
	sem_post(&may_exit);
	join_thread(t);
	CHECK_RET(pthread_mutex_lock(&m1), EOWNERDEAD);
	CHECK_RET(pthread_mutex_consistent(&m1), 0);
	CHECK_RET(pthread_mutex_unlock(&m1), 0);
	CHECK_RET(pthread_mutex_lock(&m1), 0);
	CHECK_RET(pthread_mutex_unlock(&m1), 0);
	CHECK_RET(pthread_mutex_trylock(&m2), EOWNERDEAD);
	CHECK_RET(pthread_mutex_consistent(&m2), 0);
	CHECK_RET(pthread_mutex_unlock(&m2), 0);

	/* 2. The main thread is already waiting when the owner dies (it
	 * lingers 30 ms first). */
	pthread_mutex_t *one[] = { &m3, NULL };
	slow = 1;
	t = start_thread(die_holding, one);
	wait_sem(&locked);
	sem_post(&may_exit);
	long long t0 = now_ns();
	int r = pthread_mutex_lock(&m3);
	CHECK(r == EOWNERDEAD, "a blocked locker gets EOWNERDEAD (%d)", r);
	CHECK(now_ns() - t0 < 10000000000LL, "and is woken promptly");
	join_thread(t);
	slow = 0;
	CHECK_RET(pthread_mutex_consistent(&m3), 0);
	CHECK_RET(pthread_mutex_unlock(&m3), 0);

	/* 3. Unlocked without pthread_mutex_consistent: not recoverable. */
	t = start_thread(die_holding, one);
	wait_sem(&locked);
	sem_post(&may_exit);
	join_thread(t);
	CHECK_RET(pthread_mutex_lock(&m3), EOWNERDEAD);
	CHECK_RET(pthread_mutex_unlock(&m3), 0);
	CHECK_RET(pthread_mutex_lock(&m3), ENOTRECOVERABLE);
	CHECK_RET(pthread_mutex_trylock(&m3), ENOTRECOVERABLE);

	/* The recovered mutexes work across threads again. */
	t = start_thread(die_holding, both);
	wait_sem(&locked);
	sem_post(&may_exit);
	join_thread(t);
	CHECK_RET(pthread_mutex_lock(&m1), EOWNERDEAD);
	CHECK_RET(pthread_mutex_consistent(&m1), 0);
	CHECK_RET(pthread_mutex_unlock(&m1), 0);
	CHECK_RET(pthread_mutex_lock(&m2), EOWNERDEAD);
	CHECK_RET(pthread_mutex_consistent(&m2), 0);
	CHECK_RET(pthread_mutex_unlock(&m2), 0);
	return finish();
}
