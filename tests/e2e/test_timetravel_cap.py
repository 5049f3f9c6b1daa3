#!/usr/bin/env python3
"""test_timetravel_cap - `make record RR_MAX=1M` stops at the cap with a message, and what it
recorded up to there replays byte for byte.

A boot writes well over 1 MiB of replay log before the prompt, so with no input at all the cap
ends the recording (no timing involved: the verdict is the message, the manifest and the
replay's comparison).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402


def make(args, timeout=600):
    build = os.environ.get("IRQLAB_BUILD")
    args = ([f"BUILD={build}"] if build else []) + args
    r = subprocess.run(["timeout", "-s", "KILL", str(timeout), "make", "--no-print-directory"] + args,
                       cwd=REPO, capture_output=True, stdin=subprocess.PIPE)
    return r.returncode, r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="irqlab-rr-cap-")
    rec = os.path.join(tmp, "rec")
    try:
        rc, out = make(["record", f"REC={rec}", "RR_MAX=1M", "NIC=none", "TIMEOUT=600"])
        t.ok(rc == 0 and "The recording reached RR_MAX=1M" in out, "RR_MAX=1M: recording stops with a message",
             diag=out[-2000:])
        try:
            with open(os.path.join(rec, "manifest.json")) as f:
                capped = json.load(f).get("capped")
        except OSError:
            capped = None
        t.ok(capped is True, "the manifest says the recording was capped")
        rc, out = make(["replay", f"REC={rec}", "TIMEOUT=600"])
        t.ok(rc == 0 and "replayed console output is identical to the recording" in out,
             "the capped recording replays byte for byte up to the cap", diag=out[-2000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
