"""junit - write and check JUnit XML, the test report format Jenkins, GitLab CI and GitHub read.

    write(path, suites)   suites: [Suite(name, [Case(...), ...], time)]
    check(path)           a list of problems (empty: the file is well-formed and its counts match)

The shape is the one Jenkins' JUnit plugin and GitLab's "unit test reports" document (the
de-facto schema, the JUnit Ant task's XML): <testsuites> holding <testsuite name tests failures
errors skipped time>, each holding <testcase classname name time>, with an optional <failure
message=...>text</failure> or <skipped message=.../>, and <system-out> for the log excerpt.
"""
import dataclasses
import os
import re
import xml.etree.ElementTree as ET

# XML 1.0 forbids most control characters even escaped; a guest's console may print them.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text):
    return _BAD_XML.sub("?", text or "")


@dataclasses.dataclass
class Case:
    name: str
    classname: str
    status: str = "pass"  # "pass", "fail", "skip"
    time: float = 0.0
    message: str = ""  # a failure's or skip's one-line reason
    output: str = ""  # the failure's details and log excerpt


@dataclasses.dataclass
class Suite:
    name: str
    cases: list
    time: float = 0.0


def write(path, suites):
    root = ET.Element("testsuites")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for s in suites:
        counts = {"tests": len(s.cases), "failures": sum(c.status == "fail" for c in s.cases), "errors": 0,
                  "skipped": sum(c.status == "skip" for c in s.cases)}
        el = ET.SubElement(root, "testsuite", name=clean(s.name), time=f"{s.time:.3f}",
                           **{k: str(v) for k, v in counts.items()})
        for k in totals:
            totals[k] += counts[k]
        total_time += s.time
        for c in s.cases:
            tc = ET.SubElement(el, "testcase", classname=clean(c.classname), name=clean(c.name), time=f"{c.time:.3f}")
            if c.status == "fail":
                f = ET.SubElement(tc, "failure", message=clean(c.message.splitlines()[0] if c.message else "failed"),
                                  type="failure")
                f.text = clean(c.output or c.message)
            elif c.status == "skip":
                ET.SubElement(tc, "skipped", message=clean(c.message))
            if c.output and c.status != "fail":
                ET.SubElement(tc, "system-out").text = clean(c.output)
    root.attrib.update({k: str(v) for k, v in totals.items()})
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def check(path):
    """The rules a JUnit reader relies on: parseable, the right elements and attributes, the
    counts on each <testsuite> (and the root) equal to its testcases, times non-negative numbers."""
    problems = []
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return [f"not well-formed: {e}"]
    if root.tag != "testsuites":
        return [f"root element <{root.tag}>, expected <testsuites>"]
    sums = {"tests": 0, "failures": 0, "skipped": 0}
    for s in root:
        if s.tag != "testsuite":
            problems.append(f"<{s.tag}> inside <testsuites>")
            continue
        cases = [c for c in s if c.tag == "testcase"]
        actual = {"tests": len(cases), "failures": sum(c.find("failure") is not None for c in cases),
                  "skipped": sum(c.find("skipped") is not None for c in cases)}
        for k, v in actual.items():
            sums[k] += v
            if s.get(k) != str(v):
                problems.append(f"testsuite {s.get('name')!r}: {k}={s.get(k)!r} but {v} testcases say so")
        if not s.get("name"):
            problems.append("a testsuite without a name")
        for c in cases:
            if not c.get("name") or not c.get("classname"):
                problems.append(f"testcase without name/classname in {s.get('name')!r}")
            try:
                if float(c.get("time", "0")) < 0:
                    raise ValueError
            except ValueError:
                problems.append(f"testcase {c.get('name')!r}: time={c.get('time')!r}")
            f = c.find("failure")
            if f is not None and f.get("message") is None:
                problems.append(f"testcase {c.get('name')!r}: <failure> without message")
    for k, v in sums.items():
        if root.get(k) is not None and root.get(k) != str(v):
            problems.append(f"testsuites: {k}={root.get(k)!r} but {v} testcases say so")
    return problems
