/* tests/ktest/e1000_serve_test.c - a manual suite the host-driven network tests boot into
 * (tests/e2e/test_net_*.py): `ktest=e1000_serve` on build/ktest.elf.
 *
 * It pings every adapter's gateway (QEMU user networking answers for 10.0.2.2), prints
 * "e1000-serve: ready", then serves while the host sends its traffic to UDP port 7 - the stack's
 * echo service does the work; this suite only watches. Commands arrive as UDP datagrams on port
 * 5555 of any adapter (the host forwards a port to it) and are acknowledged at once with
 * "ack <command>"; the result goes to the console, ending with "e1000-serve: done <command>":
 *
 *   stats       print the e1000-stats: lines (drivers/e1000/e1000_stats.c), the NDIS listing and
 *               the stack's counters (`net`)
 *   restart N   halt and restart the adapter that is net<N> (MiniportHaltEx + MiniportInitializeEx):
 *               its interrupt object goes to the end of a shared line's chain
 *   cycle N C   C stop/start cycles of net<N>'s device (io_pnp_stop_device + io_pnp_start_device,
 *               tests/ktest/pnp_cycle.h): prints "e1000-serve: cycle netN: cycles ..., vectors a->b, ..."
 *   rebalance N OPT  stop net<N>'s device and start it with other resources (OPT: msix=off, msi=off,
 *               cpu=K, default): prints "e1000-serve: rebalance netN: <its interrupt now>"
 *   ping        ping every gateway again
 *   stop        print the statistics and end the case (QEMU then exits with the verdict)
 *
 * Checks at the end: no adapter saw a receive error (unless e1000_serve_rx_errors=on: the host
 * sends broken frames on purpose), every gateway answered.
 */
#include "drivers/e1000/e1000.h"
#include "kernel/ndis/ndis_block.h"
#include "kernel/boot/cmdline.h"
#include "kernel/console/console.h"
#include "kernel/io/pnp.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/net/net.h"
#include "tests/ktest/e1000_stats_print.h"
#include "tests/ktest/ktest.h"
#include "tests/ktest/pnp_cycle.h"

CMDLINE_OPTION(e1000_serve_s, "<seconds>", "ktest=e1000_serve: give up after this long (default 600)");
CMDLINE_OPTION(e1000_serve_rx_errors, "on|off",
               "ktest=e1000_serve: receive errors are expected (hostile traffic, test_net_hostile.py); default off");

#define CONTROL_PORT 5555
#define COMMAND_MAX 48
#define PING_TIMEOUT_MS 3000

static KSPIN_LOCK mailbox_lock;
static char mailbox[COMMAND_MAX];
static volatile bool mailbox_full;

static void control_handler(const struct net_udp_datagram *d, PVOID context)
{
    UNREFERENCED_PARAMETER(context);
    char command[COMMAND_MAX];
    size_t len = d->len < COMMAND_MAX - 1 ? d->len : COMMAND_MAX - 1;
    memcpy(command, d->data, len);
    command[len] = '\0';
    while (len && (command[len - 1] == '\n' || command[len - 1] == '\r'))
        command[--len] = '\0';
    bool taken = false;
    KIRQL irql;
    KeAcquireSpinLock(&mailbox_lock, &irql);
    if (!mailbox_full) {
        memcpy(mailbox, command, len + 1);
        mailbox_full = true;
        taken = true;
    }
    KeReleaseSpinLock(&mailbox_lock, irql);
    char reply[COMMAND_MAX + 8];
    ksnprintf(reply, sizeof(reply), "%s %s", taken ? "ack" : "busy", command);
    (void)net_udp_reply(d, reply, strlen(reply));
}

static bool take_command(char *out)
{
    bool got = false;
    KIRQL irql;
    KeAcquireSpinLock(&mailbox_lock, &irql);
    if (mailbox_full) {
        memcpy(out, mailbox, COMMAND_MAX);
        mailbox_full = false;
        got = true;
    }
    KeReleaseSpinLock(&mailbox_lock, irql);
    return got;
}

static void print_line(void *context, const char *line)
{
    (void)context;
    console_printf("%s\n", line);
}

/* Sum of every adapter's ISR calls: changes while any interrupt is still arriving. */
static uint64_t isr_calls(void)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (a)
            sum += e1000_stats_of(a).isr_calls;
    }
    return sum;
}

