/* kernel/io/connect_plan.h - IoConnectInterruptEx's decisions, without touching the machine.
 *
 * learn.microsoft.com: IoConnectInterruptEx, IO_CONNECT_INTERRUPT_PARAMETERS, "Using the
 * CONNECT_FULLY_SPECIFIED / _LINE_BASED / _MESSAGE_BASED Version of IoConnectInterruptEx",
 * "Synchronizing Access to Device Data"; docs/reference/IoConnectInterruptEx.md.
 *
 * IoConnectInterruptEx (connect_interrupt.c) works in two steps. This file is the first: check
 * the parameters and, from the device's raw + translated resource lists, work out exactly which
 * interrupt objects to create (vector, IRQL, SynchronizeIrql, mode, sharing, affinity, MessageID)
 * or which status to return. It is pure, so tests/unit/test_io_connect_plan.c checks every rule
 * on the host. The second step (creating, connecting, programming the device, rolling back) is
 * connect_interrupt.c.
 */
#ifndef IRQLAB_IO_CONNECT_PLAN_H
#define IRQLAB_IO_CONNECT_PLAN_H

#include <stdbool.h>

#include "include/wdm.h"
#include "kernel/io/interrupt_policy.h"

/* One interrupt object to create. */
struct io_plan_object {
    ULONG vector;
    KIRQL irql; /* vector >> 4 */
    KIRQL synchronize_irql;
    KINTERRUPT_MODE mode;
    BOOLEAN share_vector;
    KAFFINITY affinity;  /* CPUs it may be delivered to */
    bool is_message;     /* the vector is one of the device's MSI / MSI-X messages ... */
    ULONG message_index; /* ... this one: its position among the device's messages */
    bool per_processor;  /* IoConnectInterrupt: the object runs only on ... */
    UCHAR processor;     /* ... this processor (KINTERRUPT.Number; kernel/io/connect_legacy.c) */
};

/* Objects one plan may hold: a message each (IO_MAX_MESSAGES), or one per processor. */
#define IO_MAX_PLAN_OBJECTS 64

struct io_connect_plan {
    ULONG version;        /* what the connection is (CONNECT_LINE_BASED after a fallback) */
    bool fallback;        /* MESSAGE_BASED was asked for, LINE_BASED is what happens */
    bool message_routine; /* the objects call a KMESSAGE_SERVICE_ROUTINE with MessageID */
    PKSERVICE_ROUTINE service_routine;
    PKMESSAGE_SERVICE_ROUTINE message_service_routine;
    PVOID service_context;
    PKSPIN_LOCK spin_lock;   /* the caller's lock, or NULL */
    bool shared_lock_needed; /* several objects, no caller lock, and they must share one */
    KIRQL unified_irql;      /* MESSAGE_BASED: IO_INTERRUPT_MESSAGE_INFO.UnifiedIrql */
    bool passive;            /* FULLY_SPECIFIED at PASSIVE_LEVEL: the ISR runs in a thread */
    ULONG count;
    struct io_plan_object objects[IO_MAX_PLAN_OBJECTS];
};

/* Step 1a: the checks that need only the parameters (no device). STATUS_SUCCESS or:
 *   STATUS_INVALID_PARAMETER     NULL Parameters, PhysicalDeviceObject, output pointer or routine;
 *                                FloatingSave TRUE; SynchronizeIrql > HIGH_LEVEL; FULLY_SPECIFIED:
 *                                Irql > HIGH_LEVEL, SynchronizeIrql < Irql, Vector > 255,
 *                                Irql != Vector >> 4 (unless passive, below), InterruptMode not a
 *                                KINTERRUPT_MODE, GROUP with Group != 0; a passive-level request
 *                                with a SpinLock
 *   STATUS_INVALID_PARAMETER_1   Version is not 1..5
 *   STATUS_INVALID_PARAMETER_10  FULLY_SPECIFIED: ProcessorEnableMask has no active processor
 *   STATUS_NOT_SUPPORTED         CONNECT_MESSAGE_BASED_PASSIVE (a value the WDK does not document)
 * `active` = the active processors (KeQueryActiveProcessors()). */
NTSTATUS io_connect_check_parameters(const IO_CONNECT_INTERRUPT_PARAMETERS *p, KAFFINITY active);

/* Step 1b: the plan, from the PDO's resource lists (NULL lists = a device without resources).
 * Call only after io_connect_check_parameters succeeded. STATUS_SUCCESS or:
 *   STATUS_NOT_FOUND               FULLY_SPECIFIED: Vector is not in the translated list;
 *                                  LINE_BASED: the device has no line interrupt;
 *                                  MESSAGE_BASED: no messages and (no FallBackServiceRoutine or
 *                                  no line interrupt either)
 *   STATUS_INVALID_DEVICE_REQUEST  LINE_BASED on a device that was given message interrupts
 *   STATUS_INVALID_PARAMETER       FULLY_SPECIFIED: InterruptMode differs from the descriptor's
 *                                  (LATCHED flag), or Irql differs from its Level */
NTSTATUS io_connect_make_plan(const IO_CONNECT_INTERRUPT_PARAMETERS *p, const CM_RESOURCE_LIST *raw,
                              const CM_RESOURCE_LIST *translated, KAFFINITY active, struct io_connect_plan *plan);

/* A passive-level ISR ("Using Passive-Level Interrupt Service Routines", Windows 8 and later):
 * CONNECT_FULLY_SPECIFIED (or _GROUP) with Irql = SynchronizeIrql = PASSIVE_LEVEL. KMDF's
 * WDF_INTERRUPT_CONFIG.PassiveHandling = TRUE comes down to this. The page's other form,
 * CONNECT_LINE_BASED with SynchronizeIrql = PASSIVE_LEVEL, gives a passive ISR only when the
 * device's line interrupts are themselves passive-level in its resources (SynchronizeIrql is a
 * minimum; 0 is what every DIRQL line-based driver passes): no irqlab device has such a line. */
static inline bool io_connect_wants_passive(const IO_CONNECT_INTERRUPT_PARAMETERS *p)
{
    return (p->Version == CONNECT_FULLY_SPECIFIED || p->Version == CONNECT_FULLY_SPECIFIED_GROUP) &&
           p->FullySpecified.Irql == PASSIVE_LEVEL && p->FullySpecified.SynchronizeIrql == PASSIVE_LEVEL;
}

/* The PDO as every version names it (the first member of each union arm). */
static inline PDEVICE_OBJECT io_connect_pdo(const IO_CONNECT_INTERRUPT_PARAMETERS *p)
{
    switch (p->Version) {
    case CONNECT_FULLY_SPECIFIED:
    case CONNECT_FULLY_SPECIFIED_GROUP: return p->FullySpecified.PhysicalDeviceObject;
    case CONNECT_LINE_BASED: return p->LineBased.PhysicalDeviceObject;
    default: return p->MessageBased.PhysicalDeviceObject;
    }
}

#endif
