#!/usr/bin/env python3
"""test_many_cpus - irqlab runs on a full processor group (64 CPUs) and says when there are more.

* q35 -smp 64 (TCG, xAPIC ids 0-63): all 64 CPUs come online, `cpus` lists 64 rows, `irq`
  prints its per-CPU counts in blocks that fit 80 columns;
* the interrupt, routing, IRQL, DPC and IoConnectInterruptEx-affinity suites pass on those 64 CPUs
  (route.affinity_selects_the_receiving_cpu sends the PIT to the last CPU, 63; io_smp connects
  the edu device's line and message interrupts to every CPU in turn and counts where they arrive);
* a bugcheck in a DPC on CPU 63 gives one stop screen that names CPU 63 (the other CPUs are
  frozen by NMI);
* q35 -smp 80: the kernel warns "80 CPUs found, 64 supported; 16 left offline" once and brings
  64 online.
The guest-side boot time of -smp 64 is printed as a TAP diagnostic (it only informs).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import build_dir, kernel_elf, ktest_elf, run_qemu  # noqa: E402
from ktest_runner import report, run_ktest  # noqa: E402
from run_tests import KTEST_DEVICES  # noqa: E402
from tap import Tap  # noqa: E402

GROUP_SIZE = 64  # processors in a Windows processor group; a KAFFINITY has 64 bits
# apic.stall_10ms and the timer calibration judge how long a stall takes, which 64 vCPUs sharing
# a few host cores stretch; the pc/q35 matrix runs them.
SUITES = "route.*,interrupt.*,irql.*,dpc.*,io_smp.*,apic.lapic_*,apic.*ipi*,apic.ioapic_*"
# Generous: under TCG on a loaded two-core host each vCPU is a host thread.
BOOT_TIMEOUT = 600


# poweroff's own deadline (default 10 s of guest time) is for a driver that never returns. With
# 64 vCPU threads sharing two host cores the CPU stopping the e1000e gets a small share of the
# host while guest time runs on (seen once: "gave up: still waiting for driver e1000e"), so this
# deliberately oversubscribed machine gets a longer one; test_watchdog.py checks the deadline.
POWEROFF_CMDLINE = "poweroff_timeout=300000"


def boot(smp, commands=()):
    script = [(r"irqlab> ", c + "\n") for c in commands] + [(r"irqlab> ", "poweroff\n")]
    return run_qemu(kernel_elf(), machine="q35", smp=smp, timeout=BOOT_TIMEOUT, input_script=script,
                    cmdline=POWEROFF_CMDLINE)


def main():
    t = Tap()

    r = boot(GROUP_SIZE, ["cpus", "irq"])
    online = re.search(r"smp: (\d+) CPUs? online", r.serial)
    t.ok(online and int(online.group(1)) == GROUP_SIZE, f"q35 -smp {GROUP_SIZE}: {GROUP_SIZE} CPUs online",
         diag=online.group(0) if online else r.serial[-2000:])
    rows = re.findall(r"(?m)^\s*(\d+)\s+(\d+)\s+yes\b", r.serial)
    t.ok(len(rows) == GROUP_SIZE and rows[-1] == (str(GROUP_SIZE - 1), str(GROUP_SIZE - 1)),
         f"'cpus' lists {GROUP_SIZE} online CPUs, the last with APIC id {GROUP_SIZE - 1}",
         diag=r.serial[-3000:])
    irq = r.serial[r.serial.find("irqlab> irq"):]
    irq = irq[:irq.find("irqlab> ", 5)]
    wide = [line for line in irq.splitlines() if len(line) > 80]
    t.ok(re.search(rf"\bCPU{GROUP_SIZE - 1}\b", irq) and not wide,
         f"'irq' shows per-CPU counts up to CPU{GROUP_SIZE - 1} within 80 columns", diag="\n".join(wide) or irq[-2000:])
    t.ok("left offline" not in r.serial, f"no 'left offline' warning with exactly {GROUP_SIZE} CPUs",
         diag=r.serial[-2000:])
    t.ok(r.status == 33, f"q35 -smp {GROUP_SIZE}: powers off", diag=f"status {r.status}\n{r.serial[-1500:]}")
    t.diag(f"q35 -smp {GROUP_SIZE} -kernel: prompt, cpus, irq and poweroff in {r.elapsed:.1f} s of wall time")

    log = os.path.join(build_dir(), "test-logs", "e2e-many-cpus-ktest.serial.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    run = run_ktest(ktest_elf(), SUITES, machine="q35", smp=GROUP_SIZE, extra=KTEST_DEVICES, log_path=log,
                    per_test_timeout=120)
    t.ok(re.search(rf"smp: {GROUP_SIZE} CPUs online", run.serial), f"ktest kernel: {GROUP_SIZE} CPUs online",
         diag=run.serial[:3000])
    report(run, t, prefix=f"q35/smp{GROUP_SIZE}: ")
    t.diag(f"ktest {SUITES} on q35 -smp {GROUP_SIZE}: {run.elapsed:.1f} s")

    # A bugcheck on the last CPU: it names CPU 63 and the NMI stops the 63 others (one screen).
    r = run_qemu(ktest_elf(), machine="q35", smp=GROUP_SIZE, cmdline="ktest=crash.other_cpu", timeout=BOOT_TIMEOUT)
    stops = re.findall(r"(?m)^\*\*\* STOP: 0x0000000A ", r.serial)
    t.ok(len(stops) == 1 and re.search(rf"(?m)^CPU {GROUP_SIZE - 1}, IRQL 2", r.serial),
         f"bugcheck in a DPC on CPU {GROUP_SIZE - 1}: one stop screen naming CPU {GROUP_SIZE - 1}",
         diag=r.serial[-2500:])
    t.ok(r.status == 35, "the bugcheck ends QEMU with status 35", diag=f"status {r.status}")

    r = boot(80)
    warnings = re.findall(r"80 CPUs found, 64 supported; 16 left offline", r.serial)
    t.ok(len(warnings) == 1, "q35 -smp 80: '80 CPUs found, 64 supported; 16 left offline' once",
         diag=r.serial[-2500:])
    online = re.search(r"smp: (\d+) CPUs? online", r.serial)
    t.ok(online and int(online.group(1)) == GROUP_SIZE, f"q35 -smp 80: {GROUP_SIZE} CPUs online",
         diag=online.group(0) if online else r.serial[-2000:])
    t.ok(r.status == 33, "q35 -smp 80: powers off", diag=f"status {r.status}\n{r.serial[-1500:]}")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
