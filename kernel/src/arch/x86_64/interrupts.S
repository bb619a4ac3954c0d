/* Interrupt and exception entry.
 *
 * 256 stubs, each 16 bytes long so that stub n sits at isr_stubs + 16 * n.
 * A stub pushes a zero error code for vectors where the CPU pushes none, then
 * the vector number, and jumps to isr_common, which saves the general
 * registers in the layout of `TrapFrame` (idt.rs) and calls trap_dispatch.
 * Every vector arrives on an IST stack (gdt.rs), 16-byte aligned by the CPU;
 * the 176-byte frame keeps RSP 16-byte aligned at the call.
 */

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
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi
    callq trap_dispatch
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp          /* vector and error code */
    iretq
.size isr_common, . - isr_common
