; boot/entry.asm - the first instructions irqlab runs.
;
; Both loaders enter here in 32-bit protected mode with paging off:
;   * GRUB (Multiboot2 spec 2.0, section 3.2 "Machine state"): eax = 0x36d76289, ebx = MB2 info.
;   * QEMU -kernel (Xen PVH boot ABI, XEN_ELFNOTE_PHYS32_ENTRY): ebx = hvm_start_info, eax undefined.
; We build an identity map of the first 4 GiB with 2 MiB pages, switch to long mode
; (Intel SDM Vol. 3A, section 10.8.5 "Initializing IA-32e Mode") and call
; kernel_main(magic, info). kernel_main works out which loader it was (kernel/boot/bootinfo.c)
; and replaces these temporary page tables with its own (kernel/mm/paging.c).

bits 32

MB2_MAGIC       equ 0xE85250D6
MB2_ARCH_I386   equ 0
PAGE_PRESENT    equ 1 << 0
PAGE_WRITE      equ 1 << 1
PAGE_LARGE      equ 1 << 7
EFER_MSR        equ 0xC0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
CR4_PAE         equ 1 << 5
CR0_PE          equ 1 << 0
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
COM1            equ 0x3F8

; ---- Multiboot2 header: must be 8-byte aligned within the first 32 KiB of the file. ----
section .multiboot2 align=8
mb2_header:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; Framebuffer tag (spec section 3.1.10 "The framebuffer tag of Multiboot2 header"): type 5,
    ; flags 1 = optional (a loader without video still boots us), the preferred width, height and
    ; depth. GRUB then sets that mode through UEFI GOP or VBE and reports it in the framebuffer
    ; info tag, which kernel/console/fb_console.c draws the console on. Without this tag GRUB
    ; under UEFI says "no suitable video mode found" and the screen stays as GRUB left it.
    dw 5, 1
    dd 20
    dd 1024, 768, 32
    dd 0                    ; padding: every tag starts on an 8-byte boundary
    ; end tag: type 0, flags 0, size 8
    dw 0, 0
    dd 8
mb2_header_end:

; ---- PVH ELF note: lets `qemu -kernel build/kernel.elf` load this ELF64 directly. ----
section .note.Xen note alloc align=4
    dd 4                    ; namesz
    dd 4                    ; descsz
    dd 18                   ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd _start               ; 32-bit physical entry point

section .note.GNU-stack noalloc noexec nowrite progbits

section .bss align=4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt:      resb 4096
boot_pd:        resb 4096 * 4          ; 4 page directories = 4 GiB of 2 MiB pages
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
                resb 16384
boot_stack_top:

section .rodata
align 16
gdt64:
    dq 0                                ; null
    dq 0x00AF9A000000FFFF               ; 0x08: 64-bit code, DPL 0
    dq 0x00CF92000000FFFF               ; 0x10: data
gdt64_end:
gdt64_ptr:
    dw gdt64_end - gdt64 - 1
    dq gdt64

no_long_mode_msg: db "irqlab: this CPU has no long mode (x86_64); cannot boot.", 13, 10, 0

section .text
global _start
_start:
    cli
    cld
    mov esp, boot_stack_top
    mov edi, eax                        ; loader magic (MB2) -> 1st C argument
    mov esi, ebx                        ; MB2 info / PVH start info -> 2nd C argument

    ; Is long mode available? CPUID 0x80000001 EDX bit 29.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; PML4[0] -> PDPT; PDPT[0..3] -> the four page directories.
    mov eax, boot_pdpt
    or eax, PAGE_PRESENT | PAGE_WRITE
    mov [boot_pml4], eax
    xor ecx, ecx
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, PAGE_PRESENT | PAGE_WRITE
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb .fill_pdpt

    ; PD entry i maps physical i * 2 MiB (i = 0 .. 2047).
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PAGE_PRESENT | PAGE_WRITE | PAGE_LARGE
    mov [boot_pd + ecx * 8], eax
    mov dword [boot_pd + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 2048
    jb .fill_pd

    mov eax, boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE | CR0_WP
    mov cr0, eax

    lgdt [gdt64_ptr]
    jmp 0x08:long_mode_entry

.no_long_mode:
    mov ebx, no_long_mode_msg
.putc:
    mov al, [ebx]
    test al, al
    jz .halt
    mov dx, COM1
    out dx, al
    inc ebx
    jmp .putc
.halt:
    hlt
    jmp .halt

bits 64
long_mode_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    mov edi, edi                        ; upper halves are undefined after the mode switch:
    mov esi, esi                        ; zero-extend the two arguments
    ; End the frame-pointer chain with a zero return address so backtraces (ours and GDB's)
    ; stop cleanly here instead of walking into garbage.
    xor ebp, ebp
    push rbp
    push rbp
    mov rbp, rsp
    extern kernel_main
    call kernel_main
.hang:
    cli
    hlt
    jmp .hang
