#!/usr/bin/env python3
"""test_uefi - the GRUB ISO booted under UEFI (OVMF), as `make run BOOT=uefi` boots it.

On -machine pc and q35, with 1 and 4 CPUs, build/kernel.elf boots from the same hybrid ISO
that SeaBIOS boots, under OVMF with a fresh copy of its variable store (scripts/irqlab_uefi.py),
with an e1000 and a host UDP port forwarded to the guest's echo port 7 (scripts/irqlab_net.py):

  * it reaches the irqlab> prompt with every CPU online, and says it came through UEFI and that
    it has a framebuffer console;
  * 200 UDP datagrams of 1..1472 bytes come back byte-identical (scripts/udp_echo_client.py);
  * `poweroff` leaves QEMU with status 33.

On q35 with one CPU, the screen too, read through QMP `screendump` (scripts/irqlab_screen.py):
the banner line and the prompt with a typed command are on the screen, pixel for pixel as
kernel/console/font.c draws them; then `ktest crash.bugcheck_call` stops the system, and the
stop screen is on the screen: its STOP line, white on blue. (That run has no isa-debug-exit, so
the kernel powers off through ACPI, which -no-shutdown turns into a pause to look at.)

OVMF under TCG takes tens of seconds to boot, so there are four UEFI boots here and the
timeouts are generous; no verdict depends on how long anything took. Two QEMUs run at a time.

    tests/e2e/test_uefi.py [--quick]     (--quick: q35, 1 CPU only)
"""
import argparse
import concurrent.futures
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import irqlab_net  # noqa: E402
import irqlab_qemu  # noqa: E402
import irqlab_screen  # noqa: E402
from tap import Tap  # noqa: E402
from udp_echo_client import run_echo  # noqa: E402

CONFIGS = [("q35", 1, True), ("pc", 1, False), ("q35", 4, False), ("pc", 4, False)]
BOOT_TIMEOUT = 480  # s to the prompt: OVMF + GRUB + irqlab under TCG on a loaded host
DATAGRAMS = 200
PANIC_BACKGROUND = (0x00, 0x00, 0xAA)  # kernel/console/fb_console.c panic_bg
TYPED = "irq"


def screen_checks(q, qmp, tmp, out):
    """At the prompt: the banner and the prompt with typed text, as pixels."""
    font = irqlab_screen.Font.from_c_file()
    q.send(TYPED)  # typed, not entered yet: the line editor echoes it
    banner = re.search(r"^irqlab \S+ .*teaching kernel.*$", q.read(), re.M)
    deadline = time.monotonic() + 60
    while True:  # until the echo is drawn (or a minute has passed): no guess at how long it takes
        img = qmp.screendump(os.path.join(tmp, "prompt.ppm"))
        out["prompt_row"] = img.find_text_row(font, "irqlab> " + TYPED)
        if out["prompt_row"] is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    columns = img.width // irqlab_screen.CELL_W
    out["banner_text"] = banner.group(0)[:columns] if banner else None
    out["banner_row"] = img.find_text_row(font, out["banner_text"]) if banner else None
    out["screen_size"] = (img.width, img.height)
    q.send("\n")
    q.expect(r"irqlab> ", timeout=60)


