/* POSIX unnamed semaphores (sem_init(3), sem_wait, sem_post,
 * sem_trywait, sem_timedwait, sem_getvalue) across threads: trywait on 0
 * is EAGAIN; sem_timedwait times out (ETIMEDOUT) no earlier than its
 * deadline and rejects a bad tv_nsec (EINVAL); a post from another thread
 * wakes a blocked sem_wait; posts are counted; two threads ping-pong
 * through a pair of semaphores; several waiters each consume one post. */
#include "sole_test.h"
#include <semaphore.h>

static sem_t ping, pong, s;
static int consumed;

static void *ponger(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++) {
		while (sem_wait(&ping) != 0)
			;
		sem_post(&pong);
	}
	return NULL;
}

static void *late_poster(void *arg)
{
	(void)arg;
	sleep_ms(30);
	sem_post(&s);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	while (sem_wait(&s) != 0)
		;
	__atomic_add_fetch(&consumed, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

int main(void)
{
	int value = -1;
	CHECK_OK(sem_init(&s, 0, 0));
	CHECK_OK(sem_getvalue(&s, &value));
	CHECK_EQ(value, 0);
	CHECK_ERR(sem_trywait(&s), EAGAIN);

	long long t0 = now_ns();
	struct timespec deadline = deadline_after(CLOCK_REALTIME, 50000000LL);
	CHECK_ERR(sem_timedwait(&s, &deadline), ETIMEDOUT);
	long long waited = now_ns() - t0;
	CHECK(waited >= 45000000LL, "sem_timedwait waited %lld ns (about 50 ms)", waited);
	struct timespec bad = { time(NULL) + 5, 1000000000L };
	CHECK_ERR(sem_timedwait(&s, &bad), EINVAL);

	/* Counted posts. */
	CHECK_OK(sem_post(&s));
	CHECK_OK(sem_post(&s));
	CHECK_OK(sem_post(&s));
	CHECK_OK(sem_getvalue(&s, &value));
	CHECK_EQ(value, 3);
	CHECK_OK(sem_trywait(&s));
	CHECK_OK(sem_wait(&s));
	deadline = deadline_after(CLOCK_REALTIME, 50000000LL);
	CHECK_OK(sem_timedwait(&s, &deadline));
	CHECK_ERR(sem_trywait(&s), EAGAIN);

	/* A post from another thread wakes a blocked waiter. */
	pthread_t t = start_thread(late_poster, NULL);
	t0 = now_ns();
	int r;
	while ((r = sem_wait(&s)) != 0 && errno == EINTR)
		;
	CHECK(r == 0, "sem_wait returns after another thread's post");
	join_thread(t);
	t = start_thread(late_poster, NULL);
	deadline = deadline_after(CLOCK_REALTIME, 20000000000LL);
	CHECK_OK(sem_timedwait(&s, &deadline));
	CHECK(now_ns() - t0 < 10000000000LL, "promptly");
	join_thread(t);

	/* Ping-pong. */
	sem_init(&ping, 0, 0);
	sem_init(&pong, 0, 0);
	t = start_thread(ponger, NULL);
	for (int i = 0; i < 500; i++) {
		sem_post(&ping);
		while (sem_wait(&pong) != 0)
			;
	}
	join_thread(t);
	CHECK_OK(sem_getvalue(&ping, &value));
	CHECK_EQ(value, 0);
	CHECK_OK(sem_getvalue(&pong, &value));
	CHECK_EQ(value, 0);

	/* Four waiters, four posts. */
	pthread_t c[4];
	for (int i = 0; i < 4; i++)
		c[i] = start_thread(consumer, NULL);
	sleep_ms(10);
	for (int i = 0; i < 4; i++)
		sem_post(&s);
	for (int i = 0; i < 4; i++)
		join_thread(c[i]);
	CHECK_EQ(consumed, 4);
	CHECK_OK(sem_getvalue(&s, &value));
	CHECK_EQ(value, 0);
	CHECK_OK(sem_destroy(&s));
	return finish();
}
