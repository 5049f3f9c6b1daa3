#!/usr/bin/env python3
"""timetravel.py - `make record` and `make replay`: record a run with QEMU's record/replay, replay it
exactly, and debug it backwards in gdb (docs/time-travel.md).

  timetravel.py record (the options of `qemu.py run`) [--rec DIR] [--max SIZE]
  timetravel.py replay [--rec DIR] [--gdb] [--gdb-script FILE] [--break FUNC] [--any-kernel]

A recording is a folder (default build/rr/last):
  kernel.elf       a copy of the kernel that ran (replay and gdb use this copy)
  snapshot.qcow2   the machine state at the first instruction ("init"): reverse execution starts
                   from it and replays forward to the instruction gdb asked for
  replay.bin       QEMU's replay log: every input from outside the CPU (console bytes, network
                   packets from the host, timer reads, interrupts) with its instruction count
  console.log      what the guest printed while recording
  manifest.json    the exact QEMU command lines, the kernel's build id, size and date, the log's
                   size and SHA-256, the exit status

QEMU 7.2 (Debian 12) facts this design follows, each measured on it (docs/time-travel.md):
  * -icount rr=record refuses -smp above 1 ("Record/replay feature is not supported for 'smp'").
  * COM1 is `-serial stdio`, not `mon:stdio`: through the monitor mux the replay never receives
    the recorded keystrokes.
  * With the e1000 the snapshot is not taken by rr=record alone: the recording starts from a
    snapshot loaded with -loadvm (made first, the machine paused before its first instruction).
    The e1000's post_load (hw/net/e1000.c, e1000_post_load) arms its mitigation timer (and the
    autonegotiation timer) whenever its state is loaded. A replay always starts by loading the
    snapshot, so it has those timers pending; a recording whose snapshot was only saved did not,
    its log has no virtual-clock checkpoint for them (qemu-timer.c, timerlist_run_timers), and
    the replay waits for one forever (in SeaBIOS, polling port 0xb3). Loading the snapshot in the
    recording too gives both runs the same timers.
  * The machine has no kvmvapic (-global apic-common.vapic=off): a reverse-* command loads the
    snapshot from the main loop holding the replay lock, and kvmvapic's reset and post_load wait
    in run_on_cpu() for the vCPU thread, which may be waiting for that lock: a deadlock.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irqlab_net  # noqa: E402
import irqlab_qemu  # noqa: E402

DEFAULT_REC = os.path.join("build", "rr", "last")
DEFAULT_MAX = "256M"
BOOT_SNAPSHOT = "boot"   # made first, loaded by the recording (-loadvm)
RR_SNAPSHOT = "init"     # saved by rr=record, loaded by rr=replay and by reverse execution
FILES = {"elf": "kernel.elf", "snapshot": "snapshot.qcow2", "log": "replay.bin", "console": "console.log",
         "manifest": "manifest.json"}
HOSTFWD = re.compile(r",hostfwd=[^,]*")
# No kvmvapic (the TPR patcher for 32-bit Windows XP guests, hw/i386/kvmvapic.c): its reset and
# post_load call run_on_cpu(), which deadlocks a reverse-* command (docs/time-travel.md, "Why
# reverse commands hung"). irqlab never uses it; both the recording and every replay leave it out.
NO_VAPIC = ["-global", "apic-common.vapic=off"]


class RecordingError(Exception):
    """A recording that cannot be replayed, with what to do about it."""


# ---- files ------------------------------------------------------------------------------------

def build_id(path):
    """The kernel's build id: the SHA-1 of its ELF file (the linker script drops .note.gnu.*)."""
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_empty_qcow2(path, size=1 << 20):
    """An empty qcow2 (version 2) image: QEMU keeps its VM snapshots in it.

    Written here so recording needs no qemu-img. Layout (QEMU's docs/interop/qcow2.txt): the
    header in cluster 0, the refcount table in cluster 1, its one refcount block in cluster 2,
    the L1 table in cluster 3; 64 KiB clusters, so 1 MiB needs one L1 entry (empty)."""
    cluster = 1 << 16
    header = struct.pack(">4sIQIIQIIQQIIQ", b"QFI\xfb", 2, 0, 0, 16, size, 0, 1, 3 * cluster, cluster, 1, 0, 0)
    image = bytearray(4 * cluster)
    image[:len(header)] = header
    image[cluster:cluster + 8] = struct.pack(">Q", 2 * cluster)           # refcount table[0]
    image[2 * cluster:2 * cluster + 8] = struct.pack(">4H", 1, 1, 1, 1)   # clusters 0-3 in use
    with open(path, "wb") as f:
        f.write(image)


