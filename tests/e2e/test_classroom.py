#!/usr/bin/env python3
"""test_classroom - `make classroom` exports a starter repository whose workflows lint and whose
grading command grades the skeleton in the exported tree.

  * the export has the skeleton in lab.json's driver_dir, the handout, the grading suite, and no
    solution, no other lab;
  * .github/workflows/grade.yml and .gitlab-ci.yml pass yamllint (Debian's; actionlint is not a
    Debian package) and the schemas written from GitHub's "Workflow syntax for GitHub Actions" and
    GitLab's "CI/CD YAML syntax reference" (scripts/schemas/), which do reject a broken file;
  * every check has its step with the lab.json points, the reporter lists them all;
  * the workflow's grading command, run as written in the exported tree (on pc), grades the
    skeleton: less than full marks, and each check's `scripts/grade_check.py` step passes
    exactly when the check earned its points; GitLab runs the same command.
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from tap import Tap  # noqa: E402

LAB = "share-the-line"
YAMLLINT = "{extends: default, rules: {line-length: {max: 200}, document-start: disable}}"
TIMEOUT = 1800  # only stops a grader that hangs


def validate(schema_name, data):
    import jsonschema  # python3-jsonschema (scripts/deps.sh)
    with open(os.path.join(REPO, "scripts", "schemas", schema_name)) as f:
        schema = json.load(f)
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]


def main():
    import yaml
    t = Tap()
    work = tempfile.mkdtemp(prefix="irqlab-test-classroom-")
    out = os.path.join(work, "starter")
    env = dict(os.environ)
    env.pop("MAKEFLAGS", None)
    try:
        r = subprocess.run(["make", "--no-print-directory", "classroom", f"LAB={LAB}", f"OUT={out}"], cwd=REPO,
                           capture_output=True, text=True, env=env, timeout=300)
        with open(os.path.join(REPO, "labs", LAB, "lab.json")) as f:
            lab = json.load(f)
        driver = os.path.join(out, lab["driver_dir"], "lab_share.c")
        with open(os.path.join(REPO, "labs", LAB, "skeleton", "lab_share.c")) as f:
            skeleton = f.read()
        exported = open(driver).read() if os.path.exists(driver) else ""
        labs = sorted(os.listdir(os.path.join(out, "labs"))) if os.path.isdir(os.path.join(out, "labs")) else []
        t.ok(r.returncode == 0 and exported == skeleton and labs == [LAB]
             and not os.path.exists(os.path.join(out, "labs", LAB, lab["solution"]))
             and os.path.exists(os.path.join(out, lab["handout"])),
             "the export: the skeleton in place, the handout, no solution, no other lab",
             diag=r.stdout + r.stderr + f"\nlabs: {labs}")
        gh, gl = os.path.join(out, ".github", "workflows", "grade.yml"), os.path.join(out, ".gitlab-ci.yml")
        lint = subprocess.run(["yamllint", "-d", YAMLLINT, gh, gl], capture_output=True, text=True)
        t.ok(lint.returncode == 0, "yamllint passes both workflows", diag=lint.stdout + lint.stderr)
        workflow = yaml.safe_load(open(gh)) if os.path.exists(gh) else {}
        gitlab = yaml.safe_load(open(gl)) if os.path.exists(gl) else {}
        errors = validate("github-workflow.schema.json", workflow) + validate("gitlab-ci.schema.json", gitlab)
        t.ok(not errors, "both pass their schema", diag="\n".join(errors))
        broken = json.loads(json.dumps(workflow))
        broken["jobs"]["grade"]["steps"][0]["run"] = "true"  # uses and run in one step
        t.ok(validate("github-workflow.schema.json", broken) and validate("gitlab-ci.schema.json", {"grade": {}}),
             "the schemas reject a step with both uses and run, a job without script")
        steps = workflow["jobs"]["grade"]["steps"]
        graders = {s["with"]["test-name"]: s for s in steps if "autograding-command-grader" in s.get("uses", "")}
        reporter = [s for s in steps if "grading-reporter" in s.get("uses", "")]
        t.ok({c: p for c, p, _ in lab["checks"]} == {n: s["with"]["max-score"] for n, s in graders.items()}
             and reporter and reporter[0]["with"]["runners"].split(",") == [s["id"] for s in graders.values()]
             and all(f"steps.{s['id']}.outputs.result" in " ".join(reporter[0]["env"].values())
                     for s in graders.values()),
             "a grader step per check with its points; the reporter reads them all",
             diag=json.dumps(graders, indent=1)[:1500])

        command = next((s["run"] for s in steps if "scripts/grade.py" in s.get("run", "")), "")
        t.ok(command and command in gitlab["grade"]["script"], "GitHub and GitLab run the same grading command",
             diag=command)
        g = subprocess.run(shlex.split(command), cwd=out, capture_output=True, text=True, env=env, timeout=TIMEOUT)
        result_path = os.path.join(out, "grade.json")
        result = json.load(open(result_path)) if os.path.exists(result_path) else {}
        t.ok(g.returncode == 0 and result.get("max") == 12 and 0 <= result.get("score", -1) < 12
             and os.path.exists(os.path.join(out, "grade-junit.xml")),
             f"the workflow's command grades the skeleton in the exported tree ({result.get('score')}/12)",
             diag=(g.stdout + g.stderr)[-2500:])
        wrong = []
        for c in result.get("checks", []):
            step = graders.get(c["name"], {}).get("with", {}).get("command", "")
            rc = subprocess.run(shlex.split(step), cwd=out, capture_output=True, text=True).returncode
            if (rc == 0) != c["ok"]:
                wrong.append(f"{c['name']}: exit {rc}, ok={c['ok']}")
        t.ok(result and not wrong, "each check's step passes exactly when the check earned its points",
             diag="\n".join(wrong))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
