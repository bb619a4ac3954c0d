/* PVH entry: 32-bit protected mode to long mode, then Rust.
 *
 * A PVH loader enters at the address in the XEN_ELFNOTE_PHYS32_ENTRY note with
 * paging off, flat 4 GiB CS/DS/SS, interrupts off, and %ebx holding the
 * physical address of struct hvm_start_info (Xen's arch-x86/hvm/start_info.h).
 * There is no stack yet. The loader has placed every PT_LOAD at its p_paddr and
 * zero-filled each segment's memsz beyond filesz (ELF semantics), so .bss is
 * already zero and nothing here spends time clearing it.
 */

.set KERNEL_VMA, 0xffffffff80000000
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
.set EFER_LME, 1 << 8
.set EFER_NXE, 1 << 11
.set PTE_P_W, 0x3
.set PTE_HUGE, 0x80

.section .note.Xen, "a"
    .p2align 2
    .long 4                     /* namesz: "Xen\0" */
    .long 4                     /* descsz */
    .long 18                    /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .p2align 2
    .long pvh_start32 - KERNEL_VMA

.section .text.boot, "ax"
.code32
.global pvh_start32
.type pvh_start32, @function
pvh_start32:
    cli
    cld
    /* First thing: the TSC at kernel entry, for the boot-time figure. */
    rdtsc
    movl %eax, (boot_entry_tsc - KERNEL_VMA)
    movl %edx, (boot_entry_tsc - KERNEL_VMA + 4)
    movl %ebx, (boot_start_info - KERNEL_VMA)

    /* Boot page tables: the first 1 GiB of physical memory, in 2 MiB pages,
     * identity-mapped (to survive enabling paging), at KERNEL_VMA (where the
     * kernel is linked) and at the direct map's base 0xffff800000000000, so
     * Rust can reach the loader's structures before it builds real tables. */
    movl $(boot_pd - KERNEL_VMA), %edi
    movl $(PTE_P_W | PTE_HUGE), %eax
    movl $512, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    movl $(boot_pd - KERNEL_VMA + PTE_P_W), %eax
    movl %eax, (boot_pdpt_low - KERNEL_VMA)
    movl %eax, (boot_pdpt_high - KERNEL_VMA + 510 * 8)
    movl $(boot_pdpt_low - KERNEL_VMA + PTE_P_W), %eax
    movl %eax, (boot_pml4 - KERNEL_VMA)
    movl %eax, (boot_pml4 - KERNEL_VMA + 256 * 8)
    movl $(boot_pdpt_high - KERNEL_VMA + PTE_P_W), %eax
    movl %eax, (boot_pml4 - KERNEL_VMA + 511 * 8)

    lgdt (boot_gdt_ptr - KERNEL_VMA)

    movl %cr4, %eax
    orl $(CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    movl %eax, %cr4
    movl $(boot_pml4 - KERNEL_VMA), %eax
    movl %eax, %cr3
    movl $EFER_MSR, %ecx
    rdmsr
    orl $(EFER_LME | EFER_NXE), %eax
    wrmsr
    movl %cr0, %eax
    andl $~CR0_EM, %eax
    orl $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
    movl %eax, %cr0

    ljmp $0x08, $(pvh_start64 - KERNEL_VMA)
.size pvh_start32, . - pvh_start32

.code64
.type pvh_start64, @function
pvh_start64:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs

    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp             /* ends the frame-pointer chain for backtraces */
    movl (boot_start_info), %edi
    movq (boot_entry_tsc), %rsi
    movabsq $kernel_main, %rax
    callq *%rax
    ud2
.size pvh_start64, . - pvh_start64

.section .rodata
    .p2align 3
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt - KERNEL_VMA

.section .data
    .p2align 3
.global boot_entry_tsc
boot_entry_tsc:
    .quad 0
boot_start_info:
    .long 0

.section .bss
    .p2align 12
.global boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt_low:
    .skip 4096
boot_pdpt_high:
    .skip 4096
boot_pd:
    .skip 4096
/* Unmapped once the kernel's page tables are up (arch::stack_guard_pages):
 * overflowing the boot stack then faults instead of corrupting boot_pd. */
.global boot_stack_guard
boot_stack_guard:
    .skip 4096
.global boot_stack
boot_stack:
    .skip 64 * 1024
.global boot_stack_top
boot_stack_top:

/* The kernel symbol table's place: tools/build (ksyms) moves this segment to
 * the end of the file and fills it. Zero means "no table". */
.section .ksyms, "a"
    .p2align 4
    .skip 16
