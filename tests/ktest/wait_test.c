/* tests/ktest/wait_test.c - every wait kind and its documented return value: events
 * (notification wakes all, synchronization wakes one), semaphores, mutexes (ownership,
 * recursion, hand-over), WaitAny index, WaitAll all-or-nothing, timeouts measured against the
 * guest clock (at least the requested interrupt time passed; never an upper bound), zero
 * timeouts at DISPATCH_LEVEL, KeDelayExecutionThread, fast mutexes at APC_LEVEL, more than
 * THREAD_WAIT_OBJECTS objects with a caller's wait blocks, and waiting for a thread. */
#include "include/wdm.h"
#include "kernel/ke/thread.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

struct waiter {
    PVOID object;
    bool release_mutex; /* a mutex waiter releases what it got before it ends */
    volatile uint64_t woken;
    NTSTATUS status;
    LARGE_INTEGER timeout;
    bool use_timeout;
    bool owned_after_wait;
};

static VOID wait_once(PVOID context)
{
    struct waiter *w = context;
    w->status = KeWaitForSingleObject(w->object, Executive, KernelMode, FALSE, w->use_timeout ? &w->timeout : NULL);
    if (w->release_mutex) {
        w->owned_after_wait = ((PKMUTEX)w->object)->OwnerThread == KeGetCurrentThread();
        KeReleaseMutex(w->object, FALSE);
    }
    __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
}

static unsigned count_woken(struct waiter *w, unsigned n)
{
    unsigned c = 0;
    for (unsigned i = 0; i < n; i++)
        c += (unsigned)__atomic_load_n(&w[i].woken, __ATOMIC_ACQUIRE);
    return c;
}

/* Wait (guest time, generous) until at least `target` waiters woke; returns how many did. */
static unsigned wait_woken(struct waiter *w, unsigned n, unsigned target)
{
    for (int i = 0; i < 1000 && count_woken(w, n) < target; i++) {
        LARGE_INTEGER tick = th_ms(10);
        KeDelayExecutionThread(KernelMode, FALSE, &tick);
    }
    return count_woken(w, n);
}

/* Give ready threads a chance to run (a short wait of our own). Only used before checking that
 * something did NOT happen, so a slow host can only hide a bug, never fail a correct kernel. */
static void settle(void)
{
    LARGE_INTEGER t = th_ms(30);
    KeDelayExecutionThread(KernelMode, FALSE, &t);
}

static void notification_event_wakes_every_waiter(struct ktest *t)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    struct waiter w[3] = {{.object = &event}, {.object = &event}, {.object = &event}};
    PKTHREAD th[3];
    for (int i = 0; i < 3; i++)
        th[i] = th_start(wait_once, &w[i], 8, 0);
    settle();
    KTEST_EXPECT_EQ(t, count_woken(w, 3), 0);
    KTEST_EXPECT_EQ(t, KeSetEvent(&event, 0, FALSE), 0);
    for (int i = 0; i < 3; i++)
        KTEST_EXPECT_TRUE(t, th_join(th[i], 10));
    KTEST_EXPECT_EQ(t, count_woken(w, 3), 3);
    for (int i = 0; i < 3; i++)
        KTEST_EXPECT_EQ(t, w[i].status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&event), 1); /* stays signalled */
    KTEST_EXPECT_EQ(t, KeResetEvent(&event), 1);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&event), 0);
}

static void synchronization_event_wakes_one_at_a_time(struct ktest *t)
{
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    struct waiter w[2] = {{.object = &event}, {.object = &event}};
    PKTHREAD th[2];
    for (int i = 0; i < 2; i++)
        th[i] = th_start(wait_once, &w[i], 8, 0);
    settle();
    KeSetEvent(&event, 0, FALSE);
    KTEST_EXPECT_GE(t, wait_woken(w, 2, 1), 1);
    settle();
    KTEST_EXPECT_EQ(t, count_woken(w, 2), 1);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&event), 0); /* the wake consumed it */
    KeSetEvent(&event, 0, FALSE);
    for (int i = 0; i < 2; i++)
        KTEST_EXPECT_TRUE(t, th_join(th[i], 10));
    KTEST_EXPECT_EQ(t, count_woken(w, 2), 2);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&event), 0);
}

static void semaphore_release_wakes_that_many(struct ktest *t)
{
    KSEMAPHORE sem;
    KeInitializeSemaphore(&sem, 0, 5);
    struct waiter w[3] = {{.object = &sem}, {.object = &sem}, {.object = &sem}};
    PKTHREAD th[3];
    for (int i = 0; i < 3; i++)
        th[i] = th_start(wait_once, &w[i], 8, 0);
    settle();
    KTEST_EXPECT_EQ(t, KeReleaseSemaphore(&sem, 0, 2, FALSE), 0);
    KTEST_EXPECT_GE(t, wait_woken(w, 3, 2), 2);
    settle();
    KTEST_EXPECT_EQ(t, count_woken(w, 3), 2);
    KTEST_EXPECT_EQ(t, KeReadStateSemaphore(&sem), 0);
    KTEST_EXPECT_EQ(t, KeReleaseSemaphore(&sem, 0, 3, FALSE), 0);
    for (int i = 0; i < 3; i++)
        KTEST_EXPECT_TRUE(t, th_join(th[i], 10));
    KTEST_EXPECT_EQ(t, KeReadStateSemaphore(&sem), 2); /* 3 released, 1 taken */
}

