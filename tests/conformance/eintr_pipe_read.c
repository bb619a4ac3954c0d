/* A read(2) blocked on an empty pipe and a signal from another thread
 * (signal(7), "Interruption of system calls and library functions by
 * signal handlers"): with a handler installed without SA_RESTART the read
 * fails with EINTR; with SA_RESTART it is restarted and returns the data
 * written later; readv(2) behaves the same; a signal that is ignored
 * (SIG_IGN, or SIG_DFL for SIGCHLD) or blocked does not interrupt it. The
 * sender keeps sending, so that one signal surely arrives while the read
 * is asleep. */
#include "sole_test.h"
#include <sys/uio.h>

static volatile int hits;
static int fds[2];

static void handler(int sig)
{
	(void)sig;
	hits++;
}

/* Writes one byte once `hits` reaches `n` (or, for n == 0, after 60 ms). */
struct later {
	pthread_t thread;
	int n;
};

static void *write_later_main(void *arg)
{
	struct later *l = arg;
	if (l->n)
		wait_count(&hits, l->n, 20000);
	sleep_ms(l->n ? 20 : 60);
	if (write(fds[1], "x", 1) != 1)
		BAIL("write");
	return NULL;
}

static void write_later(struct later *l, int n)
{
	l->n = n;
	l->thread = start_thread(write_later_main, l);
}

int main(void)
{
	CHECK_OK(pipe(fds));
	pid_t me = sole_gettid();
	char c = 0;
	struct pelter p;
	struct later l;

	/* No SA_RESTART: EINTR. */
	install_handler(SIGUSR1, handler, 0);
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(read(fds[0], &c, 1), EINTR, pelter_stop(&p));
	CHECK(hits >= 1, "the handler ran (%d)", hits);
	struct iovec iov = { &c, 1 };
	pelter_start(&p, me, SIGUSR1, 20, 0);
	CHECK_ERR_THEN(readv(fds[0], &iov, 1), EINTR, pelter_stop(&p));

	/* SA_RESTART: three signals, then data. */
	install_handler(SIGUSR1, handler, SA_RESTART);
	hits = 0;
	pelter_start(&p, me, SIGUSR1, 20, 3);
	write_later(&l, 3);
	CHECK_RET(read(fds[0], &c, 1), 1);
	CHECK_EQ(c, 'x');
	CHECK(hits == 3, "three handlers ran during the restarted read (%d)", hits);
	pelter_stop(&p);
	join_thread(l.thread);

	hits = 0;
	c = 0;
	pelter_start(&p, me, SIGUSR1, 20, 3);
	write_later(&l, 3);
	CHECK_RET(readv(fds[0], &iov, 1), 1);
	CHECK_EQ(c, 'x');
	CHECK_EQ(hits, 3);
	pelter_stop(&p);
	join_thread(l.thread);

	/* Ignored signals do not interrupt. */
	install_handler(SIGUSR2, SIG_IGN, 0);
	install_handler(SIGCHLD, SIG_DFL, 0);
	pelter_start(&p, me, SIGUSR2, 5, 0);
	wait_count(&p.sent, 1, 20000);
	struct pelter q;
	pelter_start(&q, me, SIGCHLD, 5, 0);
	wait_count(&q.sent, 1, 20000);
	write_later(&l, 0);
	CHECK_RET(read(fds[0], &c, 1), 1);
	pelter_stop(&p);
	pelter_stop(&q);
	join_thread(l.thread);
	CHECK(p.sent > 0 && q.sent > 0, "ignored signals were sent during the read");

	/* A blocked signal does not interrupt. */
	install_handler(SIGUSR1, handler, 0);
	mask_signal(SIG_BLOCK, SIGUSR1);
	hits = 0;
	pelter_start(&p, me, SIGUSR1, 5, 0);
	wait_count(&p.sent, 1, 20000);
	write_later(&l, 0);
	CHECK_RET(read(fds[0], &c, 1), 1);
	pelter_stop(&p);
	join_thread(l.thread);
	CHECK_EQ(hits, 0);
	mask_signal(SIG_UNBLOCK, SIGUSR1);
	CHECK_EQ(hits, 1);
	return finish();
}
