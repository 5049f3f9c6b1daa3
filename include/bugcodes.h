/* include/bugcodes.h - the stop codes irqlab raises, with the numbers Windows uses, named as in
 * the WDK's bugcodes.h. A driver passes them to KeBugCheckEx (wdm.h); the kernel raises them
 * itself (kernel/ke/bugcheck.c prints the name on the stop screen).
 * Reference: learn.microsoft.com "Bug Check Code Reference". */
#ifndef IRQLAB_BUGCODES_H
#define IRQLAB_BUGCODES_H

#define IRQL_NOT_GREATER_OR_EQUAL 0x00000009u
#define IRQL_NOT_LESS_OR_EQUAL 0x0000000Au
#define SPIN_LOCK_ALREADY_OWNED 0x0000000Fu
#define SPIN_LOCK_NOT_OWNED 0x00000010u
#define BAD_POOL_HEADER 0x00000019u /* [mm] parameters: kernel/mm/heap.h */
#define KMODE_EXCEPTION_NOT_HANDLED 0x0000001Eu
#define NO_MORE_IRP_STACK_LOCATIONS 0x00000035u
#define MULTIPLE_IRP_COMPLETE_REQUESTS 0x00000044u
#define CANCEL_STATE_IN_COMPLETED_IRP 0x00000048u /* kernel/io/irp.c, cancel.c */
#define DRIVER_RETURNED_HOLDING_CANCEL_LOCK 0x0000011Bu /* kernel/io/cancel.c */
#define PHASE0_INITIALIZATION_FAILED 0x00000031u
#define PFN_LIST_CORRUPT 0x0000004Eu /* [mm] parameters: kernel/mm/pmm.h */
#define PAGE_FAULT_IN_NONPAGED_AREA 0x00000050u
#define UNEXPECTED_KERNEL_MODE_TRAP 0x0000007Fu
#define BUGCODE_NDIS_DRIVER 0x0000007Cu
#define NMI_HARDWARE_FAILURE 0x00000080u
#define MACHINE_CHECK_EXCEPTION 0x0000009Cu
#define ATTEMPTED_WRITE_TO_READONLY_MEMORY 0x000000BEu
#define ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY 0x000000FCu
#define ACPI_BIOS_ERROR 0x000000A5u
#define BAD_POOL_CALLER 0x000000C2u /* [mm] parameters: kernel/mm/pool.c, heap.h */
#define PNP_DETECTED_FATAL_ERROR 0x000000CAu
#define DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS 0x000000CEu /* kernel/io/pnp_driver.c */
#define DRIVER_IRQL_NOT_LESS_OR_EQUAL 0x000000D1u
#define DRIVER_OVERRAN_STACK_BUFFER 0x000000F7u /* -fstack-protector (make SANITIZE=1): kernel/lib/stack_protector.h */
#define DRIVER_VERIFIER_IOMANAGER_VIOLATION 0x000000C9u /* verifier=io: kernel/io/irp.c */
#define DRIVER_VERIFIER_DETECTED_VIOLATION 0x000000C4u /* verifier=spinlock: kernel/ke/verifier_spinlock.c */
#define DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION 0x000000D6u /* verifier=special: kernel/mm/pool_special.c */
#define PAGE_FAULT_IN_FREED_SPECIAL_POOL 0x000000CCu /* special pool, freed block, kernel code: kernel/mm/pool_special.c */
#define DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL 0x000000D5u /* a freed KINTERRUPT (kernel/ke/interrupt.c); special pool, driver code */
#define HARDWARE_INTERRUPT_STORM 0x000000F2u
#define IRQL_UNEXPECTED_VALUE 0x000000C8u
#define WORKER_THREAD_RETURNED_AT_BAD_IRQL 0x000000E1u /* a work item's routine: kernel/ke/worker_threads.c */
#define MANUALLY_INITIATED_CRASH 0x000000E2u
#define WORKER_INVALID 0x000000E4u /* queueing/freeing a queued work item: kernel/ke/worker_threads.c */
#define MAXIMUM_WAIT_OBJECTS_EXCEEDED 0x0000000Cu /* kernel/ke/wait.c */
#define ATTEMPTED_SWITCH_FROM_DPC 0x000000B8u /* a wait in a DPC routine: kernel/ke/wait.c */
#define CLOCK_WATCHDOG_TIMEOUT 0x00000101u /* [watchdog] parameters: kernel/ke/watchdog.h */
#define DPC_WATCHDOG_VIOLATION 0x00000133u /* [watchdog] parameters: kernel/ke/watchdog.h */
#define PASSIVE_INTERRUPT_ERROR 0x0000013Bu /* passive-level KINTERRUPT: kernel/ke/interrupt.c */
#define THREAD_TERMINATE_HELD_MUTEX 0x4000008Au /* a thread ended owning a KMUTEX: kernel/ke/thread.c */

#endif
