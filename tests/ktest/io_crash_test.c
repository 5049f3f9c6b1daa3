/* tests/ktest/io_crash_test.c - the I/O manager's rule violations, each ending the kernel with the
 * stop code Windows uses (manual suite `io_crash`; tests/e2e/test_bugcheck.py boots
 * `ktest=io_crash.<case>` and reads the stop screen). They use COM1's PDO, which every machine
 * has, so no extra QEMU device is needed. By hand:
 *
 *     make run-ktest CMDLINE='ktest=io_crash.io_disconnect_wrong_version'
 *
 *   io_connect_at_dispatch       IoConnectInterruptEx above PASSIVE_LEVEL: 0xA, P1 = the routine,
 *   io_disconnect_at_dispatch    ... IoDisconnectInterruptEx: P2 = the IRQL, P4 = the caller
 *   io_disconnect_wrong_version  a line-based KINTERRUPT passed with CONNECT_MESSAGE_BASED: 0xCA,
 *                                P1 = 0x9, P2 = 3 (passed), P3 = the object, P4 = 2 (connected as)
 *   io_disconnect_unknown        a context this kernel never handed out: 0xCA/0x9, P4 = 0
 *   io_connect_with_fdo          a driver's own device object passed as the PDO: 0xCA/0x2
 *   io_property_at_dispatch      IoGetDeviceProperty above PASSIVE_LEVEL: 0xA, P1 = the routine
 */
#include "include/wdm.h"
#include "kernel/io/pnp.h"
#include "kernel/ke/interrupt.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static BOOLEAN never(PKINTERRUPT interrupt, PVOID context)
{
    (void)interrupt;
    (void)context;
    return FALSE; /* COM1's interrupts are off (IER = 0): this never runs */
}

/* COM1's PDO, taken from its driver (the serial console's input) so that these cases can
 * connect their own ISR to IRQ 4; they stop the machine, so it is never given back. */
static PDEVICE_OBJECT com1(struct ktest *t)
{
    PDEVICE_OBJECT pdo = io_test_take(io_pdo_find_isa("PNP0501"), 0);
    if (!pdo)
        ktest_fail(t, __FILE__, __LINE__, "no COM1 PDO, or it could not be taken from its driver");
    return pdo;
}

static CRASH_SITE void io_connect_at_dispatch(struct ktest *t)
{
    PKINTERRUPT object;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(com1(t), never, NULL, &object);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)IoConnectInterruptEx(&p); /* PASSIVE_LEVEL only */
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoConnectInterruptEx at DISPATCH_LEVEL returned");
}

static CRASH_SITE void io_disconnect_at_dispatch(struct ktest *t)
{
    PKINTERRUPT object;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(com1(t), never, NULL, &object);
    if (!NT_SUCCESS(IoConnectInterruptEx(&p))) {
        ktest_fail(t, __FILE__, __LINE__, "connect failed");
        return;
    }
    IO_DISCONNECT_INTERRUPT_PARAMETERS d = {.Version = CONNECT_LINE_BASED};
    d.ConnectionContext.InterruptObject = object;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    IoDisconnectInterruptEx(&d);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoDisconnectInterruptEx at DISPATCH_LEVEL returned");
}

static CRASH_SITE void io_disconnect_wrong_version(struct ktest *t)
{
    PKINTERRUPT object;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(com1(t), never, NULL, &object);
    if (!NT_SUCCESS(IoConnectInterruptEx(&p))) {
        ktest_fail(t, __FILE__, __LINE__, "connect failed");
        return;
    }
    IO_DISCONNECT_INTERRUPT_PARAMETERS d = {.Version = CONNECT_MESSAGE_BASED}; /* it was LINE_BASED */
    d.ConnectionContext.InterruptObject = object;
    IoDisconnectInterruptEx(&d);
    ktest_fail(t, __FILE__, __LINE__, "disconnecting with the wrong Version returned");
}

static CRASH_SITE void io_disconnect_unknown(struct ktest *t)
{
    static KINTERRUPT never_connected; /* looks like an interrupt object, but nobody handed it out */
    IO_DISCONNECT_INTERRUPT_PARAMETERS d = {.Version = CONNECT_LINE_BASED};
    d.ConnectionContext.InterruptObject = &never_connected;
    IoDisconnectInterruptEx(&d);
    ktest_fail(t, __FILE__, __LINE__, "disconnecting an unknown context returned");
}

static CRASH_SITE void io_connect_with_fdo(struct ktest *t)
{
    static DRIVER_OBJECT driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest"};
    PDEVICE_OBJECT fdo;
    if (!NT_SUCCESS(IoCreateDevice(&driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &fdo))) {
        ktest_fail(t, __FILE__, __LINE__, "IoCreateDevice failed");
        return;
    }
    PKINTERRUPT object;
    IO_CONNECT_INTERRUPT_PARAMETERS p = io_test_line(fdo, never, NULL, &object); /* not a PDO */
    (void)IoConnectInterruptEx(&p);
    ktest_fail(t, __FILE__, __LINE__, "IoConnectInterruptEx with an FDO returned");
}

static CRASH_SITE void io_property_at_dispatch(struct ktest *t)
{
    ULONG bus, length;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    (void)IoGetDeviceProperty(io_pdo_find_isa("PNP0501"), DevicePropertyBusNumber, sizeof(bus), &bus, &length);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "IoGetDeviceProperty at DISPATCH_LEVEL returned");
}

KTEST_MANUAL_SUITE(io_crash, KTEST_CASE(io_connect_at_dispatch), KTEST_CASE(io_disconnect_at_dispatch),
                   KTEST_CASE(io_disconnect_wrong_version), KTEST_CASE(io_disconnect_unknown),
                   KTEST_CASE(io_connect_with_fdo), KTEST_CASE(io_property_at_dispatch));
