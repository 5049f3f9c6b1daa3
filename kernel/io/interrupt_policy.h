/* kernel/io/interrupt_policy.h - which kind of interrupt a device gets, and how many messages.
 *
 * learn.microsoft.com: "Using Interrupt Resource Descriptors", "Enabling Message-Signaled
 * Interrupts in the Registry" (MSISupported, MessageNumberLimit). Windows' PnP manager gives a
 * device message-signalled interrupts when the device offers them and the driver's INF opts in;
 * otherwise the device's line interrupt. irqlab decides the same way, with the driver table entry
 * in place of the INF and the command line in place of the registry:
 *
 *   1. MSI-X, if the device has it, `msix=off` and `msi=off` are not given and the driver allows it;
 *   2. else MSI, if the device has it, `msi=off` is not given and the driver allows it;
 *   3. else the device's line interrupt (INTx pin -> GSI, or an ISA IRQ);
 *   4. else none.
 *
 * Message counts: MSI-X as many as the table has; MSI the largest power of two the device
 * accepts (Multiple Message Capable); both capped by the driver's MessageNumberLimit and by
 * IO_MAX_MESSAGES. Multi-message MSI needs its vectors contiguous and aligned within one IRQL
 * class (16 vectors), so MSI is capped at 16. If the vectors cannot be found, the caller retries
 * with one message (Windows: "PnP gives exactly one"), then falls back to the line.
 *
 * Pure code (no kernel state): tests/unit/test_io_resources.c runs it on the host.
 */
#ifndef IRQLAB_IO_INTERRUPT_POLICY_H
#define IRQLAB_IO_INTERRUPT_POLICY_H

#include <stdbool.h>

#define IO_MAX_MESSAGES 32     /* per device: more than any QEMU device irqlab uses offers */
#define IO_MAX_MSI_MESSAGES 16 /* one IRQL class: MSI's vectors must be contiguous and aligned */

enum io_interrupt_kind { IO_INTERRUPT_NONE = 0, IO_INTERRUPT_LINE, IO_INTERRUPT_MSI, IO_INTERRUPT_MSIX };

/* What the device can do (from its PCI capabilities, or an ISA IRQ). */
struct io_interrupt_caps {
    bool has_line;
    bool has_msi;
    unsigned msi_max_messages; /* 1, 2, 4, 8, 16 or 32 */
    bool has_msix;
    unsigned msix_table_size; /* 1..2048 */
};

/* What the system and the driver allow. */
struct io_interrupt_policy {
    bool msi_enabled;       /* false with `msi=off`: no message interrupts at all */
    bool msix_enabled;      /* false with `msix=off`: MSI only */
    bool driver_no_msi;     /* IRQLAB_DRIVER_NO_MSI */
    bool driver_no_msix;    /* IRQLAB_DRIVER_NO_MSIX */
    unsigned message_limit; /* the driver's MessageNumberLimit, 0 = none */
};

struct io_interrupt_choice {
    enum io_interrupt_kind kind;
    unsigned messages; /* MSI / MSI-X: how many to ask for; 0 otherwise */
};

struct io_interrupt_choice io_choose_interrupt(const struct io_interrupt_caps *caps,
                                               const struct io_interrupt_policy *policy);

const char *io_interrupt_kind_name(enum io_interrupt_kind kind); /* "line", "MSI", "MSI-X", "none" */

#endif