def stop_screen_checks(q, qmp, tmp, out):
    """`ktest crash.bugcheck_call`, then the stop screen as pixels once the guest has stopped."""
    q.send("ktest crash.bugcheck_call\n")
    if not q.expect(r"The system has been stopped", timeout=120):
        return
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # ACPI poweroff + -no-shutdown: QEMU pauses
        if qmp.command("query-status").get("status") == "shutdown":
            break
        time.sleep(0.2)
    out["stopped"] = qmp.command("query-status").get("status")
    img = qmp.screendump(os.path.join(tmp, "stop.ppm"))
    font = irqlab_screen.Font.from_c_file()
    stop = re.search(r"^\*\*\* STOP: .*$", q.read(), re.M)
    out["stop_text"] = stop.group(0)[:img.width // irqlab_screen.CELL_W] if stop else None
    out["stop_row"] = img.find_text_row(font, out["stop_text"]) if stop else None
    out["stop_background"] = img.background()


def run_config(machine, smp, screen):
    out = {"argv": [], "serial": ""}
    nic = irqlab_net.nic_setup("e1000")
    with tempfile.TemporaryDirectory(prefix="irqlab-uefi-") as tmp:
        extra = list(nic.argv)
        qmp = None
        if screen:
            qmp = irqlab_screen.Qmp.listen(os.path.join(tmp, "qmp.sock"))
            extra += irqlab_screen.qmp_args(qmp.path) + ["-no-shutdown"]
        q = irqlab_qemu.Qemu(irqlab_qemu.kernel_elf(), machine=machine, smp=smp, boot="uefi", timeout=0,
                             extra=extra, stdin=True, debug_exit=not screen)
        out["argv"] = q.argv
        try:
            q.start()
            if qmp:
                qmp.accept(timeout=120)
            out["prompt"] = bool(q.expect(r"irqlab> ", timeout=BOOT_TIMEOUT))
            if out["prompt"]:
                if screen:
                    screen_checks(q, qmp, tmp, out)
                out["echo"] = run_echo(nic.echo_ports[0], DATAGRAMS, window=16, timeout=30)
                if screen:
                    stop_screen_checks(q, qmp, tmp, out)
                else:
                    q.send("poweroff\n")
                    out["status"] = q.wait(120)
        finally:
            out["serial"] = q.read()
            q.kill()
            q.cleanup()
            if qmp:
                qmp.close()
    return out


def check(t, name, smp, screen, r):
    diag = "argv: " + " ".join(r["argv"]) + "\n--- serial (end):\n" + r["serial"][-2500:]
    if not t.ok(r.get("prompt"), f"{name}: UEFI boot reaches the irqlab> prompt", diag=diag):
        return
    serial = r["serial"]
    cpus = re.search(r"smp: (\d+) CPUs? online", serial)
    t.ok(cpus and int(cpus.group(1)) == smp, f"{name}: {smp} CPU(s) online", diag=cpus.group(0) if cpus else diag)
    t.ok(re.search(r"firmware: UEFI; screen: \d+x\d+x32 framebuffer", serial),
         f"{name}: the banner says UEFI and a framebuffer console",
         diag="\n".join(l for l in serial.splitlines() if "firmware:" in l) or diag)
    e = r.get("echo")
    t.ok(e and e.ok, f"{name}: e1000 echoes {DATAGRAMS} UDP datagrams byte-identical",
         diag=(e.summary() if e else "no result") + "\n" + diag)
    if not screen:
        t.ok(r.get("status") == 33, f"{name}: poweroff (exit status 33)", diag=f"status {r.get('status')}\n{diag}")
        return
    size = r.get("screen_size")
    t.diag(f"{name}: screen {size}")
    t.ok(r.get("banner_row") is not None, f"{name}: screendump shows the banner line in the built-in font",
         diag=f"looked for {r.get('banner_text')!r}\n{diag}")
    t.ok(r.get("prompt_row") is not None and (r.get("banner_row") is None or r["prompt_row"] > r["banner_row"]),
         f"{name}: screendump shows the prompt with the typed '{TYPED}' below the banner",
         diag=f"banner row {r.get('banner_row')}, prompt row {r.get('prompt_row')}")
    t.ok(r.get("stopped") == "shutdown" and r.get("stop_row") is not None,
         f"{name}: the stop screen is on the framebuffer (its STOP line)",
         diag=f"QEMU status {r.get('stopped')}; looked for {r.get('stop_text')!r}, row {r.get('stop_row')}\n{diag}")
    t.ok(r.get("stop_background") == PANIC_BACKGROUND, f"{name}: the stop screen is white on blue",
         diag=f"background {r.get('stop_background')}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    configs = CONFIGS[:1] if args.quick else CONFIGS
    t = Tap()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(run_config, machine, smp, screen) for machine, smp, screen in configs]
        for (machine, smp, screen), f in zip(configs, futures):
            name = f"UEFI {machine} -smp {smp}"
            try:
                r = f.result()
            except Exception as exc:  # a broken host side must fail the test, not crash it
                t.ok(False, f"{name}: run", diag=repr(exc))
                continue
            check(t, name, smp, screen, r)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
