"""Each rule against its fixture in tests/rules/: failing cases with exact positions, passing cases clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib

import ivrc
from ivrc.checks import BY_NAME, RULES
from ivrc.language.config import Config, duration
from ivrc.language.diagnostics import Severity

FIXTURES = Path(__file__).resolve().parent / "rules"
# Appended (not prepended) to a case that needs a request, so the case's own positions stay as written.
PRELUDE = '\nregion IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
RECIPIENT_RULES = {
    "invisible-characters",
    "missing-column",
    "unused-column",
    "empty-value",
    "duplicate-recipient",
    "placeholder-in-value",
    "unspeakable-value",
    "malformed-row",
}


def _load(rule: str) -> dict:
    return tomllib.loads((FIXTURES / f"{rule}.toml").read_text(encoding="utf-8"))


def _source(case: dict) -> str:
    if case.get("json"):
        return case["source"]
    return case["source"] + (PRELUDE if case.get("prelude", True) else "")


def _lint(case: dict, tmp_path: Path) -> list[ivrc.Diagnostic]:
    """Lint a case as a file would be: JSON or .ivr, with the config the case asks for.
    A case with `command = "decompile"` is decompiled instead."""
    if case.get("command") == "compile":
        try:
            ivrc.compile(_source(case), path="case.ivr")
        except ivrc.CompileError as error:
            return error.diagnostics
        return []
    if case.get("command") == "recipients":
        return _batch(case, tmp_path)
    if case.get("command") == "read":
        file = tmp_path / "case.ivr"
        if not case.get("missing"):
            file.write_bytes(bytes.fromhex(case["hex"]))
        try:
            text = ivrc.read_file(file)
        except ivrc.CompileError as error:
            return error.diagnostics
        return ivrc.lint(text + PRELUDE, path=str(file))
    if case.get("command") == "decompile":
        try:
            ivrc.decompile(case["source"], path="case.json", region=case.get("region"))
        except ivrc.CompileError as error:
            return error.diagnostics
        return []
    config = Config()
    if "recordings" in case:
        folder = tmp_path / "recordings"
        folder.mkdir(exist_ok=True)
        for name in case["recordings"]:
            (folder / name).write_bytes(b"RIFF")
        config = config.override(recordings=folder)
    if "long-wait-limit" in case:
        config = config.override(long_wait_limit=duration(case["long-wait-limit"]))
    path = "case.json" if case.get("json") else "case.ivr"
    return ivrc.lint(_source(case), path=path, config=config)


TEMPLATE = """\
region IL
dialer "reminder" { return_address "https://example.com/r"; number recipient.phone }
step a {
    say "Hello $name$" with name = recipient.name
    on 1 -> hangup
}
"""


def _batch(case: dict, tmp_path: Path) -> list[ivrc.Diagnostic]:
    """A recipients file (`csv` or `jsonl`) checked against a template flow (`flow`, or TEMPLATE)."""
    from ivrc.build import batch
    from ivrc.build.library import analyze

    suffix = "jsonl" if "jsonl" in case else "csv"
    data = tmp_path / f"recipients.{suffix}"
    data.write_text(case[suffix], encoding="utf-8", newline="")
    result = analyze(case.get("flow", TEMPLATE), path="flow.ivr", emit_request=True, recipients=True)
    assert result.template is not None, result.diagnostics
    return batch.run(result.template, data, "IL").diagnostics


def _cases(kind: str) -> list:
    found = []
    for rule in RULES:
        for index, case in enumerate(_load(rule.name).get(kind, [])):
            found.append(pytest.param(rule.name, case, id=f"{rule.name}-{index}"))
    return found


def test_every_rule_has_a_fixture_and_every_fixture_a_rule():
    names = {p.stem for p in FIXTURES.glob("*.toml")}
    assert names == {r.name for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_is_documented_in_fixed_sections(rule):
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    positions = [rule.docs.find(f"\n{s}\n") if i else rule.docs.find(f"{s}\n") for i, s in enumerate(SECTIONS)]
    assert positions[0] == 0 and all(a < b for a, b in zip(positions, positions[1:], strict=False)), rule.docs[:80]
    assert rule.docs.count("```") >= 4


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_has_failing_and_passing_cases(rule):
    fixture = _load(rule.name)
    assert fixture.get("fail") and fixture.get("pass")


@pytest.mark.parametrize("rule,case", _cases("fail"))
def test_failing_case_is_found_where_expected(rule, case, tmp_path):
    found = [d for d in _lint(case, tmp_path) if d.rule == rule]
    got = [
        {
            "line": d.line,
            "column": d.column,
            "end_line": d.end_line,
            "end_column": d.end_column,
            "message": d.message,
            "help": d.help,
        }
        for d in found
    ]
    expected = case["expect"]
    assert len(got) == len(expected), got
    for have, want in zip(got, expected, strict=False):
        for optional in ("help", "message"):  # a message may name the time or a folder
            if optional not in want:
                del have[optional]
    assert got == expected
    assert all(d.severity is BY_NAME[rule].severity for d in found)


@pytest.mark.parametrize("rule,case", _cases("pass"))
def test_passing_case_is_clean(rule, case, tmp_path):
    found = _lint(case, tmp_path)
    assert [d for d in found if d.rule == rule] == []
    assert [d for d in found if d.severity is not Severity.INFO] == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_examples_in_docs_are_true(rule, tmp_path):
    """The docs' Example shows the finding and Use instead does not (for .ivr examples)."""
    blocks = re.findall(r"```\n(.*?)```", rule.docs, flags=re.S)
    example, instead = blocks[0], blocks[1]
    if rule.name in RECIPIENT_RULES:  # the examples are recipients files for TEMPLATE (with a `time` field)
        flow = TEMPLATE.replace(
            "with name = recipient.name", "with name = recipient.name, time = recipient.time"
        ).replace("Hello $name$", "Hello $name$ at $time$")
        flow = flow if "time" in example.splitlines()[0] or "time" in instead.splitlines()[0] else TEMPLATE
        assert rule.name in {d.rule for d in _batch({"csv": example, "flow": flow}, tmp_path)}
        assert rule.name not in {d.rule for d in _batch({"csv": instead, "flow": flow}, tmp_path)}
        return
    if rule.name == "missing-recipients":
        with pytest.raises(ivrc.CompileError) as raised:
            ivrc.compile(TEMPLATE)
        assert [d.rule for d in raised.value.diagnostics] == [rule.name]
        return
    if rule.name == "unreadable-file":  # the examples are commands on a Windows-1255 file
        flow = tmp_path / "reminder.ivr"
        flow.write_bytes("# שלום\n".encode("cp1255"))
        with pytest.raises(ivrc.CompileError) as raised:
            ivrc.read_file(flow)
        assert [d.rule for d in raised.value.diagnostics] == [rule.name]
        flow.write_bytes(flow.read_bytes().decode("cp1255").encode("utf-8"))
        assert ivrc.read_file(flow) == "# שלום\n"
        return
    if example.lstrip().startswith("{"):
        if rule.name == "not-expressible":
            with pytest.raises(ivrc.CompileError) as raised:
                ivrc.decompile(example)
            assert {d.rule for d in raised.value.diagnostics} == {rule.name}
            ivrc.decompile(instead)
            return
        assert rule.name in {d.rule for d in ivrc.lint(example, path="example.json")}
        assert rule.name not in {d.rule for d in ivrc.lint(instead, path="example.json")}
        return
    needs_request = (
        not re.search(r"^\s*(dialer|simple_dialer)\b", example, flags=re.M) and rule.name != "missing-request"
    )
    suffix = PRELUDE if needs_request else ""
    config = Config(recordings=tmp_path) if rule.name == "missing-recording" else Config()
    for name in re.findall(r'file "([^"]+)"', instead):
        (tmp_path / name).write_bytes(b"RIFF")
    assert rule.name in {d.rule for d in ivrc.lint(example + suffix, config=config)}
    assert rule.name not in {d.rule for d in ivrc.lint(instead + suffix, config=config)}


def test_suppressions_of_whole_file_rules_are_not_judged_after_a_syntax_error():
    source = (
        'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'
        'step menu {\n    say "Press 1"\n    on 1 -> goto nowhere  # ivrc: ignore[dangling-goto] added later\n}\n'
        "step broken { say }\n"
    )
    assert [d.rule for d in ivrc.lint(source)] == ["syntax-error"]
    fixed = source.replace("step broken { say }", 'step nowhere { say "x" }')
    assert [d.rule for d in ivrc.lint(fixed)] == ["unused-suppression"]


def test_no_suppress_reports_no_unused_suppressions():
    source = 'step menu {\n    say "Press 1"\n    on 1 -> hangup  # ivrc: ignore[long-wait]\n}\n' + PRELUDE
    assert [d.rule for d in ivrc.lint(source)] == ["unused-suppression"]
    assert ivrc.lint(source, config=Config(suppress=False)) == []


def test_the_rule_names_a_suppression_may_name_are_the_registrys():
    from ivrc.checks import BY_NAME
    from ivrc.language.rule_names import rule_names

    assert rule_names() == set(BY_NAME)
