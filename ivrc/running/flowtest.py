"""Flow tests: `*.ivrtest` scenario files (TOML) beside a flow, run by `ivrc test`.

flow = "white_rabbit.ivr"        # optional: the .ivr of the same name

[[scenario]]
name = "eleven plays the thanks"
keys = ["11"]                    # entries pressed; "timeout" is silence
path = ["foo"]                   # steps entered, in order
end = "hangup"                   # hangup, call, no-input or end-of-flow
heard = ["תודה"]                 # texts heard, in order (each a part of a prompt or play)
marks = [{ type = "custom", value = "hot-lead" }]
calls = ["972530000000"]         # numbers the call was bridged to
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivrc.language.files import Unreadable, read_text
from ivrc.running.simulate import ENDS, Call, run, scripted

SUFFIX = ".ivrtest"
EXPECTATIONS = ("path", "end", "heard", "marks", "calls")
KEYS = ("name", "keys", "row", *EXPECTATIONS)
_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*scenario[ \t]*\]\]", re.M)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class ScenarioError(Exception):
    """A scenario file that cannot be run at all; the message names the file and the place."""


@dataclass(frozen=True)
class Scenario:
    name: str
    keys: tuple[str | None, ...]
    expect: dict[str, Any]
    line: int
    row: int = 1  # for a template flow: the recipient whose call it is


@dataclass(frozen=True)
class Problem:
    """One malformed scenario: it is reported, and the file's other scenarios still run."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    file: Path
    failures: tuple[str, ...]
    call: Call | None = None  # the simulated call, for coverage
    request: dict[str, Any] | None = None  # what it ran against

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Suite:
    """A scenario file read: the flow it tests, the scenarios that can run, and those that cannot."""

    flow: Path
    scenarios: list[Scenario]
    problems: list[Problem]
    recipients: Path | None = None  # a template flow's recipients, for `row`


