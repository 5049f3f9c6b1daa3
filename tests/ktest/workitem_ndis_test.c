/* tests/ktest/workitem_ndis_test.c - NDIS I/O work items (suite `workitem_ndis`) on the test
 * miniport (tests/ktest/ndis_test_miniport.h, QEMU's e1000e): queued from a DPC, the miniport's
 * NDIS_IO_WORKITEM_FUNCTION runs once at PASSIVE_LEVEL in a system worker thread with its context
 * and handle, while the adapter's device object is referenced.
 *
 *     make check-ktest GLOB='workitem_ndis' MACHINE=pc SMP=4
 */
#include "include/ndis.h"
#include "kernel/ke/thread.h"
#include "kernel/ke/worker_threads.h"
#include "kernel/lib/string.h"
#include "tests/ktest/io_helpers.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/ndis_test_miniport.h"

static struct {
    KEVENT done;
    volatile LONG runs;
    KIRQL irql;
    PKTHREAD thread;
    PVOID context;
    NDIS_HANDLE handle;
    LONG fdo_references;
    PDEVICE_OBJECT fdo;
} nw;

static VOID miniport_work(PVOID WorkItemContext, NDIS_HANDLE NdisIoWorkItemHandle)
{
    nw.irql = KeGetCurrentIrql();
    nw.thread = KeGetCurrentThread();
    nw.context = WorkItemContext;
    nw.handle = NdisIoWorkItemHandle;
    nw.fdo_references = nw.fdo->ReferenceCount;
    __atomic_fetch_add(&nw.runs, 1, __ATOMIC_RELAXED);
    KeSetEvent(&nw.done, 0, FALSE);
}

static VOID queue_ndis_item_from_dpc(PKDPC dpc, PVOID context, PVOID a1, PVOID a2)
{
    NdisQueueIoWorkItem(a1, miniport_work, (PVOID)0x5EED);
}

static void ndis_work_item_runs_at_passive_in_a_worker(struct ktest *t)
{
    memset(&ntm, 0, sizeof(ntm));
    memset(&nw, 0, sizeof(nw));
    KeInitializeEvent(&nw.done, NotificationEvent, FALSE);
    NDIS_STATUS init = NDIS_STATUS_FAILURE;
    PDEVICE_OBJECT nic = ntm_start(t, &init);
    if (!nic)
        return;
    KTEST_ASSERT_EQ(t, init, NDIS_STATUS_SUCCESS);
    struct ndis_adapter *adapter = ndis_adapter_from_handle(ntm.adapter);
    KTEST_ASSERT_NOT_NULL(t, adapter);
    nw.fdo = adapter->fdo;
    LONG base = nw.fdo->ReferenceCount;
    NDIS_HANDLE item = NdisAllocateIoWorkItem(ntm.adapter);
    KTEST_ASSERT_NOT_NULL(t, item);
    KDPC dpc;
    KeInitializeDpc(&dpc, queue_ndis_item_from_dpc, NULL);
    KeInsertQueueDpc(&dpc, item, NULL);
    LARGE_INTEGER timeout = {.QuadPart = -60000LL * 10000};
    bool ran = KeWaitForSingleObject(&nw.done, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
    if (ran)
        for (int i = 0; i < 6000 && nw.fdo->ReferenceCount != base; i++)
            KeDelayExecutionThread(KernelMode, FALSE, &(LARGE_INTEGER){.QuadPart = -10 * 10000});
    LONG after = nw.fdo->ReferenceCount;
    if (ran)
        NdisFreeIoWorkItem(item);
    ndis_adapter_stop(nic);
    ntm_stop(nic);
    KTEST_ASSERT_TRUE(t, ran);
    KTEST_EXPECT_EQ(t, nw.runs, 1);
    KTEST_EXPECT_EQ(t, nw.irql, PASSIVE_LEVEL);
    KTEST_EXPECT_TRUE(t, ex_is_worker_thread(nw.thread));
    KTEST_EXPECT_EQ(t, (uintptr_t)nw.context, 0x5EED);
    KTEST_EXPECT_TRUE(t, nw.handle == item);
    KTEST_EXPECT_EQ(t, nw.fdo_references, base + 1); /* the FDO was held while the routine ran */
    KTEST_EXPECT_EQ(t, after, base);
}

KTEST_SUITE(workitem_ndis, KTEST_CASE(ndis_work_item_runs_at_passive_in_a_worker));
