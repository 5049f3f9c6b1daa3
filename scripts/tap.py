"""tap - the few lines of TAP (Test Anything Protocol) every e2e test prints.

    t = Tap()
    t.ok(r.status == 33, "boots on q35", diag=r.serial)   # diag is printed only on failure
    t.skip("kvm boot", "no /dev/kvm")
    t.diag("boot took 0.12 s")
    sys.exit(t.finish())

Output: `ok 1 - name`, `not ok 2 - name` (+ `# ...` diagnostic lines), `ok 3 - name # SKIP why`
and the plan `1..N` at the end. scripts/run_tests.py counts every ok/not ok line.
finish() returns 0 only if something ran and nothing failed.
"""
import sys


class Tap:
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.count = 0
        self.failed = 0

    def _line(self, text):
        self.out.write(text + "\n")
        self.out.flush()  # the runner reads us through a pipe; show progress as it happens

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            self._line("# " + line)

    def ok(self, cond, name, diag="", directive=""):
        """directive: e.g. "TIMEOUT", appended as ` # TIMEOUT` (only SKIP changes the verdict)."""
        self.count += 1
        name = " ".join(str(name).split())  # one line; '#' would start a directive
        name = name.replace("#", "\\#") + (f" # {directive}" if directive else "")
        if cond:
            self._line(f"ok {self.count} - {name}")
        else:
            self.failed += 1
            self._line(f"not ok {self.count} - {name}")
            if diag:
                self.diag(diag)
        return bool(cond)

    def skip(self, name, reason):
        self.count += 1
        self._line(f"ok {self.count} - {name} # SKIP {reason}")

    def finish(self):
        self._line(f"1..{self.count}")
        return 1 if self.failed or self.count == 0 else 0
