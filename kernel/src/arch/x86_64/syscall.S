/* The program's way in: `syscall` from ring 0 (DESIGN.md "The path of a
 * system call"), and the ways back out.
 *
 * SYSCALL saves RIP in RCX and RFLAGS in R11 and touches no stack; SFMASK
 * clears IF (and DF, TF, AC), so the stub is not interrupted before it has
 * a stack. SWAPGS makes GS the per-CPU area (percpu.rs), whose words at 8
 * and 16 are a scratch slot and the current thread's kernel stack top. The
 * program's red zone lies below its RSP, so nothing is pushed until RSP
 * points at the kernel stack. The frame is `UserRegs` (syscalls/regs.rs).
 *
 * The handler returns 0 when the program may get back its registers the
 * quick way: everything popped, then `popfq` and `jmp *%rcx` (SYSRET would
 * drop to ring 3). It returns 1 when the frame was rewritten (a signal
 * handler, a restarted call, rt_sigreturn): then IRETQ restores all of it.
 * An interrupt in the two-instruction window after `popfq` is completed by
 * the interrupt path (idt.rs, `complete_syscall_return`).
 */

.set GS_SCRATCH, 8
.set GS_KSTACK, 16
.set KERNEL_CODE, 0x08
.set KERNEL_DATA, 0x10
.set SYSCALL_VECTOR, 0x100
.set ENTRY_FLAGS, 128           /* offset of UserRegs::entry_flags */

.macro PUSH_GPRS
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rax
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm

.macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
.endm

.section .text
.global syscall_entry
.type syscall_entry, @function
syscall_entry:
    swapgs
    movq %rsp, %gs:GS_SCRATCH
    movq %gs:GS_KSTACK, %rsp
    pushq $KERNEL_DATA          /* ss */
    pushq %gs:GS_SCRATCH        /* rsp */
    pushq %r11                  /* rflags */
    pushq $KERNEL_CODE          /* cs */
    pushq %rcx                  /* rip */
    pushq $0                    /* error code */
    pushq $SYSCALL_VECTOR       /* vector */
    pushq $1                    /* entry flags: GS is swapped */
    pushq %rax                  /* orig_rax: the number */
    PUSH_GPRS
    cld
    movq %rsp, %rdi
    xorl %ebp, %ebp             /* backtraces stop at the program's frame */
    sti
    callq syscall_handler       /* returns with interrupts off */
    testq %rax, %rax
    jnz return_to_program
    POP_GPRS
    addq $48, %rsp              /* orig_rax .. cs: at the saved rflags */
    swapgs
    popfq
.global syscall_return_mov
syscall_return_mov:
    movq (%rsp), %rsp           /* the program's RSP */
.global syscall_return_jmp
syscall_return_jmp:
    jmpq *%rcx
.size syscall_entry, . - syscall_entry

/* Restores a whole UserRegs frame at RSP and returns into it, swapping GS
 * back if the frame says so. Interrupts are off. */
.global return_to_program
.type return_to_program, @function
return_to_program:
    testq $1, ENTRY_FLAGS(%rsp)
    jz 1f
    POP_GPRS
    addq $32, %rsp              /* orig_rax, entry flags, vector, error code */
    swapgs
    iretq
1:  POP_GPRS
    addq $32, %rsp
    iretq
.size return_to_program, . - return_to_program

/* switch_context(prev_rsp: *mut u64, next_rsp: u64): saves the callee-saved
 * registers on this stack, stores RSP in *prev_rsp, and resumes the thread
 * whose stack is at next_rsp the same way. Interrupts are off. */
.global switch_context_asm
.type switch_context_asm, @function
switch_context_asm:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    retq
.size switch_context_asm, . - switch_context_asm

/* A new program thread's first instructions: switch_context "returns"
 * here with RSP at the UserRegs frame the thread starts from. */
.global thread_entry
.type thread_entry, @function
thread_entry:
    movq %rsp, %rdi
    xorl %ebp, %ebp
    callq thread_start          /* returns with interrupts off */
    jmp return_to_program
.size thread_entry, . - thread_entry

/* Copies RDX bytes from RSI to RDI where one side is program memory.
 * Returns in RAX the number of bytes NOT copied: 0 on success. A page fault
 * on `copy_user_insn` that demand paging cannot resolve resumes at
 * `copy_user_fixup` (exception.rs), with RCX still counting what is left. */
.global copy_user
.type copy_user, @function
copy_user:
    movq %rdx, %rcx
.global copy_user_insn
copy_user_insn:
    rep movsb
    xorl %eax, %eax
    retq
.global copy_user_fixup
copy_user_fixup:
    movq %rcx, %rax
    retq
.size copy_user, . - copy_user

/* cmpxchg_user(addr: RDI, old: ESI, new: EDX) -> RAX: the value found in
 * the low 32 bits, or bit 32 set if the page could not be reached (the
 * fault resumes at `cmpxchg_user_fixup`). */
.global cmpxchg_user
.type cmpxchg_user, @function
cmpxchg_user:
    movl %esi, %eax
.global cmpxchg_user_insn
cmpxchg_user_insn:
    lock cmpxchgl %edx, (%rdi)
    retq
.global cmpxchg_user_fixup
cmpxchg_user_fixup:
    movabsq $0x100000000, %rax
    retq
.size cmpxchg_user, . - cmpxchg_user
