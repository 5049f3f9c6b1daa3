/* kernel/io/interrupt_policy.c - the choice described in interrupt_policy.h. */
#include "kernel/io/interrupt_policy.h"

/* The largest power of two that is <= n (n >= 1). */
static unsigned round_down_pow2(unsigned n)
{
    unsigned p = 1;
    while (p * 2 <= n)
        p *= 2;
    return p;
}

static unsigned apply_limits(unsigned offered, unsigned driver_limit, unsigned cap)
{
    unsigned n = offered;
    if (driver_limit && n > driver_limit)
        n = driver_limit;
    if (n > cap)
        n = cap;
    return n ? n : 1;
}

struct io_interrupt_choice io_choose_interrupt(const struct io_interrupt_caps *caps,
                                               const struct io_interrupt_policy *policy)
{
    struct io_interrupt_choice choice = {IO_INTERRUPT_NONE, 0};
    bool messages_allowed = policy->msi_enabled && !policy->driver_no_msi;

    if (messages_allowed && policy->msix_enabled && !policy->driver_no_msix && caps->has_msix &&
        caps->msix_table_size > 0) {
        choice.kind = IO_INTERRUPT_MSIX;
        choice.messages = apply_limits(caps->msix_table_size, policy->message_limit, IO_MAX_MESSAGES);
    } else if (messages_allowed && caps->has_msi) {
        /* MSI hands out a block of 2^n messages: the device derives message k by putting k into
         * the low bits of the data value, so the count must be a power of two. */
        unsigned offered = caps->msi_max_messages ? caps->msi_max_messages : 1;
        choice.kind = IO_INTERRUPT_MSI;
        choice.messages = round_down_pow2(apply_limits(offered, policy->message_limit, IO_MAX_MSI_MESSAGES));
    } else if (caps->has_line) {
        choice.kind = IO_INTERRUPT_LINE;
    }
    return choice;
}

const char *io_interrupt_kind_name(enum io_interrupt_kind kind)
{
    switch (kind) {
    case IO_INTERRUPT_LINE: return "line";
    case IO_INTERRUPT_MSI: return "MSI";
    case IO_INTERRUPT_MSIX: return "MSI-X";
    case IO_INTERRUPT_NONE: break;
    }
    return "none";
}
