/* PTHREAD_MUTEX_ERRORCHECK: relocking by the owner gives EDEADLK (and
 * trylock EBUSY), unlocking a mutex another thread holds gives EPERM,
 * unlocking an unlocked one gives EPERM; ownership passes correctly
 * between threads, and a contended counter stays exact. */
#include "sole_test.h"
#include <semaphore.h>

static pthread_mutex_t m;
static sem_t held, release;
static long counter;

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	sem_post(&held);
	while (sem_wait(&release) != 0)
		;
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *unlocker(void *arg)
{
	int *result = arg;
	*result = pthread_mutex_unlock(&m);
	return NULL;
}

static void *hammer(void *arg)
{
	int *errors = arg;
	for (int i = 0; i < 5000; i++) {
		if (pthread_mutex_lock(&m) != 0)
			(*errors)++;
		counter++;
		if (pthread_mutex_unlock(&m) != 0)
			(*errors)++;
	}
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	CHECK_RET(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK), 0);
	CHECK_RET(pthread_mutex_init(&m, &attr), 0);
	sem_init(&held, 0, 0);
	sem_init(&release, 0, 0);

	CHECK_RET(pthread_mutex_lock(&m), 0);
	CHECK_RET(pthread_mutex_lock(&m), EDEADLK);
	CHECK_RET(pthread_mutex_trylock(&m), EBUSY);
	int result = -1;
	join_thread(start_thread(unlocker, &result));
	CHECK_EQ(result, EPERM);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	CHECK_RET(pthread_mutex_unlock(&m), EPERM);

	/* Held by another thread. */
	pthread_t h = start_thread(holder, NULL);
	while (sem_wait(&held) != 0)
		;
	CHECK_RET(pthread_mutex_unlock(&m), EPERM);
	CHECK_RET(pthread_mutex_trylock(&m), EBUSY);
	sem_post(&release);
	join_thread(h);
	CHECK_RET(pthread_mutex_trylock(&m), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);

	int errors[3] = { 0, 0, 0 };
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		t[i] = start_thread(hammer, &errors[i]);
	for (int i = 0; i < 3; i++)
		join_thread(t[i]);
	CHECK_EQ(counter, 15000);
	CHECK_EQ(errors[0] + errors[1] + errors[2], 0);
	CHECK_RET(pthread_mutex_destroy(&m), 0);
	pthread_mutexattr_destroy(&attr);
	return finish();
}
