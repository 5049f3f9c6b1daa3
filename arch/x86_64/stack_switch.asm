; arch/x86_64/stack_switch.asm - start running a C function on a different stack.
;
; System V AMD64 ABI, section 3.2.2 "The Stack Frame": at a call, RSP + 8 must be a multiple of
; 16 inside the callee, i.e. RSP is 16-byte aligned just before the CALL. Intel SDM Vol. 1
; section 6.2 (stacks) for PUSH/CALL.
;
; void stack_switch_call(uint64_t stack_top, void (*fn)(void)) - never returns.
;   rdi = new stack top (16-byte aligned), rsi = function to run there.
; The old stack is abandoned. Like boot/entry.asm, we push a zero "return address" and a zero
; saved RBP first, so frame-pointer walks (our backtraces and GDB's `bt`) end cleanly at the
; bottom of the new stack instead of wandering back into the old one.

bits 64
section .note.GNU-stack noalloc noexec nowrite progbits

section .text
global stack_switch_call
stack_switch_call:
    mov rsp, rdi
    xor ebp, ebp
    push rbp                ; fake return address 0: end of the call chain
    push rbp                ; saved RBP 0
    mov rbp, rsp
    call rsi                ; RSP is 16-byte aligned here (top - 16)
.hang:                      ; fn must not return; if it does, stop this CPU
    cli
    hlt
    jmp .hang
