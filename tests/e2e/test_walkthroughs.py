#!/usr/bin/env python3
"""test_walkthroughs - the walk-throughs in README.md, docs/*.md and docs/labs/*.md run as written.

The blocks come from the pages themselves (scripts/walkthrough.py; how to mark them:
docs/writing-docs.md), so renaming a command, target, symbol or shell command fails here until the
page follows. Checks, in TAP:
  1. every fenced block of every page is marked `walkthrough` or `not-run: reason` (one line per page);
  2. every `make TARGET` in a page's sh blocks is a Makefile target;
  3. every program a page's sh blocks (or inline commands such as `nc -u 127.0.0.1 <port>`) run is
     in the tree or installed by scripts/deps.sh (PROGRAMS maps program -> Debian package), and
     every scripts/ path they name exists;
  4. no page quotes hand-written test counts (`701 passed`): make test writes them to
     build/test-summary.txt;
  5. every session marked run-by=<test> names an executable test that runs it;
  5b. every breakpoint a page names (`(gdb) break X`, `hbreak X` in prose, `make gdb BREAK=X`) is a function of the
     kernel (build/kernel.elf), of a lab's driver or of the driver template (as `make new-driver
     NAME=mydriver` names it);
  6. every other session runs: one line per block, in order, in the page's configuration (the repo
     tree and make test's build, or a scratch copy for tree=scratch), every QEMU bounded.
`--static` runs 1-5 only (no QEMU); `--page PATH` limits 6 to one page.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import walkthrough as wt  # noqa: E402
from tap import Tap  # noqa: E402

# Program -> the Debian package scripts/deps.sh must install for it.
PROGRAMS = {
    "make": "make", "gcc": "gcc", "nasm": "nasm", "ld": "binutils", "gdb": "gdb", "python3": "python3",
    "nc": "netcat-openbsd", "git": "git", "qemu-system-x86_64": "qemu-system-x86", "grub-mkrescue": "grub-common",
    "tmux": "tmux", "clang-format": "clang-format", "cppcheck": "cppcheck", "bear": "bear",
}
# Blocks in these places are rewritten by other work in progress and are not held to rule 1 yet.
# page -> why; (page, "## heading prefix") -> why. None now: every page is marked.
PENDING = {}
PENDING_SECTIONS = {}
INLINE = re.compile(r"`([^`]+)`")
HAND_COUNTS = re.compile(r"\b\d[\d,]* passed\b|\b\d[\d,]{2,} tests\b")


def deps_packages():
    """The PACKAGES=( ... ) array of scripts/deps.sh, comments removed."""
    with open(os.path.join(REPO, "scripts", "deps.sh")) as f:
        text = f.read()
    m = re.search(r"^PACKAGES=\((.*?)^\)", text, re.S | re.M)
    words = []
    for line in (m.group(1) if m else "").splitlines():
        words += line.split("#", 1)[0].split()
    return set(words)


def makefile_targets():
    with open(os.path.join(REPO, "Makefile")) as f:
        text = f.read()
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M))
    for line in re.findall(r"^\.PHONY:(.*)$", text, re.M):
        targets.update(line.split())
    return targets


def section_of(path, line):
    """The last `## ` heading above `line` of a page."""
    with open(os.path.join(REPO, path)) as f:
        lines = f.read().split("\n")[:line]
    heads = [x for x in lines if x.startswith("## ")]
    return heads[-1] if heads else ""


def pending(block):
    if block.path in PENDING:
        return PENDING[block.path]
    for (path, prefix), why in PENDING_SECTIONS.items():
        if block.path == path and section_of(path, block.line).startswith(prefix):
            return why
    return None


def check_marked(t, blocks):
    for page in wt.doc_pages():
        bad = [b for b in blocks if b.path == page and not b.kind and not pending(b)]
        later = [b for b in blocks if b.path == page and not b.kind and pending(b)]
        empty = [b for b in blocks if b.path == page and b.kind == "not-run" and not b.name.strip()]
        if later and not bad:
            t.skip(f"{page}: every fenced block is marked", pending(later[0]))
            continue
        t.ok(not bad and not empty, f"{page}: every fenced block is marked walkthrough or not-run",
             diag="\n".join([f"{b.where()}: unmarked {b.lang or 'plain'} block: put <!-- walkthrough: NAME --> or "
                             f"<!-- not-run: reason --> on the line before its fence (docs/writing-docs.md)"
                             for b in bad] + [f"{b.where()}: not-run without a reason" for b in empty]))


def sh_commands(blocks):
    for b in blocks:
        if b.lang in ("sh", "bash", "shell"):
            for cmd in wt.host_commands(b):
                yield b, cmd


def check_make_targets(t, blocks):
    targets = makefile_targets()
    bad = []
    for b, cmd in sh_commands(blocks):
        for words in wt.pipeline_parts(cmd):
            if words[:1] == ["make"]:
                bad += [f"{b.where()}: `{cmd}`: no target {w!r} in the Makefile" for w in words[1:]
                        if "=" not in w and not w.startswith("-") and w not in targets]
    t.ok(not bad, "every `make TARGET` in the docs' command lines is a Makefile target", diag="\n".join(bad))


def inline_commands():
    """(where, command) for inline code in prose that reads as a host command: its first word is a
    program of PROGRAMS (`nc -u 127.0.0.1 <port>`, `git checkout ...`) or a script of the tree."""
    for page in wt.doc_pages():
        with open(os.path.join(REPO, page)) as f:
            lines = f.read().split("\n")
        in_fence = False
        for n, line in enumerate(lines, 1):
            if wt.FENCE.match(line):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            for span in INLINE.findall(line):
                words = span.split()
                if words and (words[0] in PROGRAMS and len(words) > 1 or words[0].startswith("scripts/")):
                    yield f"{page}:{n}", span


class _Where:
    def __init__(self, where):
        self.text = where

    def where(self):
        return self.text


def check_programs(t, blocks):
    packages = deps_packages()
    bad, seen = [], set()
    commands = list(sh_commands(blocks)) + [(_Where(w), c) for w, c in inline_commands()]
    for b, cmd in commands:
        for word in cmd.split():
            path = word.strip("'\"`()[],;")
            if path.startswith("scripts/") and not os.path.exists(os.path.join(REPO, path)):
                bad.append(f"{b.where()}: `{cmd}`: {path} is not in the tree")
        for prog in wt.programs(cmd):
            if prog in seen:
                continue
            seen.add(prog)
            if "/" in prog:
                if not os.path.exists(os.path.join(REPO, prog)):
                    bad.append(f"{b.where()}: `{cmd}`: {prog} is not in the tree")
            elif prog in wt.BUILTINS:
                continue
            elif prog not in PROGRAMS:
                bad.append(f"{b.where()}: `{cmd}`: which Debian package installs {prog!r}? Add it to PROGRAMS in "
                           f"tests/e2e/test_walkthroughs.py and to scripts/deps.sh")
            elif PROGRAMS[prog] not in packages:
                bad.append(f"{b.where()}: `{cmd}`: {prog} comes from {PROGRAMS[prog]}, which scripts/deps.sh "
                           f"does not install")
    t.ok(not bad, f"every program the docs' command lines run is installed by scripts/deps.sh or in the tree "
         f"({', '.join(sorted(p for p in seen if '/' not in p))})", diag="\n".join(bad))


def check_no_hand_counts(t):
    bad = []
    for page in wt.doc_pages():
        with open(os.path.join(REPO, page)) as f:
            lines = f.read().split("\n")
        in_fence = False
        for n, line in enumerate(lines, 1):
            if wt.FENCE.match(line):
                in_fence = not in_fence  # guest output in a block may say `ktest: 5 passed`
            elif not in_fence and HAND_COUNTS.search(line):
                bad.append(f"{page}:{n}: {line.strip()}")
    t.ok(not bad, "no page quotes a hand-written test count (make test writes build/test-summary.txt)",
         diag="\n".join(bad))


def check_run_by(t, all_sessions):
    for (path, name), blocks in all_sessions.items():
        run_by = wt.session_options(blocks).get("run-by")
        if not run_by:
            continue
        test = os.path.join(REPO, run_by)
        text = open(test).read() if os.path.isfile(test) else ""
        # The test names the page, or (test_labs) finds it through lab.json's "handout".
        names_page = path in text or ("handout" in text and path.startswith("docs/labs/"))
        t.ok(os.access(test, os.X_OK) and names_page and "walkthrough" in text,
             f"{path}: session {name!r} is run by {run_by}",
             diag=f"{run_by} must be an executable test that reads {path} through scripts/walkthrough.py")


MAKE_BREAK = re.compile(r"\bBREAK=([A-Za-z_][A-Za-z0-9_]*)")
BREAK = re.compile(r"^(?:\(gdb\)\s+)?(?:h|t)?(?:break|b)\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:#.*)?$")


def breakpoints():
    """[(page:line, symbol)] of every breakpoint a page names, in blocks or in inline code."""
    out = []
    for page in wt.doc_pages():
        with open(os.path.join(REPO, page)) as f:
            for n, line in enumerate(f, 1):
                candidates = [line.strip()] + INLINE.findall(line)
                for c in candidates:
                    m = BREAK.match(c.strip())
                    if m:
                        out.append((f"{page}:{n}", m.group(1)))
                out += [(f"{page}:{n}", sym) for sym in MAKE_BREAK.findall(line)]  # make gdb BREAK=fn
    return out


def known_symbols(elf):
    syms = set(subprocess.run(["nm", elf], capture_output=True, text=True).stdout.split())
    for d, _, files in os.walk(os.path.join(REPO, "labs")):
        for f in files:
            if f.endswith(".c"):
                syms |= set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", open(os.path.join(d, f)).read()))
    tpl = os.path.join(REPO, "scripts", "driver_template", "driver.c.tpl")
    if os.path.exists(tpl):  # the tutorial's driver, as make new-driver NAME=mydriver writes it
        text = open(tpl).read().replace("@Name@", "Mydriver").replace("@name@", "mydriver").replace("@UPPER@", "MYDRIVER")
        syms |= set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text))
    return syms


def check_breakpoints(t):
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    elf = os.path.join(build, "kernel.elf")
    points = breakpoints()
    if not os.path.exists(elf):
        t.skip("every breakpoint the docs name exists", f"no {elf} (make first)")
        return
    syms = known_symbols(elf)
    bad = [f"{where}: no function {sym!r} in kernel.elf, a lab or the driver template" for where, sym in points
           if sym not in syms]
    later = [b for b in bad if b.split(":")[0] in PENDING]
    bad = [b for b in bad if b not in later]
    if later:  # pages being rewritten: shown, not failed, until they are marked up
        t.skip("breakpoints of pages being rewritten: " + "; ".join(later), PENDING[later[0].split(":")[0]])
    named = sorted({s for w, s in points if w.split(":")[0] not in PENDING})
    t.ok(points and not bad, f"every breakpoint the docs name exists ({', '.join(named)})",
         diag="\n".join(bad))


def run_sessions(t, all_sessions, page=None):
    build = os.environ.get("IRQLAB_BUILD") or os.path.join(REPO, "build")
    logs = os.environ.get("IRQLAB_TEST_LOGS") or os.path.join(build, "test-logs", "e2e", "test_walkthroughs")
    os.makedirs(logs, exist_ok=True)
    factory = wt.gdb_session_factory(REPO)
    for (path, name), blocks in all_sessions.items():
        opts = wt.session_options(blocks)
        if opts.get("run-by") or (page and path != page):
            continue
        label = f"{path} [{name}]"
        if any(b.lang == "gdb" or wt.make_words(c or "") and wt.make_words(c)[0] == "gdb"
               for b in blocks for c in (wt.host_commands(b) if b.lang == "sh" else [None])) and not factory:
            t.skip(f"{label}: {len(blocks)} block(s)", "needs scripts/gdb_session.py (not in this tree yet)")
            continue
        session_logs = os.path.join(logs, re.sub(r"[^\w.-]+", "_", f"{path}-{name}"))
        os.makedirs(session_logs, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="irqlab-walkthrough-") as tmp:
            tree = REPO
            if opts.get("tree") == "scratch":
                tree = wt.scratch_copy(os.path.join(tmp, "irqlab"), build=build)
            start = time.monotonic()
            runner = wt.Runner(tree, session_logs, lambda ok, what, diag: t.ok(ok, f"{label} {what}", diag=diag),
                               build=build if tree == REPO else None, gdb_factory=factory)
            runner.run(blocks)
            t.diag(f"{label}: {time.monotonic() - start:.1f} s (logs {os.path.relpath(session_logs, REPO)})")


def stop_early(signum, frame):
    wt.kill_all()  # no QEMU outlives this test
    print(f"not ok - killed by signal {signum} (the whole test is bounded)\n1..0", flush=True)
    os._exit(1)


def main():
    signal.signal(signal.SIGALRM, stop_early)
    signal.signal(signal.SIGTERM, stop_early)
    signal.alarm(840)  # run_tests.py gives an e2e script 900 s
    ap = argparse.ArgumentParser()
    ap.add_argument("--static", action="store_true", help="only the checks that need no QEMU")
    ap.add_argument("--page", help="run only this page's sessions")
    args = ap.parse_args()
    t = Tap()
    try:
        blocks = wt.all_blocks()
        all_sessions = wt.sessions(blocks)
        check_marked(t, blocks)
        check_make_targets(t, blocks)
        check_programs(t, blocks)
        check_no_hand_counts(t)
        check_run_by(t, all_sessions)
        check_breakpoints(t)
        if not args.static:
            run_sessions(t, all_sessions, args.page)
    except Exception as e:  # a crash must show up as a failure, not a traceback
        t.ok(False, "test_walkthroughs ran", diag=repr(e))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
