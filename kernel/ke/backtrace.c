/* kernel/ke/backtrace.c - follow saved frame pointers safely.
 *
 * Intel SDM Vol. 3A §6.14.2 "64-Bit Mode Stack Frame" (how vectors.asm links an interrupted
 * frame in) and the System V AMD64 ABI frame layout (see backtrace.h).
 *
 * Used on the way down: the stop screen walks stacks that may be corrupt, so every pointer is
 * checked before it is dereferenced (a fault here would only produce a second bugcheck).
 */
#include "kernel/ke/backtrace.h"

#include "kernel/ke/ksyms.h"
#include "kernel/lib/format.h"
#include "kernel/mm/paging.h"

extern const char trap_interrupted[]; /* arch/x86_64/vectors.asm: the fake call frame's "callee" */

/* paging_is_mapped() walks the live page tables (whichever CR3 holds: entry.asm's boot tables
 * before paging_init(), the kernel's own after), so it is right at any point of the boot. */
bool backtrace_readable(uint64_t address, size_t size)
{
    uint64_t last = address + size - 1;
    if (size == 0 || last < address)
        return false;
    return paging_is_mapped(address, false) && paging_is_mapped(last, false);
}

void backtrace_walk_begin(struct backtrace_walker *w, uint64_t rbp)
{
    w->rbp = rbp;
    w->steps = 0;
    w->interrupted = false;
    w->next_interrupted = false;
}

/* Does this return address lie in trap_interrupted (after its `call trap_dispatch`)? Then the
 * next link is the interrupted code, entered through the fake frame vectors.asm built. */
static bool backtrace_is_trap_return(uint64_t pc)
{
    uint64_t offset;
    return ksym_lookup(pc - 1, &offset) && pc - 1 - offset == (uint64_t)(uintptr_t)trap_interrupted;
}

bool backtrace_walk_next(struct backtrace_walker *w, uint64_t *return_address)
{
    uint64_t rbp = w->rbp;
    if (rbp == 0 || (rbp & 7) || w->steps >= BACKTRACE_MAX_WALK || !backtrace_readable(rbp, 16))
        return false;
    const uint64_t *link = (const uint64_t *)(uintptr_t)rbp;
    uint64_t next = link[0], pc = link[1];
    if (pc == 0) /* entry.asm's end-of-chain marker */
        return false;
    w->steps++;
    /* A link pointing at itself would repeat forever; end the walk after this frame. */
    w->rbp = next == rbp ? 0 : next;
    w->interrupted = w->next_interrupted;
    w->next_interrupted = backtrace_is_trap_return(pc);
    *return_address = pc;
    return true;
}

size_t backtrace_capture(uint64_t rbp, uint64_t *pcs, size_t max)
{
    struct backtrace_walker w;
    size_t n = 0;
    backtrace_walk_begin(&w, rbp);
    while (n < max && backtrace_walk_next(&w, &pcs[n]))
        n++;
    return n;
}

#define X86_CALL_REL32 0xE8 /* call rel32: E8 followed by a 32-bit displacement (SDM Vol. 2A) */
#define X86_CALL_REL32_LENGTH 5
#define X86_CALL_INDIRECT 0xFF  /* FF /2: call r/m64 */
#define X86_MODRM_CALL_REG 0xD0 /* ModRM 11 010 rrr: the register form of FF /2 */

bool backtrace_frameless_caller(uint64_t rip, uint64_t rsp, uint64_t *return_address)
{
    uint64_t offset;
    if ((rsp & 7) || !backtrace_readable(rsp, 8))
        return false;
    /* RIP outside every function (a jump into data): the call, if any, went to RIP itself. */
    uint64_t function = ksym_lookup(rip, &offset) ? rip - offset : rip;
    uint64_t candidate = *(const uint64_t *)(uintptr_t)rsp;
    /* Only a return address into our own code, right after a call to this function,
     * counts: anything else on the stack (saved registers, locals) fails one of the checks. */
    if (!ksym_lookup(candidate - 1, NULL) || !backtrace_readable(candidate - X86_CALL_REL32_LENGTH, 5))
        return false;
    const uint8_t *call = (const uint8_t *)(uintptr_t)(candidate - X86_CALL_REL32_LENGTH);
    int32_t displacement;
    __builtin_memcpy(&displacement, call + 1, sizeof(displacement));
    bool direct = call[0] == X86_CALL_REL32 && candidate + (uint64_t)(int64_t)displacement == function;
    /* A call through a function pointer (an ISR, a DPC routine): `call *%reg` is FF D0+r, with a
     * REX prefix (41) for r8-r15. Its target cannot be checked, but the byte pattern right before
     * a return address is specific enough when the stack word also points into our code. */
    bool indirect = call[3] == X86_CALL_INDIRECT && (call[4] & 0xF8) == X86_MODRM_CALL_REG;
    if (!direct && !indirect)
        return false;
    *return_address = candidate;
    return true;
}

char *backtrace_format_return_address(uint64_t address, char *buf, size_t size)
{
    uint64_t offset;
    const char *name = address ? ksym_lookup(address - 1, &offset) : NULL;
    if (name)
        ksnprintf(buf, size, "%s+0x%lx", name, (unsigned long)(offset + 1));
    else
        ksnprintf(buf, size, "0x%016lx", (unsigned long)address);
    return buf;
}