def qcow2_snapshots(path):
    """The names of the VM snapshots in a qcow2 image, or None if it is not one (the format:
    QEMU's docs/interop/qcow2.txt; nb_snapshots and snapshots_offset in the header, then one
    table entry each).
    A replay writes to the image (QEMU keeps it open read-write), so its bytes cannot be hashed."""
    try:
        with open(path, "rb") as f:
            header = f.read(72)
            if len(header) < 72 or header[:4] != b"QFI\xfb":
                return None
            count, offset = struct.unpack(">IQ", header[60:72])
            names = []
            f.seek(offset)
            for _ in range(min(count, 1024)):
                entry = f.read(40)
                if len(entry) < 40:
                    return None
                id_len, name_len = struct.unpack(">HH", entry[12:16])
                extra = struct.unpack(">I", entry[36:40])[0]
                f.seek(extra + id_len, 1)
                name = f.read(name_len)
                if len(name) < name_len:
                    return None
                names.append(name.decode(errors="replace"))
                f.seek((8 - f.tell() % 8) % 8, 1)  # entries are 8-byte aligned
            return names
    except OSError:
        return None


def parse_size(text):
    m = re.fullmatch(r"\s*(\d+)\s*([KMGkmg]?)i?[Bb]?\s*", str(text))
    if not m:
        raise ValueError(f"RR_MAX must be a size such as 256M, 2G or 500000 (bytes), not {text!r}")
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]


def rec_path(rec, what):
    return os.path.join(rec, FILES[what])


# ---- the QEMU command lines -------------------------------------------------------------------

def netdev_ids(argv):
    return [m.group(1) for a, v in zip(argv, argv[1:]) if a == "-netdev" for m in [re.search(r"id=([^,]+)", v)] if m]


def rr_argv(base, rec, mode):
    """`base` (the machine) plus what records (mode=record) or replays (mode=replay) it."""
    argv = list(base)
    for n in netdev_ids(base):  # host network traffic goes into the log (net/filter-replay.c)
        argv += ["-object", f"filter-replay,id=rr-{n},netdev={n}"]
    argv += ["-drive", f"file={rec_path(rec, 'snapshot')},if=none,id=rr-snapshot",
             "-icount", f"shift=auto,rr={mode},rrfile={rec_path(rec, 'log')},rrsnapshot={RR_SNAPSHOT}",
             "-loadvm", BOOT_SNAPSHOT]
    return argv


def replay_argv(record_argv):
    """The recording's command line with rr=replay, no host forwarding (the packets come from
    the log; the ports may be someone else's by now) and no -loadvm: the replay starts from the
    snapshot rr=record saved (rrsnapshot), the state the recording ran from."""
    argv = []
    record_argv = list(record_argv)
    i = record_argv.index("-loadvm")
    del record_argv[i:i + 2]
    for a in record_argv:
        a = a.replace(",rr=record,", ",rr=replay,")
        if a.startswith("user,"):
            a = HOSTFWD.sub("", a)
        argv.append(a)
    return argv


