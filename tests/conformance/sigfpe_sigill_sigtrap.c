/* Processor exceptions other than page faults, caught with SA_SIGINFO
 * handlers that move RIP past the instruction: integer division by zero
 * and INT_MIN / -1 (#DE) give SIGFPE with si_code FPE_INTDIV; ud2 (#UD) gives SIGILL ILL_ILLOPN; for all of these si_addr
 * and RIP are the faulting instruction, and REG_TRAPNO is the vector.
 * int3 (#BP) gives SIGTRAP with si_code SI_KERNEL and RIP just after the
 * int3. (SSE exceptions, #XM, are not checked: QEMU's TCG, which the suite
 * runs Sole under, does not raise them.) */
#include "sole_test.h"
#include <ucontext.h>

#define HIDDEN __attribute__((visibility("hidden")))
#define LABEL(name) ".globl " #name "\n.hidden " #name "\n" #name ":\n\t"
extern char div_insn[] HIDDEN, div_end[] HIDDEN, idiv_insn[] HIDDEN, idiv_end[] HIDDEN;
extern char ud2_insn[] HIDDEN, ud2_end[] HIDDEN, int3_insn[] HIDDEN, int3_end[] HIDDEN;

__attribute__((noinline)) static unsigned divide(unsigned a, unsigned b)
{
	unsigned q = a;
	__asm__ volatile("xorl %%edx, %%edx\n\t" LABEL(div_insn) "divl %1\n" LABEL(div_end)
			 : "+a"(q)
			 : "c"(b)
			 : "rdx");
	return q;
}

__attribute__((noinline)) static int idivide(int a, int b)
{
	int q = a;
	__asm__ volatile("cltd\n\t" LABEL(idiv_insn) "idivl %1\n" LABEL(idiv_end)
			 : "+a"(q)
			 : "c"(b)
			 : "rdx");
	return q;
}

__attribute__((noinline)) static void do_ud2(void)
{
	__asm__ volatile(LABEL(ud2_insn) "ud2\n" LABEL(ud2_end)::: "memory");
}

__attribute__((noinline)) static void do_int3(void)
{
	__asm__ volatile(LABEL(int3_insn) "int3\n" LABEL(int3_end)::: "memory");
}

static volatile int hits, sig_seen, code;
static void *volatile addr;
static volatile greg_t rip, trapno;

static const struct {
	char *insn, *end;
} skips[] = {
	{ div_insn, div_end },
	{ idiv_insn, idiv_end },
	{ ud2_insn, ud2_end },
};

static void handler(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	hits++;
	sig_seen = sig;
	code = info->si_code;
	addr = info->si_addr;
	rip = uc->uc_mcontext.gregs[REG_RIP];
	trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	if (sig == SIGTRAP)
		return; /* RIP is already past the int3 */
	for (unsigned i = 0; i < sizeof skips / sizeof skips[0]; i++)
		if (rip == (greg_t)skips[i].insn) {
			uc->uc_mcontext.gregs[REG_RIP] = (greg_t)skips[i].end;
			return;
		}
	_exit(3);
}

static void reset(void)
{
	hits = 0;
	sig_seen = 0;
	code = -1;
	addr = NULL;
	rip = trapno = -1;
}

int main(void)
{
	install_action(SIGFPE, handler, 0);
	install_action(SIGILL, handler, 0);
	install_action(SIGTRAP, handler, 0);

	reset();
	divide(7, 0);
	CHECK_EQ(hits, 1);
	CHECK_EQ(sig_seen, SIGFPE);
	CHECK_EQ(code, FPE_INTDIV);
	CHECK(addr == div_insn, "division by zero: si_addr is the instruction");
	CHECK(rip == (greg_t)div_insn, "division by zero: RIP is the instruction");
	CHECK_EQ(trapno, 0);
	CHECK_EQ(divide(7, 2), 3);

	reset();
	idivide(INT_MIN, -1);
	CHECK_EQ(hits, 1);
	CHECK_EQ(sig_seen, SIGFPE);
	CHECK_EQ(code, FPE_INTDIV);
	CHECK(addr == idiv_insn, "INT_MIN / -1: si_addr");

	reset();
	do_ud2();
	CHECK_EQ(hits, 1);
	CHECK_EQ(sig_seen, SIGILL);
	CHECK_EQ(code, ILL_ILLOPN);
	CHECK(addr == ud2_insn, "ud2: si_addr is the instruction");
	CHECK(rip == (greg_t)ud2_insn, "ud2: RIP is the instruction");
	CHECK_EQ(trapno, 6);

	reset();
	do_int3();
	CHECK_EQ(hits, 1);
	CHECK_EQ(sig_seen, SIGTRAP);
	CHECK_EQ(code, SI_KERNEL);
	CHECK(rip == (greg_t)int3_end, "int3: RIP is after the instruction");
	CHECK_EQ(trapno, 3);

	/* Repeatedly. */
	reset();
	for (int i = 0; i < 50; i++) {
		divide(1, 0);
		do_ud2();
		do_int3();
	}
	CHECK_EQ(hits, 150);
	return finish();
}
