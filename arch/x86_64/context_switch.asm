; arch/x86_64/context_switch.asm - the one instruction sequence that changes threads.
;
; void ke_swap_context(uint64_t *save_rsp, uint64_t new_rsp)
;   rdi = where to store the old thread's stack pointer (old->KernelStack)
;   rsi = the new thread's saved stack pointer (new->KernelStack)
;
; System V AMD64 ABI, section 3.2.1 "Registers": a called function must preserve RBX, RBP and
; R12-R15 (and RSP); everything else the caller of ke_swap_context already considers lost. So a
; thread's whole CPU state, while it is not running, is: those six registers pushed on its own
; stack + RSP saved in its KTHREAD + the return address into ke_switch_away (kernel/ke/switch.c).
; RIP is not saved explicitly: it is the return address the CALL pushed. Flags (IF) and CR8
; (the IRQL) are the same on both sides: every switch happens at DISPATCH_LEVEL with interrupts
; off. irqlab's kernel is built with -mgeneral-regs-only, so there is no FPU/SSE state to save.
;
; In GDB: `break ke_swap_context`, `stepi` over `mov rsp, rsi`, and `bt` shows the new thread's
; call chain (docs/scheduling.md).

bits 64
section .note.GNU-stack noalloc noexec nowrite progbits

section .text
global ke_swap_context
ke_swap_context:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp          ; the old thread stops here...
    mov rsp, rsi            ; ...and the new one continues from its own stack
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret                     ; into the new thread's ke_swap_context caller (or the trampoline)

; A new thread's first "return" lands here (kernel/ke/thread.c builds its stack so). As in
; stack_switch.asm, a zero return address and saved RBP end frame-pointer walks cleanly.
extern ke_thread_start
global ke_thread_trampoline
ke_thread_trampoline:
    xor ebp, ebp
    push rbp
    push rbp
    mov rbp, rsp
    call ke_thread_start    ; never returns (the thread terminates)
.hang:
    cli
    hlt
    jmp .hang
