/* tests/wdk_samples/sample_isr_to_thread.c - the whole path of a WDM driver below DISPATCH_LEVEL,
 * written as Microsoft's samples write it: the ISR of sample_connect.c acknowledges the device and
 * queues its DPC; the DPC, which may not wait, queues an IO_WORKITEM; the work routine runs at
 * PASSIVE_LEVEL in a system worker thread and sets a synchronization event; the driver's own
 * system thread, waiting on that event with KeWaitForSingleObject, wakes up. Stopping: flag,
 * set the event, wait on the thread object (ObReferenceObjectByHandle + KeWaitForSingleObject),
 * ZwClose, IoFreeWorkItem. Compiled against include/ only. */
#include <wdm.h>

#include "wdk_samples.h"

static KSTART_ROUTINE SampleWaiterThread;
static IO_WORKITEM_ROUTINE SampleWorkRoutine;

_Use_decl_annotations_ static VOID SampleWaiterThread(PVOID StartContext)
{
    PSAMPLE_DEVICE device = (PSAMPLE_DEVICE)StartContext;

    device->WaiterThreadId = PsGetCurrentThreadId();
    for (;;) {
        KeWaitForSingleObject(&device->DataReady, Executive, KernelMode, FALSE, NULL);
        if (device->Stopping) {
            break;
        }
        device->WaiterIrql = KeGetCurrentIrql();
        InterlockedIncrement(&device->WaiterWakeups);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

_Use_decl_annotations_ static VOID SampleWorkRoutine(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    PSAMPLE_DEVICE device = (PSAMPLE_DEVICE)Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    device->WorkIrql = KeGetCurrentIrql();
    InterlockedExchange(&device->WorkQueued, 0); /* the next DPC may queue it again */
    InterlockedIncrement(&device->WorkCount);
    KeSetEvent(&device->DataReady, IO_NO_INCREMENT, FALSE);
}

_Use_decl_annotations_ VOID SampleQueueWork(PSAMPLE_DEVICE Device)
{
    /* An IO_WORKITEM may be queued once at a time. */
    if (InterlockedCompareExchange(&Device->WorkQueued, 1, 0) == 0) {
        IoQueueWorkItem(Device->WorkItem, SampleWorkRoutine, DelayedWorkQueue, Device);
    }
}

_Use_decl_annotations_ NTSTATUS SampleStartWaiter(PSAMPLE_DEVICE Device, PDEVICE_OBJECT DeviceObject)
{
    OBJECT_ATTRIBUTES attributes;
    NTSTATUS status;

    KeInitializeEvent(&Device->DataReady, SynchronizationEvent, FALSE);
    Device->Stopping = 0;
    Device->WorkItem = IoAllocateWorkItem(DeviceObject);
    if (Device->WorkItem == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = PsCreateSystemThread(&Device->WaiterHandle, THREAD_ALL_ACCESS, &attributes, NULL, NULL,
                                  SampleWaiterThread, Device);
    if (!NT_SUCCESS(status)) {
        IoFreeWorkItem(Device->WorkItem);
        Device->WorkItem = NULL;
    }
    return status;
}

_Use_decl_annotations_ VOID SampleStopWaiter(PSAMPLE_DEVICE Device)
{
    PVOID thread;
    LARGE_INTEGER pause;

    /* The interrupt is disconnected and KeFlushQueuedDpcs has run: no new work comes. Let a work
     * item still queued finish before the thread is told to stop. */
    pause.QuadPart = -10 * 1000; /* 1 ms, relative */
    while (Device->WorkQueued) {
        KeDelayExecutionThread(KernelMode, FALSE, &pause);
    }
    InterlockedExchange(&Device->Stopping, 1);
    KeSetEvent(&Device->DataReady, IO_NO_INCREMENT, FALSE);
    if (NT_SUCCESS(ObReferenceObjectByHandle(Device->WaiterHandle, SYNCHRONIZE, *PsThreadType, KernelMode, &thread,
                                             NULL))) {
        KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, NULL);
        ObDereferenceObject(thread);
    }
    ZwClose(Device->WaiterHandle);
    IoFreeWorkItem(Device->WorkItem);
    Device->WorkItem = NULL;
}
