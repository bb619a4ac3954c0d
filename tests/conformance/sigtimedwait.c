/* sigwaitinfo(2), sigtimedwait(2), sigwait(3) and rt_tgsigqueueinfo(2):
 * a blocked pending signal is taken (not delivered to a handler) with its
 * siginfo; with nothing pending sigtimedwait fails with EAGAIN no earlier
 * than its timeout, at once for a zero timeout, and a bad timeout is
 * EINVAL; rt_tgsigqueueinfo reaches one chosen thread, whose sigwaitinfo
 * takes it with the value; a dedicated thread's sigwait takes a
 * process-directed signal; a signal pending for another thread is not
 * taken; several pending signals come out lowest first. */
#include "sole_test.h"

static volatile int handled;

static void handler(int sig)
{
	(void)sig;
	handled++;
}

struct waiter {
	pid_t tid;
	int sig;
	int code, value;
	int ready;
	int got;
};

static void *info_waiter(void *arg)
{
	struct waiter *w = arg;
	w->tid = sole_gettid();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, w->sig);
	__atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r;
	while ((r = sigwaitinfo(&set, &si)) < 0 && errno == EINTR)
		;
	w->got = r;
	w->code = si.si_code;
	w->value = si.si_value.sival_int;
	return NULL;
}

static void *sigwaiter(void *arg)
{
	struct waiter *w = arg;
	w->tid = sole_gettid();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, w->sig);
	__atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
	int sig = 0;
	w->code = sigwait(&set, &sig);
	w->got = sig;
	return NULL;
}

static void *timed_peek(void *arg)
{
	struct waiter *w = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, w->sig);
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	w->got = sigtimedwait(&set, NULL, &ts);
	w->code = errno;
	return NULL;
}

/* rt_sigtimedwait itself: glibc's sigtimedwait rewrites si_code. */
static long raw_sigtimedwait(const sigset_t *set, siginfo_t *si, const struct timespec *ts)
{
	return syscall(SYS_rt_sigtimedwait, set, si, ts, 8);
}

int main(void)
{
	install_handler(SIGUSR1, handler, 0);
	install_handler(SIGUSR2, handler, 0);
	install_handler(SIGRTMIN, handler, 0);
	/* Every thread blocks these (new threads inherit the mask). */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* Pending: taken with its siginfo, not handled. */
	raise(SIGUSR1);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	CHECK_RET(sigwaitinfo(&one, &si), SIGUSR1);
	CHECK_EQ(si.si_signo, SIGUSR1);
	/* (glibc's wrapper turns SI_TKILL into SI_USER; the kernel's own
	 * value is checked through the raw call below.) */
	CHECK_EQ(si.si_pid, getpid());
	CHECK_EQ(handled, 0);
	CHECK(!signal_pending(SIGUSR1), "taken off the pending set");

	/* Nothing pending. */
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	long long t0 = now_ns();
	CHECK_ERR(sigtimedwait(&one, &si, &ts), EAGAIN);
	long long waited = now_ns() - t0;
	CHECK(waited >= 45000000LL, "sigtimedwait waited %lld ns (about 50 ms)", waited);
	struct timespec zero = { 0, 0 };
	t0 = now_ns();
	CHECK_ERR(sigtimedwait(&one, &si, &zero), EAGAIN);
	CHECK(now_ns() - t0 < 5000000000LL, "a zero timeout polls");
	struct timespec bad = { 0, 1000000000L };
	CHECK_ERR(sigtimedwait(&one, &si, &bad), EINVAL);

	/* Pending with a timeout: at once; lowest first. */
	raise(SIGUSR2);
	raise(SIGHUP);
	raise(SIGUSR1);
	CHECK_RET(sigtimedwait(&set, &si, &ts), SIGHUP);
	CHECK_RET(sigtimedwait(&set, &si, &ts), SIGUSR1);
	CHECK_RET(sigtimedwait(&set, &si, &ts), SIGUSR2);
	CHECK_ERR(sigtimedwait(&set, &si, &zero), EAGAIN);
	/* Linux takes the thread's own pending signals before the process's
	 * (here SIGUSR2 from tgkill before SIGHUP from kill). */
	kill(getpid(), SIGHUP);
	raise(SIGUSR2);
	CHECK_RET(raw_sigtimedwait(&set, &si, &ts), SIGUSR2);
	CHECK_EQ(si.si_code, SI_TKILL);
	CHECK_RET(raw_sigtimedwait(&set, &si, &ts), SIGHUP);
	CHECK_EQ(si.si_code, SI_USER);

	/* rt_tgsigqueueinfo to one thread. */
	struct waiter w;
	memset(&w, 0, sizeof w);
	w.sig = SIGRTMIN;
	pthread_t t = start_thread(info_waiter, &w);
	wait_flag(&w.ready, 20000);
	memset(&si, 0, sizeof si);
	si.si_signo = SIGRTMIN;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 4242;
	CHECK_OK(syscall(SYS_rt_tgsigqueueinfo, getpid(), w.tid, SIGRTMIN, &si));
	join_thread(t);
	CHECK_EQ(w.got, SIGRTMIN);
	CHECK_EQ(w.code, SI_QUEUE);
	CHECK_EQ(w.value, 4242);
	CHECK(!signal_pending(SIGRTMIN), "nothing left for the main thread");
	CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), 0x3ffffff0, SIGRTMIN, &si), ESRCH);

	/* A dedicated sigwait thread takes a process-directed signal. */
	memset(&w, 0, sizeof w);
	w.sig = SIGUSR2;
	t = start_thread(sigwaiter, &w);
	wait_flag(&w.ready, 20000);
	sleep_ms(20);
	CHECK_OK(kill(getpid(), SIGUSR2));
	join_thread(t);
	CHECK_EQ(w.code, 0);
	CHECK_EQ(w.got, SIGUSR2);
	CHECK_EQ(handled, 0);

	/* A signal pending for the main thread is not another's to take. */
	CHECK_OK(sole_tgkill(sole_gettid(), SIGUSR1));
	memset(&w, 0, sizeof w);
	w.sig = SIGUSR1;
	t = start_thread(timed_peek, &w);
	join_thread(t);
	CHECK(w.got == -1 && w.code == EAGAIN, "the other thread's sigtimedwait timed out");
	CHECK_RET(raw_sigtimedwait(&one, &si, &zero), SIGUSR1);
	CHECK_EQ(si.si_code, SI_TKILL);
	CHECK_EQ(handled, 0);
	return finish();
}
