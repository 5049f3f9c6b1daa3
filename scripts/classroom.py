#!/usr/bin/env python3
"""classroom - export a starter repository for one lab (GitHub Classroom, GitLab).

  make classroom LAB=share-the-line OUT=starter/
  scripts/classroom.py <lab> <out>

<out> gets the irqlab tree (its tracked files) with the lab's skeleton already in lab.json's
driver_dir (students edit it there), the lab's given files and grading suite in place, its
handout (docs/labs/<lab>.md), and no solution, no other lab and no hidden checks. Plus:
  .github/workflows/grade.yml  on every push: grade once (scripts/grade.py --submission .), then
                               one classroom-resources/autograding-command-grader step per check
                               with its points (GitHub Classroom shows per-check points) and the
                               autograding-grading-reporter; the JUnit XML is kept as an artifact
  .gitlab-ci.yml               the same grading on GitLab CI, its JUnit XML published as the
                               pipeline's test report
  GRADING.md                   what runs where, and the one command to grade locally
The workflows run on the students' copy of the grader: for the grade of record, collect the
repositories and run `make grade-all` on them (only the lab's declared files are taken).
"""
import json
import os
import shutil
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import autograder  # noqa: E402
import grade  # noqa: E402


def grading_command(lab, out_json, out_xml):
    """The one command both workflows (and GRADING.md) run, from the repository's root."""
    return (f"python3 scripts/grade.py {lab['name']} --submission . --machines pc "
            f"--json {out_json} --junit {out_xml}")


def github_workflow(lab):
    steps = [
        "      - uses: actions/checkout@v4",
        "      - name: Install the toolchain and QEMU",
        "        run: sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        + " ".join(autograder.GRADING_PACKAGES),
        "      - name: Grade (one run; the checks below read its result)",
        f"        run: {grading_command(lab, 'grade.json', 'grade-junit.xml')}",
        "      - name: Keep the JUnit XML and the serial logs",
        "        if: always()",
        "        uses: actions/upload-artifact@v4",
        "        with:",
        "          name: grading",
        "          path: |",
        "            grade-junit.xml",
        "            build/grade-logs/",
    ]
    ids = []
    for case, points, text in lab["checks"]:
        sid = case.replace("_", "-")
        ids.append(sid)
        steps += [
            f"      - name: {case}",
            f"        id: {sid}",
            "        uses: classroom-resources/autograding-command-grader@v1",
            "        with:",
            f"          test-name: {case}",
            f"          command: python3 scripts/grade_check.py grade.json {case}",
            "          timeout: 1",
            f"          max-score: {points}",
        ]
    env = [f"          {i.upper().replace('-', '_')}_RESULTS: \"${{{{ steps.{i}.outputs.result }}}}\"" for i in ids]
    steps += ["      - name: Report the points to GitHub Classroom",
              "        uses: classroom-resources/autograding-grading-reporter@v1",
              "        env:"] + env + ["        with:", f"          runners: {','.join(ids)}"]
    return "\n".join([
        f"# Grades {lab['name']} on every push (exported by `make classroom`). GitHub Classroom shows",
        "# the points of each check from the autograding-command-grader steps.",
        "name: Autograding",
        "\"on\":",
        "  push:",
        "  workflow_dispatch:",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  grade:",
        "    runs-on: ubuntu-latest",
        "    timeout-minutes: 60",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
    ] + steps) + "\n"


def gitlab_ci(lab):
    return "\n".join([
        f"# Grades {lab['name']} on every push (exported by `make classroom`); the JUnit XML is the",
        "# pipeline's test report (one test per check).",
        "grade:",
        "  image: debian:bookworm",
        "  timeout: 1h",
        "  before_script:",
        "    - apt-get update",
        "    - apt-get install -y --no-install-recommends " + " ".join(autograder.GRADING_PACKAGES),
        "  script:",
        f"    - {grading_command(lab, 'grade.json', 'grade-junit.xml')}",
        "    - python3 scripts/grade_check.py grade.json",
        "  artifacts:",
        "    when: always",
        "    paths:",
        "      - grade.json",
        "      - build/grade-logs/",
        "    reports:",
        "      junit: grade-junit.xml",
    ]) + "\n"


def grading_md(lab):
    return f"""# Grading {lab['name']}

Your work: `{lab['driver_dir']}/` (the handout: `{lab['handout']}`). Grade it as the course does:

    {grading_command(lab, 'grade.json', 'grade-junit.xml')}

(`make grade LAB={lab['name']}` grades the lab's skeleton folder instead.) On every push,
`.github/workflows/grade.yml` (GitHub Classroom) or `.gitlab-ci.yml` (GitLab) runs the same
command. Only the lab's files are graded; the grading suite and lab.json are the course's.
"""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scripts/classroom.py <lab> <out>  (make classroom LAB=<lab> OUT=<dir>)")
    lab = grade.load_lab(sys.argv[1])
    out = os.path.abspath(sys.argv[2])
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"classroom: {out} is not empty")
    os.makedirs(out, exist_ok=True)
    grade.copy_tree(out)
    shutil.rmtree(os.path.join(out, "build"), ignore_errors=True)
    # The lab's folder without its solution, then the skeleton in place for the student.
    dest = os.path.join(out, "labs", lab["name"])
    shutil.copytree(lab["dir"], dest, symlinks=True, ignore=shutil.ignore_patterns(lab["solution"]))
    grade.install_lab(lab, os.path.join(lab["dir"], lab["skeleton"]), out)
    for name, text in ((".github/workflows/grade.yml", github_workflow(lab)), (".gitlab-ci.yml", gitlab_ci(lab)),
                       ("GRADING.md", grading_md(lab))):
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    with open(os.path.join(out, "labs", lab["name"], "lab.json")) as f:
        json.load(f)  # still valid
    print(f"classroom: {out}: the starter repository for {lab['name']} (git init, push, use as the template)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
