/* The signal frame's saved context (ucontext_t, uc_mcontext) is read and
 * written back by rt_sigreturn: XMM0 set before a signal is seen in
 * uc_mcontext.fpregs->_xmm[0] and a change made there is in XMM0 after
 * the handler returns; general registers likewise (RBX, R12, R15, and RAX,
 * the interrupted syscall's result); uc_sigmask holds the interrupted
 * mask, and a signal added to it is blocked after the return. The handler
 * starts with a clean FPU state (MXCSR 0x1f80, x87 control word 0x37f)
 * while the program's own (changed) MXCSR and control word are saved in
 * the frame and come back afterwards. The frame is built below the
 * interrupted code's 128-byte red zone. */
#include "sole_test.h"
#include <ucontext.h>

static const uint32_t pattern[4] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444 };
static const uint32_t pattern2[4] = { 0xaaaaaaaa, 0xbbbbbbbb, 0xcccccccc, 0xdddddddd };

static volatile int hits, xmm_seen_ok, had_fpregs;
static volatile greg_t rbx_seen, r12_seen, r15_seen, rax_seen, rsp_seen;
static volatile unsigned mxcsr_inside, mxcsr_saved;
static volatile unsigned short cw_inside, cw_saved;
static volatile int sighup_in_uc_mask;
static volatile unsigned long handler_sp;
static volatile int mode;

static void handler(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	char local;
	(void)sig;
	(void)info;
	hits++;
	handler_sp = (unsigned long)&local;
	greg_t *g = uc->uc_mcontext.gregs;
	rbx_seen = g[REG_RBX];
	r12_seen = g[REG_R12];
	r15_seen = g[REG_R15];
	rax_seen = g[REG_RAX];
	rsp_seen = g[REG_RSP];
	unsigned m;
	unsigned short cw;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	mxcsr_inside = m;
	cw_inside = cw;
	sighup_in_uc_mask = sigismember(&uc->uc_sigmask, SIGHUP);
	had_fpregs = uc->uc_mcontext.fpregs != NULL;
	if (!uc->uc_mcontext.fpregs)
		return;
	mxcsr_saved = uc->uc_mcontext.fpregs->mxcsr;
	cw_saved = uc->uc_mcontext.fpregs->cwd;
	if (mode == 0) {
		int ok = 1;
		for (int i = 0; i < 4; i++)
			if (uc->uc_mcontext.fpregs->_xmm[0].element[i] != pattern[i])
				ok = 0;
		xmm_seen_ok = ok;
		for (int i = 0; i < 4; i++)
			uc->uc_mcontext.fpregs->_xmm[0].element[i] = pattern2[i];
		g[REG_RBX] = 0x2222;
		g[REG_R12] = 0x1212;
		g[REG_R15] = 0x1515;
		g[REG_RAX] = 42;
		sigaddset(&uc->uc_sigmask, SIGUSR2);
	}
}

int main(void)
{
	install_action(SIGUSR1, handler, 0);
	long pid = getpid(), tid = sole_gettid();

	/* XMM0 and general registers around a tgkill made in assembly, so
	 * that nothing else touches them. */
	mask_signal(SIG_BLOCK, SIGHUP);
	uint32_t out[4] = { 0, 0, 0, 0 };
	long rbx = 0x1111, ret;
	register long r12 __asm__("r12") = 0x1200;
	register long r15 __asm__("r15") = 0x1500;
	__asm__ volatile("movdqu (%[in]), %%xmm0\n\t"
			 "syscall\n\t"
			 "movdqu %%xmm0, (%[out])\n\t"
			 : "=a"(ret), "+b"(rbx), "+r"(r12), "+r"(r15)
			 : "0"((long)SYS_tgkill), "D"(pid), "S"(tid), "d"((long)SIGUSR1),
			   [in] "r"(pattern), [out] "r"(out)
			 : "rcx", "r11", "xmm0", "memory");
	CHECK_EQ(hits, 1);
	CHECK(had_fpregs, "uc_mcontext.fpregs is set");
	CHECK(xmm_seen_ok, "the handler saw XMM0 in fpregs->_xmm[0]");
	CHECK(memcmp(out, pattern2, sizeof out) == 0,
	      "XMM0 after the return is what the handler wrote (%#x %#x %#x %#x)", out[0], out[1],
	      out[2], out[3]);
	CHECK(rbx_seen == 0x1111, "the handler saw RBX (%#lx)", (long)rbx_seen);
	CHECK(r12_seen == 0x1200 && r15_seen == 0x1500, "and R12, R15");
	CHECK(rax_seen == 0, "and RAX, tgkill's result (%ld)", (long)rax_seen);
	CHECK(rbx == 0x2222, "RBX after the return is the handler's (%#lx)", rbx);
	CHECK(r12 == 0x1212 && r15 == 0x1515, "R12 and R15 too");
	CHECK(ret == 42, "the interrupted syscall returns the handler's RAX (%ld)", ret);
	CHECK(sighup_in_uc_mask, "uc_sigmask holds the interrupted mask");
	CHECK(signal_blocked(SIGUSR2), "a signal added to uc_sigmask is blocked after the return");
	CHECK(signal_blocked(SIGHUP) && !signal_blocked(SIGUSR1), "the rest of the mask is back");
	CHECK(handler_sp + 128 <= (unsigned long)rsp_seen,
	      "the frame is below the red zone (handler %#lx, interrupted RSP %#lx)", handler_sp,
	      (unsigned long)rsp_seen);
	mask_signal(SIG_UNBLOCK, SIGUSR2);
	mask_signal(SIG_UNBLOCK, SIGHUP);

	/* FPU control state: clean in the handler, the program's own after. */
	mode = 1;
	unsigned mxcsr = 0x7f80; /* round toward zero */
	unsigned short cw = 0x27f; /* 53-bit precision */
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
	__asm__ volatile("fldcw %0" ::"m"(cw));
	raise(SIGUSR1);
	unsigned mxcsr_after;
	unsigned short cw_after;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr_after));
	__asm__ volatile("fnstcw %0" : "=m"(cw_after));
	CHECK_EQ(hits, 2);
	CHECK(mxcsr_inside == 0x1f80, "the handler starts with MXCSR 0x1f80 (%#x)", mxcsr_inside);
	CHECK(cw_inside == 0x37f, "and x87 control word 0x37f (%#x)", cw_inside);
	CHECK(mxcsr_saved == 0x7f80, "the frame holds the program's MXCSR (%#x)", mxcsr_saved);
	CHECK(cw_saved == 0x27f, "and its control word (%#x)", cw_saved);
	CHECK(mxcsr_after == 0x7f80, "MXCSR is restored (%#x)", mxcsr_after);
	CHECK(cw_after == 0x27f, "the control word is restored (%#x)", cw_after);
	mxcsr = 0x1f80;
	cw = 0x37f;
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
	__asm__ volatile("fldcw %0" ::"m"(cw));
	return finish();
}