static void mutex_recursion_and_hand_over(struct ktest *t)
{
    KMUTEX mutex;
    KeInitializeMutex(&mutex, 0);
    KTEST_EXPECT_EQ(t, KeReadStateMutex(&mutex), 1);
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(&mutex, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeReadStateMutex(&mutex), -1);
    KTEST_EXPECT_TRUE(t, mutex.OwnerThread == KeGetCurrentThread());
    struct waiter w = {.object = &mutex, .release_mutex = true};
    PKTHREAD th = th_start(wait_once, &w, 8, 0);
    settle();
    KTEST_EXPECT_EQ(t, w.woken, 0);
    KTEST_EXPECT_EQ(t, KeReleaseMutex(&mutex, FALSE), -1);
    settle();
    KTEST_EXPECT_EQ(t, w.woken, 0); /* still ours once */
    KTEST_EXPECT_EQ(t, KeReleaseMutex(&mutex, FALSE), 0);
    KTEST_EXPECT_TRUE(t, th_join(th, 10));
    KTEST_EXPECT_EQ(t, w.status, STATUS_SUCCESS);
    KTEST_EXPECT_TRUE(t, w.owned_after_wait); /* the mutex passed to it */
    KTEST_EXPECT_EQ(t, KeReadStateMutex(&mutex), 1); /* and it released it before ending */
    KTEST_EXPECT_NULL(t, mutex.OwnerThread);
}

static void wait_any_returns_the_index(struct ktest *t)
{
    KEVENT e[3];
    for (int i = 0; i < 3; i++)
        KeInitializeEvent(&e[i], SynchronizationEvent, FALSE);
    PVOID objects[3] = {&e[0], &e[1], &e[2]};
    KeSetEvent(&e[2], 0, FALSE);
    LARGE_INTEGER timeout = th_ms(1000);
    KTEST_EXPECT_EQ(t, KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &timeout, NULL),
                    STATUS_WAIT_0 + 2);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&e[2]), 0);
    KeSetEvent(&e[1], 0, FALSE);
    KeSetEvent(&e[2], 0, FALSE);
    KTEST_EXPECT_EQ(t, KeWaitForMultipleObjects(3, objects, WaitAny, Executive, KernelMode, FALSE, &timeout, NULL),
                    STATUS_WAIT_0 + 1); /* the lowest signalled index wins */
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&e[2]), 1);
}

struct all_waiter {
    PVOID objects[2];
    volatile uint64_t woken;
    NTSTATUS status;
};

static VOID wait_all(PVOID context)
{
    struct all_waiter *w = context;
    w->status = KeWaitForMultipleObjects(2, w->objects, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    __atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
}

static void wait_all_needs_every_object(struct ktest *t)
{
    KEVENT a, b;
    KeInitializeEvent(&a, SynchronizationEvent, FALSE);
    KeInitializeEvent(&b, SynchronizationEvent, FALSE);
    struct all_waiter w = {.objects = {&a, &b}};
    PKTHREAD th = th_start(wait_all, &w, 8, 0);
    settle();
    KeSetEvent(&a, 0, FALSE);
    settle();
    KTEST_EXPECT_EQ(t, w.woken, 0);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&a), 1); /* not taken while b is missing */
    KeSetEvent(&b, 0, FALSE);
    KTEST_EXPECT_TRUE(t, th_join(th, 10));
    KTEST_EXPECT_EQ(t, w.status, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&a), 0);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&b), 0);
}

static void timeout_returns_status_timeout_not_early(struct ktest *t)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LONGLONG requested[] = {10, 35, 100};
    for (unsigned i = 0; i < 3; i++) {
        LARGE_INTEGER timeout = th_ms(requested[i]);
        ULONGLONG start = KeQueryInterruptTime();
        NTSTATUS status = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &timeout);
        ULONGLONG elapsed = KeQueryInterruptTime() - start;
        KTEST_EXPECT_EQ(t, status, STATUS_TIMEOUT);
        KTEST_EXPECT_GE(t, elapsed, (ULONGLONG)(requested[i] * 10000));
    }
    /* Multiple objects time out the same way. */
    PVOID objects[2] = {&event, &event};
    LARGE_INTEGER timeout = th_ms(20);
    ULONGLONG start = KeQueryInterruptTime();
    KTEST_EXPECT_EQ(t, KeWaitForMultipleObjects(2, objects, WaitAll, Executive, KernelMode, FALSE, &timeout, NULL),
                    STATUS_TIMEOUT);
    KTEST_EXPECT_GE(t, KeQueryInterruptTime() - start, 200000ull);
}

