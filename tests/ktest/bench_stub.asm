; tests/ktest/bench_stub.asm - the cheapest possible interrupt handler, for comparison:
; save the registers a C call may clobber, send the EOI, return. Everything irqlab's real path
; adds on top of this (trap frame, IRQL, chain walk, locks, statistics, DPC check) is the
; difference measured by tests/ktest/bench_test.c.
bits 64
section .note.GNU-stack noalloc noexec nowrite progbits
section .text
extern lapic_eoi
global bench_bare_stub
bench_bare_stub:
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    push rbp
    mov rbp, rsp
    and rsp, -16            ; the ABI wants a 16-byte aligned stack at the call
    call lapic_eoi
    mov rsp, rbp
    pop rbp
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
    iretq
