/* tests/ktest/workitem_test.c - work items and system worker threads (suite `workitem`):
 * ExQueueWorkItem and IoQueueWorkItem(Ex) routines run once, at PASSIVE_LEVEL, in a worker thread
 * of the queue they were queued to; 10,000 of them queued from a real interrupt's DPC; an I/O work
 * item keeps its device object referenced until its routine has returned.
 *
 *     make check-ktest GLOB='workitem*' MACHINE=pc SMP=4
 */
#include "include/wdm.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/worker_threads.h"
#include "kernel/lib/string.h"
#include "tests/ktest/irq_helpers.h"
#include "tests/ktest/ktest.h"

#define WAIT_MS 60000 /* generous: a loaded host runs the guest slowly */

static bool wait_event(PKEVENT event)
{
    LARGE_INTEGER timeout = {.QuadPart = -(LONGLONG)WAIT_MS * 10000};
    return KeWaitForSingleObject(event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

/* ---- 10,000 items: interrupt -> ISR -> DPC -> work items -> the waiting thread ---------------- */

#define CHAIN_ITEMS 10000
#define CHAIN_FIRES 100 /* interrupts; each asks for CHAIN_ITEMS / CHAIN_FIRES more items */

static struct {
    KDPC dpc;
    KEVENT all_ran;
    volatile LONG requested; /* by the ISR */
    LONG queued;             /* by the DPC (only it touches this) */
    volatile LONG ran;
    volatile LONG not_passive, not_worker;
    volatile uint8_t runs[CHAIN_ITEMS];
    WORK_QUEUE_ITEM items[CHAIN_ITEMS];
} chain;

static VOID chain_item(PVOID parameter)
{
    uintptr_t index = (uintptr_t)parameter;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        __atomic_fetch_add(&chain.not_passive, 1, __ATOMIC_RELAXED);
    if (!ex_is_worker_thread(KeGetCurrentThread()))
        __atomic_fetch_add(&chain.not_worker, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&chain.runs[index], 1, __ATOMIC_RELAXED);
    if (__atomic_add_fetch(&chain.ran, 1, __ATOMIC_ACQ_REL) == CHAIN_ITEMS)
        KeSetEvent(&chain.all_ran, 0, FALSE); /* the last one wakes the test thread */
}

/* The DPC queues every item the ISR has asked for so far (several interrupts may have collapsed
 * into one DPC run). */
static VOID chain_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    LONG wanted = __atomic_load_n(&chain.requested, __ATOMIC_ACQUIRE);
    static const WORK_QUEUE_TYPE types[] = {DelayedWorkQueue, CriticalWorkQueue, DelayedWorkQueue};
    for (; chain.queued < wanted && chain.queued < CHAIN_ITEMS; chain.queued++) {
        PWORK_QUEUE_ITEM item = &chain.items[chain.queued];
        ExInitializeWorkItem(item, chain_item, (PVOID)(uintptr_t)chain.queued);
        ExQueueWorkItem(item, types[chain.queued % 3]);
    }
}

static BOOLEAN chain_isr(PKINTERRUPT interrupt, PVOID context)
{
    __atomic_fetch_add(&chain.requested, CHAIN_ITEMS / CHAIN_FIRES, __ATOMIC_RELEASE);
    KeInsertQueueDpc(&chain.dpc, NULL, NULL);
    return TRUE;
}

static void ten_thousand_items_from_an_interrupt_run_once_at_passive(struct ktest *t)
{
    static KINTERRUPT interrupt;
    memset((void *)&chain, 0, sizeof(chain));
    KeInitializeDpc(&chain.dpc, chain_dpc, NULL);
    KeInitializeEvent(&chain.all_ran, NotificationEvent, FALSE);
    int vector = test_vector_alloc(0);
    KTEST_ASSERT_GE(t, vector, 0x30);
    KTEST_ASSERT_EQ(t, test_connect(&interrupt, vector, chain_isr, NULL, Latched, FALSE), KE_CONNECT_OK);
    for (int i = 0; i < CHAIN_FIRES; i++)
        test_fire_self(vector);
    bool done = wait_event(&chain.all_ran);
    ke_interrupt_disconnect(&interrupt);
    test_vector_free(vector);
    KTEST_EXPECT_EQ(t, test_calls(&interrupt), CHAIN_FIRES);
    KTEST_ASSERT_TRUE(t, done);
    KTEST_EXPECT_EQ(t, chain.queued, CHAIN_ITEMS);
    KTEST_EXPECT_EQ(t, chain.ran, CHAIN_ITEMS);
    KTEST_EXPECT_EQ(t, chain.not_passive, 0);
    KTEST_EXPECT_EQ(t, chain.not_worker, 0);
    unsigned not_once = 0;
    for (unsigned i = 0; i < CHAIN_ITEMS; i++)
        not_once += chain.runs[i] != 1;
    KTEST_EXPECT_EQ(t, not_once, 0);
}

/* ---- each queue type --------------------------------------------------------------------------- */

struct seen {
    KEVENT done;
    KIRQL irql;
    PKTHREAD thread;
    KPRIORITY priority;
    PVOID a, b, c;
    volatile LONG runs;
};

static VOID record_ex(PVOID parameter)
{
    struct seen *s = parameter;
    s->irql = KeGetCurrentIrql();
    s->thread = KeGetCurrentThread();
    s->priority = KeQueryPriorityThread(s->thread);
    __atomic_fetch_add(&s->runs, 1, __ATOMIC_RELAXED);
    KeSetEvent(&s->done, 0, FALSE);
}

static void each_queue_type_runs_in_its_own_threads(struct ktest *t)
{
    static const struct {
        WORK_QUEUE_TYPE type;
        KPRIORITY priority; /* WORK_QUEUE_TYPE's page */
        const char *name;
    } want[] = {{CriticalWorkQueue, 13, "worker crit"},
                {DelayedWorkQueue, 12, "worker dly"},
                {HyperCriticalWorkQueue, 15, "worker hyper"}};
    for (unsigned i = 0; i < 3; i++) {
        struct ex_worker_queue_info info;
        KTEST_ASSERT_TRUE(t, ex_worker_queue_info(want[i].type, &info));
        struct seen s = {0};
        KeInitializeEvent(&s.done, NotificationEvent, FALSE);
        WORK_QUEUE_ITEM item;
        ExInitializeWorkItem(&item, record_ex, &s);
        ExQueueWorkItem(&item, want[i].type);
        KTEST_ASSERT_TRUE(t, wait_event(&s.done));
        KTEST_EXPECT_EQ(t, s.irql, PASSIVE_LEVEL);
        KTEST_EXPECT_EQ(t, s.priority, want[i].priority);
        KTEST_EXPECT_TRUE(t, s.thread == info.threads[0] || s.thread == info.threads[1]);
        KTEST_EXPECT_TRUE(t, strncmp(s.thread->Name, want[i].name, strlen(want[i].name)) == 0);
        KTEST_EXPECT_NULL(t, item.List.Flink); /* off the queue again */
        KTEST_EXPECT_EQ(t, s.runs, 1);
    }
}

/* ---- an item queued from a DPC, which may not wait, runs where waiting is allowed --------------- */

static VOID waits_in_worker(PVOID parameter)
{
    struct seen *s = parameter;
    LARGE_INTEGER ten_ms = {.QuadPart = -10 * 10000};
    s->a = (PVOID)(uintptr_t)KeDelayExecutionThread(KernelMode, FALSE, &ten_ms); /* a real wait */
    record_ex(parameter);
}

static VOID queue_from_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    ExQueueWorkItem((PWORK_QUEUE_ITEM)a1, DelayedWorkQueue);
}

