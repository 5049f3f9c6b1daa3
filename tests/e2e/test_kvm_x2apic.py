#!/usr/bin/env python3
"""test_kvm_x2apic - the x2APIC path (MSR-based local APIC) under KVM.

QEMU 7.2's TCG offers no x2APIC, so irqlab's x2APIC code only runs under KVM, which offers it
by default with the in-kernel irqchip. When /dev/kvm works this boots the test kernel with
`-enable-kvm -cpu host,-arch-capabilities` (the flags this project's nested-KVM hosts need,
docs/kvm.md) on pc and q35 and runs the interrupt-core suites;
the LAPIC must report x2APIC mode and every case must pass (cases using `int n` skip themselves:
nested KVM cannot emulate it). Without usable KVM every test is skipped with the reason.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from irqlab_qemu import ktest_elf, run_qemu  # noqa: E402
from ktest_runner import run_ktest  # noqa: E402
from tap import Tap  # noqa: E402

SUITES = "apic,irql,dpc,interrupt,route"
# Never more vCPUs than the host has cores: under nested KVM an overcommitted guest's vCPUs wait
# for each other's host threads (seen on a 2-core host under load: q35 -smp 4 printed nothing for
# 300 s after its banner, while -smp 2 passed in the same run), which would make the verdict
# depend on the host's load. TCG runs (make test's ktest configurations) cover -smp 4.
HOST_CPUS = os.cpu_count() or 1
CONFIGS = [("pc", min(2, HOST_CPUS)), ("q35", min(4, HOST_CPUS))]
# The per-case limit only catches a hang. Nested KVM on a busy host can leave a vCPU without the
# CPU for minutes (seen under `make test-loaded`: no output for 120 s, then fine unloaded), so it
# is generous; a run of the five suites takes 30-170 s here.
CASE_TIMEOUT = 300


def kvm_problem():
    """None if KVM can run a guest here, else why not."""
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "/dev/kvm is not accessible to this user"
    probe = run_qemu(ktest_elf(), accel="kvm", cmdline="ktest=irql.starts_at_passive", timeout=120)
    if probe.status != 33:
        return f"a KVM probe boot did not pass (status {probe.status}): {probe.serial[-300:]!r}"
    return None


def main():
    t = Tap()
    why = kvm_problem()
    for machine, cpus in CONFIGS:
        name = f"x2APIC interrupt core under KVM on {machine} -smp {cpus}"
        if why:
            t.skip(name, why)
            continue
        run = run_ktest(ktest_elf(), SUITES, machine=machine, smp=cpus, accel="kvm", per_test_timeout=CASE_TIMEOUT)
        x2 = "x2APIC at MSRs" in run.serial
        failed = [c.name for c in run.cases if not c.ok]
        t.ok(run.ok and x2 and not failed, name,
             diag=f"x2APIC mode: {x2}; failed: {failed}; problems: {run.problems}\n{run.serial[-1500:]}")
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