def load(path: Path) -> Suite:
    """The flow a scenario file tests, its well-formed scenarios, and a Problem for each of the
    others. ScenarioError when the file as a whole cannot be used."""
    from ivrc.language.config import toml

    tomllib = toml()
    try:
        text = read_text(path)
    except Unreadable as problem:
        raise ScenarioError(str(problem)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        place = _TOML_POSITION.search(message)
        if place:
            where = f"{path}:{place.group(1)}:{place.group(2)}"
        else:  # "at end of document"
            where = f"{path}:{text.count(chr(10)) + 1}:{len(text) - text.rfind(chr(10))}"
            message = message.replace(" (at end of document)", " at the end of the file")
        raise ScenarioError(f"{where}: not valid TOML: {_TOML_POSITION.sub('', message)}") from None
    unknown = sorted(set(data) - {"flow", "recipients", "scenario"})
    if unknown:
        raise ScenarioError(
            f"{path}:{_line_of(text, unknown[0], 0, len(text))}: unknown key `{unknown[0]}`; a scenario file has "
            "`flow`, `recipients` and `[[scenario]]` tables"
        )
    recipients = data.get("recipients")
    if recipients is not None and (not isinstance(recipients, str) or not recipients):
        raise ScenarioError(
            f"{path}:{_line_of(text, 'recipients', 0, len(text))}: `recipients` must be the name of a .csv or .jsonl "
            "file"
        )
    flow_name = data.get("flow", path.with_suffix(".ivr").name)
    if not isinstance(flow_name, str) or not flow_name:
        raise ScenarioError(f"{path}:{_line_of(text, 'flow', 0, len(text))}: `flow` must be the name of a .ivr file")
    flow = path.parent / flow_name
    if not flow.is_file():
        raise ScenarioError(f"{path}: its flow {flow} does not exist")
    tables = data.get("scenario", [])
    if not isinstance(tables, list) or not tables:
        raise ScenarioError(f"{path}: no [[scenario]] tables")
    headers = [m.start() for m in _HEADER.finditer(text)]
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for index, table in enumerate(tables):
        start = headers[index] if index < len(headers) else 0
        end = headers[index + 1] if index + 1 < len(headers) else len(text)
        try:
            scenarios.append(_scenario(table, index, text, start, end))
        except _Malformed as error:
            problems.append(Problem(path, error.line, error.message))
    return Suite(flow, scenarios, problems, path.parent / recipients if recipients else None)


class _Malformed(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _line_of(text: str, key: str, start: int, end: int) -> int:
    """The line where `key =` is written between two offsets, or the line `start` is on."""
    match = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.M).search(text, start, end)
    return text.count("\n", 0, match.start() if match else start) + 1


def _scenario(table: Any, index: int, text: str, start: int, end: int) -> Scenario:
    header = text.count("\n", 0, start) + 1
    where = f"scenario {index + 1}"

    def malformed(key: str | None, message: str) -> _Malformed:
        return _Malformed(_line_of(text, key, start, end) if key else header, f"{where}: {message}")

    if not isinstance(table, dict):
        raise malformed(None, "must be a table")
    if isinstance(table.get("name"), str) and table["name"]:
        where = f"{where} ({table['name']})"
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        close = difflib.get_close_matches(unknown[0], KEYS, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else f"; the keys are {', '.join(KEYS)}"
        raise malformed(unknown[0], f"unknown key `{unknown[0]}`{hint}")
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise malformed("name" if "name" in table else None, "needs a `name`")
    keys = table.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise malformed("keys", '`keys` must be a list of texts such as ["1", "timeout"]')
    expect = {k: table[k] for k in EXPECTATIONS if k in table}
    if not expect:
        raise malformed(None, f"expects nothing; give at least one of {', '.join(EXPECTATIONS)}")
    if "end" in expect and expect["end"] not in ENDS:
        raise malformed("end", f"`end` must be one of {', '.join(ENDS)}")
    for key in ("path", "heard", "calls"):
        if key in expect and not (isinstance(expect[key], list) and all(isinstance(v, str) for v in expect[key])):
            raise malformed(key, f"`{key}` must be a list of texts")
    if "marks" in expect and not (
        isinstance(expect["marks"], list) and all(isinstance(m, dict) for m in expect["marks"])
    ):
        raise malformed("marks", '`marks` must be a list of tables such as { type = "custom", value = "x" }')
    row = table.get("row", 1)
    if isinstance(row, bool) or not isinstance(row, int) or row < 1:
        raise malformed("row", "`row` must be a row of the recipients file, counted from 1")
    entries = tuple(None if k.strip().lower() == "timeout" else k.strip() for k in keys)
    return Scenario(name, entries, expect, _line_of(text, "name", start, end), row)


def toml_value(value: Any) -> str:
    """A value as a scenario file writes it, for messages: `["foo", "bar"]`, `{ type = "remove" }`."""
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        pairs = ", ".join(
            f"{k if re.fullmatch(r'[A-Za-z0-9_-]+', k) else toml_value(k)} = {toml_value(v)}" for k, v in value.items()
        )
        return "{ " + pairs + " }"
    return str(value)


def _same_number(expected: str, got: str, region: str | None) -> bool:
    """A bridged number as the flow reads numbers: `03-555-9876` in a flow with `region IL` is 97235559876."""
    if expected == got:
        return True
    from ivrc.language import phone

    reading = phone.read(expected, region)
    return reading.digits is not None and reading.digits == got


def check(scenario: Scenario, call: Call, region: str | None = None) -> list[str]:
    """What the call did that the scenario did not expect, in words and in .ivrtest syntax."""
    failures = []
    expect = scenario.expect
    if "path" in expect:
        path = _path(call)
        if path != expect["path"]:
            failures.append(
                f"path: expected {' → '.join(expect['path']) or 'no step'}, got {' → '.join(path) or 'no step'}"
            )
    if "end" in expect and call.end != expect["end"]:
        failures.append(f"end: expected {toml_value(expect['end'])}, got {toml_value(call.end)}")
    if "heard" in expect:
        texts = [e["text"] for e in call.events if e["type"] in ("prompt", "play", "invalid") and e.get("text")]
        missing = _in_order(expect["heard"], texts)
        if missing is not None:
            failures.append(
                f"heard: expected to hear {toml_value(missing)} (in order), but the call said {toml_value(texts)}"
            )
    if "marks" in expect:
        marks = [
            {"type": e["mark"], **({"value": e["value"]} if e.get("value") is not None else {})}
            for e in call.events
            if e["type"] == "mark"
        ]
        if marks != expect["marks"]:
            failures.append(f"marks: expected {toml_value(expect['marks'])}, got {toml_value(marks)}")
    if "calls" in expect:
        calls = [e["number"] for e in call.events if e["type"] == "call"]
        wanted = expect["calls"]
        if len(calls) != len(wanted) or not all(
            _same_number(w, c, region) for w, c in zip(wanted, calls, strict=False)
        ):
            failures.append(f"calls: expected {toml_value(wanted)}, got {toml_value(calls)}")
    return failures


def _path(call: Call) -> list[str]:
    """The steps entered, in order; a step's prompt said again on a retry is the same visit."""
    path: list[str] = []
    for event in call.events:
        if event["type"] == "prompt" and event.get("step") is not None and event.get("attempt", 1) == 1:
            path.append(event["step"])
    return path


def _in_order(wanted: list[str], texts: list[str]) -> str | None:
    """The first wanted text not heard after the one before it, or None when all are there."""
    heard = "\n".join(texts)
    position = 0
    for want in wanted:
        found = heard.find(want, position)
        if found < 0:
            return want
        position = found + len(want)
    return None


@dataclass(frozen=True)
class Target:
    """What the scenarios run against: the flow's request (for a template, each row's) and the
    region its numbers are read in."""

    request: dict[str, Any] | None
    region: str | None
    rows: dict[int, dict[str, Any]] | None = None

    def request_for(self, scenario: Scenario) -> dict[str, Any] | None:
        return self.request if self.rows is None else self.rows.get(scenario.row)


def run_suite(suite: Suite, path: Path, target: Target) -> list[Outcome]:
    """Run every well-formed scenario of one file against its flow."""
    outcomes = []
    for scenario in suite.scenarios:
        request = target.request_for(scenario)
        if request is None:
            outcomes.append(
                Outcome(scenario, path, (f"row: {suite.recipients} has no row {scenario.row} without errors",))
            )
            continue
        call = run(request, scripted(list(scenario.keys)))
        outcomes.append(Outcome(scenario, path, tuple(check(scenario, call, target.region)), call, request))
    return outcomes


def discover(paths: list[Path]) -> tuple[list[Path], list[str], list[Path]]:
    """Scenario files: named ones, those beside named .ivr files, and those in named folders;
    the paths that do not exist; and the named flows that have no scenario file beside them."""
    found: list[Path] = []
    missing: list[str] = []
    untested: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file()))
        elif path.suffix == ".ivr":
            beside = path.with_suffix(SUFFIX)
            if beside.is_file():
                found.append(beside)
            elif not path.exists():
                missing.append(f"{path}: no such file")
            else:
                untested.append(path)
        elif path.suffix in (".csv", ".jsonl") and path.is_file():
            found.extend(suites_playing(path))  # a changed recipients file: the tests that play its rows
        elif path.is_file():
            found.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(found))
    return unique, missing, untested


def suites_playing(data: Path, root: Path | None = None) -> list[Path]:
    """The scenario files below `root` (the current folder) whose `recipients` is `data`."""
    import os

    from ivrc.language.config import toml

    root = root or Path.cwd()
    found = []
    for candidate in sorted(root.rglob(f"*{SUFFIX}")):
        if any(part.startswith(".") for part in candidate.relative_to(root).parts[:-1]):
            continue
        try:
            named = toml().loads(candidate.read_text(encoding="utf-8")).get("recipients")
            if isinstance(named, str) and named and os.path.samefile(candidate.parent / named, data):
                found.append(candidate.relative_to(root) if not data.is_absolute() else candidate)
        except (OSError, ValueError, UnicodeDecodeError):
            continue  # a scenario file that cannot be read names nothing here; named itself, it says why
    return found
