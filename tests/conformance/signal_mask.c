/* Blocking and per-thread masks: a blocked signal stays pending
 * (sigpending(2) shows it) and is delivered as soon as it is unblocked,
 * before sigprocmask returns; several pending signals are all delivered;
 * pthread_sigmask(3) changes only the calling thread's mask and new
 * threads inherit their creator's; a process-directed signal (kill(2)) is
 * delivered to a thread that does not block it, or stays pending for the
 * process (visible to every thread) while all block it; a thread-directed
 * one (tgkill(2)) is pending for that thread only. */
#include "sole_test.h"
#include <semaphore.h>

static volatile int hits[65];
static volatile pid_t hit_tid[65];
static sem_t delivered;

static void handler(int sig)
{
	hits[sig]++;
	hit_tid[sig] = sole_gettid();
	sem_post(&delivered);
}

static pthread_barrier_t barrier;

struct worker_view {
	pid_t tid;
	int inherited_usr1, inherited_usr2;
	int pending_usr1_process, pending_usr2_thread;
};

static void step(void)
{
	pthread_barrier_wait(&barrier);
}

static void *worker(void *arg)
{
	struct worker_view *v = arg;
	v->tid = sole_gettid();
	v->inherited_usr1 = signal_blocked(SIGUSR1);
	v->inherited_usr2 = signal_blocked(SIGUSR2);
	/* A: SIGUSR1 unblocked here only; wait for the process signal. */
	mask_signal(SIG_UNBLOCK, SIGUSR1);
	step(); /* 1 */
	while (sem_wait(&delivered) != 0)
		;
	step(); /* 2 */
	/* B: everyone blocks SIGUSR1. */
	mask_signal(SIG_BLOCK, SIGUSR1);
	step(); /* 3: main sends to the process and to this thread */
	step(); /* 4 */
	v->pending_usr1_process = signal_pending(SIGUSR1);
	v->pending_usr2_thread = signal_pending(SIGUSR2);
	step(); /* 5 */
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &both, NULL);
	step(); /* 6 */
	return NULL;
}

int main(void)
{
	sem_init(&delivered, 0, 0);
	install_handler(SIGUSR1, handler, 0);
	install_handler(SIGUSR2, handler, 0);
	install_handler(SIGHUP, handler, 0);

	/* Blocked: pending, then delivered on unblock. */
	mask_signal(SIG_BLOCK, SIGUSR1);
	CHECK_RET(raise(SIGUSR1), 0);
	CHECK_EQ(hits[SIGUSR1], 0);
	CHECK(signal_pending(SIGUSR1), "sigpending shows the blocked signal");
	CHECK(!signal_pending(SIGUSR2), "and nothing else");
	mask_signal(SIG_UNBLOCK, SIGUSR1);
	CHECK(hits[SIGUSR1] == 1, "delivered before sigprocmask returned");
	CHECK(!signal_pending(SIGUSR1), "no longer pending");

	/* Several at once. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	raise(SIGUSR2);
	raise(SIGHUP);
	raise(SIGUSR2);
	CHECK(signal_pending(SIGUSR1) && signal_pending(SIGUSR2) && signal_pending(SIGHUP),
	      "three pending");
	CHECK_OK(sigprocmask(SIG_SETMASK, &old, NULL));
	CHECK(hits[SIGUSR1] == 2 && hits[SIGUSR2] == 1 && hits[SIGHUP] == 1,
	      "all delivered on unblock, SIGUSR2 once (%d %d %d)", hits[SIGUSR1], hits[SIGUSR2],
	      hits[SIGHUP]);
	while (sem_trywait(&delivered) == 0)
		;

	/* Threads. The main thread blocks SIGUSR1 and SIGUSR2 first. */
	pthread_barrier_init(&barrier, NULL, 2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct worker_view v;
	memset(&v, 0, sizeof v);
	pthread_t t = start_thread(worker, &v);
	step(); /* 1 */
	CHECK(v.inherited_usr1 && v.inherited_usr2, "the new thread inherited the mask");
	CHECK(signal_blocked(SIGUSR1), "its unblocking did not change the main thread's mask");
	int before = hits[SIGUSR1];
	CHECK_OK(kill(getpid(), SIGUSR1));
	step(); /* 2: the worker has taken it */
	CHECK(hits[SIGUSR1] == before + 1, "the process signal was delivered");
	CHECK(hit_tid[SIGUSR1] == v.tid, "to the thread that does not block it (%d, worker %d)",
	      hit_tid[SIGUSR1], v.tid);
	step(); /* 3: the worker blocks SIGUSR1 again */
	CHECK_OK(kill(getpid(), SIGUSR1));
	CHECK_OK(sole_tgkill(v.tid, SIGUSR2));
	CHECK(signal_pending(SIGUSR1), "blocked everywhere, the process signal is pending");
	CHECK(!signal_pending(SIGUSR2), "the worker's thread signal is not pending here");
	CHECK(hits[SIGUSR1] == before + 1, "nobody took the blocked signal");
	step(); /* 4 */
	step(); /* 5 */
	CHECK(v.pending_usr1_process, "the worker sees the process-wide pending signal");
	CHECK(v.pending_usr2_thread, "the worker sees its own pending signal");
	step(); /* 6: the worker unblocked both */
	join_thread(t);
	CHECK(hits[SIGUSR1] == before + 2 && hit_tid[SIGUSR1] == v.tid,
	      "the worker took the process signal on unblocking");
	CHECK(hits[SIGUSR2] == 2 && hit_tid[SIGUSR2] == v.tid, "and its own");
	CHECK(!signal_pending(SIGUSR1) && !signal_pending(SIGUSR2), "nothing left pending");
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	return finish();
}
