/* kernel/ndis/ndis_verify.h - the miniport mistakes irqlab's NDIS stops the machine for.
 *
 * Windows stops with BUGCODE_NDIS_DRIVER (0x7C) when a miniport breaks certain rules; P1 says
 * which (learn.microsoft.com "Bug Check 0x7C: BUGCODE_NDIS_DRIVER"). irqlab uses Windows' P1 for
 * the checks Windows documents, and P1 values from 0x1000 up for rules that Windows leaves to
 * Static Driver Verifier (learn.microsoft.com "NdisMDeregisterInterruptEx rule (ndis)",
 * "Init_DeRegisterInterrupt rule (ndis)") - a teaching kernel asserts them at run time. The list,
 * with every parameter, is in docs/ndis.md.
 */
#ifndef IRQLAB_NDIS_VERIFY_H
#define IRQLAB_NDIS_VERIFY_H

#include <stdint.h>

#include "include/ndis.h"

#include "kernel/ke/bugcheck.h" /* BUGCODE_NDIS_DRIVER */

/* Windows' values. */
#define NDIS_BUGCHECK_ALLOCATE_SHARED_MEM_HIGH_IRQL 0x01 /* P2 adapter, P3 length, P4 IRQL */
#define NDIS_BUGCHECK_FREE_INVALID_SHARED_MEM 0x03       /* P2 adapter, P3 page, P4 virtual address */
#define NDIS_BUGCHECK_HALT_WITHOUT_DEREGISTER                                                                          \
    0x08 /* P2 adapter, P3 interrupt, P4 0 (halt) or the                                                               \
            failed MiniportInitializeEx's status */
/* irqlab's. */
#define NDIS_BUGCHECK_DEREGISTER_OUTSIDE_INIT_OR_HALT 0x1001 /* P2 adapter, P3 interrupt, P4 adapter state */
#define NDIS_BUGCHECK_BAD_INTERRUPT_HANDLE 0x1002            /* P2 handle, P3 the NDIS routine, P4 caller */
#define NDIS_BUGCHECK_BAD_MESSAGE_ID 0x1003                  /* P2 interrupt, P3 MessageId, P4 message count */
#define NDIS_BUGCHECK_BAD_ADAPTER_HANDLE 0x1004              /* P2 handle, P3 the NDIS routine, P4 caller */
#define NDIS_BUGCHECK_NO_REGISTRATION_ATTRIBUTES 0x1005      /* P2 adapter, P3 MiniportInitializeEx, P4 0 */
#define NDIS_BUGCHECK_BAD_TIMER_HANDLE 0x1006                /* P2 handle, P3 the NDIS routine, P4 caller */
/* The data path's ownership rules (Windows leaves them to NDIS Verifier and Static Driver Verifier). */
#define NDIS_BUGCHECK_NBL_INDICATED_TWICE 0x1007     /* P2 adapter, P3 NBL, P4 0: NDIS still owned it */
#define NDIS_BUGCHECK_NBL_NOT_PENDING 0x1008         /* P2 adapter, P3 NBL, P4 its owner: completed, not sent */
#define NDIS_BUGCHECK_NBL_FREED_IN_USE 0x1009        /* P2 pool, P3 NBL, P4 its owner */
#define NDIS_BUGCHECK_HALT_WITH_SENDS_PENDING 0x100A /* P2 adapter, P3 NBLs never completed, P4 0 */
#define NDIS_BUGCHECK_POOL_FREED_IN_USE 0x100B       /* P2 pool, P3 NBLs still allocated, P4 0 */
#define NDIS_BUGCHECK_OID_NOT_PENDING 0x100C         /* P2 adapter, P3 request, P4 the request NDIS waits for */
#define NDIS_BUGCHECK_INDICATE_COUNT 0x100D          /* P2 adapter, P3 NumberOfNetBufferLists, P4 NBLs in the chain */
/* With verifier=ndis (else a console line and a count): the miniport's ISR claimed interrupts while
 * NdisMDeregisterInterruptEx ran - the NIC was still interrupting ("disable the NIC's interrupts
 * first", NdisMDeregisterInterruptEx remarks). */
#define NDIS_BUGCHECK_DEREGISTER_WHILE_INTERRUPTING 0x100E /* P2 adapter, P3 interrupt, P4 claimed ISR calls */
/* With verifier=ndis (else NDIS_STATUS_INVALID_DEVICE_REQUEST): NdisMRegisterInterruptEx outside
 * MiniportInitializeEx ("must call NdisMRegisterInterruptEx from its MiniportInitializeEx",
 * NdisMRegisterInterruptEx remarks; Static Driver Verifier's rules Init_RegisterInterrupt and
 * Irql_Interrupt_Function cover the same calls). */
#define NDIS_BUGCHECK_REGISTER_OUTSIDE_INIT 0x100F /* P2 adapter, P3 adapter state, P4 caller */

/* Deregistrations that found the NIC still interrupting (reported, or stopped with verifier=ndis). */
extern volatile uint64_t ndis_deregistered_while_interrupting;
/* The report: a console line naming the adapter; with verifier=ndis, the bugcheck above. */
void ndis_report_deregister_while_interrupting(void *adapter, const char *name, void *interrupt, uint64_t claimed);

/* Say what went wrong on the console, then KeBugCheckEx(BUGCODE_NDIS_DRIVER, p1, p2, p3, p4). */
__attribute__((noreturn)) void ndis_bugcheck(ULONG_PTR p1, ULONG_PTR p2, ULONG_PTR p3, ULONG_PTR p4, const char *why);

/* The I/O manager's rule for PASSIVE_LEVEL-only routines (docs/io-manager.md): above it,
 * IRQL_NOT_LESS_OR_EQUAL (0xA) with P1 = the routine, P2 = the IRQL, P4 = the caller. */
void ndis_require_passive(void *routine, void *caller);

#endif
