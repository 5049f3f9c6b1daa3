/* tests/ktest/sched_soak_test.c - the scheduler's books still balance after 100,000 context
 * switches (8 cases of 12,500): threads at several priorities pass tokens to each other through
 * semaphores, preempt each other, get boosted, and move between processors with
 * KeSetSystemAffinityThreadEx, while the test stops the world (takes the dispatcher lock) every
 * 2,500 switches and checks every invariant kernel/ke/thread.h promises:
 *
 *   - every thread is in exactly one place: the current thread of one CPU (Running), in one ready
 *     queue - its NextProcessor's, at its Priority, on a CPU its Affinity allows (Ready), or in a
 *     wait (Waiting, with a wait block list) - and an idle thread is never in a ready queue;
 *   - each ready queue's count is the number of threads in its lists, and its summary bitmap has
 *     a bit exactly for the non-empty lists;
 *   - the switches counted per thread and per CPU since the soak began are the same number.
 *
 * Why tokens: a semaphore count never gets lost (an event set twice would), so the TOKENS tokens
 * keep circulating and THREADS - TOKENS threads are always waiting: there is always something to
 * switch to and never a deadlock. Everything is counted, nothing is timed: on a slow host the
 * case only takes longer (each case is a few seconds of TCG).
 */
#include "arch/x86_64/cpu.h"
#include "kernel/ke/thread.h"
#include "kernel/lib/format.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/thread_helpers.h"

#define THREADS 12
#define TOKENS 5
#define SWITCHES_PER_CASE 12500
#define CHECK_EVERY 2500
#define MAX_SEEN 128

static KSEMAPHORE tokens[THREADS];
static PKTHREAD soakers[THREADS];
static volatile bool stop;
static volatile uint64_t passes, affinity_changes;
static const int priorities[THREADS] = {4, 6, 8, 10, 12, 5, 7, 9, 11, 6, 8, 10};

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u; /* Numerical Recipes' LCG: plenty for choosing */
    return *state >> 8;
}

static KAFFINITY random_cpus(uint32_t *state)
{
    KAFFINITY active = KeQueryActiveProcessors();
    KAFFINITY pick = (KAFFINITY)next_random(state) & active;
    return pick ? pick : active;
}

static VOID soaker(PVOID context)
{
    unsigned me = (unsigned)(uintptr_t)context;
    uint32_t seed = 0x9E3779B9u * (me + 1);
    KAFFINITY previous = 0;
    bool restricted = false;
    for (unsigned i = 0;; i++) {
        KeWaitForSingleObject(&tokens[me], Executive, KernelMode, FALSE, NULL);
        if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
            break;
        uint32_t r = next_random(&seed);
        if (i % 32 == 7 && !restricted) { /* move somewhere else for a while */
            previous = KeSetSystemAffinityThreadEx(random_cpus(&seed));
            restricted = true;
            __atomic_add_fetch(&affinity_changes, 1, __ATOMIC_RELAXED);
        } else if (i % 32 == 15 && restricted) {
            KeRevertToUserAffinityThreadEx(previous);
            restricted = false;
        }
        unsigned to = (me + 1 + r % (THREADS - 1)) % THREADS; /* anyone else */
        __atomic_add_fetch(&passes, 1, __ATOMIC_RELAXED);
        KeReleaseSemaphore(&tokens[to], (r & 0x100) ? 1 : 0, 1, FALSE); /* sometimes with a boost */
    }
    if (restricted)
        KeRevertToUserAffinityThreadEx(previous);
}

static uint64_t cpu_switches(void)
{
    uint64_t total = 0;
    for (unsigned c = 0; c < KE_MAX_CPUS; c++)
        total += __atomic_load_n(&ke_sched_cpus[c].context_switches, __ATOMIC_RELAXED);
    return total;
}

struct books {
    uint64_t cpu_switches, thread_switches;
};

/* What the invariants found, copied out so the lock is not held while reporting. */
struct verdict {
    unsigned threads, running, ready, waiting;
    char problem[120];
};

static bool seen_before(PKTHREAD *seen, unsigned n, PKTHREAD t)
{
    for (unsigned i = 0; i < n; i++)
        if (seen[i] == t)
            return true;
    return false;
}

