#!/usr/bin/env python3
"""tests/e2e/test_repo_links.py - the repository stands on its own: every path it mentions exists.

A comment that says "see kernel/ke/dpc.c" or a page that links docs/net.md is a promise to
whoever clones irqlab; a path that exists only on the author's machine is a dead link. This
test reads the comments of every source file (*.c *.h *.S *.asm *.py *.ld *.gdb *.sh, Makefile:
C comments, `;` and `#` comments, Python docstrings) and the whole text of every *.md, finds
every relative path in them, and fails naming file:line for each one that is not in the tree.
Fast, no QEMU, Python stdlib only; prints TAP.

Which mentions are checked (PATH_RE, BARE_MD_RE, MD_LINK_RE find them):
  * a path that starts at a top-level directory of this repository (kernel/net/arp.c, docs/,
    tests/e2e/) or with ./ or ../;
  * any page name ending in .md, bare (net.md) or with directories: a citation of a page, which
    must then exist (bare names: somewhere in the tree);
  * the target of a markdown link (in parentheses right after the link text in brackets).
A path is looked up from the mentioning file's directory, then from the repository root
(comments say kernel/net/arp.c from anywhere). Other paths with a file extension
(hw/net/e1000.c, skeleton/lab_share.c) start in some other tree - QEMU's, a lab's folder - and
are not checked.

What is deliberately not checked, each by one rule (there is no list of exceptions):
  1. URLs (scheme://...) and absolute paths (/dev/ttyS0): not in the tree.
  2. Another project's files whose path looks like ours, marked by naming the project at most
     three plain words before the path (FOREIGN_PROJECTS): "QEMU docs/specs/edu.txt",
     "QEMU's include/hw/pci/pci_ids.h", "Xen public header include/public/xen.h".
  3. Generated files: anything under build/ (`make` creates it), and where the lab grader puts
     a lab's files in its scratch copy (driver_dir and the "common" destinations of each
     labs/<lab>/lab.json).
  4. Patterns and placeholders, not paths: a part with one of * ? < > { } $ % or "...", or
     one of the placeholder names foo, bar, NAME, name, example, mydriver (the driver the
     tutorial has the reader create with `make new-driver NAME=mydriver`).
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from tap import Tap  # noqa: E402

SOURCE_EXTENSIONS = (".c", ".h", ".S", ".asm", ".py", ".ld", ".gdb", ".sh")
SOURCE_NAMES = ("Makefile",)
SKIP_DIRS = {".git", "build", "__pycache__", ".cache"}
BUILD_DIRS = ("build/",)
FOREIGN_PROJECTS = {"QEMU", "QEMU's", "Linux", "Linux's", "Xen", "Xen's", "GRUB", "GRUB's", "SeaBIOS", "edk2",
                    "cmocka", "WDK", "WDK's", "NASM", "GDB", "gdb", "glibc", "Debian"}
FOREIGN_WINDOW = 3  # words before the path
PLACEHOLDER_PARTS = {"foo", "bar", "NAME", "name", "example", "mydriver"}
PLACEHOLDER_CHARS = set("*?<>{}$%")
EXTENSION = r"\.(?:md|c|h|S|asm|py|ld|gdb|sh|txt|json|cfg|ini|rst|html|pcap|iso|elf|log|mk|yml|yaml|toml|tpl|in)"


def top_level_dirs():
    return sorted(d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d)) and d not in SKIP_DIRS
                  and not d.startswith("."))


TOP = top_level_dirs()
PART = r"[A-Za-z0-9_.+*?<>{}$%-]+"  # glob and placeholder characters too, so rule 4 sees them
# A path: optional ./ or ../ prefixes, then parts joined by '/', with an extension at the end,
# or a top-level directory at the start (then a trailing '/' is allowed: "kernel/net/").
PATH_RE = re.compile(
    r"(?<![\w/.:~@-])"
    r"((?:\.\./|\./)*"
    r"(?:(?:" + PART + r"/)+" + PART + EXTENSION + r"(?!\w|\.\w)"
    r"|(?:" + "|".join(map(re.escape, TOP)) + r")(?:/" + PART + r")*/?(?![\w/])"
    r"))")
BARE_MD_RE = re.compile(r"(?<![\w/.-])([A-Za-z0-9_-][A-Za-z0-9_.-]*\.md)(?!\w)")
MD_LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


# ---- comments out of sources ----

def c_comments(text):
    """(line number, text) of every /* */ and // comment, strings skipped."""
    out = []
    i, n, line = 0, len(text), 1
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            for k, part in enumerate(text[i:end].split("\n")):
                out.append((line + k, part))
            line += text.count("\n", i, end)
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append((line, text[i:end]))
            i = end
        elif ch in "\"'":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return out


