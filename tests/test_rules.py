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
    if "long-prompt-limit" in case:
        config = config.override(long_prompt_limit=duration(case["long-prompt-limit"]))
    if "call-too-long-limit" in case:
        config = config.override(call_too_long_limit=duration(case["call-too-long-limit"]))
    config = _policy_config(case, tmp_path) or config
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

# The same, as a marketing flow must be: a caller id, who is calling, and a key to refuse.
MARKETING_TEMPLATE = """\
region IL
dialer "offer" { return_address "https://example.com/r"; number recipient.phone; cli "03-123-4567" }
step a {
    say "Advertisement from Tevel: hello $name$, press 9 to stop our calls" with name = recipient.name
    on 9 { mark remove; hangup }
}
"""


RECORDS = "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,unique_campaign_id,steps\n"
_FIXED_AT = """\
region IL
dialer "reminder" {{ return_address "https://example.com/r"; number recipient.phone; schedule at {at}{more} }}
step a {{
    say "Hello $name$" with name = recipient.name
    on 1 -> hangup
}}
"""
# What the docs of the compliance rules describe around their recipients files.
DOC_SETUPS: dict[str, dict] = {
    "outside-calling-hours": {
        "policy": 'calling_hours = "08:00-21:00"',
        "flow": _FIXED_AT.format(at="2030-12-09T09:00+02:00", more=""),
    },
    "ambiguous-timezone": {"policy": 'calling_hours = "08:00-21:00"', "start_at": "2030-12-09T15:00+00:00"},
    "retries-past-window": {
        "policy": 'calling_hours = "08:00-21:00"',
        "flow": _FIXED_AT.format(
            at="2030-12-09T20:00+02:00", more="; max_retries 10; ring_timeout 25s; retry_wait_time 10m"
        ),
        "instead": {
            "flow": _FIXED_AT.format(
                at="2030-12-09T20:00+02:00", more="; max_retries 2; ring_timeout 25s; retry_wait_time 1m"
            )
        },
    },
    "suppressed-recipient": {"policy": 'suppress = ["dnc.csv"]', "files": {"dnc.csv": "phone\n0546000002\n"}},
    "stale-suppression-list": {
        "policy": 'suppress = ["dnc.csv"]\nsuppress_max_age = "15d"',
        "start_at": "2026-12-07T09:00+02:00",
        "list": "dnc.csv",
        "csv": "name,phone\nDana,054-600-0001\n",
    },
    "missing-consent": {
        "policy": 'purpose = "marketing"\nconsent_column = "consent_date"',
        "start_at": "2026-12-07T09:00+02:00",
    },
    "consent-expired": {
        "policy": 'purpose = "marketing"\nconsent_column = "consent_date"\nconsent_max_age = "365d"',
        "start_at": "2026-12-07T09:00+02:00",
    },
    "attempt-cap": {
        "policy": 'max_attempts = "2/7d"\nhistory = ["records.csv"]',
        "start_at": "2026-12-07T09:00+02:00",
        "files": {
            "records.csv": RECORDS
            + "031234567,972546000001,2026-12-03 10:00:00+02,,,0,0,NO_ANSWER,old,\n"
            + "031234567,972546000001,2026-12-04 10:00:00+02,,,0,0,NO_ANSWER,old,\n"
        },
    },
    "opted-out": {
        "policy": 'history = ["records.csv"]',
        "files": {
            "records.csv": RECORDS
            + '031234567,972546000002,2026-06-01 10:00:00+03,,,0,0,NORMAL_CLEARING,old,"{""steps"": [{""mark"": ""remove""}]}"\n'
        },
    },
}


def _batch(case: dict, tmp_path: Path) -> list[ivrc.Diagnostic]:
    """A recipients file (`csv` or `jsonl`) checked against a template flow (`flow`, or TEMPLATE),
    under a compliance `policy` (the lines of its table) with its `files` and `start_at`."""
    from ivrc.build import batch
    from ivrc.build.library import analyze
    from ivrc.compliance.setup import gate_for, start_time

    suffix = "jsonl" if "jsonl" in case else "csv"
    data = tmp_path / f"recipients.{suffix}"
    data.write_text(case[suffix], encoding="utf-8", newline="")
    config = _policy_config(case, tmp_path)
    marketing = "marketing" in case.get("policy", "")
    flow = case.get("flow", MARKETING_TEMPLATE if marketing else TEMPLATE)
    result = analyze(flow, path="flow.ivr", emit_request=True, recipients=True, config=config)
    assert result.template is not None, result.diagnostics
    gate = None
    if "policy" in case:
        start = start_time(case["start_at"]) if "start_at" in case else None
        gate = gate_for(result.template.model, result.template.request, "IL", start)
        assert gate is not None
        gate.prepare()
    return batch.run(result.template, data, "IL", gate=gate).diagnostics


def _policy_config(case: dict, tmp_path: Path) -> Config | None:
    """The configuration of a case with a `policy`: an ivrc.toml with its table, and its `files`."""
    from ivrc.language.config import load

    if "policy" not in case:
        return None
    for name, text in case.get("files", {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ivrc.toml").write_text(f'region = "IL"\n[policy]\n{case["policy"]}\n', encoding="utf-8")
    return load(tmp_path / "ivrc.toml")


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
    if rule.name in DOC_SETUPS:  # recipients (or a list) under the policy and files the docs describe
        setup = DOC_SETUPS[rule.name]
        for csv, found in ((example, True), (instead, False)):
            case = {**setup, **({} if found else setup.get("instead", {})), "csv": setup.get("csv", csv)}
            if "list" in setup:  # the examples are the list itself
                case["files"] = {setup["list"]: csv}
            folder = tmp_path / ("example" if found else "instead")
            folder.mkdir()
            assert (rule.name in {d.rule for d in _batch(case, folder)}) is found, csv
        return
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
    if rule.name == "call-too-long":  # it checks nothing until the service's limit is configured
        config = Config(call_too_long_limit=duration("5m"))
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


def test_the_blocks_read_without_a_look_at_each_character_hold_only_spoken_letters():
    """`unsupported-tts-language` passes a text of these blocks at once; each of their characters
    is a letter of Hebrew, Latin or Cyrillic, or no letter, as the look at each one says."""
    import re

    from ivrc.checks.unsupported_tts_language import SPOKEN_BLOCKS, SUPPORTED, _script, foreign_letters

    block = re.compile(f"[{SPOKEN_BLOCKS}]")
    inside = [chr(c) for c in range(0x10000) if block.fullmatch(chr(c))]
    assert len(inside) > 1600
    assert all(_script(c) in (None, *SUPPORTED) for c in inside)
    assert foreign_letters("שלום µ") == (5, 6, "Micro") and foreign_letters("Привет, שלום, hello") is None
