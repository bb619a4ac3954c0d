/* POSIX timers aimed at one thread (timer_create(2) with SIGEV_THREAD_ID,
 * through the raw system calls since the C libraries spell the field
 * differently): the signal goes to the named thread, even though another
 * thread leaves it unblocked too, with si_code SI_TIMER and the given
 * si_value; a periodic timer aimed at the main thread is taken by its
 * sigwaitinfo while another thread's sigtimedwait for the same signal
 * sees nothing; a thread id outside the process, an unknown sigev_notify
 * and signal 0 are EINVAL, while the kernel takes SIGEV_THREAD (a C
 * library notion) as SIGEV_SIGNAL. Also
 * the C libraries' SIGEV_THREAD timers, which they build on
 * SIGEV_THREAD_ID: the callback runs in another thread with the value. */
#include "sole_test.h"
#include <semaphore.h>

#define SOLE_SIGEV_THREAD_ID 4

/* The kernel's struct sigevent. */
struct ksigevent {
	union sigval value;
	int signo;
	int notify;
	int tid;
	int pad[11];
};

static long ktimer_create(clockid_t clock, int notify, int sig, int value, int tid, int *id)
{
	struct ksigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.value.sival_int = value;
	ev.signo = sig;
	ev.notify = notify;
	ev.tid = tid;
	return syscall(SYS_timer_create, clock, &ev, id);
}

static long ktimer_arm(int id, long first_ns, long interval_ns)
{
	struct itimerspec its = { { 0, interval_ns }, { 0, first_ns } };
	return syscall(SYS_timer_settime, id, 0, &its, NULL);
}

static int sig;
static sem_t fired;
static volatile pid_t handler_tid;
static volatile int handler_code, handler_value;

static void handler(int s, siginfo_t *info, void *ctx)
{
	(void)s;
	(void)ctx;
	handler_tid = sole_gettid();
	handler_code = info->si_code;
	handler_value = info->si_value.sival_int;
	sem_post(&fired);
}

struct target {
	pid_t tid;
	volatile int ready;
	int timed_result, timed_errno;
};

static void *target_main(void *arg)
{
	struct target *t = arg;
	t->tid = sole_gettid();
	__atomic_store_n(&t->ready, 1, __ATOMIC_SEQ_CST);
	while (sem_wait(&fired) != 0)
		;
	return NULL;
}

static void *bystander(void *arg)
{
	struct target *t = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec ts = { 0, 300 * 1000 * 1000 };
	__atomic_store_n(&t->ready, 1, __ATOMIC_SEQ_CST);
	t->timed_result = (int)syscall(SYS_rt_sigtimedwait, &set, NULL, &ts, 8);
	t->timed_errno = errno;
	return NULL;
}

static sem_t callback_sem;
static volatile int callback_value;
static volatile pid_t callback_tid;

static void callback(union sigval v)
{
	callback_value = v.sival_int;
	callback_tid = sole_gettid();
	sem_post(&callback_sem);
}

int main(void)
{
	sig = SIGRTMIN + 2;
	sem_init(&fired, 0, 0);
	install_action(sig, handler, 0);

	/* 1. Aimed at a worker; both threads leave the signal unblocked. */
	struct target t;
	memset(&t, 0, sizeof t);
	pthread_t w = start_thread(target_main, &t);
	wait_flag(&t.ready, 20000);
	int id = -1;
	CHECK_OK(ktimer_create(CLOCK_MONOTONIC, SOLE_SIGEV_THREAD_ID, sig, 99, t.tid, &id));
	CHECK_OK(ktimer_arm(id, 30000000, 0));
	join_thread(w);
	CHECK(handler_tid == t.tid, "the handler ran in the named thread (%d, worker %d, main %d)",
	      handler_tid, t.tid, sole_gettid());
	CHECK_EQ(handler_code, SI_TIMER);
	CHECK_EQ(handler_value, 99);
	CHECK_OK(syscall(SYS_timer_delete, id));

	/* 2. Periodic, aimed at the main thread; everyone blocks it. */
	mask_signal(SIG_BLOCK, sig);
	memset(&t, 0, sizeof t);
	pthread_t b = start_thread(bystander, &t);
	wait_flag(&t.ready, 20000);
	CHECK_OK(ktimer_create(CLOCK_MONOTONIC, SOLE_SIGEV_THREAD_ID, sig, 7, sole_gettid(), &id));
	CHECK_OK(ktimer_arm(id, 20000000, 20000000));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	int got = 0;
	for (int i = 0; i < 3; i++) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		struct timespec ten = { 10, 0 };
		if (syscall(SYS_rt_sigtimedwait, &set, &si, &ten, 8) == sig && si.si_code == SI_TIMER &&
		    si.si_value.sival_int == 7)
			got++;
	}
	CHECK_EQ(got, 3);
	join_thread(b);
	CHECK(t.timed_result == -1 && t.timed_errno == EAGAIN,
	      "another thread waiting for the signal got none (%d %s)", t.timed_result,
	      errno_name(t.timed_errno));
	CHECK_OK(syscall(SYS_timer_delete, id));
	struct timespec zero = { 0, 0 };
	syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, 8);
	mask_signal(SIG_UNBLOCK, sig);

	/* 3. Errors. */
	CHECK_ERR(ktimer_create(CLOCK_MONOTONIC, SOLE_SIGEV_THREAD_ID, sig, 0, 0x3ffffff0, &id),
		  EINVAL);
	CHECK_ERR(ktimer_create(CLOCK_MONOTONIC, 99, sig, 0, 0, &id), EINVAL);
	/* The kernel takes SIGEV_THREAD as SIGEV_SIGNAL. */
	CHECK_OK(ktimer_create(CLOCK_MONOTONIC, SIGEV_THREAD, sig, 0, 0, &id));
	CHECK_OK(syscall(SYS_timer_delete, id));
	CHECK_ERR(ktimer_create(CLOCK_MONOTONIC, SIGEV_THREAD, 0, 0, 0, &id), EINVAL);
	CHECK_ERR(ktimer_create(CLOCK_MONOTONIC, SOLE_SIGEV_THREAD_ID, 0, 0, sole_gettid(), &id),
		  EINVAL);

	/* 4. SIGEV_THREAD through the C library. */
	sem_init(&callback_sem, 0, 0);
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = callback;
	sev.sigev_value.sival_int = 31337;
	timer_t timer;
	CHECK_OK(timer_create(CLOCK_MONOTONIC, &sev, &timer));
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	CHECK_OK(timer_settime(timer, 0, &its, NULL));
	struct timespec deadline = deadline_after(CLOCK_REALTIME, 10000000000LL);
	int r;
	while ((r = sem_timedwait(&callback_sem, &deadline)) != 0 && errno == EINTR)
		;
	CHECK(r == 0, "the SIGEV_THREAD callback ran");
	CHECK_EQ(callback_value, 31337);
	CHECK(callback_tid != 0 && callback_tid != sole_gettid(), "in another thread");
	CHECK_OK(timer_delete(timer));
	return finish();
}
