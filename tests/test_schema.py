"""The schemas themselves, and the compiler's last gate: nothing that fails them is emitted."""

from __future__ import annotations

import copy
import json
import re

import pytest
from conftest import EXAMPLES, SCHEMAS
from jsonschema import Draft202012Validator

import ivrc
from ivrc.build import schema as schema_module
from ivrc.checks import BY_NAME


@pytest.mark.parametrize("kind", ["dialer", "simple_dialer"])
def test_schemas_are_valid_2020_12(kind):
    document = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)


def test_schema_violation_docs_examples():
    blocks = re.findall(r"```\n(.*?)```", BY_NAME["schema-violation"].docs, flags=re.S)
    bad, good = (json.loads(b) for b in blocks[:2])
    validator = Draft202012Validator(schema_module.schema("dialer"))
    assert list(validator.iter_errors(bad)) != []
    assert list(validator.iter_errors(good)) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.update(max_retries=10001),
        lambda r: r.update(surprise="field"),
        lambda r: r["ivr"]["steps"][0].update(gender="robot"),
        lambda r: r["ivr"]["steps"][0]["actions"][0].update(key={"min": "1"}),
        lambda r: r["ivr"]["steps"][0]["actions"][0]["actions"].append({"action": "fly"}),
        lambda r: r.pop("return_address"),
        lambda r: r.pop("number"),
        lambda r: r.update(numbers_from_queue=True),
    ],
)
def test_schema_rejects_what_the_api_does_not_define(change):
    request = ivrc.compile((EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8"))
    broken = copy.deepcopy(request)
    change(broken)
    assert list(Draft202012Validator(schema_module.schema("dialer")).iter_errors(broken)) != []


def _in_place(monkeypatch: pytest.MonkeyPatch, strict: dict) -> None:
    """A stricter dialer schema, for the gate (jsonschema-rs) and for the reference alike."""
    original = schema_module.schema
    monkeypatch.setattr(schema_module, "schema", lambda kind: strict if kind == "dialer" else original(kind))
    monkeypatch.setattr(schema_module, "_validator", lambda kind: Draft202012Validator(schema_module.schema(kind)))


def test_the_compiler_never_emits_what_fails_the_schema(monkeypatch):
    """With a stricter schema in place, the compiler reports the violation at its source and emits nothing."""
    strict = copy.deepcopy(schema_module.schema("dialer"))
    strict["properties"]["max_retries"]["maximum"] = 2
    _in_place(monkeypatch, strict)
    source = (EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8")
    result = ivrc.analyze(source, path="wr.ivr", emit_request=True)
    assert result.request is None
    [violation] = result.diagnostics
    assert (violation.rule, violation.path, violation.line, violation.column) == ("schema-violation", "wr.ivr", 8, 21)
    assert violation.message == "`max_retries` must be at most 2, not 3"
    with pytest.raises(ivrc.CompileError):
        ivrc.compile(source)


def test_violation_inside_a_step_points_into_the_step(monkeypatch):
    strict = copy.deepcopy(schema_module.schema("dialer"))
    strict["$defs"]["action"]["properties"]["action"]["enum"].remove("wait")
    _in_place(monkeypatch, strict)
    result = ivrc.analyze((EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8"), emit_request=True)
    lines = sorted({(d.line, d.column) for d in result.diagnostics})
    assert lines == [(25, 9), (29, 13), (32, 9)]