#define PROBLEM(...)                                                                                                   \
    do {                                                                                                               \
        if (!v->problem[0])                                                                                            \
            ksnprintf(v->problem, sizeof(v->problem), __VA_ARGS__);                                                    \
    } while (0)

/* Ready queues: counts, bitmaps, and who is in them. Dispatcher lock held. */
static unsigned check_queues(struct verdict *v, PKTHREAD *seen)
{
    unsigned n = 0;
    for (unsigned c = 0; c < KE_MAX_CPUS; c++) {
        const struct sched_ready_queue *q = &ke_sched_cpus[c].ready;
        if (!ke_prcbs[c] || !ke_prcbs[c]->online) {
            if (q->count)
                PROBLEM("offline CPU %u has %u ready threads", c, q->count);
            continue;
        }
        unsigned in_lists = 0;
        for (int p = 0; p < SCHED_PRIORITIES; p++) {
            const LIST_ENTRY *head = &q->lists[p];
            bool nonempty = head->Flink != head;
            if (nonempty != (((q->summary >> p) & 1) != 0))
                PROBLEM("CPU %u: summary bit %d is %u but list %d is %s", c, p, (q->summary >> p) & 1, p,
                        nonempty ? "not empty" : "empty");
            for (PLIST_ENTRY e = head->Flink; e != head; e = e->Flink, in_lists++) {
                PKTHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ReadyListEntry);
                if (seen_before(seen, n, t))
                    PROBLEM("thread %u is in a ready queue twice", t->ThreadId);
                else if (n < MAX_SEEN)
                    seen[n++] = t;
                if (t->State != Ready || t->IsIdle)
                    PROBLEM("thread %u in CPU %u's queue is %s%s", t->ThreadId, c, ke_thread_state_name(t->State),
                            t->IsIdle ? " (idle)" : "");
                if (t->Priority != p || t->NextProcessor != c)
                    PROBLEM("thread %u: priority %d on CPU %u, queued at %d on CPU %u", t->ThreadId, t->Priority,
                            t->NextProcessor, p, c);
                if (!((t->Affinity >> c) & 1))
                    PROBLEM("thread %u queued on CPU %u outside its affinity 0x%lx", t->ThreadId, c,
                            (unsigned long)t->Affinity);
            }
        }
        if (in_lists != q->count)
            PROBLEM("CPU %u: ready count %u, lists hold %u", c, q->count, in_lists);
        PKTHREAD cur = ke_sched_cpus[c].current;
        if (!cur || cur->State != Running || cur->NextProcessor != c)
            PROBLEM("CPU %u: current thread %u is %s on CPU %u", c, cur ? cur->ThreadId : 0,
                    cur ? ke_thread_state_name(cur->State) : "missing", cur ? cur->NextProcessor : 0);
    }
    return n;
}

static unsigned current_on(PKTHREAD t)
{
    unsigned n = 0;
    for (unsigned c = 0; c < KE_MAX_CPUS; c++)
        if (ke_prcbs[c] && ke_prcbs[c]->online && ke_sched_cpus[c].current == t)
            n++;
    return n;
}

/* Every thread in exactly one place. Dispatcher lock held. */
static void check_threads(struct verdict *v, PKTHREAD *seen, unsigned queued, struct books *b)
{
    for (PLIST_ENTRY e = ke_thread_list.Flink; e != &ke_thread_list; e = e->Flink) {
        PKTHREAD t = CONTAINING_RECORD(e, struct _KTHREAD, ThreadListEntry);
        unsigned cur = current_on(t);
        bool in_queue = seen_before(seen, queued, t);
        v->threads++;
        b->thread_switches += t->ContextSwitches;
        switch (t->State) {
        case Running:
            v->running++;
            if (cur != 1 || in_queue)
                PROBLEM("running thread %u is current on %u CPUs%s", t->ThreadId, cur, in_queue ? ", and queued" : "");
            break;
        case Ready:
            v->ready++;
            if (cur || in_queue == t->IsIdle)
                PROBLEM("ready %sthread %u: current on %u CPUs, %s", t->IsIdle ? "idle " : "", t->ThreadId, cur,
                        in_queue ? "queued" : "in no queue");
            break;
        case Waiting:
            v->waiting++;
            if (cur || in_queue || !t->WaitBlockList)
                PROBLEM("waiting thread %u: current on %u CPUs, %s, wait blocks %p", t->ThreadId, cur,
                        in_queue ? "queued" : "not queued", (void *)t->WaitBlockList);
            break;
        default:
            if (cur || in_queue)
                PROBLEM("%s thread %u is current or queued", ke_thread_state_name(t->State), t->ThreadId);
        }
    }
}