static void absolute_timeout_is_interrupt_time(struct ktest *t)
{
    KEVENT event;
    KeInitializeEvent(&event, NotificationEvent, FALSE);
    LARGE_INTEGER due = {.QuadPart = (LONGLONG)(KeQueryInterruptTime() + 300000)};
    KTEST_EXPECT_EQ(t, KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &due), STATUS_TIMEOUT);
    KTEST_EXPECT_GE(t, KeQueryInterruptTime(), (ULONGLONG)due.QuadPart);
}

static void zero_timeout_is_legal_at_dispatch_level(struct ktest *t)
{
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    LARGE_INTEGER zero = {.QuadPart = 0};
    KIRQL old = KeRaiseIrqlToDpcLevel();
    NTSTATUS unsignalled = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero);
    KeSetEvent(&event, 0, FALSE);
    NTSTATUS signalled = KeWaitForSingleObject(&event, Executive, KernelMode, FALSE, &zero);
    KIRQL during = KeGetCurrentIrql();
    KeLowerIrql(old);
    KTEST_EXPECT_EQ(t, unsignalled, STATUS_TIMEOUT);
    KTEST_EXPECT_EQ(t, signalled, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, during, DISPATCH_LEVEL);
    KTEST_EXPECT_EQ(t, KeReadStateEvent(&event), 0);
}

static void delay_sleeps_at_least_the_interval(struct ktest *t)
{
    LARGE_INTEGER interval = th_ms(50);
    ULONGLONG start = KeQueryInterruptTime();
    KTEST_EXPECT_EQ(t, KeDelayExecutionThread(KernelMode, FALSE, &interval), STATUS_SUCCESS);
    KTEST_EXPECT_GE(t, KeQueryInterruptTime() - start, 500000ull);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
}

struct fm_shared {
    FAST_MUTEX mutex;
    uint64_t counter;
    volatile uint64_t bad_irql;
};

static VOID fast_mutex_body(PVOID context)
{
    struct fm_shared *s = context;
    for (int i = 0; i < 300; i++) {
        ExAcquireFastMutex(&s->mutex);
        if (KeGetCurrentIrql() != APC_LEVEL)
            s->bad_irql++;
        uint64_t v = s->counter;
        if (i % 32 == 0) {
            LARGE_INTEGER tick = th_ms(10);
            KeDelayExecutionThread(KernelMode, FALSE, &tick); /* sleep holding it: others must wait */
        }
        s->counter = v + 1;
        ExReleaseFastMutex(&s->mutex);
    }
}

static void fast_mutex_excludes_and_raises_to_apc(struct ktest *t)
{
    static struct fm_shared s;
    ExInitializeFastMutex(&s.mutex);
    s.counter = 0;
    s.bad_irql = 0;
    PKTHREAD th[3];
    for (int i = 0; i < 3; i++)
        th[i] = th_start(fast_mutex_body, &s, 8, 0);
    for (int i = 0; i < 3; i++)
        KTEST_EXPECT_TRUE(t, th_join(th[i], 60));
    KTEST_EXPECT_EQ(t, s.counter, 900);
    KTEST_EXPECT_EQ(t, s.bad_irql, 0);
    KTEST_EXPECT_EQ(t, s.mutex.Count, 1);
    KTEST_EXPECT_TRUE(t, ExTryToAcquireFastMutex(&s.mutex));
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), APC_LEVEL);
    ExReleaseFastMutex(&s.mutex);
    KTEST_EXPECT_EQ(t, KeGetCurrentIrql(), PASSIVE_LEVEL);
}

static void many_objects_with_caller_wait_blocks(struct ktest *t)
{
    enum { N = 8 };
    KEVENT e[N];
    PVOID objects[N];
    KWAIT_BLOCK blocks[N];
    for (int i = 0; i < N; i++) {
        KeInitializeEvent(&e[i], NotificationEvent, TRUE);
        objects[i] = &e[i];
    }
    LARGE_INTEGER timeout = th_ms(1000);
    KTEST_EXPECT_EQ(t, KeWaitForMultipleObjects(N, objects, WaitAll, Executive, KernelMode, FALSE, &timeout, blocks),
                    STATUS_SUCCESS);
    KeClearEvent(&e[3]);
    KTEST_EXPECT_EQ(t, KeWaitForMultipleObjects(N, objects, WaitAll, Executive, KernelMode, FALSE, &timeout, blocks),
                    STATUS_TIMEOUT);
}

KTEST_SUITE(wait, KTEST_CASE(notification_event_wakes_every_waiter), KTEST_CASE(synchronization_event_wakes_one_at_a_time),
            KTEST_CASE(semaphore_release_wakes_that_many), KTEST_CASE(mutex_recursion_and_hand_over),
            KTEST_CASE(wait_any_returns_the_index), KTEST_CASE(wait_all_needs_every_object),
            KTEST_CASE(timeout_returns_status_timeout_not_early), KTEST_CASE(absolute_timeout_is_interrupt_time),
            KTEST_CASE(zero_timeout_is_legal_at_dispatch_level), KTEST_CASE(delay_sleeps_at_least_the_interval),
            KTEST_CASE(fast_mutex_excludes_and_raises_to_apc), KTEST_CASE(many_objects_with_caller_wait_blocks));
