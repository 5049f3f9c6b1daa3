#!/usr/bin/env python3
"""test_timetravel_bad_input - `make record` / `make replay` refuse what they cannot do, at once.

No QEMU runs: each case is a recording folder made here (the files a real one has, in the
manifest's format) with one thing wrong, and scripts/timetravel.py must say what and exit
non-zero within its bounded run (no hang):

  * no recording at all: says how to make one (make record);
  * a kernel rebuilt since (another build id): refused, naming both build ids;
  * a truncated replay log, a corrupted one (same size), a missing snapshot image, a snapshot
    image without the "init" snapshot: each reported by name;
  * SMP=2: refused, saying that QEMU's record/replay cannot record several CPUs;
  * RR_MAX that is not a size: refused.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import timetravel  # noqa: E402
from tap import Tap  # noqa: E402


def tool(*args, timeout=60):
    r = subprocess.run(["timeout", "-s", "KILL", str(timeout), sys.executable,
                        os.path.join(REPO, "scripts", "timetravel.py")] + list(args),
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def snapshot_image(path, names):
    """An empty qcow2 whose snapshot table lists `names` (enough for the check, which reads the table)."""
    timetravel.write_empty_qcow2(path)
    table = b""
    for name in names:
        entry = bytearray(40)
        entry[12:14] = (1).to_bytes(2, "big")            # id_str_size
        entry[14:16] = len(name).to_bytes(2, "big")      # name_size
        body = bytes(entry) + b"1" + name.encode()
        table += body + b"\0" * ((8 - len(body) % 8) % 8)
    with open(path, "r+b") as f:
        f.seek(60)
        f.write(len(names).to_bytes(4, "big") + (4 << 16).to_bytes(8, "big"))
        f.seek(4 << 16)
        f.write(table)


def make_recording(rec, elf_bytes=b"\x7fELF recorded kernel"):
    os.makedirs(rec)
    with open(os.path.join(rec, "kernel.elf"), "wb") as f:
        f.write(elf_bytes)
    log = os.urandom(4096)
    with open(os.path.join(rec, "replay.bin"), "wb") as f:
        f.write(log)
    snapshot_image(os.path.join(rec, "snapshot.qcow2"), ["init"])
    open(os.path.join(rec, "console.log"), "wb").close()
    manifest = {"rec_dir": rec, "record_argv": ["qemu-system-x86_64", "-loadvm", "boot"],
                "replay_argv": ["true"], "date": "2026-01-01T00:00:00+00:00", "exit_status": 33,
                "kernel": {"build_id": hashlib.sha1(elf_bytes).hexdigest(), "size": len(elf_bytes)},
                "log": {"size": len(log), "sha256": hashlib.sha256(log).hexdigest()}}
    with open(os.path.join(rec, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return manifest


def main():
    t = Tap()
    tmp = tempfile.mkdtemp(prefix="irqlab-rr-bad-")
    try:
        current = os.path.join(tmp, "current.elf")
        with open(current, "wb") as f:
            f.write(b"\x7fELF recorded kernel")

        rc, out = tool("replay", "--rec", os.path.join(tmp, "nothing"), "--elf", current)
        t.ok(rc != 0 and "no recording in" in out and "make record" in out,
             "no recording: says how to make one", diag=out)

        rec = os.path.join(tmp, "good")
        m = make_recording(rec)
        try:
            timetravel.load_recording(rec, current)
            t.ok(True, "a sound recording passes every check")
        except timetravel.RecordingError as e:
            t.ok(False, "a sound recording passes every check", diag=str(e))

        rebuilt = os.path.join(tmp, "rebuilt.elf")
        with open(rebuilt, "wb") as f:
            f.write(b"\x7fELF rebuilt kernel")
        rc, out = tool("replay", "--rec", rec, "--elf", rebuilt)
        t.ok(rc != 0 and m["kernel"]["build_id"] in out and timetravel.build_id(rebuilt) in out
             and "ANY_KERNEL=1" in out, "rebuilt kernel: refused, naming both build ids", diag=out)

        cases = {
            "truncated": (lambda r: open(os.path.join(r, "replay.bin"), "r+b").truncate(1000), "truncated"),
            "corrupted": (lambda r: open(os.path.join(r, "replay.bin"), "r+b").write(b"\0" * 64), "corrupted"),
            "no-snapshot": (lambda r: os.unlink(os.path.join(r, "snapshot.qcow2")), "snapshot.qcow2 is missing"),
            "no-init": (lambda r: snapshot_image(os.path.join(r, "snapshot.qcow2"), ["other"]), "'init'"),
        }
        for name, (damage, words) in cases.items():
            r = os.path.join(tmp, name)
            make_recording(r)
            damage(r)
            rc, out = tool("replay", "--rec", r, "--elf", current)
            t.ok(rc != 0 and words in out and "record again" in out, f"{name} recording: reported ({words})",
                 diag=out)

        rc, out = tool("record", "--smp", "2", "--rec", os.path.join(tmp, "smp"), "--elf", current)
        t.ok(rc != 0 and "SMP=2" in out and "not supported for 'smp'" in out and not os.path.exists(
            os.path.join(tmp, "smp")), "SMP=2: refused with QEMU's reason, nothing recorded", diag=out)
        rc, out = tool("record", "--max", "lots", "--rec", os.path.join(tmp, "max"), "--elf", current)
        t.ok(rc != 0 and "RR_MAX must be a size" in out, "RR_MAX=lots: refused", diag=out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
