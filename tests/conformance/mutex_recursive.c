/* PTHREAD_MUTEX_RECURSIVE: the owner may lock again (lock and trylock) and
 * must unlock as many times; meanwhile other threads get EBUSY from
 * trylock and may not unlock it (EPERM); after the last unlock another
 * thread can take it; unlocking an unlocked recursive mutex is EPERM. A
 * contended counter under a recursive mutex stays exact. */
#include "sole_test.h"

static pthread_mutex_t m;
static long counter;

struct probe {
	int trylock;
	int unlock;
};

static void *probe(void *arg)
{
	struct probe *p = arg;
	p->trylock = pthread_mutex_trylock(&m);
	if (p->trylock == 0)
		pthread_mutex_unlock(&m);
	p->unlock = pthread_mutex_unlock(&m);
	return NULL;
}

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++) {
		pthread_mutex_lock(&m);
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t attr;
	int type = -1;
	pthread_mutexattr_init(&attr);
	CHECK_RET(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE), 0);
	CHECK_RET(pthread_mutexattr_gettype(&attr, &type), 0);
	CHECK_EQ(type, PTHREAD_MUTEX_RECURSIVE);
	CHECK_RET(pthread_mutex_init(&m, &attr), 0);

	CHECK_RET(pthread_mutex_lock(&m), 0);
	CHECK_RET(pthread_mutex_lock(&m), 0);
	CHECK_RET(pthread_mutex_trylock(&m), 0);

	/* Held three deep: another thread can neither take nor release it. */
	struct probe p = { -1, -1 };
	join_thread(start_thread(probe, &p));
	CHECK_EQ(p.trylock, EBUSY);
	CHECK_EQ(p.unlock, EPERM);

	CHECK_RET(pthread_mutex_unlock(&m), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	/* Still held once. */
	p = (struct probe){ -1, -1 };
	join_thread(start_thread(probe, &p));
	CHECK_EQ(p.trylock, EBUSY);
	CHECK_RET(pthread_mutex_unlock(&m), 0);

	/* Released: another thread can lock it. */
	p = (struct probe){ -1, -1 };
	join_thread(start_thread(probe, &p));
	CHECK_EQ(p.trylock, 0);
	CHECK_EQ(p.unlock, EPERM);
	CHECK_RET(pthread_mutex_unlock(&m), EPERM);

	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		t[i] = start_thread(hammer, NULL);
	for (int i = 0; i < 3; i++)
		join_thread(t[i]);
	CHECK_EQ(counter, 15000);
	CHECK_RET(pthread_mutex_trylock(&m), 0);
	CHECK_RET(pthread_mutex_unlock(&m), 0);
	CHECK_RET(pthread_mutex_destroy(&m), 0);
	pthread_mutexattr_destroy(&attr);
	return finish();
}
