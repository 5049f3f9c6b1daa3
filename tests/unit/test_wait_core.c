/* tests/unit/test_wait_core.c - when waits are satisfied and what they take
 * (kernel/ke/wait_core.c): events, semaphores, mutex ownership and recursion, WaitAny order,
 * WaitAll all-or-nothing, and signalling an object with threads waiting.
 * unit-sources: kernel/ke/wait_core.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/ke/wait_core.h"

static LIST_ENTRY owned_mutexes;
PLIST_ENTRY wait_thread_mutant_list(PKTHREAD thread)
{
    (void)thread;
    return &owned_mutexes; /* one list for every fake thread: the tests check membership only */
}

#define T1 ((PKTHREAD)0x1000)
#define T2 ((PKTHREAD)0x2000)
#define T3 ((PKTHREAD)0x3000)
#define T4 ((PKTHREAD)0x4000)

static void header(DISPATCHER_HEADER *h, UCHAR type, LONG state)
{
    memset(h, 0, sizeof(*h));
    h->Type = type;
    h->SignalState = state;
    InitializeListHead(&h->WaitListHead);
}

static void sync_event_is_consumed_notification_is_not(void **state)
{
    (void)state;
    KEVENT n, s;
    header(&n.Header, EventNotificationObject, 1);
    header(&s.Header, EventSynchronizationObject, 1);
    assert_true(wait_object_signaled(&n.Header, T1));
    wait_object_consume(&n.Header, T1);
    assert_int_equal(n.Header.SignalState, 1);
    wait_object_consume(&s.Header, T1);
    assert_int_equal(s.Header.SignalState, 0);
    assert_false(wait_object_signaled(&s.Header, T1));
}

static void semaphore_counts_down(void **state)
{
    (void)state;
    KSEMAPHORE sem;
    header(&sem.Header, SemaphoreObject, 2);
    wait_object_consume(&sem.Header, T1);
    assert_true(wait_object_signaled(&sem.Header, T1));
    wait_object_consume(&sem.Header, T1);
    assert_false(wait_object_signaled(&sem.Header, T1));
}

static void mutex_is_recursive_for_its_owner_only(void **state)
{
    (void)state;
    KMUTEX m;
    memset(&m, 0, sizeof(m));
    header(&m.Header, MutantObject, 1);
    InitializeListHead(&owned_mutexes);
    wait_object_consume(&m.Header, T1);
    assert_ptr_equal(m.OwnerThread, T1);
    assert_ptr_equal(owned_mutexes.Flink, &m.MutantListEntry); /* on the owner's list once */
    assert_true(wait_object_signaled(&m.Header, T1));  /* the owner may take it again */
    assert_false(wait_object_signaled(&m.Header, T2)); /* nobody else */
    wait_object_consume(&m.Header, T1);
    assert_int_equal(m.Header.SignalState, -1); /* recursion 2 */
    assert_ptr_equal(owned_mutexes.Blink, &m.MutantListEntry); /* still listed once, not twice */
}

static void wait_any_reports_the_first_signalled_index(void **state)
{
    (void)state;
    KEVENT e[3];
    for (int i = 0; i < 3; i++)
        header(&e[i].Header, EventSynchronizationObject, i == 0 ? 0 : 1);
    PVOID objects[3] = {&e[0], &e[1], &e[2]};
    ULONG index = 99;
    assert_true(wait_test(objects, 3, WaitAny, T1, &index));
    assert_int_equal(index, 1);
    wait_satisfy(objects, 3, WaitAny, index, T1);
    assert_int_equal(e[1].Header.SignalState, 0);
    assert_int_equal(e[2].Header.SignalState, 1); /* only the one that satisfied it */
}

static void wait_all_takes_nothing_until_all_are_signalled(void **state)
{
    (void)state;
    KEVENT a, b;
    header(&a.Header, EventSynchronizationObject, 1);
    header(&b.Header, EventSynchronizationObject, 0);
    PVOID objects[2] = {&a, &b};
    ULONG index;
    assert_false(wait_test(objects, 2, WaitAll, T1, &index));
    assert_int_equal(a.Header.SignalState, 1);
    b.Header.SignalState = 1;
    assert_true(wait_test(objects, 2, WaitAll, T1, &index));
    wait_satisfy(objects, 2, WaitAll, index, T1);
    assert_int_equal(a.Header.SignalState, 0);
    assert_int_equal(b.Header.SignalState, 0);
}

struct woken {
    int count;
    PKTHREAD thread[4];
    NTSTATUS status[4];
};