/* The driver's counters and the kernel's KINTERRUPT counters are printed one after the other; a
 * late interrupt in between (the TXDW of the last echo, say) would make them disagree by one.
 * So wait until the ISRs have been quiet for 20 ms (at most 500 ms) before printing. */
static void wait_for_quiet(void)
{
    uint64_t last = isr_calls();
    unsigned quiet_ms = 0;
    for (unsigned ms = 0; ms < 500 && quiet_ms < 20; ms++) {
        KeStallExecutionProcessor(1000);
        uint64_t now = isr_calls();
        quiet_ms = now == last ? quiet_ms + 1 : 0;
        last = now;
    }
}

static void print_stats(const char *why)
{
    wait_for_quiet();
    console_printf("e1000-serve: stats begin %s\n", why);
    e1000_print_stats_to(print_line, NULL);
    ndis_print_to(print_line, NULL);
    net_print_to(print_line, NULL); /* the stack's counters per drop reason (test_net_hostile.py) */
    console_printf("e1000-serve: stats end %s\n", why);
}

static unsigned ping_gateways(struct ktest *t)
{
    unsigned failures = 0;
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a)
            continue;
        char gw[16];
        ip_addr_format(e1000_netif(a)->ipv4.gateway, gw);
        for (uint16_t seq = 1; seq <= 3; seq++) {
            ULONG rtt = 0;
            NTSTATUS status = net_ping(e1000_netif(a), e1000_netif(a)->ipv4.gateway, seq, PING_TIMEOUT_MS, &rtt);
            if (status == STATUS_SUCCESS) {
                console_printf("e1000-serve: %s ping %s seq %u: reply in %lu us\n", e1000_netif(a)->name, gw,
                               (unsigned)seq, (unsigned long)rtt);
            } else {
                console_printf("e1000-serve: %s ping %s seq %u: no reply (0x%08x)\n", e1000_netif(a)->name, gw,
                               (unsigned)seq, (unsigned)status);
                failures++;
            }
        }
    }
    KTEST_EXPECT_EQ(t, failures, 0);
    return failures;
}

static void restart(unsigned index)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a || e1000_netif(a)->index != index)
            continue;
        for (unsigned s = 0; s < NDIS_MAX_ADAPTERS; s++) {
            struct ndis_adapter *n = ndis_adapter_at(s);
            if (!n || n->registration.MiniportAdapterContext != a)
                continue;
            PDEVICE_OBJECT pdo = n->pdo;
            NTSTATUS stop = io_device_stop(pdo);
            NTSTATUS start = io_device_start(pdo, IO_START_DRIVER);
            console_printf("e1000-serve: restart net%u: stop 0x%08x start 0x%08x\n", index, (unsigned)stop,
                           (unsigned)start);
            return;
        }
    }
    console_printf("e1000-serve: restart net%u: no such e1000 adapter\n", index);
}

/* net<index>'s PDO, or NULL. */
static PDEVICE_OBJECT pdo_of_net(unsigned index)
{
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS; i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (!a || e1000_netif(a)->index != index)
            continue;
        for (unsigned s = 0; s < NDIS_MAX_ADAPTERS; s++) {
            struct ndis_adapter *n = ndis_adapter_at(s);
            if (n && n->registration.MiniportAdapterContext == a)
                return n->pdo;
        }
    }
    return NULL;
}

static void cycle(struct ktest *t, const char *args)
{
    unsigned index = (unsigned)(args[0] - '0'), count = 0;
    const char *p = args + 1;
    while (*p == ' ')
        p++;
    for (; *p >= '0' && *p <= '9'; p++)
        count = count * 10 + (unsigned)(*p - '0');
    PDEVICE_OBJECT pdo = pdo_of_net(index);
    if (!pdo || !count) {
        console_printf("e1000-serve: cycle: no net%u or no count\n", index);
        return;
    }
    struct pnp_cycle_result r;
    pnp_cycle(pdo, count, &r);
    char prefix[32];
    ksnprintf(prefix, sizeof(prefix), "e1000-serve: cycle net%u", index);
    pnp_cycle_print(prefix, &r);
    KTEST_EXPECT_EQ(t, r.stop_failures + r.start_failures + r.left_after_stop, 0);
    KTEST_EXPECT_EQ(t, r.vectors_after, r.vectors_before);
    KTEST_EXPECT_EQ(t, r.connections_after, r.connections_before);
    KTEST_EXPECT_EQ(t, r.mappings_after, r.mappings_before);
    KTEST_EXPECT_EQ(t, r.pool_after, r.pool_before);
}

