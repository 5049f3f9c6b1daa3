/* tests/ktest/ndis_test_miniport.h - a miniport the NDIS suites run on QEMU's e1000e.
 *
 * The e1000e is taken from its real driver (io_test_take) and a test miniport is started on it
 * through the NDIS layer (ndis_adapter_start): DriverEntry, NdisMRegisterMiniportDriver,
 * MiniportInitializeEx, ... MiniportHaltEx, exactly the path the e1000 miniport takes. What the
 * miniport does inside MiniportInitializeEx and MiniportHaltEx is the test's: it sets
 * ntm.on_initialize / ntm.on_halt.
 *
 * Its interrupt handlers record what they see and answer as the test says (ntm.answer), so a
 * test can make the ISR return FALSE and still ask for DPCs, or target other CPUs. The device
 * side: ndis_test_raise(m) makes the e1000e interrupt on message m (MSI-X: cause bit 20 + m,
 * mapped to vector m by IVAR; MSI and line: the LSC cause); the ISR always silences the device
 * (a level line left asserted would storm), whatever it then answers.
 */
#ifndef IRQLAB_TESTS_NDIS_TEST_MINIPORT_H
#define IRQLAB_TESTS_NDIS_TEST_MINIPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/ndis/ndis_block.h"
#include "include/ndis.h"
#include "tests/ktest/ktest.h"

#define NTM_MAX_MESSAGES 5
#define NTM_MAX_CPUS 64

struct ntm_answer {
    BOOLEAN claim;         /* the ISR's return value */
    BOOLEAN queue_default; /* *QueueDefaultInterruptDpc */
    ULONG targets;         /* *TargetProcessors */
};

struct ntm_state {
    NDIS_HANDLE adapter;   /* MiniportAdapterHandle */
    NDIS_HANDLE interrupt; /* NdisInterruptHandle */
    NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS granted;
    volatile ULONG *regs; /* the e1000e's BAR0 */
    bool msix;            /* granted > 1 message */
    struct ntm_answer answer;
    NDIS_STATUS (*on_initialize)(struct ntm_state *s); /* inside MiniportInitializeEx */
    void (*on_halt)(struct ntm_state *s);              /* inside MiniportHaltEx */
    /* What the handlers saw. */
    volatile uint64_t isr_calls[NTM_MAX_MESSAGES];
    volatile uint64_t dpc_calls[NTM_MAX_MESSAGES];
    volatile uint64_t dpc_on_cpu[NTM_MAX_CPUS];
    volatile PVOID last_dpc_context;
    volatile ULONG last_max_nbls;
    volatile KIRQL isr_irql, dpc_irql, handler_irql;
    volatile uint64_t disable_calls, enable_calls;
    volatile ULONG more_nbls_rounds; /* the DPC sets MoreNblsPending this many more times */
    uint64_t pool_at_start;          /* NDIS interrupt pool bytes once the e1000e was taken */
    /* The adapter going away (ndis_pnp.c): what was called, with what, in which order (1, 2, ...). */
    volatile int halt_action, pnp_event, shutdown_action;
    volatile uint64_t halt_order, pnp_order, shutdown_order, calls_so_far;
    /* Hold the next interrupt DPC (the first one to start after hold_dpc is set) until
     * hold_until() says so (or 5 s pass): dpc_holding is true meanwhile. */
    volatile bool hold_dpc, dpc_holding;
    bool (*hold_until)(void);
};

extern struct ntm_state ntm;

/* Characteristics with all eight handlers (msi = MsiSupported). */
NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS ntm_characteristics(bool msi, bool sync_all);
/* Inside on_initialize: the registration attributes (context = &ntm). */
NDIS_STATUS ntm_set_attributes(void);
/* Register with ntm_characteristics, set ntm.msix and prepare the e1000e (IVAR, IMS). */
NDIS_STATUS ntm_register(bool msi, bool sync_all);
VOID ntm_deregister(void); /* quiet the device first, then NdisMDeregisterInterruptEx */
void ntm_quiet(void);      /* every cause masked and cleared: the e1000e interrupts no more */

/* Take the e1000e from its driver and run the test miniport on it; NULL (with a skip or a
 * failure recorded) if not possible. ntm_stop halts it and gives the e1000e back to its driver. */
PDEVICE_OBJECT ntm_start(struct ktest *t, NDIS_STATUS *init_status);
/* The same with io_device_start flags for the e1000e's resources (IO_START_NO_MSIX: MSI,
 * IO_START_NO_MSI: the line). */
PDEVICE_OBJECT ntm_start_with(struct ktest *t, unsigned start_flags, NDIS_STATUS *init_status);
void ntm_stop(PDEVICE_OBJECT nic);

/* Make the device interrupt on `message` (0 for MSI / line). Any IRQL, any CPU. */
void ndis_test_raise(ULONG message);
/* Sum of an interrupt object's ServiceCount / DeclineCount over all CPUs. */
uint64_t ntm_service_count(PKINTERRUPT object);
uint64_t ntm_decline_count(PKINTERRUPT object);

#endif
