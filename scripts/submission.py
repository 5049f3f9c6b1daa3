"""submission - take a student's declared lab files out of whatever they handed in, and nothing else.

    take(lab, path, dest) -> Intake(files, notes, reason)

A submission is a folder, a .zip or a .tar.gz/.tgz/.tar: the lab's file(s) alone, or a student's
whole irqlab repository. The declared files are the names in the lab's skeleton/ (lab.json
"files" if it lists them). Each is looked for at the top, in lab.json's driver_dir, then anywhere
(one match only). Only those files are copied to dest; everything else the submission ships - a
grading suite, lab.json, headers, the Makefile, scripts - is ignored and noted, so a submission
never changes the grading. `reason` is set when the submission cannot be graded at all (score 0):
a missing, empty, binary or unreadable file, an archive that tries to write outside its folder.
"""
import dataclasses
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile

MAX_FILE = 1 << 20  # a lab source file over 1 MiB is not a driver
MAX_UNPACKED = 64 << 20  # an archive may not unpack to more than this (zip bombs)
ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")


@dataclasses.dataclass
class Intake:
    files: list
    notes: list
    reason: str = ""  # non-empty: not gradable, scores 0


def declared_files(lab):
    if lab.get("files"):
        return list(lab["files"])
    folder = os.path.join(lab["dir"], lab["skeleton"])
    return sorted(f for f in os.listdir(folder) if f.endswith((".c", ".h")))


def student_name(path):
    base = os.path.basename(os.path.normpath(path))
    for ext in ARCHIVES:
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


def _inside(root, name):
    target = os.path.realpath(os.path.join(root, name))
    return target == os.path.realpath(root) or target.startswith(os.path.realpath(root) + os.sep)


def unpack(archive, dest):
    """Unpack into dest; '' or why not. Every member is checked before anything is written:
    absolute names, '..', links pointing out and device files are refused, as is a total size
    over MAX_UNPACKED."""
    try:
        if archive.endswith(".zip"):
            with zipfile.ZipFile(archive) as z:
                infos = z.infolist()
                for i in infos:
                    if os.path.isabs(i.filename) or not _inside(dest, i.filename):
                        return f"the archive has a file outside its folder ({i.filename!r}): refused"
                    if stat.S_ISLNK(i.external_attr >> 16):
                        return f"the archive has a symbolic link ({i.filename!r}): refused"
                if sum(i.file_size for i in infos) > MAX_UNPACKED:
                    return f"the archive unpacks to more than {MAX_UNPACKED >> 20} MiB: refused"
                z.extractall(dest)
        else:
            with tarfile.open(archive) as t:
                members = t.getmembers()
                for m in members:
                    if os.path.isabs(m.name) or not _inside(dest, m.name):
                        return f"the archive has a file outside its folder ({m.name!r}): refused"
                    if m.issym() or m.islnk():
                        return f"the archive has a link ({m.name!r} -> {m.linkname!r}): refused"
                    if not (m.isfile() or m.isdir()):
                        return f"the archive has a special file ({m.name!r}): refused"
                if sum(m.size for m in members) > MAX_UNPACKED:
                    return f"the archive unpacks to more than {MAX_UNPACKED >> 20} MiB: refused"
                for m in members:
                    t.extract(m, dest, set_attrs=False)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as e:
        return f"the archive cannot be read: {e}"
    return ""


def _all_files(root):
    out = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in (".git", "build", "__pycache__"))
        for n in sorted(names):
            out.append(os.path.relpath(os.path.join(d, n), root))
    return out


def _problem(path, name):
    """Why this file cannot be a lab source, or ''."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        return f"{name} is not a regular file"
    if st.st_size == 0:
        return f"{name} is empty"
    if st.st_size > MAX_FILE:
        return f"{name} is {st.st_size} bytes, more than a lab source file can be ({MAX_FILE})"
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return f"{name} is a binary file, not C source"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return f"{name} is not UTF-8 text (a binary or a word-processor file?)"
    return ""


def take(lab, path, dest):
    """Copy the declared files of the submission at path to dest (a new empty folder)."""
    os.makedirs(dest, exist_ok=True)
    wanted = declared_files(lab)
    tmp = None
    try:
        if os.path.isfile(path) and path.endswith(ARCHIVES):
            tmp = tempfile.mkdtemp(prefix="irqlab-unpack-")
            why = unpack(path, tmp)
            if why:
                return Intake([], [], why)
            root = tmp
        elif os.path.isdir(path):
            root = path
        elif os.path.isfile(path):
            return Intake([], [], f"{os.path.basename(path)} is neither a folder nor a .zip/.tar.gz")
        else:
            return Intake([], [], "nothing was handed in")
        everything = _all_files(root)
        # An archive holding one folder (student.zip -> student/...) is read from inside it.
        tops = {f.split(os.sep)[0] for f in everything}
        if len(tops) == 1 and all(os.sep in f for f in everything):
            prefix = tops.pop() + os.sep
            root = os.path.join(root, prefix)
            everything = [f[len(prefix):] for f in everything]
        taken, notes = [], []
        for name in wanted:
            candidates = [name, os.path.join(lab["driver_dir"], name)]
            found = next((c for c in candidates if c in everything), None)
            if found is None:
                matches = [f for f in everything if os.path.basename(f) == name and not f.startswith("labs" + os.sep)]
                if len(matches) > 1:
                    return Intake([], notes, f"{name} is there {len(matches)} times ({', '.join(matches[:4])}): "
                                             f"hand in one")
                found = matches[0] if matches else None
            if found is None:
                sources = [f for f in everything if f.endswith((".c", ".h"))]
                hint = f"; it has {', '.join(sources[:4])} (misnamed?)" if sources else ""
                return Intake([], notes, f"{name} is missing from the submission{hint}")
            why = _problem(os.path.join(root, found), name)
            if why:
                return Intake([], notes, why)
            shutil.copyfile(os.path.join(root, found), os.path.join(dest, name))
            taken.append(found)
        ignored = [f for f in everything if f not in taken]
        if ignored:
            shown = ", ".join(ignored[:6]) + (f" and {len(ignored) - 6} more" if len(ignored) > 6 else "")
            notes.append(f"ignored {len(ignored)} file(s) beyond {', '.join(wanted)}: {shown}")
        return Intake(wanted, notes)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