def hash_comments(text, marker="#"):
    """(line number, text) after a comment marker that is not inside a string on that line."""
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        quote = None
        for k, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'" and marker != ";":
                quote = ch
            elif ch == marker:
                out.append((number, line[k:]))
                break
    return out


def python_docstrings(text):
    out = []
    for m in re.finditer(r'("""|\'\'\')(.*?)\1', text, re.S):
        first = text.count("\n", 0, m.start()) + 1
        for k, part in enumerate(m.group(2).split("\n")):
            out.append((first + k, part))
    return out


def comment_lines(path, text):
    name = os.path.basename(path)
    if name.endswith((".c", ".h", ".S", ".ld")):
        return c_comments(text)
    if name.endswith(".asm"):
        return hash_comments(text, ";")
    if name.endswith(".py"):
        return hash_comments(text) + python_docstrings(text)
    return hash_comments(text)  # Makefile, *.gdb, *.sh


# ---- which mentions are paths, and do they exist ----

BASENAMES = set()


def index_tree():
    files = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        for f in filenames:
            BASENAMES.add(f)
            files.append(os.path.join(dirpath, f))
    return sorted(files)


def lab_paths():
    """Rule 3's grader destinations, from labs/*/lab.json."""
    generated = []
    labs = os.path.join(ROOT, "labs")
    for lab in sorted(os.listdir(labs)) if os.path.isdir(labs) else []:
        manifest = os.path.join(labs, lab, "lab.json")
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as f:
                info = json.load(f)
            generated += [info.get("driver_dir", "")] + list(info.get("common", {}).values())
    return [g.rstrip("/") for g in generated if g]


GENERATED = lab_paths()


def is_generated(path):
    path = os.path.normpath(path)
    return path.startswith(BUILD_DIRS) or path == "build" or any(path == g or path.startswith(g + "/")
                                                                  for g in GENERATED)


def is_placeholder(path):
    if any(c in PLACEHOLDER_CHARS for c in path) or "..." in path:
        return True
    parts = [p for p in path.split("/") if p not in ("", ".", "..")]
    return any(p in PLACEHOLDER_PARTS or p.split(".")[0] in PLACEHOLDER_PARTS for p in parts)


def foreign(line, start):
    """Rule 2: "QEMU hw/net/e1000.c", "Xen public header arch-x86/...". The words from the
    project's name to the path are plain words: "QEMU specifics (docs/x.md" or "QEMU docs/a.txt;
    docs/b.md" cite our own docs/x.md and docs/b.md."""
    before = line[:start]
    if before and not before[-1].isspace() and before[-1] not in "`\"'":
        return False
    words = before.split()
    for k in range(1, min(FOREIGN_WINDOW, len(words)) + 1):
        name = words[-k].lstrip("(\"'`")
        between = [w.strip("`\"'") for w in words[len(words) - k + 1:] if w.strip("`\"'")]
        if name in FOREIGN_PROJECTS and all(re.fullmatch(r"[A-Za-z0-9.-]+", w) for w in between):
            return True
    return False


def exists(mentioning_file, path):
    path = path.split("#")[0]
    if not path:
        return True
    bases = [os.path.dirname(mentioning_file), ROOT]
    return any(os.path.exists(os.path.normpath(os.path.join(base, path))) for base in bases)


def mentions(line):
    """(start, path) of every candidate path in one line of text."""
    found = {}
    clean = URL_RE.sub(lambda m: " " * len(m.group(0)), line)
    for m in MD_LINK_RE.finditer(clean):
        target = m.group(1)
        if not target.startswith(("#", "/", "mailto:")):
            found[m.start(1)] = (target, True)
    for m in PATH_RE.finditer(clean):
        found.setdefault(m.start(1), (m.group(1), False))
    for m in BARE_MD_RE.finditer(clean):
        found.setdefault(m.start(1), (m.group(1), False))
    return [(start, path, is_link) for start, (path, is_link) in sorted(found.items())]


