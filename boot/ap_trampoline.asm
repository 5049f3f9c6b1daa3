; boot/ap_trampoline.asm - how the other CPUs (application processors, APs) get to long mode.
;
; The BSP copies the bytes between ap_trampoline_start and ap_trampoline_end to physical
; AP_TRAMPOLINE_BASE (0x8000), fills in the data block at the end, and sends INIT-SIPI-SIPI with
; vector 0x08 (Intel SDM Vol. 3A §9.4.4.1 "Typical BSP Initialization Sequence", §11.6.1 ICR).
; The AP wakes in 16-bit real mode at CS:IP = 0x0800:0000 and walks the same road as the BSP did
; in boot/entry.asm (SDM §9.9 "Mode Switching", §10.8.5 "Initializing IA-32e Mode"):
;   real mode -> 32-bit protected mode -> paging with the kernel's own CR3 -> 64-bit mode
; and then calls smp_ap_entry(kprcb) (kernel/ke/smp.c) on its own guarded stack.
;
; Everything here is position-dependent on AP_TRAMPOLINE_BASE: addresses are written as
; AP_TRAMPOLINE_BASE + (label - ap_trampoline_start), which NASM computes at assembly time.

AP_TRAMPOLINE_BASE equ 0x8000
%define ABS(label) (AP_TRAMPOLINE_BASE + (label) - ap_trampoline_start)

section .note.GNU-stack noalloc noexec nowrite progbits

; The code is only copied, never run where it was linked, so it lives in read-only data.
section .rodata
global ap_trampoline_start, ap_trampoline_end
global ap_trampoline_cr3, ap_trampoline_stack, ap_trampoline_entry, ap_trampoline_arg

bits 16
ap_trampoline_start:
    cli
    cld
    mov ax, cs                      ; 0x0800: make data references relative to the trampoline
    mov ds, ax
    lgdt [trampoline_gdt_ptr - ap_trampoline_start]
    mov eax, cr0
    or eax, 1                       ; CR0.PE: protected mode
    mov cr0, eax
    jmp dword 0x08:ABS(protected_mode)

bits 32
protected_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                  ; CR4.PAE
    mov cr4, eax
    mov eax, [ABS(ap_trampoline_cr3)] ; the kernel's PML4 (below 4 GiB by construction)
    mov cr3, eax
    mov ecx, 0xC0000080             ; IA32_EFER
    rdmsr
    or eax, (1 << 8) | (1 << 11)    ; LME (long mode), NXE (no-execute pages)
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)   ; CR0.PG, CR0.WP
    mov cr0, eax
    jmp 0x18:ABS(long_mode)

bits 64
long_mode:
    mov ax, 0x20
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, [ABS(ap_trampoline_stack)]
    mov rdi, [ABS(ap_trampoline_arg)]
    mov rax, [ABS(ap_trampoline_entry)]
    xor ebp, ebp
    push rbp                        ; a zero return address ends backtraces here
    jmp rax                         ; smp_ap_entry(prcb) never returns

align 8
trampoline_gdt:
    dq 0
    dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
    dq 0x00CF92000000FFFF           ; 0x10: 32-bit data
    dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
    dq 0x00CF92000000FFFF           ; 0x20: data
trampoline_gdt_end:
trampoline_gdt_ptr:
    dw trampoline_gdt_end - trampoline_gdt - 1
    dd ABS(trampoline_gdt)

align 8
; Filled in by the BSP for each AP it starts (kernel/ke/smp.c).
ap_trampoline_cr3:   dq 0
ap_trampoline_stack: dq 0
ap_trampoline_entry: dq 0
ap_trampoline_arg:   dq 0
ap_trampoline_end:
