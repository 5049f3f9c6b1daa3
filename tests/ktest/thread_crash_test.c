/* tests/ktest/thread_crash_test.c - the waits' and mutexes' rules, broken on purpose (manual
 * suite `thread_crash`; tests/e2e/test_bugcheck_threads.py boots `ktest=thread_crash.<case>` and
 * reads the stop screen):
 *
 *   wait_at_dispatch_level     KeWaitForSingleObject, no timeout, at DISPATCH_LEVEL   0xA
 *   wait_in_dpc                KeWaitForSingleObject with a timeout in a DPC routine   0xB8
 *   release_unowned_mutex      KeReleaseMutex of a mutex nobody owns                   0x1E (STATUS_MUTANT_NOT_OWNED)
 *   too_many_wait_objects      4 objects and no WaitBlockArray                         0xC
 *   terminate_holding_mutex    a thread ends while it owns a KMUTEX                    0x4000008A
 *
 *     make run-ktest CMDLINE='ktest=thread_crash.wait_in_dpc'
 */
#include "include/wdm.h"
#include "tests/ktest/ktest.h"

#define CRASH_SITE __attribute__((noipa))

static KEVENT never_set;

static CRASH_SITE void wait_at_dispatch_level(struct ktest *t)
{
    KeInitializeEvent(&never_set, NotificationEvent, FALSE);
    KIRQL old = KeRaiseIrqlToDpcLevel();
    (void)KeWaitForSingleObject(&never_set, Executive, KernelMode, FALSE, NULL);
    KeLowerIrql(old);
    ktest_fail(t, __FILE__, __LINE__, "a wait at DISPATCH_LEVEL returned");
}

static CRASH_SITE VOID crash_waiting_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    LARGE_INTEGER timeout = {.QuadPart = -10 * 10000};
    (void)KeWaitForSingleObject(&never_set, Executive, KernelMode, FALSE, &timeout);
}

static CRASH_SITE void wait_in_dpc(struct ktest *t)
{
    static KDPC dpc;
    KeInitializeEvent(&never_set, NotificationEvent, FALSE);
    KeInitializeDpc(&dpc, crash_waiting_dpc, NULL);
    KeInsertQueueDpc(&dpc, NULL, NULL); /* at PASSIVE_LEVEL: it runs now */
    ktest_fail(t, __FILE__, __LINE__, "a wait in a DPC returned");
}

static CRASH_SITE void release_unowned_mutex(struct ktest *t)
{
    static KMUTEX mutex;
    KeInitializeMutex(&mutex, 0);
    (void)KeReleaseMutex(&mutex, FALSE);
    ktest_fail(t, __FILE__, __LINE__, "releasing a mutex nobody owns returned");
}

static CRASH_SITE void too_many_wait_objects(struct ktest *t)
{
    static KEVENT e[4];
    PVOID objects[4];
    for (int i = 0; i < 4; i++) {
        KeInitializeEvent(&e[i], NotificationEvent, TRUE);
        objects[i] = &e[i];
    }
    (void)KeWaitForMultipleObjects(4, objects, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    ktest_fail(t, __FILE__, __LINE__, "4 objects without wait blocks returned");
}

static KMUTEX kept;

static CRASH_SITE VOID crash_keep_mutex_thread(PVOID context)
{
    KeSetSystemAffinityThreadEx(1); /* on CPU 0, so the screen names a known CPU */
    (void)KeWaitForSingleObject(&kept, Executive, KernelMode, FALSE, NULL);
    PsTerminateSystemThread(STATUS_SUCCESS); /* still owning it */
}

static CRASH_SITE void terminate_holding_mutex(struct ktest *t)
{
    KeInitializeMutex(&kept, 0);
    HANDLE handle;
    if (!NT_SUCCESS(PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, crash_keep_mutex_thread, NULL))) {
        ktest_fail(t, __FILE__, __LINE__, "PsCreateSystemThread failed");
        return;
    }
    LARGE_INTEGER wait = {.QuadPart = -1000 * 10000};
    for (int i = 0; i < 10; i++)
        KeDelayExecutionThread(KernelMode, FALSE, &wait);
    ktest_fail(t, __FILE__, __LINE__, "a thread ended owning a mutex and nothing stopped");
}

KTEST_MANUAL_SUITE(thread_crash, KTEST_CASE(wait_at_dispatch_level), KTEST_CASE(wait_in_dpc),
                   KTEST_CASE(release_unowned_mutex), KTEST_CASE(too_many_wait_objects),
                   KTEST_CASE(terminate_holding_mutex));