static void item_queued_from_a_dpc_may_wait(struct ktest *t)
{
    struct seen s = {0};
    KeInitializeEvent(&s.done, NotificationEvent, FALSE);
    s.a = (PVOID)1;
    WORK_QUEUE_ITEM item;
    ExInitializeWorkItem(&item, waits_in_worker, &s);
    KDPC dpc;
    KeInitializeDpc(&dpc, queue_from_dpc, NULL);
    KeInsertQueueDpc(&dpc, &item, NULL);
    KTEST_ASSERT_TRUE(t, wait_event(&s.done));
    KTEST_EXPECT_EQ(t, (uintptr_t)s.a, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, s.irql, PASSIVE_LEVEL);
}

/* ---- I/O work items ------------------------------------------------------------------------------ */

static DRIVER_OBJECT wi_driver = {.Type = IO_TYPE_DRIVER, .Size = sizeof(DRIVER_OBJECT), .Name = "ktest-workitem"};

struct io_seen {
    struct seen s;
    KEVENT release; /* the routine waits for this, so the test sees "running" */
    volatile LONG references_inside;
    PDEVICE_OBJECT device;
};

static VOID io_routine(PDEVICE_OBJECT device, PVOID context)
{
    struct io_seen *x = context;
    x->s.a = device;
    x->references_inside = device->ReferenceCount;
    (void)KeWaitForSingleObject(&x->release, Executive, KernelMode, FALSE, NULL);
    record_ex(&x->s);
}

static VOID io_routine_ex(PVOID object, PVOID context, PIO_WORKITEM item)
{
    struct io_seen *x = context;
    x->s.b = object;
    x->s.c = item;
    record_ex(&x->s);
}