/* The kernel's unwait: unlink all of the thread's blocks (here: the ring from `satisfied`). */
static void record_unwait(PKWAIT_BLOCK satisfied, NTSTATUS status, void *context)
{
    struct woken *w = context;
    w->thread[w->count] = satisfied->Thread;
    w->status[w->count++] = status;
    PKWAIT_BLOCK b = satisfied;
    do {
        if (b->WaitListEntry.Flink) {
            RemoveEntryList(&b->WaitListEntry);
            b->WaitListEntry.Flink = NULL;
        }
        b = b->NextWaitBlock;
    } while (b && b != satisfied);
}

static void block(PKWAIT_BLOCK b, PKTHREAD t, PVOID object, USHORT key, WAIT_TYPE type)
{
    memset(b, 0, sizeof(*b));
    b->Thread = t;
    b->Object = object;
    b->WaitKey = key;
    b->WaitType = (UCHAR)type;
    b->NextWaitBlock = b;
    InsertTailList(&((DISPATCHER_HEADER *)object)->WaitListHead, &b->WaitListEntry);
}

static void notification_wakes_all_synchronization_wakes_one(void **state)
{
    (void)state;
    KEVENT n, s;
    KWAIT_BLOCK b[4];
    header(&n.Header, EventNotificationObject, 0);
    header(&s.Header, EventSynchronizationObject, 0);
    block(&b[0], T1, &n, 0, WaitAny);
    block(&b[1], T2, &n, 0, WaitAny);
    block(&b[2], T3, &s, 0, WaitAny);
    block(&b[3], T4, &s, 0, WaitAny);
    struct woken w = {0};
    n.Header.SignalState = 1;
    wait_signal(&n.Header, record_unwait, &w);
    assert_int_equal(w.count, 2);
    assert_ptr_equal(w.thread[0], T1); /* in the order they waited */
    assert_ptr_equal(w.thread[1], T2);
    assert_int_equal(n.Header.SignalState, 1);
    s.Header.SignalState = 1;
    wait_signal(&s.Header, record_unwait, &w);
    assert_int_equal(w.count, 3);
    assert_ptr_equal(w.thread[2], T3);
    assert_int_equal(s.Header.SignalState, 0);
    assert_false(IsListEmpty(&s.Header.WaitListHead)); /* the second waiter still waits */
}

static void wait_all_waiter_wakes_when_its_last_object_is_signalled(void **state)
{
    (void)state;
    KEVENT a, b;
    KWAIT_BLOCK wb[2];
    header(&a.Header, EventSynchronizationObject, 0);
    header(&b.Header, EventSynchronizationObject, 0);
    block(&wb[0], T1, &a, 0, WaitAll);
    block(&wb[1], T1, &b, 1, WaitAll);
    wb[0].NextWaitBlock = &wb[1];
    wb[1].NextWaitBlock = &wb[0];
    struct woken w = {0};
    a.Header.SignalState = 1;
    wait_signal(&a.Header, record_unwait, &w);
    assert_int_equal(w.count, 0);
    assert_int_equal(a.Header.SignalState, 1); /* not taken: WaitAll is all-or-nothing */
    b.Header.SignalState = 1;
    wait_signal(&b.Header, record_unwait, &w);
    assert_int_equal(w.count, 1);
    assert_int_equal(w.status[0], STATUS_WAIT_0);
    assert_int_equal(a.Header.SignalState, 0);
    assert_int_equal(b.Header.SignalState, 0);
}

static void semaphore_release_of_two_wakes_two(void **state)
{
    (void)state;
    KSEMAPHORE sem;
    KWAIT_BLOCK b[3];
    header(&sem.Header, SemaphoreObject, 0);
    block(&b[0], T1, &sem, 0, WaitAny);
    block(&b[1], T2, &sem, 0, WaitAny);
    block(&b[2], T4, &sem, 0, WaitAny);
    struct woken w = {0};
    sem.Header.SignalState = 2;
    wait_signal(&sem.Header, record_unwait, &w);
    assert_int_equal(w.count, 2);
    assert_int_equal(sem.Header.SignalState, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sync_event_is_consumed_notification_is_not),
        cmocka_unit_test(semaphore_counts_down),
        cmocka_unit_test(mutex_is_recursive_for_its_owner_only),
        cmocka_unit_test(wait_any_reports_the_first_signalled_index),
        cmocka_unit_test(wait_all_takes_nothing_until_all_are_signalled),
        cmocka_unit_test(notification_wakes_all_synchronization_wakes_one),
        cmocka_unit_test(wait_all_waiter_wakes_when_its_last_object_is_signalled),
        cmocka_unit_test(semaphore_release_of_two_wakes_two),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
