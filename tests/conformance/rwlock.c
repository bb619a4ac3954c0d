/* pthread_rwlock_t (pthread_rwlock_rdlock(3) and friends): several
 * readers hold the lock at the same time; while readers hold it
 * trywrlock gives EBUSY and tryrdlock succeeds; a writer holds it
 * exclusively (tryrdlock and trywrlock give EBUSY in other threads); a
 * blocked writer gets in once the readers leave; under mixed contention
 * readers never see a half-written update and the writers' count is
 * exact. */
#include "sole_test.h"
#include <semaphore.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int readers_in;
static sem_t in, out;

static void *reader(void *arg)
{
	int *all_together = arg;
	pthread_rwlock_rdlock(&rw);
	__atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
	/* Wait until all three readers hold the lock at once. */
	*all_together = wait_count(&readers_in, 3, 20000);
	sem_post(&in);
	while (sem_wait(&out) != 0)
		;
	pthread_rwlock_unlock(&rw);
	return NULL;
}

struct tries {
	int rd, wr;
};

static void *trier(void *arg)
{
	struct tries *t = arg;
	t->rd = pthread_rwlock_tryrdlock(&rw);
	if (t->rd == 0)
		pthread_rwlock_unlock(&rw);
	t->wr = pthread_rwlock_trywrlock(&rw);
	if (t->wr == 0)
		pthread_rwlock_unlock(&rw);
	return NULL;
}

static int writer_in;

static void *blocked_writer(void *arg)
{
	(void)arg;
	pthread_rwlock_wrlock(&rw);
	__atomic_store_n(&writer_in, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&rw);
	return NULL;
}

/* Mixed contention: writers keep a == b; readers check it. */
static long a, b, writes;
static int torn;

static void *mixed_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_rwlock_wrlock(&rw);
		a++;
		b++;
		writes++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *mixed_reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_rwlock_rdlock(&rw);
		if (a != b)
			__atomic_add_fetch(&torn, 1, __ATOMIC_SEQ_CST);
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

int main(void)
{
	sem_init(&in, 0, 0);
	sem_init(&out, 0, 0);

	int together[3] = { 0, 0, 0 };
	pthread_t r[3];
	for (int i = 0; i < 3; i++)
		r[i] = start_thread(reader, &together[i]);
	for (int i = 0; i < 3; i++)
		while (sem_wait(&in) != 0)
			;
	CHECK(together[0] && together[1] && together[2], "three readers hold it at once");
	CHECK_RET(pthread_rwlock_trywrlock(&rw), EBUSY);
	CHECK_RET(pthread_rwlock_tryrdlock(&rw), 0);
	CHECK_RET(pthread_rwlock_unlock(&rw), 0);
	struct timespec soon = deadline_after(CLOCK_REALTIME, 30000000LL);
	CHECK_RET(pthread_rwlock_timedwrlock(&rw, &soon), ETIMEDOUT);

	/* A writer waits for the readers to leave. */
	pthread_t w = start_thread(blocked_writer, NULL);
	sleep_ms(30);
	CHECK_EQ(__atomic_load_n(&writer_in, __ATOMIC_SEQ_CST), 0);
	for (int i = 0; i < 3; i++)
		sem_post(&out);
	for (int i = 0; i < 3; i++)
		join_thread(r[i]);
	join_thread(w);
	CHECK_EQ(writer_in, 1);

	/* A writer excludes everyone. */
	CHECK_RET(pthread_rwlock_wrlock(&rw), 0);
	struct tries t = { -1, -1 };
	join_thread(start_thread(trier, &t));
	CHECK_EQ(t.rd, EBUSY);
	CHECK_EQ(t.wr, EBUSY);
	CHECK_RET(pthread_rwlock_unlock(&rw), 0);

	/* Free: both succeed. */
	t = (struct tries){ -1, -1 };
	join_thread(start_thread(trier, &t));
	CHECK_EQ(t.rd, 0);
	CHECK_EQ(t.wr, 0);

	pthread_t mw[2], mr[2];
	for (int i = 0; i < 2; i++) {
		mw[i] = start_thread(mixed_writer, NULL);
		mr[i] = start_thread(mixed_reader, NULL);
	}
	for (int i = 0; i < 2; i++) {
		join_thread(mw[i]);
		join_thread(mr[i]);
	}
	CHECK_EQ(writes, 4000);
	CHECK_EQ(a, 4000);
	CHECK_EQ(torn, 0);
	CHECK_RET(pthread_rwlock_destroy(&rw), 0);
	return finish();
}