/* The rebalance (docs/pnp.md): other resources, the same driver, which reconnects to them. */
static void rebalance(struct ktest *t, const char *args)
{
    unsigned index = (unsigned)(args[0] - '0');
    const char *opt = args[1] == ' ' ? args + 2 : "";
    PDEVICE_OBJECT pdo = pdo_of_net(index);
    struct io_pnp_start_options o = {0};
    if (!strcmp(opt, "msix=off"))
        o.no_msix = true;
    else if (!strcmp(opt, "msi=off"))
        o.no_msi = true;
    else if (!strncmp(opt, "cpu=", 4)) {
        o.cpu = opt[4] - '0';
        o.cpu_set = true;
    }
    NTSTATUS stop = pdo ? io_pnp_stop_device(pdo) : STATUS_NO_SUCH_DEVICE;
    NTSTATUS start = pdo ? io_pnp_start_device(pdo, &o) : STATUS_NO_SUCH_DEVICE;
    char what[64] = "-";
    if (pdo) {
        KIRQL old = io_lock();
        io_pnp_describe_interrupt(io_pdo_from_device(pdo), what, sizeof(what));
        io_unlock(old);
    }
    console_printf("e1000-serve: rebalance net%u %s: stop 0x%08x start 0x%08x: %s\n", index, opt, (unsigned)stop,
                   (unsigned)start, what);
    KTEST_EXPECT_EQ(t, stop, STATUS_SUCCESS);
    KTEST_EXPECT_EQ(t, start, STATUS_SUCCESS);
}

static void serve(struct ktest *t)
{
    if (e1000_adapter_count() == 0)
        KTEST_SKIP(t, "needs -device e1000 or -device e1000e");
    const char *limit_text = cmdline_get("e1000_serve_s");
    unsigned limit_s = 600;
    if (limit_text && *limit_text) {
        limit_s = 0;
        for (const char *p = limit_text; *p >= '0' && *p <= '9'; p++)
            limit_s = limit_s * 10 + (unsigned)(*p - '0');
    }
    ping_gateways(t);
    KeInitializeSpinLock(&mailbox_lock);
    mailbox_full = false;
    KTEST_ASSERT_EQ(t, net_udp_bind(CONTROL_PORT, control_handler, NULL), STATUS_SUCCESS);
    console_printf("e1000-serve: ready (%u adapter%s, control port %u)\n", e1000_adapter_count(),
                   e1000_adapter_count() == 1 ? "" : "s", CONTROL_PORT);

    bool stopped = false;
    char command[COMMAND_MAX];
    for (uint64_t ms = 0; ms < (uint64_t)limit_s * 1000 && !stopped; ms++) {
        KeStallExecutionProcessor(1000);
        if (!take_command(command))
            continue;
        if (!strcmp(command, "stats")) {
            print_stats("stats");
        } else if (!strncmp(command, "restart ", 8)) {
            restart((unsigned)(command[8] - '0'));
        } else if (!strncmp(command, "rebalance ", 10)) {
            rebalance(t, command + 10);
        } else if (!strncmp(command, "cycle ", 6)) {
            cycle(t, command + 6);
        } else if (!strcmp(command, "ping")) {
            ping_gateways(t);
        } else if (!strcmp(command, "stop")) {
            stopped = true;
        } else {
            console_printf("e1000-serve: unknown command '%s'\n", command);
        }
        console_printf("e1000-serve: done %s\n", command);
    }
    (void)net_udp_unbind(CONTROL_PORT);
    print_stats("final");
    KTEST_EXPECT_TRUE(t, stopped); /* else the host never said stop: timed out */
    for (unsigned i = 0; i < E1000_MAX_ADAPTERS && !cmdline_get_bool("e1000_serve_rx_errors", false); i++) {
        PE1000_ADAPTER a = e1000_adapter(i);
        if (a)
            KTEST_EXPECT_EQ(t, e1000_stats_of(a).rx_errors, 0);
    }
}

KTEST_MANUAL_SUITE(e1000_serve, KTEST_CASE(serve));
