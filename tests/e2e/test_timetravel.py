#!/usr/bin/env python3
"""test_timetravel - `make record` of a session, `make replay` of it, and gdb going backwards in it.

One recording with the default NIC (the e1000), made the way a student makes one: typed commands
at irqlab> and UDP echoes from the host (scripts/rr_session.py). Then:

  * `make replay` prints the guest's console output byte for byte as recorded (the interrupt
    counts `irq` printed included) and ends with the recorded exit status (33, poweroff);
  * `make replay GDB_SCRIPT=...` stops at E1000Isr twice (the recorded echoes interrupted) and
    the irql helper works there;
  * `make replay GDB_SCRIPT=...` reverse-continues from the third E1000Isr back to the second,
    earlier ones and print_banner, then reverse-stepi and reverse-finish step out to the callers.
  * the recording's manifest names the QEMU command line, the kernel's build id, size and date.

Verdicts are counts and states (bytes equal, breakpoint numbers, exit statuses), never durations.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from rr_session import RecordSession  # noqa: E402
from tap import Tap  # noqa: E402

ECHOES = 3
GDB_E1000 = """\
break E1000Isr
continue
continue
irql
"""
# Backwards from the third E1000Isr after print_banner: three reverse-continues, each stopping at
# an earlier E1000Isr or print_banner; reverse-stepi/reverse-finish step back out to the callers. Each reverse-* loads the snapshot: before
# kvmvapic was left out of the machine these hung (docs/time-travel.md).
GDB_REVERSE = """\
break print_banner
break E1000Isr
continue
continue
continue
continue
echo REVERSE-START\\n
reverse-continue
reverse-continue
reverse-continue
reverse-stepi
reverse-finish
echo REVERSE-DONE\\n
"""


def make(args, timeout=600):
    env = dict(os.environ)
    build = os.environ.get("IRQLAB_BUILD")
    if build:
        args = [f"BUILD={build}"] + args
    r = subprocess.run(["timeout", "-s", "KILL", str(timeout), "make", "--no-print-directory"] + args,
                       cwd=REPO, env=env, capture_output=True)
    # Bytes as QEMU wrote them (\r\n included): the replay is compared byte for byte.
    r.stdout, r.stderr = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    return r


def record(t, rec):
    build = os.environ.get("IRQLAB_BUILD")
    args = [f"REC={rec}", "TIMEOUT=600"] + ([f"BUILD={build}"] if build else [])
    with RecordSession(args, cwd=REPO, log_path=os.path.join(rec + ".record.log")) as s:
        try:
            s.expect(r"\nirqlab> ", timeout=300)
            echoes = [s.echo_udp(f"time travel {n}".encode()) for n in range(ECHOES)]
            t.ok(all(e and e.startswith(b"time travel") for e in echoes),
                 f"record: {ECHOES} UDP echoes from the host came back while recording", diag=repr(echoes))
            s.type("irq")
            s.expect(r"interrupt storms detected since boot")
            s.expect(r"\nirqlab> ")
            s.type("poweroff")
            status = s.wait(300)
        except TimeoutError as e:
            t.ok(False, "record: session", diag=str(e))
            return None
        text = s.text()
    t.ok(status == 0 and "recorded " in text, "record: make record ends with the recording saved",
         diag=text[-2000:])
    return text


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="irqlab-rr-")
    rec = os.path.join(tmp, "rec")
    try:
        text = record(t, rec)
        if text is None:
            return t.finish()
        with open(os.path.join(rec, "manifest.json")) as f:
            manifest = json.load(f)
        with open(os.path.join(rec, "console.log"), "rb") as f:
            console = f.read()
        t.ok(manifest["exit_status"] == 33 and re.fullmatch(r"[0-9a-f]{40}", manifest["kernel"]["build_id"])
             and "rr=record" in " ".join(manifest["record_argv"]) and manifest["kernel"]["size"] > 0
             and manifest["date"], "manifest: command line, build id, size, date, exit status 33",
             diag=json.dumps(manifest, indent=1)[:2000])
        e1000 = re.search(rb"e1000 00:05\.0", console)
        row = re.search(rb"^0x[0-9a-f]+ .*?(\d+)\s+\d+\s+on\s+e1000", console, re.M)
        t.ok(e1000 is not None and row is not None and int(row.group(1)) >= ECHOES,
             f"record: irq counted at least {ECHOES} e1000 interrupts", diag=console[-1500:].decode(errors="replace"))

        r = make(["replay", f"REC={rec}", "TIMEOUT=600"])
        t.ok(r.returncode == 0 and "replayed console output is identical to the recording" in r.stdout,
             "replay: console output byte for byte as recorded", diag=(r.stdout + r.stderr)[-2500:])
        t.ok(console.decode("utf-8", "replace") in r.stdout and b"interrupt storms" in console,
             "replay: the irq table (interrupt counts) is in the replayed output", diag=r.stdout[-1500:])
        t.ok("replay ended with QEMU exit status 33 (as recorded)" in r.stdout,
             "replay: ends with the recorded exit status 33", diag=r.stdout[-800:])

        script = os.path.join(tmp, "e1000.gdb")
        with open(script, "w") as f:
            f.write(GDB_E1000)
        g = make(["replay", f"REC={rec}", f"GDB_SCRIPT={script}", "TIMEOUT=900"], timeout=1000)
        out = g.stdout + g.stderr
        hits = re.findall(r"^Breakpoint (\d), (\w+)", out, re.M)
        t.ok(hits == [("1", "E1000Isr"), ("1", "E1000Isr")] and re.search(r"IRQL", out),
             "gdb replay (e1000): stops in E1000Isr at the recorded echoes; the irql helper works",
             diag=f"hits {hits}\n{out[-3000:]}")

        script = os.path.join(tmp, "reverse.gdb")
        with open(script, "w") as f:
            f.write(GDB_REVERSE)
        g = make(["replay", f"REC={rec}", f"GDB_SCRIPT={script}", f"TIMEOUT={os.environ.get('RR_REVERSE_TIMEOUT', '600')}"], timeout=700)
        out = g.stdout + g.stderr
        back = out.split("REVERSE-START", 1)[-1]
        hits = re.findall(r"^Breakpoint (\d), (\w+)", back, re.M)
        t.ok(len(hits) == 3 and hits[0][1] in ("E1000Isr", "print_banner") and ("1", "print_banner") in hits
             and all(h in (("1", "print_banner"), ("2", "E1000Isr")) for h in hits) and "REVERSE-DONE" in back,
             "gdb replay (e1000, typed commands, UDP echoes): each reverse-continue from E1000Isr stops at an "
             "earlier breakpoint, print_banner among them; reverse-stepi and reverse-finish return",
             diag=f"hits {hits}\n{out[-3000:]}")
        # After the last stop: reverse-stepi lands in its caller, reverse-finish in the caller's caller.
        last = back.rsplit("Breakpoint ", 1)[-1]
        stopped_in = re.match(r"\d, (\w+)", last)
        frames = re.findall(r"^(?:0x[0-9a-f]+ in )?(\w+) \(", last.split("\n", 1)[-1], re.M)
        t.ok(stopped_in is not None and len(frames) >= 2 and stopped_in.group(1) not in frames[:2]
             and frames[0] != frames[1] and "REVERSE-DONE" in last,
             "gdb replay: reverse-stepi steps back into the caller, reverse-finish out to the caller's caller",
             diag=f"stopped in {stopped_in and stopped_in.group(1)}, then {frames}\n{back[-1500:]}")

    finally:
        if t.failed and os.environ.get("IRQLAB_TEST_LOGS"):
            shutil.copytree(tmp, os.path.join(os.environ["IRQLAB_TEST_LOGS"], "timetravel"), dirs_exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