def ours(mention, is_link):
    """Is this a path in our tree (checked), rather than in another one (hw/net/e1000.c)?"""
    if is_link or mention.endswith(".md") or mention.startswith(("./", "../")):
        return True
    return mention.split("/")[0] in TOP


def broken_in(path, lines):
    broken = []
    for number, text in lines:
        for start, mention, is_link in mentions(text):
            mention = mention.rstrip(".,;:")
            if not mention or not ours(mention.split("#")[0], is_link) or is_generated(mention) or \
                    is_placeholder(mention) or foreign(text, start):
                continue
            if "/" not in mention.rstrip("/"):  # a bare name: somewhere in the tree
                ok = mention in BASENAMES or mention.rstrip("/") in TOP
            else:
                ok = exists(path, mention)
            if not ok:
                broken.append(f"{os.path.relpath(path, ROOT)}:{number}: {mention}")
    return broken


# The rules themselves, on made-up lines (as if written in kernel/net/arp.c): what must be
# reported, and what must not be.
RULE_CASES = [
    ("see kernel/net/nowhere.c", ["kernel/net/nowhere.c"]),
    ("facts from notes/devices.md section 7", ["notes/devices.md"]),  # a page outside the tree
    ("devices.md §7a", ["devices.md"]),
    ("[the shell](../../docs/no-such-page.md)", ["../../docs/no-such-page.md"]),
    ("docs/nothing/ explains it", ["docs/nothing/"]),
    ("see kernel/net/arp_service.c and docs/net.md, RFC 826", []),
    ("[net](../../docs/net.md#sending-first), ipv4.h, kernel/net/", []),
    ("https://github.com/qemu/qemu/blob/master/hw/net/e1000.c", []),
    ("QEMU hw/net/e1000.c; Linux's drivers/net/ethernet/intel/e1000/e1000_main.c", []),
    ("/dev/ttyS0 and /usr/share/qemu/bios.bin", []),
    ("Xen public header arch-x86/hvm/start_info.h; the numbers Linux uses in kernel/irq/spurious.c", []),
    ("QEMU specifics (docs/nowhere.md section 8)", ["docs/nowhere.md"]),
    ("built into QEMU (QEMU's `docs/specs/edu.txt`)", []),
    ("QEMU 7.2 notes (hw/net/e1000.c, hw/net/e1000e_core.c); QEMU 7.2 include/hw/i386/ich9.h", []),
    ("the lab's skeleton/e1000_rx.c; docs/nowhere/x.c", ["docs/nowhere/x.c"]),
    ("(QEMU docs/specs/edu.txt; nowhere.md §4)", ["nowhere.md"]),
    ("build/kernel.elf, build/test-logs/unit/x.log", []),
    ("tests/unit/test_*.c, drivers/foo/foo.c, docs/reference/<name>.md, .../irqlab.gdb", []),
]


def check_rules(t):
    here = os.path.join(ROOT, "kernel", "net", "arp.c")
    for line, expected in RULE_CASES:
        got = [b.split(": ", 1)[1] for b in broken_in(here, [(1, line)])]
        t.ok(got == expected, f"rule check: {line!r} reports {expected or 'nothing'}", diag=f"reported {got}")


def main():
    t = Tap()
    check_rules(t)
    files = index_tree()
    scanned, broken = 0, []
    for path in files:
        name = os.path.basename(path)
        is_md = name.endswith(".md")
        if not (is_md or name.endswith(SOURCE_EXTENSIONS) or name in SOURCE_NAMES):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        scanned += 1
        lines = list(enumerate(text.split("\n"), 1)) if is_md else comment_lines(path, text)
        broken += broken_in(path, lines)
    t.ok(scanned > 100, f"scanned {scanned} files (comments of sources, all of *.md)")
    t.ok(not broken, f"every relative path mentioned in comments and docs exists in the tree ({len(broken)} do not)",
         diag="\n".join(broken))
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
