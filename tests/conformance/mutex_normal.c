/* pthread_mutex_t with the default (normal) type: mutual exclusion under
 * contention from several threads (the total stays exact), trylock gives
 * EBUSY while another thread holds the mutex and succeeds once it is
 * released, statically and dynamically initialised mutexes both work,
 * and a waiter blocked in pthread_mutex_lock is woken by the unlock. */
#include "sole_test.h"
#include <semaphore.h>

#define THREADS 4
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long unprotected_check;
static int overlaps;

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		/* Nobody else may be inside. */
		long before = unprotected_check;
		unprotected_check = before + 1;
		if (unprotected_check != before + 1)
			overlaps++;
		counter++;
		unprotected_check--;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static pthread_mutex_t dyn;
static sem_t held, release, done;
static int trylock_result, lock_result;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dyn);
	sem_post(&held);
	while (sem_wait(&release) != 0)
		;
	pthread_mutex_unlock(&dyn);
	return NULL;
}

static void *try_then_lock(void *arg)
{
	(void)arg;
	trylock_result = pthread_mutex_trylock(&dyn);
	sem_post(&done);
	lock_result = pthread_mutex_lock(&dyn);
	pthread_mutex_unlock(&dyn);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		t[i] = start_thread(hammer, NULL);
	for (int i = 0; i < THREADS; i++)
		join_thread(t[i]);
	CHECK_EQ(counter, (long)THREADS * ROUNDS);
	CHECK_EQ(overlaps, 0);
	CHECK_EQ(unprotected_check, 0);

	pthread_mutexattr_t attr;
	int type = -1;
	CHECK_RET(pthread_mutexattr_init(&attr), 0);
	CHECK_RET(pthread_mutexattr_gettype(&attr, &type), 0);
	CHECK_EQ(type, PTHREAD_MUTEX_DEFAULT);
	CHECK_RET(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL), 0);
	CHECK_RET(pthread_mutex_init(&dyn, &attr), 0);
	sem_init(&held, 0, 0);
	sem_init(&release, 0, 0);
	sem_init(&done, 0, 0);

	/* Held by another thread: trylock fails, lock waits. */
	pthread_t h = start_thread(holder, NULL);
	while (sem_wait(&held) != 0)
		;
	CHECK_RET(pthread_mutex_trylock(&dyn), EBUSY);
	pthread_t w = start_thread(try_then_lock, NULL);
	while (sem_wait(&done) != 0)
		;
	CHECK_EQ(trylock_result, EBUSY);
	/* Give the waiter time to block in the kernel, then release. */
	sleep_ms(30);
	sem_post(&release);
	join_thread(h);
	join_thread(w);
	CHECK_EQ(lock_result, 0);

	/* Free again: trylock succeeds, and then fails for its holder too. */
	CHECK_RET(pthread_mutex_trylock(&dyn), 0);
	CHECK_RET(pthread_mutex_trylock(&dyn), EBUSY);
	CHECK_RET(pthread_mutex_unlock(&dyn), 0);
	CHECK_RET(pthread_mutex_lock(&dyn), 0);
	CHECK_RET(pthread_mutex_unlock(&dyn), 0);
	CHECK_RET(pthread_mutex_destroy(&dyn), 0);
	pthread_mutexattr_destroy(&attr);
	return finish();
}
