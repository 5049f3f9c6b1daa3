/* tests/ktest/workitem_crash_test.c - work-item rules broken on purpose (manual suite
 * `workitem_crash`; tests/e2e/test_bugcheck_workitems.py boots `ktest=workitem_crash.<case>` and
 * reads the stop screen):
 *
 *   queue_above_dispatch     ExQueueWorkItem at DIRQL                       0xA IRQL_NOT_LESS_OR_EQUAL
 *   returned_at_bad_irql     a worker routine returns at DISPATCH_LEVEL      0xE1 WORKER_THREAD_RETURNED_AT_BAD_IRQL
 *   io_returned_at_bad_irql  the same for an IoQueueWorkItem routine         0xE1, P1 = the driver's routine
 *   queue_twice              ExQueueWorkItem of an item still queued         0xE4 WORKER_INVALID, P1 = 1
 *   free_queued              IoFreeWorkItem of an item still queued          0xE4, P1 = 2
 *   invalid_object           IoInitializeWorkItem with no device object      0xE4, P1 = 3
 *
 * The "still queued" cases first occupy HyperCriticalWorkQueue's only thread with an item that
 * waits for ever, so the item under test stays queued however fast the other CPUs are.
 *
 *     make run-ktest CMDLINE='ktest=workitem_crash.queue_twice'
 */
#include "include/wdm.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static KEVENT workitem_never_set;
static volatile uint64_t blocker_running;
static WORK_QUEUE_ITEM blocker, item;
static DRIVER_OBJECT crash_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "workitem_crash"};

static VOID block_for_ever(PVOID parameter)
{
    __atomic_store_n(&blocker_running, 1, __ATOMIC_RELEASE);
    (void)KeWaitForSingleObject(&workitem_never_set, Executive, KernelMode, FALSE, NULL);
}

static VOID do_nothing_work(PVOID parameter) {}

/* HyperCriticalWorkQueue has one thread: once it waits in block_for_ever, nothing else there runs. */
static void occupy_hypercritical_queue(void)
{
    KeSetSystemAffinityThreadEx(1); /* the stop screen then names CPU 0 */
    KeInitializeEvent(&workitem_never_set, NotificationEvent, FALSE);
    ExInitializeWorkItem(&blocker, block_for_ever, NULL);
    ExQueueWorkItem(&blocker, HyperCriticalWorkQueue);
    while (!__atomic_load_n(&blocker_running, __ATOMIC_ACQUIRE))
        KeDelayExecutionThread(KernelMode, FALSE, &(LARGE_INTEGER){.QuadPart = -10000});
}

static CRASH_SITE void crash_queue_above_dispatch(struct ktest *t)
{
    KeSetSystemAffinityThreadEx(1);
    ExInitializeWorkItem(&item, do_nothing_work, NULL);
    KIRQL old;
    KeRaiseIrql(5, &old); /* a device IRQL: an ISR */
    ExQueueWorkItem(&item, DelayedWorkQueue);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "ExQueueWorkItem at DIRQL returned");
}

/* The routine moves itself to CPU 0 (so the screen is predictable), raises and forgets to lower. */
static CRASH_SITE VOID crash_raise_and_return(PVOID parameter)
{
    KeSetSystemAffinityThreadEx(1);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
}

static CRASH_SITE void returned_at_bad_irql(struct ktest *t)
{
    KeInitializeEvent(&workitem_never_set, NotificationEvent, FALSE);
    ExInitializeWorkItem(&item, crash_raise_and_return, (PVOID)0x1234);
    ExQueueWorkItem(&item, DelayedWorkQueue);
    (void)KeWaitForSingleObject(&workitem_never_set, Executive, KernelMode, FALSE, NULL);
}

static CRASH_SITE VOID crash_io_raise_and_return(PDEVICE_OBJECT device, PVOID context)
{
    KeSetSystemAffinityThreadEx(1);
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
}

static CRASH_SITE void io_returned_at_bad_irql(struct ktest *t)
{
    KeInitializeEvent(&workitem_never_set, NotificationEvent, FALSE);
    PIO_WORKITEM w = IoAllocateWorkItem((PDEVICE_OBJECT)&crash_driver);
    IoQueueWorkItem(w, crash_io_raise_and_return, DelayedWorkQueue, (PVOID)0x5678);
    (void)KeWaitForSingleObject(&workitem_never_set, Executive, KernelMode, FALSE, NULL);
}

static CRASH_SITE void crash_queue_twice(struct ktest *t)
{
    occupy_hypercritical_queue();
    ExInitializeWorkItem(&item, do_nothing_work, NULL);
    ExQueueWorkItem(&item, HyperCriticalWorkQueue);
    ExQueueWorkItem(&item, HyperCriticalWorkQueue); /* still queued behind the blocker */
    ktest_fail(t, __FILE__, __LINE__, "queueing a queued work item returned");
}

static VOID io_nothing(PDEVICE_OBJECT device, PVOID context) {}

static CRASH_SITE void crash_free_queued(struct ktest *t)
{
    occupy_hypercritical_queue();
    PIO_WORKITEM w = IoAllocateWorkItem((PDEVICE_OBJECT)&crash_driver);
    IoQueueWorkItem(w, io_nothing, HyperCriticalWorkQueue, NULL);
    IoFreeWorkItem(w);
    ktest_fail(t, __FILE__, __LINE__, "freeing a queued work item returned");
}

static CRASH_SITE void crash_invalid_object(struct ktest *t)
{
    static ULONG_PTR storage[32];
    static ULONG not_an_object = 0x1234;
    KeSetSystemAffinityThreadEx(1);
    IoInitializeWorkItem(&not_an_object, (PIO_WORKITEM)storage);
    ktest_fail(t, __FILE__, __LINE__, "IoInitializeWorkItem with no device object returned");
}

KTEST_MANUAL_SUITE(workitem_crash, {"queue_above_dispatch", crash_queue_above_dispatch},
                   {"returned_at_bad_irql", returned_at_bad_irql}, {"io_returned_at_bad_irql", io_returned_at_bad_irql},
                   {"queue_twice", crash_queue_twice}, {"free_queued", crash_free_queued},
                   {"invalid_object", crash_invalid_object});
