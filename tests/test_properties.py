"""Property tests: no input makes ivrc raise; what compiles always fits the schema."""

from __future__ import annotations

import json

from conftest import SCHEMAS
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import ivrc
from ivrc.language.diagnostics import Diagnostic

# Pieces of the language, so that generated text often gets far into the grammar.
WORDS = [
    "region", "IL", "dialer", "simple_dialer", "step", "{", "}", ";", "->", "..", ",", "=",
    "return_address", "number", "numbers", "from", "queue", "campaign", "cli", "dtmf", "max_retries",
    "ring_timeout", "retry_wait_time", "schedule", "in", "at", "leg_a", "leg_b", "answer_delay", "dial_at",
    "voice", "male", "female", "say", "file", "with", "keys", "timeout", "retries", "invalid", "on",
    "play", "wait", "goto", "call", "mark", "remove", "custom", "hangup", "menu", "foo", "1", "11",
    "10..12", "*", '"#"', "3s", "0.5s", "500ms", "5m", "1h", "20000", '"054-600-0000"', '"+14155552671"',
    '"x"', '"$name$"', '"שלום"', '"Привет"', "2026-12-01T09:00+02:00", "2026-02-30T09:00", "#c\n", "\n",
]  # fmt: skip

fragments = st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join)
anything = st.one_of(
    st.text(max_size=300), fragments, st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace"))
)


def _only_diagnostics(found: list) -> None:
    assert all(isinstance(d, Diagnostic) for d in found)
    for d in found:
        assert d.line >= 1 and d.column >= 1
        assert (d.end_line, d.end_column) >= (d.line, d.column)


@given(anything)
def test_lint_never_raises(text):
    _only_diagnostics(ivrc.lint(text))


@given(anything)
def test_compile_gives_a_valid_request_or_diagnostics(text):
    result = ivrc.analyze(text, emit_request=True)
    _only_diagnostics(list(result.diagnostics))
    if result.request is not None:
        assert result.ok
        kind = "dialer" if "ivr" in result.request else "simple_dialer"
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
        assert list(Draft202012Validator(schema).iter_errors(result.request)) == []
        assert json.loads(ivrc.dumps(result.request)) == result.request


step_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n not in WORDS)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@st.composite
def flows(draw):
    """Well-formed flows: steps with handlers, some gotos, ranges and texts in any script."""
    names = draw(st.lists(step_names, min_size=1, max_size=5, unique=True))
    lines = ["region IL", 'dialer "id" { return_address "https://example.com/r"; numbers from queue }']
    for name in names:
        body = [f"say {json.dumps(draw(texts), ensure_ascii=False)}"]
        keys = draw(st.lists(st.integers(0, 30), max_size=4, unique=True))
        for key in keys:
            action = draw(
                st.sampled_from(
                    [
                        "hangup",
                        "wait 1.5s",
                        f"goto {draw(st.sampled_from(names))}",
                        'mark custom "m"',
                        'play "p" voice male',
                    ]
                )
            )
            body.append(f"on {key} -> {action}")
        if draw(st.booleans()):
            low = draw(st.integers(31, 60))
            body.append(f"on {low}..{low + draw(st.integers(0, 9))} -> hangup")
        lines.append(f"step {name} {{\n    " + "\n    ".join(body) + "\n}")
    return "\n".join(lines) + "\n"


@given(flows())
def test_generated_flows_compile_deterministically(source):
    result = ivrc.analyze(source, emit_request=True)
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert errors == []
    assert result.request is not None
    again = ivrc.analyze(source, emit_request=True).request
    assert ivrc.dumps(again) == ivrc.dumps(result.request)
    ivr = result.request["ivr"]
    assert ivr["count_steps"] == len(ivr["steps"])
    assert ivr["have_dependency"] == ("true" if "-> goto " in source else "false")