def snapshot_argv(base, rec):
    """QEMU paused before the first instruction, its monitor on stdin: `savevm boot` there."""
    argv = [a for a in base]
    i = argv.index("-serial")
    argv[i + 1] = "null"
    return argv + ["-drive", f"file={rec_path(rec, 'snapshot')},if=none,id=rr-snapshot",
                   "-icount", "shift=auto", "-S", "-monitor", "stdio"]


def delete_boot_snapshot(rec, timeout=60):
    """Remove the start snapshot once recorded. It has no record/replay state (it was saved
    before recording began) and the same instruction count (0) as "init", so a reverse-*
    command looking for the nearest snapshot (replay/replay-debugging.c) could load it and
    lose its place in the log."""
    argv = ["timeout", "-s", "KILL", str(timeout), irqlab_qemu.QEMU_BIN, "-machine", "none", "-nodefaults",
            "-display", "none", "-drive", f"file={rec_path(rec, 'snapshot')},if=none,id=rr-snapshot",
            "-monitor", "stdio"]
    subprocess.run(argv, input=f"delvm {BOOT_SNAPSHOT}\nquit\n", capture_output=True, text=True)


def make_boot_snapshot(base, rec, timeout=60):
    write_empty_qcow2(rec_path(rec, "snapshot"))
    argv = ["timeout", "-s", "KILL", str(timeout)] + snapshot_argv(base, rec)
    r = subprocess.run(argv, input=f"savevm {BOOT_SNAPSHOT}\ninfo snapshots\nquit\n", capture_output=True,
                       text=True)
    if BOOT_SNAPSHOT not in r.stdout.split("info snapshots", 1)[-1]:
        raise RecordingError(f"QEMU did not save the start snapshot (status {r.returncode}):\n"
                             f"{shlex.join(argv)}\n{r.stdout[-1500:]}{r.stderr[-1500:]}")


# ---- record -----------------------------------------------------------------------------------

def refuse_record(args):
    if str(args.smp) != "1":
        return (f"make record: SMP={args.smp} cannot be recorded. QEMU's record/replay runs every vCPU "
                "in one thread in a fixed order and refuses more than one (QEMU 7.2: \"Record/replay "
                "feature is not supported for 'smp'\"): record with SMP=1.")
    if args.accel != "tcg":
        return "make record: ACCEL=kvm cannot be recorded: record/replay counts instructions, which only TCG can."
    if args.boot != "kernel":
        return ("make record: BOOT=iso is not recorded (the CD-ROM is a disk whose reads would have to go "
                "through a blkreplay driver): record with BOOT=kernel.")
    return None


def pump(src, sinks):
    """Copy QEMU's console output to the terminal and to console.log as it comes."""
    while True:
        data = os.read(src, 65536)
        if not data:
            break
        for s in sinks:
            s.write(data)
            s.flush()


