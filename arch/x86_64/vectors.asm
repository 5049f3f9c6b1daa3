; arch/x86_64/vectors.asm - the first instructions the CPU runs for every interrupt and exception.
;
; Intel SDM Vol. 3A §6.14 "Exception and Interrupt Handling in 64-Bit Mode" (§6.14.2 the stack
; frame, §6.14.5 the interrupt stack table) and §6.15 "Exception and Interrupt Reference" (which
; exceptions push an error code).
;
; How an interrupt arrives here (step through it in GDB: `break trap_common_entry`, `stepi`):
;
;   1. The CPU looks up the vector in the IDT (arch/x86_64/idt.c). Every gate points at one of
;      the 256 small stubs below, vector_stub_0 ... vector_stub_255, each 16 bytes long, so
;      stub N lives at vector_stub_0 + 16*N (`x/4i vector_stub_0+16*14` shows the #PF stub).
;   2. If the gate names an IST stack (#DF, NMI, #MC), the CPU switches RSP to it first.
;      Either way it aligns RSP down to 16 bytes and pushes SS, RSP, RFLAGS, CS, RIP, and
;      for some exceptions an error code. Interrupt gates also clear RFLAGS.IF.
;   3. The stub makes every frame look the same: it pushes a dummy error code of 0 where the
;      CPU pushed none, then the vector number, and jumps to trap_common_entry.
;   4. trap_common_entry pushes all general-purpose registers. RSP now points at a complete
;      struct trap_frame (arch/x86_64/trap_frame.h), which is passed to trap_dispatch() in C.
;   5. When trap_dispatch() returns, the registers are popped again, the vector and error code
;      are dropped, and iretq pops RIP, CS, RFLAGS, RSP and SS: the interrupted code continues
;      as if nothing had happened.
;
; Never raise a vector that has a CPU error code with a software `int n` (int $8, int $13,
; int $14, ...): `int n` pushes no error code, so the frame would be one word short.

bits 64
default rel

section .note.GNU-stack noalloc noexec nowrite progbits

; Offsets into struct trap_frame; arch/x86_64/trap_frame.h checks them with _Static_assert.
; Only TF_RIP is used below; the others spell out the layout for a reader with `x/22gx $rsp`.
TF_RBP          equ 64
TF_VECTOR       equ 120
TF_ERROR_CODE   equ 128
TF_RIP          equ 136
TF_SIZE         equ 176
STUB_SIZE       equ 16

extern trap_dispatch

section .text

; ---- the 256 stubs, generated -------------------------------------------------------------------
; The exceptions for which the CPU itself pushes an error code (SDM §6.15, "Exception Error
; Code" of each entry): #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29,
; #SX 30. All other vectors, including every external interrupt (32-255), push none.
%define cpu_pushes_error_code(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%assign vec 0
%rep 256
align STUB_SIZE
vector_stub_%[vec]:
%if cpu_pushes_error_code(vec)
                                        ; the CPU has already pushed an error code
%else
    push qword 0                        ; dummy error code: same frame shape for all vectors
%endif
    push qword vec                      ; which vector this was (struct trap_frame.vector)
    jmp trap_common_entry
%assign vec vec + 1
%endrep
align STUB_SIZE
vector_stubs_end:

; ---- the common path ------------------------------------------------------------------------
; Entered by jmp from a stub with, from RSP upwards:
;   vector, error code, RIP, CS, RFLAGS, RSP, SS        (7 words = 56 bytes)
; The CPU aligned RSP to 16 before its 5 words, so RSP is now 16n - 56 = 16m + 8.
align 16
global trap_common_entry:function
trap_common_entry:
    ; Save every general-purpose register. rax goes first so that r15 ends up at the lowest
    ; address, which is the first member of struct trap_frame. 15 more words: RSP is now
    ; 16m + 8 - 120 = 16k, i.e. 16-byte aligned, as the C ABI wants before a call.
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15

    mov rdi, rsp                        ; argument 1: struct trap_frame *frame

    ; Link the interrupted code into the frame-pointer chain, so that a backtrace taken inside
    ; trap_dispatch() (ours in kernel/ke/backtrace.c, or GDB's `bt`) continues into the code
    ; that was interrupted. We make the stack look as if the interrupted instruction had
    ; called the function below: push its RIP as the "return address", then run an ordinary
    ; prologue, which pushes RBP - still the interrupted code's RBP, nothing has changed it.
    push qword [rdi + TF_RIP]

; Not called by anyone: trap_common_entry falls through into it. It is a label of its own so
; that GDB sees a normal `push rbp; mov rbp, rsp` function here and unwinds through it: `bt`
; inside trap_dispatch shows trap_interrupted, then the interrupted function. (GDB treats that
; function's pc like a return address and looks it up at pc - 1, so a trap on the very first
; instruction of a function is shown in the function before it; `p/a frame->rip` is exact.)
global trap_interrupted:function
trap_interrupted:
    push rbp                            ; the interrupted RBP: the next link of the chain
    mov rbp, rsp                        ; two words pushed: RSP is 16-byte aligned again

    cld                                 ; the C ABI requires DF = 0 on function entry
    call trap_dispatch                  ; void trap_dispatch(struct trap_frame *frame)

    add rsp, 16                         ; drop the RBP/RIP pair of the fake call

    ; Restore the registers; trap_dispatch() may have changed the frame on purpose (a future
    ; debugger stub, for instance), so this is the only place registers come from.
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                         ; drop the vector and the error code
    iretq                               ; pop RIP, CS, RFLAGS, RSP, SS: back to the interrupted code

; ---- the table idt.c builds the IDT from ----------------------------------------------------------
section .rodata
align 8
global vector_stub_table:data (256 * 8)
vector_stub_table:
%assign vec 0
%rep 256
    dq vector_stub_%[vec]
%assign vec vec + 1
%endrep

; Every stub must fit in its 16-byte slot, or `vector_stub_0 + 16*N` would lie. NASM has no
; assembly-time assert; a negative TIMES count is an error, so this line is one.
section .text
    times ((vector_stubs_end - vector_stub_0) == 256 * STUB_SIZE) - 1 db 0
