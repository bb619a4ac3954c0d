/* Condition variables (pthread_cond_wait(3), pthread_cond_signal,
 * pthread_cond_broadcast): a bounded-buffer producer/consumer hands over
 * every item exactly once and in order; pthread_cond_signal lets one of
 * several waiters through per token; pthread_cond_broadcast wakes all of
 * them; the mutex is held again when pthread_cond_wait returns. */
#include "sole_test.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;

#define SLOTS 4
#define ITEMS 2000
static int buffer[SLOTS];
static int head, count;
static int received_ok = 1, received;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (count == SLOTS)
			pthread_cond_wait(&not_full, &m);
		buffer[(head + count) % SLOTS] = i;
		count++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&m);
		while (count == 0)
			pthread_cond_wait(&not_empty, &m);
		int item = buffer[head];
		head = (head + 1) % SLOTS;
		count--;
		if (item != i)
			received_ok = 0;
		received++;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

/* Waiters for tokens or for a broadcast. */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int waiting, tokens, consumed, go, released;
static int held_after_wait = 1;

static void *token_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	waiting++;
	while (tokens == 0)
		pthread_cond_wait(&cv, &m);
	/* The mutex is ours again: nobody else can be in here. */
	if (pthread_mutex_trylock(&m) != EBUSY)
		held_after_wait = 0;
	tokens--;
	consumed++;
	waiting--;
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *broadcast_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	waiting++;
	while (!go)
		pthread_cond_wait(&cv, &m);
	released++;
	waiting--;
	pthread_mutex_unlock(&m);
	return NULL;
}

/* Waits (yielding) until `waiting` reaches n: those threads are then all
 * inside pthread_cond_wait, since they only let go of the mutex there. */
static int wait_waiting(int n)
{
	long long end = now_ns() + 20000000000LL;
	for (;;) {
		pthread_mutex_lock(&m);
		int w = waiting;
		pthread_mutex_unlock(&m);
		if (w == n)
			return 1;
		if (now_ns() > end)
			return 0;
		sched_yield();
	}
}

int main(void)
{
	pthread_t p = start_thread(producer, NULL);
	pthread_t c = start_thread(consumer, NULL);
	join_thread(p);
	join_thread(c);
	CHECK_EQ(received, ITEMS);
	CHECK(received_ok, "every item arrived once and in order");
	CHECK_EQ(count, 0);

	/* Three token waiters; tokens handed out one at a time. */
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		t[i] = start_thread(token_waiter, NULL);
	CHECK(wait_waiting(3), "three threads wait on the condition");
	pthread_mutex_lock(&m);
	tokens = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m);
	CHECK(wait_waiting(2), "one token lets one waiter through");
	sleep_ms(20);
	pthread_mutex_lock(&m);
	CHECK_EQ(consumed, 1);
	CHECK_EQ(waiting, 2);
	tokens = 2;
	pthread_cond_signal(&cv);
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 3; i++)
		join_thread(t[i]);
	CHECK_EQ(consumed, 3);
	CHECK_EQ(tokens, 0);
	CHECK(held_after_wait, "pthread_cond_wait returns with the mutex held");

	/* Broadcast wakes every waiter. */
	pthread_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = start_thread(broadcast_waiter, NULL);
	CHECK(wait_waiting(4), "four threads wait on the condition");
	pthread_mutex_lock(&m);
	go = 1;
	CHECK_RET(pthread_cond_broadcast(&cv), 0);
	pthread_mutex_unlock(&m);
	for (int i = 0; i < 4; i++)
		join_thread(b[i]);
	CHECK_EQ(released, 4);

	/* Signalling with no waiters is harmless. */
	CHECK_RET(pthread_cond_signal(&cv), 0);
	CHECK_RET(pthread_cond_broadcast(&cv), 0);
	CHECK_RET(pthread_cond_destroy(&cv), 0);
	return finish();
}
