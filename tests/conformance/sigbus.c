/* SIGBUS from the processor: a memory access through RBP (so through the
 * stack segment) at a non-canonical address raises a stack-segment fault
 * (#SS), which Linux reports as SIGBUS with si_code SI_KERNEL, si_addr 0
 * and REG_TRAPNO 12; the SA_SIGINFO handler moves RIP past the access and
 * execution continues (RBP is restored by the code that follows). Done
 * several times, also with the SIGBUS handler on an alternate stack. */
#include "sole_test.h"
#include <ucontext.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define LABEL(name) ".globl " #name "\n.hidden " #name "\n" #name ":\n\t"
extern char ss_insn[] HIDDEN, ss_end[] HIDDEN;

/* No locals, so nothing lives in the red zone the push writes over. */
__attribute__((noinline)) static void stack_segment_fault(void)
{
	__asm__ volatile("pushq %%rbp\n\t"
			 "movabsq $0x0000800000000000, %%rbp\n\t" LABEL(ss_insn)
			 "movl $1, (%%rbp)\n" LABEL(ss_end)
			 "popq %%rbp\n\t"
			 :
			 :
			 : "memory");
}

static volatile int hits, sig_seen, code;
static void *volatile addr;
static volatile greg_t rip, trapno;

static void handler(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	hits++;
	sig_seen = sig;
	code = info->si_code;
	addr = info->si_addr;
	rip = uc->uc_mcontext.gregs[REG_RIP];
	trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	if (rip != (greg_t)ss_insn)
		_exit(3);
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)ss_end;
}

int main(void)
{
	install_action(SIGBUS, handler, 0);
	install_action(SIGSEGV, handler, 0);
	stack_segment_fault();
	CHECK_EQ(hits, 1);
	CHECK(sig_seen == SIGBUS, "#SS gives SIGBUS (%d)", sig_seen);
	CHECK(code == SI_KERNEL, "si_code SI_KERNEL (%d)", code);
	CHECK(addr == NULL, "si_addr 0 (%p)", addr);
	CHECK(rip == (greg_t)ss_insn, "RIP is the faulting instruction");
	CHECK_EQ(trapno, 12);

	for (int i = 0; i < 20; i++)
		stack_segment_fault();
	CHECK_EQ(hits, 21);

	static char alt[64 * 1024];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
	CHECK_OK(sigaltstack(&ss, NULL));
	install_action(SIGBUS, handler, SA_ONSTACK);
	hits = 0;
	stack_segment_fault();
	CHECK_EQ(hits, 1);
	CHECK_EQ(sig_seen, SIGBUS);
	return finish();
}
