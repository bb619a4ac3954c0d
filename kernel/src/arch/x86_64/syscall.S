/* The program's way in: `syscall` from ring 0 (DESIGN.md "The path of a
 * system call").
 *
 * SYSCALL saves RIP in RCX and RFLAGS in R11 and touches no stack; SFMASK is
 * zero so flags (IF included) stay as the program had them. The program's
 * red zone lies below its RSP, so nothing is pushed until RSP points at the
 * syscall stack. The frame below is `SyscallFrame` (syscall.rs). Return is
 * `popfq` on the syscall stack, then RSP back to the program's and
 * `jmp *%rcx`: SYSRET would drop to ring 3.
 *
 * One CPU, one thread for now: the saved RSP and the stack are single
 * globals. (Per-thread syscall stacks arrive with threads.)
 */

.section .text
.global syscall_entry
.type syscall_entry, @function
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    movq syscall_stack_top(%rip), %rsp
    pushq syscall_user_rsp(%rip)
    pushq %r11
    pushq %rcx
    pushq %rax
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %r10
    pushq %r8
    pushq %r9
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi
    xorl %ebp, %ebp         /* backtraces stop at the program's frame */
    callq syscall_handler
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r9
    popq %r8
    popq %r10
    popq %rdx
    popq %rsi
    popq %rdi
    addq $8, %rsp           /* the syscall number; RAX holds the result */
    popq %rcx               /* program RIP */
    popq %r11               /* program RFLAGS */
    pushq %r11
    popfq
    movq (%rsp), %rsp       /* program RSP */
    jmpq *%rcx
.size syscall_entry, . - syscall_entry

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

/* Starts the program: RSP at its initial stack, every other register zero
 * (RDX = 0 means no exit handler for the libc to register), interrupts on. */
.global enter_program
.type enter_program, @function
enter_program:
    movq %rsi, %rsp
    movq %rdi, %rcx
    xorl %eax, %eax
    xorl %ebx, %ebx
    xorl %edx, %edx
    xorl %esi, %esi
    xorl %edi, %edi
    xorl %ebp, %ebp
    xorl %r8d, %r8d
    xorl %r9d, %r9d
    xorl %r10d, %r10d
    xorl %r11d, %r11d
    xorl %r12d, %r12d
    xorl %r13d, %r13d
    xorl %r14d, %r14d
    xorl %r15d, %r15d
    pushq $0x202            /* IF and the reserved bit */
    popfq
    jmpq *%rcx
.size enter_program, . - enter_program
