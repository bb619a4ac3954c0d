/* SIGSEGV from memory faults, handled with SA_SIGINFO: a write to a
 * PROT_NONE page gives si_code SEGV_ACCERR, to an unmapped page
 * SEGV_MAPERR, with si_addr the faulting address; uc_mcontext's RIP is the
 * faulting instruction, REG_TRAPNO 14 (page fault) and REG_ERR says write
 * or read and user mode; the handler moves RIP past the instruction and
 * execution goes on. A jump into a page without PROT_EXEC faults at the
 * target (the handler returns to the caller). A non-canonical address
 * raises #GP: SIGSEGV with si_code SI_KERNEL and si_addr 0. A handler that
 * mprotect()s the page writable and returns makes the write succeed on
 * retry. */
#include "sole_test.h"
#include <sys/mman.h>
#include <ucontext.h>

#define HIDDEN __attribute__((visibility("hidden")))
extern char store_insn[] HIDDEN, store_end[] HIDDEN, load_insn[] HIDDEN, load_end[] HIDDEN;

/* movl $1, (p), with a label on the instruction and after it. */
__attribute__((noinline)) static void store_one(volatile int *p)
{
	__asm__ volatile(".globl store_insn\n.hidden store_insn\nstore_insn:\n\t"
			 "movl $1, (%0)\n"
			 ".globl store_end\n.hidden store_end\nstore_end:\n"
			 :
			 : "r"(p)
			 : "memory");
}

__attribute__((noinline)) static int load_one(volatile int *p)
{
	int v = -1;
	__asm__ volatile(".globl load_insn\n.hidden load_insn\nload_insn:\n\t"
			 "movl (%1), %0\n"
			 ".globl load_end\n.hidden load_end\nload_end:\n"
			 : "+r"(v)
			 : "r"(p)
			 : "memory");
	return v;
}

static volatile int faults;
static volatile int code;
static void *volatile addr;
static volatile greg_t rip, trapno, err;
static volatile int mode; /* 0: skip the instruction, 1: mprotect, 2: return to caller */
static void *fix_page;

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	(void)sig;
	faults++;
	code = info->si_code;
	addr = info->si_addr;
	rip = uc->uc_mcontext.gregs[REG_RIP];
	trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	err = uc->uc_mcontext.gregs[REG_ERR];
	if (mode == 1) {
		mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);
	} else if (mode == 2) {
		/* A call into a bad page: return to the caller. */
		greg_t *g = uc->uc_mcontext.gregs;
		g[REG_RIP] = *(greg_t *)g[REG_RSP];
		g[REG_RSP] += 8;
	} else if (rip == (greg_t)store_insn) {
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)store_end;
	} else if (rip == (greg_t)load_insn) {
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)load_end;
	} else {
		/* Unknown: cannot continue. */
		_exit(3);
	}
}

static void reset(void)
{
	faults = 0;
	code = -1;
	addr = NULL;
	rip = trapno = err = -1;
}

int main(void)
{
	install_action(SIGSEGV, on_segv, 0);
	char *pages = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			   0);
	if (pages == MAP_FAILED)
		BAIL("mmap");
	char *none = pages, *gone = pages + 4096, *ro = pages + 8192;
	/* Populated before they are protected. */
	none[0] = 1;
	ro[0] = (char)0xc3;
	CHECK_OK(mprotect(none, 4096, PROT_NONE));
	CHECK_OK(munmap(gone, 4096));
	CHECK_OK(mprotect(ro, 4096, PROT_READ));

	/* A write to PROT_NONE. */
	reset();
	store_one((volatile int *)(none + 16));
	CHECK_EQ(faults, 1);
	CHECK_EQ(code, SEGV_ACCERR);
	CHECK(addr == none + 16, "si_addr is the faulting address (%p, %p)", addr, none + 16);
	CHECK(rip == (greg_t)store_insn, "RIP is the faulting instruction");
	CHECK_EQ(trapno, 14);
	CHECK(err & 2, "REG_ERR says write (%#lx)", (long)err);
	CHECK(err & 4, "REG_ERR says user mode (%#lx)", (long)err);

	/* A read from PROT_NONE. */
	reset();
	int v = load_one((volatile int *)(none + 32));
	CHECK_EQ(faults, 1);
	CHECK_EQ(code, SEGV_ACCERR);
	CHECK(addr == none + 32, "read: si_addr");
	CHECK(rip == (greg_t)load_insn, "read: RIP");
	CHECK(!(err & 2), "REG_ERR says read (%#lx)", (long)err);
	CHECK_EQ(v, -1);

	/* A write to a read-only page. */
	reset();
	store_one((volatile int *)(ro + 8));
	CHECK_EQ(faults, 1);
	CHECK_EQ(code, SEGV_ACCERR);
	CHECK(addr == ro + 8, "read-only: si_addr");
	CHECK(err & 2, "read-only: a write");
	CHECK(err & 1, "read-only: a protection fault on a present page (%#lx)", (long)err);
	CHECK_EQ(((volatile char *)ro)[8], 0);

	/* Unmapped. */
	reset();
	store_one((volatile int *)(gone + 100));
	CHECK_EQ(faults, 1);
	CHECK_EQ(code, SEGV_MAPERR);
	CHECK(addr == gone + 100, "unmapped: si_addr");
	CHECK(!(err & 1), "unmapped: not present (%#lx)", (long)err);
	reset();
	v = load_one((volatile int *)(gone + 200));
	CHECK_EQ(code, SEGV_MAPERR);
	CHECK(addr == gone + 200, "unmapped read: si_addr");

	/* Non-canonical: #GP. */
	reset();
	store_one((volatile int *)BAD_NONCANONICAL);
	CHECK_EQ(faults, 1);
	CHECK_EQ(code, SI_KERNEL);
	CHECK(addr == NULL, "#GP: si_addr is 0 (%p)", addr);
	CHECK_EQ(trapno, 13);

	/* Execution of a page without PROT_EXEC. */
	reset();
	mode = 2;
	void (*fn)(void) = (void (*)(void))(void *)ro;
	fn();
	CHECK_EQ(faults, 1);
	CHECK_EQ(code, SEGV_ACCERR);
	CHECK(addr == ro, "exec: si_addr is the target");
	CHECK(rip == (greg_t)ro, "exec: RIP is the target");
	CHECK(err & 16, "exec: REG_ERR says instruction fetch (%#lx)", (long)err);

	/* The handler fixes the page; the write is retried. */
	reset();
	mode = 1;
	fix_page = none;
	store_one((volatile int *)(none + 64));
	CHECK_EQ(faults, 1);
	CHECK_EQ(((volatile int *)none)[16], 1);
	CHECK_EQ(none[0], 1);

	/* The same, many times (each fault delivered and returned from). */
	mode = 0;
	reset();
	for (int i = 0; i < 100; i++)
		store_one((volatile int *)(gone + 4 * i));
	CHECK_EQ(faults, 100);
	return finish();
}
