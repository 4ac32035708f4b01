"""The JSON front end: requests as teams already have them, read with positions into the same AST."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, SINGLE_REQUEST_EXAMPLES
from hypothesis import example, given
from hypothesis import strategies as st

import ivrc
from ivrc.language.config import Config
from ivrc.language.diagnostics import Diagnostic

REQUESTS = Path(__file__).resolve().parent / "requests"


def findings(text: str, region: str | None = "IL", config: Config | None = None) -> list[tuple[str, int, int]]:
    return [(d.rule, d.line, d.column) for d in ivrc.lint(text, path="request.json", region=region, config=config)]


def test_the_api_documents_full_example():
    """Two of its sample numbers have a length that no Israeli number beginning like them has:
    `05460000000` one digit too many, `053000000` one too few. `054000000` begins no kind of
    Israeli number at all, so it is only outside the known plan."""
    text = (REQUESTS / "api_document_test.json").read_text(encoding="utf-8")
    assert findings(text) == [
        ("invalid-phone-number", 8, 15),
        ("ambiguous-key-prefix", 18, 30),
        ("sleep-rounded-up", 27, 68),
        ("sleep-rounded-up", 47, 68),
        ("invalid-phone-number", 65, 69),
        ("unallocated-phone-number", 65, 89),
    ]


def test_the_api_documents_simple_dialer_example():
    """Its `"dial_at": ""` and empty caller id are accepted as the service accepts them."""
    text = (REQUESTS / "api_document_simple_test.json").read_text(encoding="utf-8")
    assert findings(text) == [("unallocated-phone-number", 5, 14), ("unallocated-phone-number", 11, 14)]


def test_json_booleans_numeric_strings_and_ranges():
    assert findings((REQUESTS / "age_gate_teens.json").read_text(encoding="utf-8")) == []


def test_local_numbers_in_json_need_a_region_too():
    text = (REQUESTS / "api_document_test.json").read_text(encoding="utf-8")
    assert ("invalid-phone-number", 8, 15) in findings(text, region=None)


@pytest.mark.parametrize("example", SINGLE_REQUEST_EXAMPLES, ids=lambda p: p.stem)
def test_compiled_examples_read_back_with_the_same_findings(example):
    """One AST, two front ends: a flow and its compiled JSON get the same findings."""
    source = example.read_text(encoding="utf-8")
    everything = Config(suppress=False)
    from_ivr = sorted(d.rule for d in ivrc.lint(source, config=everything))
    from_json = sorted(d.rule for d in ivrc.lint(ivrc.dumps(ivrc.compile(source)), path="x.json", config=everything))
    assert from_json == from_ivr


def test_duplicate_keys_are_reported_where_they_repeat():
    text = '{"return_address": "https://a.example", "numbers_from_queue": "true",\n "return_address": "https://b.example",\n "ivr": {"count_steps": 1, "steps": [{"step_id": "a"}]}}'
    [finding] = [d for d in ivrc.lint(text, path="r.json") if d.rule == "duplicate-setting"]
    assert (finding.line, finding.column, finding.message) == (2, 2, "`return_address` is already set on line 1")


@pytest.mark.parametrize(
    "text,rule,message",
    [
        ("[1, 2]", "missing-request", "a request is a JSON object"),
        ('{"name": "site"}', "missing-request", "this JSON is not a dialer or simple_dialer request"),
        ('{"sound": "\\x41"}', "syntax-error", "a JSON string cannot be read"),
        ('{"sound": "hi",}', "syntax-error", "expected a quoted text, found `}`"),
        ("", "syntax-error", "the file ends too soon; expected a JSON value"),
    ],
)
def test_json_that_is_not_a_request(text, rule, message):
    [finding] = ivrc.lint(text, path="r.json")
    assert finding.rule == rule
    assert finding.message.startswith(message)


def test_a_goto_with_have_dependency_false_is_found_and_counts_as_sequential():
    request = ivrc.compile((EXAMPLES / "white_rabbit.ivr").read_text(encoding="utf-8"))
    request["ivr"]["have_dependency"] = "false"
    rules = {d.rule for d in ivrc.lint(json.dumps(request, ensure_ascii=False), path="r.json")}
    assert "goto-ignored" in rules
    assert "unreachable-step" not in rules, "in sequential mode every step runs"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "ivr",
                    "steps",
                    "actions",
                    "key",
                    "min",
                    "max",
                    "action",
                    "params",
                    "prompt",
                    "number",
                    "leg_a",
                    "sound",
                    "dtmf_ivr",
                    "step_id",
                    "text",
                    "sleep",
                    "count_steps",
                    "have_dependency",
                    "x",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@given(json_values)
@example({"ivr": {"have_dependency": True}})  # a branching flow with no steps at all, found by a long fuzz
def test_any_json_gives_only_diagnostics(value):
    found = ivrc.lint(json.dumps(value), path="r.json")
    assert all(isinstance(d, Diagnostic) and d.line >= 1 for d in found)


@given(st.text(max_size=200))
def test_any_text_as_json_gives_only_diagnostics(text):
    assert all(isinstance(d, Diagnostic) for d in ivrc.lint(text, path="r.json"))


@given(
    json_values,
    st.sampled_from([None, 0, 2, "\t"]),
    st.sampled_from([(",", ":"), (", ", ": "), (" ,\n", " :  ")]),
    st.booleans(),
)
def test_the_located_reading_gives_the_spans_lark_gives(value, indent, separators, ascii_only):
    """Positions are found by one regular expression over JSON that `json.loads` took; Lark's
    reading, which the JSON grammar defines, is the reference for every value and key."""
    from ivrc.build.json_text import parse_lark, parse_located

    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=ascii_only)
    assert parse_located(text) == parse_lark(text)
    assert parse_located("\n  " + text + "\r\n") == parse_lark("\n  " + text + "\r\n")


def _every_check_with_positions(text: str) -> list[Diagnostic]:
    """The reference: the request read with positions, the schema and every check run on it."""

    from ivrc import checks
    from ivrc.build import from_json
    from ivrc.build.library import _unreadable_steps
    from ivrc.build.schema import validate_json
    from ivrc.language import model as semantics

    config = Config(region="IL")
    flow, plain, found = from_json.read(text, exact=True)
    found = list(found)
    if flow is not None and plain is not None:
        found += validate_json(flow.requests[0].kind, plain)
        found += checks.run(semantics.build(flow, config))
    if _unreadable_steps(found):  # as the library reads it: a step it could not read is the schema's
        found = [d for d in found if d.rule not in ("missing-step", "count-steps-mismatch")]
    return checks.configure([d._replace(path="r.json") for d in found], config)


_COMPILED = [json.loads(ivrc.dumps(ivrc.compile(p.read_text(encoding="utf-8")))) for p in SINGLE_REQUEST_EXAMPLES]


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _put(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    copied = json.loads(json.dumps(value))
    here = copied
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = new
    return copied


@given(st.sampled_from(_COMPILED), st.data(), st.lists(json_values, min_size=1, max_size=3))
def test_a_second_reading_by_the_checks_that_found_something_finds_what_every_check_finds(request, data, news):
    """A request with findings is read again for their positions, and only the checks that found
    something run again: the findings are those of every check on the request read with positions."""
    for new in news:
        path = data.draw(st.sampled_from(_paths(request)))
        request = _put(request, path, new)
    text = json.dumps(request, indent=2, ensure_ascii=False)
    assert ivrc.lint(text, path="r.json", region="IL") == _every_check_with_positions(text)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
        max_leaves=40,
    )
)
def test_json_is_written_as_the_standard_library_writes_it(value):
    from ivrc.language.pretty_json import dumps

    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
    assert dumps({1: value}) == json.dumps({1: value}, ensure_ascii=False, indent=2)  # a key that is no string
