/* Synchronous self-signals: raise(3), kill(2) of the own process (with a
 * single thread) and tgkill(2) of the own thread run the handler before
 * the call returns; the handler gets the signal number, runs with that
 * signal blocked (and only then), and with SA_SIGINFO gets si_signo,
 * si_code (SI_USER from kill, SI_TKILL from tgkill, tkill and raise),
 * si_pid and si_uid of the sender, and a ucontext. Signal 0 only checks;
 * bad signals are EINVAL and a missing thread ESRCH. */
#include "sole_test.h"
#include <ucontext.h>

static volatile int got_sig, count;
static volatile int blocked_inside;
static volatile int code, pid_seen, uid_seen, signo_seen, had_context;

static void handler(int sig)
{
	got_sig = sig;
	count++;
	blocked_inside = signal_blocked(sig);
}

static void action(int sig, siginfo_t *info, void *ctx)
{
	got_sig = sig;
	count++;
	signo_seen = info->si_signo;
	code = info->si_code;
	pid_seen = info->si_pid;
	uid_seen = (int)info->si_uid;
	had_context = ctx != NULL;
	blocked_inside = signal_blocked(sig);
}

static void reset(void)
{
	got_sig = 0;
	count = 0;
	blocked_inside = -1;
	code = 12345;
	pid_seen = -1;
	uid_seen = -1;
	signo_seen = 0;
	had_context = 0;
}

int main(void)
{
	pid_t pid = getpid();
	install_handler(SIGUSR1, handler, 0);
	reset();
	CHECK_RET(raise(SIGUSR1), 0);
	CHECK(got_sig == SIGUSR1 && count == 1, "raise ran the handler before returning");
	CHECK(blocked_inside == 1, "the signal is blocked inside its handler");
	CHECK(!signal_blocked(SIGUSR1), "and unblocked again afterwards");

	reset();
	CHECK_OK(kill(pid, SIGUSR1));
	CHECK(got_sig == SIGUSR1 && count == 1, "kill(getpid()) ran the handler before returning");
	reset();
	CHECK_OK(sole_tgkill(sole_gettid(), SIGUSR1));
	CHECK(got_sig == SIGUSR1 && count == 1, "tgkill ran the handler before returning");
	reset();
	CHECK_OK(syscall(SYS_tkill, sole_gettid(), SIGUSR1));
	CHECK(count == 1, "tkill ran the handler before returning");

	/* SA_SIGINFO. */
	install_action(SIGUSR2, action, 0);
	reset();
	CHECK_OK(kill(pid, SIGUSR2));
	CHECK_EQ(count, 1);
	CHECK_EQ(signo_seen, SIGUSR2);
	CHECK_EQ(code, SI_USER);
	CHECK_EQ(pid_seen, pid);
	CHECK_EQ(uid_seen, (int)getuid());
	CHECK(had_context, "a ucontext is passed");
	CHECK(blocked_inside == 1, "blocked inside the SA_SIGINFO handler");

	reset();
	CHECK_OK(sole_tgkill(sole_gettid(), SIGUSR2));
	CHECK_EQ(count, 1);
	CHECK_EQ(code, SI_TKILL);
	CHECK_EQ(pid_seen, pid);
	CHECK_EQ(uid_seen, (int)getuid());

	reset();
	CHECK_RET(raise(SIGUSR2), 0);
	CHECK_EQ(count, 1);
	CHECK(code == SI_TKILL, "raise sends with SI_TKILL (%d)", code);

	/* Real-time signals too. */
	install_action(SIGRTMIN + 3, action, 0);
	reset();
	CHECK_OK(kill(pid, SIGRTMIN + 3));
	CHECK_EQ(signo_seen, SIGRTMIN + 3);
	CHECK_EQ(code, SI_USER);

	/* Signal 0: checks only. */
	reset();
	CHECK_OK(kill(pid, 0));
	CHECK_OK(sole_tgkill(sole_gettid(), 0));
	CHECK_EQ(count, 0);

	/* Errors. */
	CHECK_ERR(kill(pid, 65), EINVAL);
	CHECK_ERR(kill(pid, -1), EINVAL);
	CHECK_ERR(sole_tgkill(sole_gettid(), 65), EINVAL);
	CHECK_ERR(syscall(SYS_tgkill, pid, 0x3ffffff0, SIGUSR1), ESRCH);
	CHECK_ERR(syscall(SYS_tgkill, 0x3ffffff0, sole_gettid(), SIGUSR1), ESRCH);
	CHECK_ERR(syscall(SYS_tgkill, pid, 0, SIGUSR1), EINVAL);
	CHECK_ERR(syscall(SYS_tkill, 0x3ffffff0, SIGUSR1), ESRCH);
	CHECK_ERR(kill(0x3ffffff0, SIGUSR1), ESRCH);
	CHECK_EQ(count, 0);
	return finish();
}
