/* Priority-inheritance mutexes (PTHREAD_PRIO_INHERIT, built on
 * FUTEX_LOCK_PI/FUTEX_UNLOCK_PI): the protocol reads back; under
 * contention from several threads the counter stays exact; trylock by
 * another thread gives EBUSY while it is held; a thread blocked in lock is
 * handed the mutex on unlock; an error-checking PI mutex reports EDEADLK
 * and EPERM. */
#include "sole_test.h"
#include <semaphore.h>

#define ROUNDS 2000

static pthread_mutex_t m;
static long counter;
static sem_t held, release;
static int slow;

static void *hammer(void *arg)
{
	int *errors = arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (pthread_mutex_lock(&m) != 0)
			(*errors)++;
		counter++;
		if (pthread_mutex_unlock(&m) != 0)
			(*errors)++;
	}
	return NULL;
}

static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	sem_post(&held);
	while (sem_wait(&release) != 0)
		;
	if (slow)
		sleep_ms(30);
	pthread_mutex_unlock(&m);
	return NULL;
}

static int trylock_result = -1, unlock_result = -1;

static void *tryer(void *arg)
{
	(void)arg;
	trylock_result = pthread_mutex_trylock(&m);
	unlock_result = pthread_mutex_unlock(&m);
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t attr;
	int protocol = -1;
	pthread_mutexattr_init(&attr);
	CHECK_RET(pthread_mutexattr_getprotocol(&attr, &protocol), 0);
	CHECK_EQ(protocol, PTHREAD_PRIO_NONE);
	CHECK_RET(pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT), 0);
	CHECK_RET(pthread_mutexattr_getprotocol(&attr, &protocol), 0);
	CHECK_EQ(protocol, PTHREAD_PRIO_INHERIT);
	CHECK_RET(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK), 0);
	CHECK_RET(pthread_mutex_init(&m, &attr), 0);
	sem_init(&held, 0, 0);
	sem_init(&release, 0, 0);

	/* Uncontended. */
	CHECK_RET(pthread_mutex_lock(&m), 0);
	CHECK_RET(pthread_mutex_lock(&m), EDEADLK);
	join_thread(start_thread(tryer, NULL));
	CHECK_EQ(trylock_result, EBUSY);
	CHECK_EQ(unlock_result, EPERM);
	CHECK_RET(pthread_mutex_unlock(&m), 0);

	/* Held by another thread; the main thread blocks and is handed it. */
	pthread_t h = start_thread(holder, NULL);
	while (sem_wait(&held) != 0)
		;
	CHECK_RET(pthread_mutex_trylock(&m), EBUSY);
	sem_post(&release);
	CHECK_RET(pthread_mutex_lock(&m), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	join_thread(h);

	/* The holder is slow to release: the main thread blocks in the
	 * kernel and is handed the mutex by FUTEX_UNLOCK_PI. */
	slow = 1;
	h = start_thread(holder, NULL);
	while (sem_wait(&held) != 0)
		;
	sem_post(&release);
	CHECK_RET(pthread_mutex_lock(&m), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	join_thread(h);

	/* Contended. */
	int errors[4] = { 0, 0, 0, 0 };
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		t[i] = start_thread(hammer, &errors[i]);
	for (int i = 0; i < 4; i++)
		join_thread(t[i]);
	CHECK_EQ(counter, 4 * ROUNDS);
	CHECK_EQ(errors[0] + errors[1] + errors[2] + errors[3], 0);
	CHECK_RET(pthread_mutex_destroy(&m), 0);
	pthread_mutexattr_destroy(&attr);
	return finish();
}