static bool wait_references(PDEVICE_OBJECT device, LONG want)
{
    for (int i = 0; i < WAIT_MS / 10; i++) {
        if (__atomic_load_n(&device->ReferenceCount, __ATOMIC_ACQUIRE) == want)
            return true;
        LARGE_INTEGER ten_ms = {.QuadPart = -10 * 10000};
        KeDelayExecutionThread(KernelMode, FALSE, &ten_ms);
    }
    return false;
}

static void io_work_item_holds_the_device_until_its_routine_returns(struct ktest *t)
{
    PDEVICE_OBJECT device;
    KTEST_ASSERT_EQ(t, IoCreateDevice(&wi_driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &device), STATUS_SUCCESS);
    LONG base = device->ReferenceCount;
    PIO_WORKITEM item = IoAllocateWorkItem(device);
    KTEST_ASSERT_NOT_NULL(t, item);
    static struct io_seen x;
    memset(&x, 0, sizeof(x));
    KeInitializeEvent(&x.s.done, NotificationEvent, FALSE);
    KeInitializeEvent(&x.release, NotificationEvent, FALSE);
    IoQueueWorkItem(item, io_routine, DelayedWorkQueue, &x);
    LONG while_queued = device->ReferenceCount; /* queued or already running: referenced either way */
    KeSetEvent(&x.release, 0, FALSE);
    KTEST_ASSERT_TRUE(t, wait_event(&x.s.done));
    KTEST_EXPECT_EQ(t, while_queued, base + 1);
    KTEST_EXPECT_EQ(t, x.references_inside, base + 1);
    KTEST_EXPECT_TRUE(t, x.s.a == device);
    KTEST_EXPECT_EQ(t, x.s.irql, PASSIVE_LEVEL);
    KTEST_EXPECT_TRUE(t, ex_is_worker_thread(x.s.thread));
    KTEST_EXPECT_TRUE(t, wait_references(device, base)); /* dropped after the routine returned */

    /* The same item again, now with IoQueueWorkItemEx: the routine gets the item too. */
    KeInitializeEvent(&x.s.done, NotificationEvent, FALSE);
    IoQueueWorkItemEx(item, io_routine_ex, CriticalWorkQueue, &x);
    KTEST_ASSERT_TRUE(t, wait_event(&x.s.done));
    KTEST_EXPECT_TRUE(t, x.s.b == device);
    KTEST_EXPECT_TRUE(t, x.s.c == item);
    KTEST_EXPECT_EQ(t, x.s.runs, 2);
    KTEST_EXPECT_TRUE(t, wait_references(device, base));
    IoFreeWorkItem(item);
    IoDeleteDevice(device);
}

/* IoInitializeWorkItem in the caller's own memory of IoSizeofWorkItem() bytes; the routine frees
 * nothing and queues itself again once (both legal from inside the routine). */
static struct {
    KEVENT done;
    volatile LONG runs;
    ULONG_PTR storage[32];
} self;

static VOID requeue_once(PVOID object, PVOID context, PIO_WORKITEM item)
{
    if (__atomic_add_fetch(&self.runs, 1, __ATOMIC_ACQ_REL) == 1)
        IoQueueWorkItemEx(item, requeue_once, DelayedWorkQueue, context);
    else
        KeSetEvent(&self.done, 0, FALSE);
}

static void caller_storage_and_requeue_from_the_routine(struct ktest *t)
{
    KTEST_ASSERT_LE(t, IoSizeofWorkItem(), sizeof(self.storage));
    KTEST_ASSERT_GE(t, IoSizeofWorkItem(), sizeof(WORK_QUEUE_ITEM));
    memset(&self, 0, sizeof(self));
    KeInitializeEvent(&self.done, NotificationEvent, FALSE);
    PIO_WORKITEM item = (PIO_WORKITEM)self.storage;
    IoInitializeWorkItem(&wi_driver, item);
    IoQueueWorkItemEx(item, requeue_once, DelayedWorkQueue, NULL);
    KTEST_ASSERT_TRUE(t, wait_event(&self.done));
    KTEST_EXPECT_EQ(t, self.runs, 2);
    /* The worker took it off the queue before calling the routine the second time too. */
    for (int i = 0; i < 1000 && __atomic_load_n(&((PWORK_QUEUE_ITEM)item)->List.Flink, __ATOMIC_ACQUIRE); i++)
        KeDelayExecutionThread(KernelMode, FALSE, &(LARGE_INTEGER){.QuadPart = -10000});
    IoUninitializeWorkItem(item);
}

KTEST_SUITE(workitem, KTEST_CASE(ten_thousand_items_from_an_interrupt_run_once_at_passive),
            KTEST_CASE(each_queue_type_runs_in_its_own_threads), KTEST_CASE(item_queued_from_a_dpc_may_wait),
            KTEST_CASE(io_work_item_holds_the_device_until_its_routine_returns),
            KTEST_CASE(caller_storage_and_requeue_from_the_routine));
