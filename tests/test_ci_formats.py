"""Findings as CI platforms read them: GitLab's Code Quality report, validated against the fields
GitLab reads, with fingerprints that survive unrelated edits; and paths from the top of the
repository in every machine format, wherever ivrc runs from."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema

# What GitLab reads of a Code Quality report (docs.gitlab.com, "Code Quality report format"):
# an array of issues, each with these fields; GitLab's severities are the five below.
GITLAB_CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^[^/]"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}, "end": {"type": "integer"}},
                    },
                },
            },
        },
    },
}
FLOW = """\
region IL
dialer { return_address "https://example.com/r"; numbers from queue }
step a {
    say "Press 1"
    on 1 -> goto nowhere
    on 2 -> goto nowhere
}
step b {
    say "Never reached"
    on 1 -> goto nowhere
}
"""


def _repository(tmp_path: Path) -> Path:
    """A git repository with a flow in a folder below its top."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "menu.ivr").write_text(FLOW, encoding="utf-8")
    return tmp_path / "flows" / "menu.ivr"


def test_the_gitlab_report_has_what_gitlab_reads_and_stable_fingerprints(tmp_path, ivrc_cli):
    flow = _repository(tmp_path)
    done = ivrc_cli("lint", "--format", "gitlab", "menu.ivr", cwd=flow.parent)
    assert done.returncode == 1 and done.stderr == ""
    issues = json.loads(done.stdout)
    jsonschema.validate(issues, GITLAB_CODE_QUALITY)
    assert {i["location"]["path"] for i in issues} == {"flows/menu.ivr"}
    assert [(i["check_name"], i["severity"], i["location"]["lines"]["begin"]) for i in issues] == [
        ("dangling-goto", "major", 5),
        ("dangling-goto", "major", 6),
        ("unreachable-step", "minor", 8),
        ("dangling-goto", "major", 10),
    ]
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints), "each finding has its own"
    # Unrelated lines added above: every finding moves down and keeps its fingerprint.
    flow.write_text("# A menu\n# of two keys\n\n" + FLOW, encoding="utf-8")
    moved = json.loads(ivrc_cli("lint", "--format", "gitlab", str(flow), cwd=tmp_path).stdout)
    assert [i["location"]["lines"]["begin"] for i in moved] == [8, 9, 11, 13]
    assert [i["fingerprint"] for i in moved] == fingerprints
    # The finding itself changed: a new fingerprint for it alone.
    flow.write_text(FLOW.replace("on 2 -> goto nowhere", "on 2 -> goto elsewhere"), encoding="utf-8")
    changed = [
        i["fingerprint"] for i in json.loads(ivrc_cli("lint", "--format", "gitlab", str(flow), cwd=tmp_path).stdout)
    ]
    assert changed[0] == fingerprints[0] and changed[1] != fingerprints[1] and changed[2:] == fingerprints[2:]


def test_every_machine_format_writes_paths_from_the_top_of_the_repository(tmp_path, ivrc_cli):
    flow = _repository(tmp_path)
    deeper = tmp_path / "flows" / "notes"
    deeper.mkdir()
    github = ivrc_cli("lint", "--format", "github", str(flow), cwd=deeper).stdout
    assert github.startswith("::error file=flows/menu.ivr,line=5,")
    sarif = json.loads(ivrc_cli("lint", "--format", "sarif", str(flow), cwd=deeper).stdout)
    run = sarif["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {
        "flows/menu.ivr"
    }
    gitlab = json.loads(ivrc_cli("lint", "--format", "gitlab", str(flow), cwd=deeper).stdout)
    assert {i["location"]["path"] for i in gitlab} == {"flows/menu.ivr"}


def test_sarif_rules_have_a_short_and_a_full_description(ivrc_cli, tmp_path):
    flow = _repository(tmp_path)
    rules = json.loads(ivrc_cli("lint", "--format", "sarif", str(flow)).stdout)["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        short, full = rule["shortDescription"]["text"], rule["fullDescription"]["text"]
        assert short != full and "\n" not in short and full.startswith("What it does\n"), rule["id"]


def test_flow_test_results_as_junit_xml_read_by_a_junit_reader(tmp_path, ivrc_cli):
    import shutil

    from conftest import EXAMPLES
    from junitparser import Error, Failure, JUnitXml

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "flows").mkdir()
    shutil.copy(EXAMPLES / "age_gate.ivr", tmp_path / "flows" / "age_gate.ivr")
    scenarios = (EXAMPLES / "age_gate.ivrtest").read_text(encoding="utf-8")
    scenarios = scenarios.replace('end = "hangup"', 'end = "no-input"', 1)  # the first scenario now fails
    scenarios += '\n[[scenario]]\nname = "a key no phone has"\nkeys = ["x"]\n'
    (tmp_path / "flows" / "age_gate.ivrtest").write_text(scenarios, encoding="utf-8")
    report = tmp_path / "results.xml"
    done = ivrc_cli("test", "flows", "--junit-xml", str(report), cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr  # a malformed scenario: a usage error, as without
    read = JUnitXml.fromfile(str(report))
    suites = {suite.name: suite for suite in read}
    ran = suites["flows/age_gate.ivrtest"]
    cases = list(ran)
    assert ran.tests == len(cases) == done.stdout.count("PASS ") + done.stdout.count("FAIL ")
    failed = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    assert [case.name for case in failed] == ["eleven is too young"]
    message = failed[0].result[0].message
    assert "no-input" in message and "hangup" in message
    assert cases[0].classname == "flows.age_gate" and ran.failures == 1
    (not_run,) = list(suites["not run"])
    assert isinstance(not_run.result[0], Error) and "age_gate.ivrtest" in not_run.name
    again = tmp_path / "again.xml"
    ivrc_cli("test", "flows", "--junit-xml", str(again), cwd=tmp_path)
    assert again.read_bytes() == report.read_bytes(), "the same results, the same bytes"


def test_sarif_rules_link_their_pages_where_ivrc_rule_docs_says(ivrc_cli, tmp_path):
    flow = _repository(tmp_path)
    pages = "https://github.com/acme/ivrc/blob/v2/docs/rules/{rule}.md"
    run = json.loads(ivrc_cli("lint", "--format", "sarif", str(flow), env={"IVRC_RULE_DOCS": pages}).stdout)
    rules = run["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["helpUri"] == pages.replace("{rule}", r["id"]) for r in rules)
    # The same run from the cache, without the variable: no address, not the one kept before.
    again = json.loads(ivrc_cli("lint", "--format", "sarif", str(flow), env={"IVRC_RULE_DOCS": ""}).stdout)
    assert not any("helpUri" in r for r in again["runs"][0]["tool"]["driver"]["rules"])
    shown = ivrc_cli("rule", "dangling-goto", env={"IVRC_RULE_DOCS": pages})
    assert "The manual's page: https://github.com/acme/ivrc/blob/v2/docs/rules/dangling-goto.md" in shown.stdout
    for wrong in ("docs/rules/{rule}.md", "https://example.com/rules/"):
        refused = ivrc_cli("lint", "--format", "sarif", str(flow), env={"IVRC_RULE_DOCS": wrong})
        assert refused.returncode == 2 and refused.stdout == ""
        assert refused.stderr.startswith("ivrc: error: IVRC_RULE_DOCS: expected an http(s) address with `{rule}`")
