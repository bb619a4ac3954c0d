/* A write(2) blocked on a full pipe and a signal from another thread:
 * without SA_RESTART a write that has transferred nothing fails with
 * EINTR; with SA_RESTART it is restarted and completes once a reader makes
 * room; a large write into an empty pipe that has transferred part of its
 * data returns that partial count when interrupted, with or without
 * SA_RESTART (pipe(7), signal(7)). */
#include "sole_test.h"

static volatile int hits;
static int fds[2];
static int capacity;

static void handler(int sig)
{
	(void)sig;
	hits++;
}

/* Fills the pipe; returns how many bytes it took. */
static int fill(void)
{
	int flags = fcntl(fds[1], F_GETFL);
	fcntl(fds[1], F_SETFL, flags | O_NONBLOCK);
	static char block[4096];
	int total = 0;
	ssize_t n;
	while ((n = write(fds[1], block, sizeof block)) > 0)
		total += (int)n;
	while ((n = write(fds[1], block, 1)) > 0)
		total += (int)n;
	fcntl(fds[1], F_SETFL, flags);
	return total;
}

static int filled;

static void drain(void)
{
	int flags = fcntl(fds[0], F_GETFL);
	fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
	static char block[4096];
	while (read(fds[0], block, sizeof block) > 0)
		;
	fcntl(fds[0], F_SETFL, flags);
}

/* Reads exactly what fill() wrote, once three handlers have run. */
static void *drain_after_three(void *arg)
{
	(void)arg;
	wait_count(&hits, 3, 20000);
	sleep_ms(20);
	static char block[4096];
	for (int left = filled; left > 0;) {
		ssize_t n = read(fds[0], block, left < 4096 ? (size_t)left : sizeof block);
		if (n <= 0)
			BAIL("read");
		left -= (int)n;
	}
	return NULL;
}

int main(void)
{
	CHECK_OK(pipe(fds));
	capacity = fcntl(fds[1], F_GETPIPE_SZ);
	CHECK(capacity >= 4096, "pipe capacity %d", capacity);
	pid_t me = sole_gettid();
	struct pelter p;

	/* Full pipe, no SA_RESTART: EINTR. */
	install_handler(SIGUSR1, handler, 0);
	filled = fill();
	CHECK(filled == capacity, "the pipe took %d bytes", filled);
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(write(fds[1], "y", 1), EINTR, pelter_stop(&p));
	CHECK(hits >= 1, "the handler ran");

	/* Full pipe, SA_RESTART: completes after the reader drains. */
	install_handler(SIGUSR1, handler, SA_RESTART);
	hits = 0;
	pelter_start(&p, me, SIGUSR1, 20, 3);
	pthread_t d = start_thread(drain_after_three, NULL);
	CHECK_RET(write(fds[1], "z", 1), 1);
	CHECK_EQ(hits, 3);
	pelter_stop(&p);
	join_thread(d);
	char c = 0;
	CHECK_RET(read(fds[0], &c, 1), 1);
	CHECK_EQ(c, 'z');

	/* A partial write, with and without SA_RESTART. */
	size_t big = (size_t)capacity * 2;
	char *buf = calloc(1, big);
	for (int restart = 0; restart <= 1; restart++) {
		install_handler(SIGUSR1, handler, restart ? SA_RESTART : 0);
		drain();
		pelter_start(&p, me, SIGUSR1, 20, 0);
		ssize_t n = write(fds[1], buf, big);
		pelter_stop(&p);
		CHECK(n == capacity, "%s: an interrupted large write returns the part written (%zd)",
		      restart ? "SA_RESTART" : "no SA_RESTART", n);
	}
	free(buf);
	return finish();
}
