"""Every bundled example compiles cleanly to its golden JSON, and every golden fits the schemas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, GOLDEN, ROOT, SCHEMAS, run_ivrc
from jsonschema import Draft202012Validator

import ivrc

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.ivr"))


def test_there_are_the_five_promised_examples():
    names = {p.stem for p in EXAMPLE_FILES}
    assert {"white_rabbit", "age_gate", "appointment_reminder", "satisfaction_survey", "delivery_notice"} <= names
    assert "personal_reminder" in names and (EXAMPLES / "personal_reminder.csv").is_file()
    assert {p.stem for p in GOLDEN.glob("*.json*")} == names


def _recipients(example: Path) -> Path | None:
    """A template example's recipients: the CSV beside it."""
    beside = example.with_suffix(".csv")
    return beside if beside.is_file() else None


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_compiles_to_its_golden_byte_for_byte(example):
    recipients = _recipients(example)
    if recipients is None:
        result = run_ivrc("compile", str(example.relative_to(ROOT)))
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", "examples compile without any finding"
        assert result.stdout == (GOLDEN / f"{example.stem}.json").read_text(encoding="utf-8")
        return
    result = run_ivrc("compile", str(example.relative_to(ROOT)), "--recipients", str(recipients.relative_to(ROOT)))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"5 requests for 5 rows of {recipients.relative_to(ROOT)}\n", (
        "no finding in the flow or its data"
    )
    assert result.stdout == (GOLDEN / f"{example.stem}.jsonl").read_text(encoding="utf-8")


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_has_no_findings(example):
    assert ivrc.lint(example.read_text(encoding="utf-8"), path=str(example)) == []


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json*")), ids=lambda p: p.stem)
def test_golden_validates_against_its_schema(golden):
    text = golden.read_text(encoding="utf-8")
    requests = [json.loads(line) for line in text.splitlines()] if golden.suffix == ".jsonl" else [json.loads(text)]
    for request in requests:
        kind = "dialer" if "ivr" in request else "simple_dialer"
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        errors = list(Draft202012Validator(schema).iter_errors(request))
        assert errors == []


def test_output_is_the_same_whatever_the_hash_seed(tmp_path):
    example = EXAMPLES / "appointment_reminder.ivr"
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "ivrc", "compile", str(example)], capture_output=True, env=env, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_white_rabbit_matches_the_api_documents_example():
    """The fields of the document's test.json, with its extraction damage repaired (api-notes 1)."""
    request = ivrc.compile((EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8"))
    assert request["schedule"] == 0
    assert request["unique_id"] == "f096c975-caca-4cd4-9819-1cef62237479"
    assert request["return_address"] == "http://127.0.0.1/"
    assert (request["max_retries"], request["ring_timeout"], request["retry_wait_time"]) == (3, 15, 10)
    ivr = request["ivr"]
    assert (ivr["count_steps"], ivr["have_dependency"]) == (2, "true")
    foo, bar = ivr["steps"]
    assert foo["dtmf_ivr"] == ["1", "11", "0", "4"]
    assert (foo["dtmf_ivr_timeout"], foo["dtmf_ivr_retries"]) == (1, 10)
    assert [entry["key"] for entry in foo["actions"]] == ["11", "1", "4", "0"]
    assert foo["actions"][0]["actions"] == [
        {"action": "play", "params": {"text": "תודה שלחצת על אחד עשרה", "gender": "male"}},
        {"action": "wait", "params": {"sleep": 0.5}},
        {"action": "hangup"},
    ]
    assert foo["actions"][1]["actions"] == [{"action": "goto", "params": {"step_id": "bar"}}]
    assert bar["actions"][0]["actions"][0]["params"]["dtmf_keys"] == "WWW111113"
    assert list(request) == [
        "schedule",
        "unique_id",
        "return_address",
        "max_retries",
        "ivr",
        "ring_timeout",
        "retry_wait_time",
        "number",
        "cli",
    ]
