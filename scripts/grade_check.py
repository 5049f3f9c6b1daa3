#!/usr/bin/env python3
"""grade_check - read one grading result (scripts/grade.py --json) in CI.

  scripts/grade_check.py grade.json CHECK   exit 0 if CHECK earned its points, else 1 (and why)
  scripts/grade_check.py grade.json         print the score; exit 0 (the grade is the points)

The classroom workflows (scripts/classroom.py) grade once and give each check its own step.
"""
import json
import sys


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        result = json.load(f)
    if len(sys.argv) == 2:
        print(f"{result['lab']}: {result['score']}/{result['max']}")
        for note in result.get("notes", []):
            print(f"note: {note}")
        return 0
    for c in result["checks"]:
        if c["name"] == sys.argv[2]:
            print(f"[{c['got']}/{c['points']}] {c['name']}: {c['text']}" + ("" if c["ok"] else f" -- {c['reason']}"))
            if not c["ok"] and c.get("output"):
                print(c["output"])
            return 0 if c["ok"] else 1
    print(f"no check {sys.argv[2]!r} in {sys.argv[1]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