def cmd_record(args):
    why = refuse_record(args)
    if why:
        print(why, file=sys.stderr)
        return 2
    try:
        cap = parse_size(args.max)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    rec = args.rec
    if os.path.isdir(rec):
        shutil.rmtree(rec)
    os.makedirs(rec)
    shutil.copyfile(args.elf, rec_path(rec, "elf"))
    nic = "e1000" if args.nic == "default" else args.nic  # the network must have a netdev to record
    setup = irqlab_net.nic_setup(nic)
    base = irqlab_qemu.qemu_argv(os.path.abspath(rec_path(rec, "elf")), machine=args.machine, smp=args.smp,
                                 boot="kernel", cmdline=args.cmdline, mem=args.mem, accel="tcg",
                                 extra=setup.argv + NO_VAPIC + shlex.split(args.extra), serial=["-serial", "stdio"])
    rec_abs = os.path.abspath(rec)
    try:
        make_boot_snapshot(base, rec_abs)
    except RecordingError as e:
        print(f"make record: {e}", file=sys.stderr)
        return 1
    argv = rr_argv(base, rec_abs, "record")
    run = (["timeout", "--foreground", "-s", "KILL", str(args.timeout)] if args.timeout else []) + argv
    print(shlex.join(run), flush=True)
    for line in irqlab_net.describe(setup):
        print(line, flush=True)
    print(f"Recording to {rec} (at most RR_MAX={args.max}). Leave with 'poweroff' at the guest's prompt "
          "or Ctrl-C; then `make replay` replays it.", flush=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is QEMU's: it ends the recording cleanly
    capped = threading.Event()
    try:
        with open(rec_path(rec, "console"), "wb") as console:
            proc = subprocess.Popen(run, stdout=subprocess.PIPE)
            out = threading.Thread(target=pump, args=(proc.stdout.fileno(), [sys.stdout.buffer, console]))
            out.start()
            while proc.poll() is None:
                try:
                    proc.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    pass
                if not capped.is_set() and os.path.exists(rec_path(rec, "log")) and \
                        os.path.getsize(rec_path(rec, "log")) >= cap:
                    capped.set()
                    proc.send_signal(signal.SIGTERM)  # QEMU closes the log properly on SIGTERM
            status = proc.wait()
            out.join()
    finally:
        signal.signal(signal.SIGINT, old)
        if sys.stdin.isatty():
            subprocess.run(["stty", "sane"], check=False)
    delete_boot_snapshot(rec_abs)
    manifest = {
        "rec_dir": rec_abs,  # replay puts the recording's folder of the day in its place
        "record_argv": argv,
        "replay_argv": replay_argv(argv),
        "kernel": {"source": os.path.abspath(args.elf), "build_id": build_id(rec_path(rec, "elf")),
                   "size": os.path.getsize(rec_path(rec, "elf"))},
        "date": started.isoformat(timespec="seconds"),
        "log": {"size": os.path.getsize(rec_path(rec, "log")), "sha256": sha256(rec_path(rec, "log"))},
        "snapshot": {"names": qcow2_snapshots(rec_path(rec, "snapshot"))},
        "console_bytes": os.path.getsize(rec_path(rec, "console")),
        "exit_status": status,
        "capped": capped.is_set(),
        "make": {"machine": args.machine, "nic": nic, "cmdline": args.cmdline, "extra": args.extra},
    }
    with open(rec_path(rec, "manifest"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    if capped.is_set():
        print(f"\nThe recording reached RR_MAX={args.max} ({manifest['log']['size']} bytes): recording stopped "
              "there. It replays up to that point (make replay); set RR_MAX= higher to record longer.")
    print(f"\nrecorded {manifest['log']['size']} bytes of replay log in {rec} (exit status {status}); "
          f"replay it: make replay{'' if rec == DEFAULT_REC else ' REC=' + shlex.quote(rec)}")
    return 0 if status in (0, irqlab_qemu.EXIT_SUCCESS, irqlab_qemu.EXIT_FAILURE) or capped.is_set() else 1


# ---- replay -----------------------------------------------------------------------------------

def load_recording(rec, current_elf=None, any_kernel=False):
    """The manifest of a recording that can be replayed, or RecordingError saying why not."""
    manifest_path = rec_path(rec, "manifest")
    if not os.path.isdir(rec) or not os.path.exists(manifest_path):
        raise RecordingError(f"no recording in {rec}: make one with `make record` (it runs like `make run`; "
                             "leave with 'poweroff'), then `make replay`" +
                             ("" if rec == DEFAULT_REC else f" (REC={rec} for both)"))
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise RecordingError(f"{manifest_path} is not a recording's manifest ({e}): record again (make record)")
    for what in ("elf", "snapshot", "log"):
        if not os.path.exists(rec_path(rec, what)):
            raise RecordingError(f"{rec_path(rec, what)} is missing: this recording cannot be replayed "
                                 "(reverse execution starts from the snapshot); record again (make record)")
    recorded = manifest["kernel"]["build_id"]
    if build_id(rec_path(rec, "elf")) != recorded:
        raise RecordingError(f"{rec_path(rec, 'elf')} is not the kernel that was recorded (build id "
                             f"{build_id(rec_path(rec, 'elf'))}, recorded {recorded}): record again")
    size = os.path.getsize(rec_path(rec, "log"))
    if size != manifest["log"]["size"]:
        raise RecordingError(f"{rec_path(rec, 'log')} is truncated or grew: {size} bytes, recorded "
                             f"{manifest['log']['size']}; record again (make record)")
    if sha256(rec_path(rec, "log")) != manifest["log"]["sha256"]:
        raise RecordingError(f"{rec_path(rec, 'log')} is corrupted (its SHA-256 is not the recorded one); "
                             "record again (make record)")
    names = qcow2_snapshots(rec_path(rec, "snapshot"))
    if names is None or RR_SNAPSHOT not in names:
        raise RecordingError(f"{rec_path(rec, 'snapshot')} is damaged: it does not hold the snapshot "
                             f"'{RR_SNAPSHOT}' a replay starts from; record again (make record)")
    if current_elf and not any_kernel and os.path.exists(current_elf):
        now = build_id(current_elf)
        if now != recorded:
            raise RecordingError(
                f"this recording was made with kernel build id {recorded}, but {current_elf} is now build id "
                f"{now} (rebuilt since): the source gdb shows would not be the code that ran. Record again "
                f"(make record), or replay the recorded kernel anyway: make replay ANY_KERNEL=1")
    return manifest


def bounded(argv, timeout):
    return (["timeout", "-s", "KILL", f"{float(timeout):g}"] if timeout else []) + argv


def compare_console(rec, replayed):
    with open(rec_path(rec, "console"), "rb") as f:
        recorded = f.read()
    if replayed == recorded:
        return True, f"replayed console output is identical to the recording ({len(recorded)} bytes)"
    n = next((i for i, (a, b) in enumerate(zip(recorded, replayed)) if a != b), min(len(recorded), len(replayed)))
    return False, (f"replayed console output DIFFERS from the recording at byte {n} "
                   f"(recorded {len(recorded)} bytes, replayed {len(replayed)})")


def explain(status, manifest):
    recorded = manifest["exit_status"]
    same = "as recorded" if status == recorded else f"recorded: {recorded}"
    return f"replay ended with QEMU exit status {status} ({same})"


def cmd_replay(args):
    rec = args.rec
    try:
        manifest = load_recording(rec, args.elf, args.any_kernel)
    except RecordingError as e:
        print(f"make replay: {e}", file=sys.stderr)
        return 2
    # The recording may have been moved or copied since: its files are where it is now.
    here = os.path.abspath(rec)
    argv = [a.replace(manifest["rec_dir"], here) for a in manifest["replay_argv"]]
    if args.gdb or args.gdb_script:
        return replay_under_gdb(args, rec, manifest, argv)
    run = bounded(argv, args.timeout)
    print(shlex.join(run), flush=True)
    print(f"replaying {rec} (recorded {manifest['date']}, kernel build id {manifest['kernel']['build_id'][:12]}); "
          "no input needed", flush=True)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    buf = bytearray()

    class Sink:
        def write(self, data):
            buf.extend(data)

        def flush(self):
            pass

    try:
        proc = subprocess.Popen(run, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True)
        out = threading.Thread(target=pump, args=(proc.stdout.fileno(), [sys.stdout.buffer, Sink()]))
        out.start()
        status = proc.wait()
        out.join()
    finally:
        signal.signal(signal.SIGINT, old)
    same, text = compare_console(rec, bytes(buf))
    print(f"\n{text}\n{explain(status, manifest)}", flush=True)
    if not same:
        return 1
    return 0 if status == manifest["exit_status"] else 1


GDB_REPLAY_BANNER = """\
QEMU replays {rec} paused before its first instruction (gdb stub 127.0.0.1:{port}); the guest's
console output appears here as the replay reaches it (and in {log}).
  continue / next / step run forward;  reverse-continue (rc), reverse-step (rs), reverse-next (rn),
  reverse-stepi (rsi), reverse-finish run backwards, to breakpoints and watchpoints as usual.
  The replay cannot go past the end of the recording; quit leaves gdb and QEMU.
"""


def replay_under_gdb(args, rec, manifest, argv):
    port = irqlab_qemu.free_port()
    log = os.path.join(rec, "replay-console.log")
    qemu = bounded(argv + ["-S", "-gdb", f"tcp:127.0.0.1:{port}"], args.timeout)
    elf = os.path.abspath(rec_path(rec, "elf"))
    commands = [f"irqlab-run-to {args.break_at}"] if args.break_at else ["hbreak kernel_main"]
    if args.gdb_script:
        commands = []
    gdb = irqlab_qemu.gdb_argv(elf, port, batch=bool(args.gdb_script), commands=commands,
                               scripts=[args.gdb_script] if args.gdb_script else [])
    # A replay answers gdb only after loading its snapshots, and a reverse-* command replays
    # from the start: far longer than gdb's 2 s default wait for a reply.
    at = gdb.index(f"target remote 127.0.0.1:{port}") - 1
    gdb[at:at] = ["-ex", "set remotetimeout 600"]
    print(shlex.join(qemu) + " &", flush=True)
    print(shlex.join(gdb), flush=True)
    if not args.gdb_script:
        print(GDB_REPLAY_BANNER.format(rec=rec, port=port, log=log), flush=True)
    stop = threading.Event()
    proc = None
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is gdb's
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        if not args.gdb_script:
            threading.Thread(target=tail, args=(log, stop), daemon=True).start()
        wait_for_port(port, proc)
        if proc.poll() is not None:
            with open(log, errors="replace") as f:
                print(f"make replay: QEMU ended before gdb could attach (status {proc.returncode}):\n"
                      f"{f.read()[-2000:]}", file=sys.stderr)
            return 1
        gdb_proc = subprocess.Popen(gdb, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        return gdb_proc.wait()
    finally:
        signal.signal(signal.SIGINT, old)
        stop.set()
        if proc is not None:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()


def listening(port):
    """True once something listens on TCP `port` (read from /proc/net/tcp: a test connection
    would take the gdb stub's only connection, and gdb's would then time out)."""
    try:
        with open("/proc/net/tcp") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return True
    return any(r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A" for r in rows)


def wait_for_port(port, proc, timeout=60):
    """QEMU loads the snapshot before its gdb stub listens: wait until it does (or QEMU ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not listening(port):
        time.sleep(0.1)


def tail(path, stop):
    pos = 0
    while not stop.is_set():
        try:
            with open(path, "rb") as f:
                f.seek(pos)
                data = f.read()
        except OSError:
            data = b""
        if data:
            pos += len(data)
            os.write(sys.stdout.fileno(), data)
        else:
            stop.wait(0.05)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)  # run the `finally` blocks: no QEMU is left behind


def main():
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    import qemu  # the same machine options as `make run`
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("record", help="run like `make run`, recording")
    qemu.add_machine_options(p)
    p.add_argument("--rec", default=DEFAULT_REC)
    p.add_argument("--max", default=DEFAULT_MAX, help="stop recording when the log reaches this size (RR_MAX)")
    p = sub.add_parser("replay", help="replay a recording (--gdb: under gdb, backwards too)")
    p.add_argument("--rec", default=DEFAULT_REC)
    p.add_argument("--elf", default=irqlab_qemu.kernel_elf(), help="the current kernel (its build id is compared)")
    p.add_argument("--gdb", action="store_true")
    p.add_argument("--gdb-script", default="")
    p.add_argument("--break", dest="break_at", default="")
    p.add_argument("--any-kernel", action="store_true")
    p.add_argument("--timeout", type=float, default=0)
    args = ap.parse_args()
    return {"record": cmd_record, "replay": cmd_replay}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
