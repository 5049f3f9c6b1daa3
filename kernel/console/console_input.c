/* kernel/console/console_input.c - see console_input.h; IrqlabRegisterConsoleInput and
 * IrqlabConsoleInputArrived (include/irqlab.h) are the driver's side. */
#include "kernel/console/console_input.h"

#include "include/irqlab.h"

static const IRQLAB_CONSOLE_INPUT *volatile input; /* the registered source, or NULL */
static console_input_notify_fn *volatile notify_fn;
static void *volatile notify_context;

VOID IrqlabRegisterConsoleInput(const IRQLAB_CONSOLE_INPUT *Input)
{
    __atomic_store_n(&input, Input, __ATOMIC_RELEASE);
}

VOID IrqlabConsoleInputArrived(VOID)
{
    console_input_notify_fn *fn = __atomic_load_n(&notify_fn, __ATOMIC_ACQUIRE);
    if (fn)
        fn(notify_context);
}

void console_input_set_notify(console_input_notify_fn *fn, void *context)
{
    notify_fn = NULL; /* a DPC running now sees no routine rather than a half-set pair */
    notify_context = context;
    __atomic_store_n(&notify_fn, fn, __ATOMIC_RELEASE);
}

size_t console_input_read(char *buffer, size_t size)
{
    const IRQLAB_CONSOLE_INPUT *in = __atomic_load_n(&input, __ATOMIC_ACQUIRE);
    if (!in || !in->Read)
        return 0;
    return in->Read(buffer, size > 0xFFFFFFFFu ? 0xFFFFFFFFu : (ULONG)size);
}

bool console_input_interrupt_driven(void)
{
    const IRQLAB_CONSOLE_INPUT *in = __atomic_load_n(&input, __ATOMIC_ACQUIRE);
    return in && in->InterruptDriven && in->InterruptDriven();
}
