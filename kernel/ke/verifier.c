/* kernel/ke/verifier.c - see verifier.h: the `verifier=` option, which checks are on, and their
 * counters. The checks themselves live next to the code they watch. */
#include "kernel/ke/verifier.h"

#include "kernel/boot/cmdline.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"

/* `what` fits a 80-column line after 12 spaces; `stop` after 24 (the shell's table). */
static const struct ke_verifier_rule rules[KE_VERIFY_CHECKS] = {
    [KE_VERIFY_STORM] = {"storm", "0xF2 HARDWARE_INTERRUPT_STORM",
                         "level line unclaimed / claimed while asserted; MSI ISR declines"},
    [KE_VERIFY_IO] = {"io", "0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION",
                      "IoCompleteRequest: STATUS_PENDING, or a cancel routine set"},
    [KE_VERIFY_BUDGET] = {"budget", "report only (0x133 is the watchdog's)",
                          "ISR over verifier_isr_us=, DPC over verifier_dpc_us="},
    [KE_VERIFY_SPINLOCK] = {"spinlock", "0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION 0x31",
                            "IRQL lowered below DISPATCH_LEVEL holding a spin lock"},
    [KE_VERIFY_LOWRES] = {"lowres", "injected failure: NULL", "allocations under verifier_lowres_tag= fail at random"},
    [KE_VERIFY_SPECIAL] = {"special", "0xD6 DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION",
                           "verifier_special_tag= blocks end at a guard page"},
    [KE_VERIFY_IRQL] = {"irql", "0xA IRQL_NOT_LESS_OR_EQUAL, P1 = the routine",
                        "KeSetEvent, KeSetTimer, IoCreateDevice... above their IRQL"},
    [KE_VERIFY_NDIS] = {"ndis", "0x7C BUGCODE_NDIS_DRIVER 0x100E, 0x100F",
                        "NIC still interrupting at deregister; register outside init"},
    [KE_VERIFY_POOL] = {"pool", "0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION 0x62",
                        "a driver unloaded with pool it allocated not freed"},
};

static bool verifier_check(const char *value, char *why, size_t why_size);
CMDLINE_OPTION_CHECKED(
    verifier, "<check>[,<check>...]|all",
    "driver-verifier checks: storm (0xF2), io (0xC9), budget (ISR/DPC time report), "
    "spinlock (0xC4), lowres (pool failures injected), special (0xD6), irql (0xA), ndis (0x7C), pool (0xC4 0x62); all = every one "
    "(docs/verifier.md)",
    verifier_check);

/* The check named by p[0..len), or KE_VERIFY_CHECKS for `all`, or -1. */
static int check_named(const char *p, size_t len)
{
    if (len == 3 && strncmp(p, "all", 3) == 0)
        return KE_VERIFY_CHECKS;
    for (int i = 0; i < KE_VERIFY_CHECKS; i++)
        if (strlen(rules[i].name) == len && strncmp(p, rules[i].name, len) == 0)
            return i;
    return -1;
}

/* A misspelt check would otherwise switch nothing on, silently. */
static bool verifier_check(const char *value, char *why, size_t why_size)
{
    for (const char *p = value;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (check_named(p, len) < 0) {
            ksnprintf(why, why_size,
                      "'%.*s' is not a verifier check (known: storm, io, budget, spinlock, lowres, special, irql, "
                      "ndis, pool, all); ignored",
                      (int)len, p);
            return false;
        }
        if (!end)
            return true;
        p = end + 1;
    }
}

volatile uint32_t ke_verifier_enabled; /* bit per check */
volatile bool ke_verifier_parsed;      /* ke_verifier_enabled holds the command line's choice */
static volatile uint64_t hits[KE_VERIFY_CHECKS];

/* Read verifier= once (idempotent: two CPUs racing here compute the same mask). */
static void parse(void)
{
    uint32_t mask = 0;
    const char *v = cmdline_get("verifier");
    for (const char *p = v; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int c = check_named(p, len);
        if (c == KE_VERIFY_CHECKS)
            mask = (1u << KE_VERIFY_CHECKS) - 1;
        else if (c >= 0)
            mask |= 1u << c;
        p += len + (end ? 1 : 0);
    }
    __atomic_fetch_or(&ke_verifier_enabled, mask, __ATOMIC_RELAXED);
    ke_verifier_parsed = true;
}

bool ke_verifier_on_first(enum ke_verifier_check check)
{
    if (!ke_verifier_parsed)
        parse();
    return (ke_verifier_enabled >> check) & 1;
}

bool ke_verifier_set(enum ke_verifier_check check, bool on)
{
    bool was = ke_verifier_on(check);
    if (on)
        __atomic_fetch_or(&ke_verifier_enabled, 1u << check, __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&ke_verifier_enabled, ~(1u << check), __ATOMIC_RELAXED);
    return was;
}

void ke_verifier_count(enum ke_verifier_check check) { __atomic_fetch_add(&hits[check], 1, __ATOMIC_RELAXED); }

uint64_t ke_verifier_hits(enum ke_verifier_check check) { return hits[check]; }

const struct ke_verifier_rule *ke_verifier_rule(enum ke_verifier_check check) { return &rules[check]; }