/* Stop the world (the dispatcher lock, interrupts off), check, let it go. */
static struct verdict check_now(struct books *b)
{
    static PKTHREAD seen[MAX_SEEN];
    struct verdict v = {0};
    uint64_t flags = cpu_save_and_disable_interrupts();
    ke_dispatcher_lock_acquire();
    unsigned queued = check_queues(&v, seen);
    b->thread_switches = 0;
    check_threads(&v, seen, queued, b);
    b->cpu_switches = cpu_switches();
    ke_dispatcher_lock_release();
    cpu_restore_interrupts(flags);
    return v;
}

static void report(struct ktest *t, const char *when, const struct verdict *v)
{
    KTEST_EXPECT_TRUE(t, v->problem[0] == '\0');
    if (v->problem[0])
        ktest_log(t, "%s: %s", when, v->problem);
}

static void soak_12500_switches(struct ktest *t)
{
    stop = false;
    struct books start, now;
    KPRIORITY old_priority = KeSetPriorityThread(KeGetCurrentThread(), 15); /* above every soaker */
    (void)check_now(&start);
    for (unsigned i = 0; i < THREADS; i++)
        KeInitializeSemaphore(&tokens[i], i < TOKENS ? 1 : 0, 1000000);
    for (unsigned i = 0; i < THREADS; i++)
        soakers[i] = th_start(soaker, (PVOID)(uintptr_t)i, priorities[i], 0);
    uint64_t passes_before = passes, target = start.cpu_switches + SWITCHES_PER_CASE, next_check = 0;
    unsigned checks = 0;
    for (uint64_t s; (s = cpu_switches()) < target;) {
        if (s >= next_check) {
            struct verdict v = check_now(&now);
            report(t, "while running", &v);
            /* Threads created since `start` began at 0 switches; none has ended yet. */
            KTEST_EXPECT_EQ(t, now.thread_switches - start.thread_switches, now.cpu_switches - start.cpu_switches);
            KTEST_EXPECT_GE(t, v.threads, THREADS);
            next_check = now.cpu_switches + CHECK_EVERY;
            checks++;
        }
        KeDelayExecutionThread(KernelMode, FALSE, &(LARGE_INTEGER){.QuadPart = -20000}); /* let them run */
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < THREADS; i++)
        KeReleaseSemaphore(&tokens[i], 0, 1, FALSE); /* wakes whoever waits; they see `stop` */
    for (unsigned i = 0; i < THREADS; i++)
        KTEST_EXPECT_TRUE(t, th_join(soakers[i], 120));
    KeSetPriorityThread(KeGetCurrentThread(), old_priority);
    struct verdict v = check_now(&now);
    report(t, "after", &v);
    KTEST_EXPECT_GE(t, checks, SWITCHES_PER_CASE / CHECK_EVERY - 1);
    ktest_log(t, "%lu switches on %u CPUs (%u checks), %lu token passes, %lu affinity changes so far",
              (unsigned long)(now.cpu_switches - start.cpu_switches), (unsigned)KeNumberProcessors, checks,
              (unsigned long)(passes - passes_before), (unsigned long)affinity_changes);
}

/* Eight times 12,500: each case ends well within the per-case timeout even under a loaded TCG. */
static void round_1(struct ktest *t) { soak_12500_switches(t); }
static void round_2(struct ktest *t) { soak_12500_switches(t); }
static void round_3(struct ktest *t) { soak_12500_switches(t); }
static void round_4(struct ktest *t) { soak_12500_switches(t); }
static void round_5(struct ktest *t) { soak_12500_switches(t); }
static void round_6(struct ktest *t) { soak_12500_switches(t); }
static void round_7(struct ktest *t) { soak_12500_switches(t); }
static void round_8(struct ktest *t) { soak_12500_switches(t); }

KTEST_SUITE(sched_soak, KTEST_CASE(round_1), KTEST_CASE(round_2), KTEST_CASE(round_3), KTEST_CASE(round_4),
            KTEST_CASE(round_5), KTEST_CASE(round_6), KTEST_CASE(round_7), KTEST_CASE(round_8));
