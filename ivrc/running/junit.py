"""Flow-test results as JUnit XML, which GitHub's and GitLab's test reports read: a test suite
per scenario file, a test case per scenario (a failure carries what was expected and what the
call did), and each scenario that could not run as an error. No times are written: the same
results give the same bytes."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from pathlib import Path

from ivrc.running.flowtest import Outcome


def junit_xml(outcomes: Iterable[Outcome], problems: Iterable[str], root: Path | None = None) -> str:
    """The results; paths are written relative to `root` (the repository's top) where they can be."""
    by_file: dict[Path, list[Outcome]] = {}
    for outcome in outcomes:
        by_file.setdefault(outcome.file, []).append(outcome)
    suites = ElementTree.Element("testsuites", name="ivrc test")
    totals = [0, 0, 0]  # tests, failures, errors
    for file, ran in by_file.items():
        shown = _shown(file, root)
        failed = sum(1 for o in ran if not o.passed)
        suite = ElementTree.SubElement(
            suites, "testsuite", name=shown, tests=str(len(ran)), failures=str(failed), errors="0", skipped="0"
        )
        for outcome in ran:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=shown.removesuffix(".ivrtest").replace("/", "."),
                name=outcome.scenario.name,
                file=shown,
                line=str(outcome.scenario.line),
            )
            if outcome.failures:
                failure = ElementTree.SubElement(case, "failure", message=outcome.failures[0], type="scenario")
                failure.text = "\n".join(outcome.failures)
        totals[0] += len(ran)
        totals[1] += failed
    said = list(problems)
    if said:
        suite = ElementTree.SubElement(
            suites, "testsuite", name="not run", tests=str(len(said)), failures="0", errors=str(len(said)), skipped="0"
        )
        for problem in said:
            case = ElementTree.SubElement(suite, "testcase", classname="ivrc", name=problem)
            error = ElementTree.SubElement(case, "error", message=problem, type="not run")
            error.text = problem
        totals[0] += len(said)
        totals[2] += len(said)
    suites.set("tests", str(totals[0]))
    suites.set("failures", str(totals[1]))
    suites.set("errors", str(totals[2]))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def _shown(path: Path, root: Path | None) -> str:
    if root is None:
        return path.as_posix()
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
