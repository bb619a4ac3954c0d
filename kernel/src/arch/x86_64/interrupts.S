/* Interrupt and exception entry.
 *
 * 256 stubs, each 16 bytes long so that stub n sits at isr_stubs + 16 * n.
 * A stub pushes a zero error code for vectors where the CPU pushes none, then
 * the vector number, and jumps to isr_common, which completes a `UserRegs`
 * frame (syscalls/regs.rs: the general registers, orig_rax = -1 and the
 * entry flags). Every vector arrives on an IST stack (gdt.rs), 16-byte
 * aligned by the CPU; the 192-byte frame keeps RSP 16-byte aligned.
 *
 * The GS base tells whose context was interrupted: a kernel address is the
 * per-CPU area (the kernel ran); anything else is the program's, so SWAPGS
 * now and again on the way out (entry flags bit 0), as Linux's paranoid
 * entry decides. Then `trap_enter` moves the frame off the IST stack onto
 * the interrupted thread's kernel stack (idt.rs), where the handler may
 * sleep or switch threads, and `trap_dispatch` handles it.
 */

.set ENTRY_FLAGS, 128           /* offset of UserRegs::entry_flags */

.section .text
.p2align 4
.global isr_stubs
isr_stubs:
.set vector, 0
.rept 256
    .p2align 4
    .if vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30
    .else
    pushq $0
    .endif
    pushq $vector
    jmp isr_common
    .set vector, vector + 1
.endr

.type isr_common, @function
isr_common:
    pushq $0                    /* entry flags */
    pushq $-1                   /* orig_rax: not a system call */
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
    cld
    movl $0xc0000101, %ecx      /* IA32_GS_BASE */
    rdmsr
    testl %edx, %edx
    js 1f                       /* a kernel address: the kernel's GS */
    swapgs
    movq $1, ENTRY_FLAGS(%rsp)
1:  movq %rsp, %rdi
    callq trap_enter
    movq %rax, %rsp
    movq %rax, %rdi
    callq trap_dispatch
    jmp return_to_program
.size isr_common, . - isr_common
