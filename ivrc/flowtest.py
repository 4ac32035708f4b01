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

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivrc.simulate import ENDS, Call, run, scripted

SUFFIX = ".ivrtest"
EXPECTATIONS = ("path", "end", "heard", "marks", "calls")
KEYS = ("name", "keys", *EXPECTATIONS)


class ScenarioError(Exception):
    """A scenario file that cannot be run; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Scenario:
    name: str
    keys: tuple[str | None, ...]
    expect: dict[str, Any]
    line: int


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    file: Path
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def load(path: Path) -> tuple[Path, list[Scenario]]:
    """The flow a scenario file tests and its scenarios; ScenarioError when it is malformed."""
    from ivrc.config import tomllib

    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from None
    unknown = set(data) - {"flow", "scenario"}
    if unknown:
        raise ScenarioError(f"{path}: unknown key `{sorted(unknown)[0]}`; a scenario file has `flow` and `[[scenario]]` tables")
    flow = path.parent / data.get("flow", path.with_suffix(".ivr").name)
    if not flow.is_file():
        raise ScenarioError(f"{path}: its flow {flow} does not exist")
    tables = data.get("scenario", [])
    if not isinstance(tables, list) or not tables:
        raise ScenarioError(f"{path}: no [[scenario]] tables")
    return flow, [_scenario(path, text, table, index) for index, table in enumerate(tables)]


def _scenario(path: Path, text: str, table: Any, index: int) -> Scenario:
    where = f"{path}: scenario {index + 1}"
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: must be a table")
    unknown = set(table) - set(KEYS)
    if unknown:
        raise ScenarioError(f"{where}: unknown key `{sorted(unknown)[0]}`; the keys are {', '.join(KEYS)}")
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"{where}: needs a `name`")
    keys = table.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ScenarioError(f"{where} ({name}): `keys` must be a list of texts such as [\"1\", \"timeout\"]")
    expect = {k: table[k] for k in EXPECTATIONS if k in table}
    if not expect:
        raise ScenarioError(f"{where} ({name}): expects nothing; give at least one of {', '.join(EXPECTATIONS)}")
    if "end" in expect and expect["end"] not in ENDS:
        raise ScenarioError(f"{where} ({name}): `end` must be one of {', '.join(ENDS)}")
    for key in ("path", "heard", "calls"):
        if key in expect and not (isinstance(expect[key], list) and all(isinstance(v, str) for v in expect[key])):
            raise ScenarioError(f"{where} ({name}): `{key}` must be a list of texts")
    if "marks" in expect and not (isinstance(expect["marks"], list) and all(isinstance(m, dict) for m in expect["marks"])):
        raise ScenarioError(f"{where} ({name}): `marks` must be a list of tables such as {{ type = \"custom\", value = \"x\" }}")
    match = re.search(rf"^\s*name\s*=\s*{re.escape(_toml_string(name))}", text, flags=re.M)
    line = text.count("\n", 0, match.start()) + 1 if match else 1
    entries = tuple(None if k.strip().lower() == "timeout" else k.strip() for k in keys)
    return Scenario(name, entries, expect, line)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check(scenario: Scenario, call: Call) -> list[str]:
    """What the call did that the scenario did not expect, in words."""
    failures = []
    expect = scenario.expect
    if "path" in expect:
        path = _path(call)
        if path != expect["path"]:
            failures.append(f"path: expected {' → '.join(expect['path']) or 'no step'}, got {' → '.join(path) or 'no step'}")
    if "end" in expect and call.end != expect["end"]:
        failures.append(f"end: expected {expect['end']}, got {call.end}")
    if "heard" in expect:
        texts = [e["text"] for e in call.events if e["type"] in ("prompt", "play", "invalid") and e.get("text")]
        missing = _in_order(expect["heard"], texts)
        if missing is not None:
            failures.append(f"heard: expected to hear {missing!r} (in order), but the call said: {texts}")
    if "marks" in expect:
        marks = [{"type": e["mark"], **({"value": e["value"]} if e.get("value") is not None else {})} for e in call.events if e["type"] == "mark"]
        if marks != expect["marks"]:
            failures.append(f"marks: expected {expect['marks']}, got {marks}")
    if "calls" in expect:
        calls = [e["number"] for e in call.events if e["type"] == "call"]
        if calls != expect["calls"]:
            failures.append(f"calls: expected {expect['calls']}, got {calls}")
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


def run_file(path: Path, request_for: Callable[[Path], dict[str, Any]]) -> list[Outcome]:
    """Run every scenario of one file against its flow's request."""
    flow, scenarios = load(path)
    request = request_for(flow)
    outcomes = []
    for scenario in scenarios:
        call = run(request, scripted(list(scenario.keys)))
        outcomes.append(Outcome(scenario, path, tuple(check(scenario, call))))
    return outcomes


def discover(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Scenario files: named ones, those beside named .ivr files, and those in named folders."""
    found: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file()))
        elif path.suffix == ".ivr":
            beside = path.with_suffix(SUFFIX)
            if beside.is_file():
                found.append(beside)
            elif not path.exists():
                missing.append(f"{path}: no such file")
        elif path.is_file():
            found.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    unique = list(dict.fromkeys(found))
    return unique, missing
