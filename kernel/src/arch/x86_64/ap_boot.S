/* Application processor start-up code (Intel SDM Vol. 3A, 9.4.4). smp.rs
 * copies the bytes from ap_trampoline_start to ap_trampoline_end to
 * physical 0x8000 and sends each AP INIT and STARTUP (vector 0x08), which
 * starts it in real mode at 0800:0000. It goes to protected mode, turns on
 * PAE and long mode with the page tables smp.rs prepared (the kernel's,
 * plus the low 2 MiB identity-mapped so this code keeps running), and
 * jumps to the 64-bit kernel entry with its stack and CPU number, which
 * smp.rs wrote into the parameter block at the end. */

.set TRAMPOLINE, 0x8000
.set CR0_PE, 1 << 0
.set CR0_MP, 1 << 1
.set CR0_EM, 1 << 2
.set CR0_WP, 1 << 16
.set CR0_PG, 1 << 31
.set CR4_PAE, 1 << 5
.set CR4_PGE, 1 << 7
.set CR4_OSFXSR, 1 << 9
.set CR4_OSXMMEXCPT, 1 << 10
.set EFER_MSR, 0xc0000080
.set EFER_SCE, 1 << 0
.set EFER_LME, 1 << 8
.set EFER_NXE, 1 << 11


.section .rodata
.p2align 4
.global ap_trampoline_start
ap_trampoline_start:
.code16
    cli
    cld
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl (TRAMPOLINE + (ap_gdt_ptr - ap_trampoline_start))
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl $0x08, $(TRAMPOLINE + (ap_protected - ap_trampoline_start))

.code32
ap_protected:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $(CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    movl (TRAMPOLINE + (ap_param_cr3 - ap_trampoline_start)), %eax
    movl %eax, %cr3
    movl $EFER_MSR, %ecx
    rdmsr
    orl $(EFER_SCE | EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    andl $~CR0_EM, %eax
    orl $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
    movl %eax, %cr0
    ljmpl $0x18, $(TRAMPOLINE + (ap_long - ap_trampoline_start))

.code64
ap_long:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    movq (TRAMPOLINE + (ap_param_stack - ap_trampoline_start)), %rsp
    movl (TRAMPOLINE + (ap_param_index - ap_trampoline_start)), %edi
    movq (TRAMPOLINE + (ap_param_entry - ap_trampoline_start)), %rax
    xorl %ebp, %ebp
    jmpq *%rax

.p2align 3
ap_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* 0x08: 32-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
    .quad 0x00af9a000000ffff    /* 0x18: 64-bit code */
ap_gdt_ptr:
    .word ap_gdt_ptr - ap_gdt - 1
    .long TRAMPOLINE + (ap_gdt - ap_trampoline_start)

.p2align 3
.global ap_params
ap_params:
ap_param_stack:
    .quad 0
ap_param_entry:
    .quad 0
ap_param_cr3:
    .long 0
ap_param_index:
    .long 0
.global ap_trampoline_end
ap_trampoline_end:
