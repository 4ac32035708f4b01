"""`ivrc decompile`: JSON requests to .ivr that compiles back to the same request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GOLDEN, run_ivrc
from hypothesis import given
from hypothesis import strategies as st

import ivrc
from ivrc.build.decompiler import normalise
from ivrc.language.config import Config

REQUESTS = Path(__file__).resolve().parent / "requests"


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_compiled_examples_come_back_byte_for_byte(golden):
    text = golden.read_text(encoding="utf-8")
    written = ivrc.decompile(text, region="IL")
    assert ivrc.dumps(ivrc.compile(written)) == text
    assert ivrc.fmt(written) == written, "decompiled text is already in the canonical layout"


@pytest.mark.parametrize("request_file", sorted(REQUESTS.glob("*.json")), ids=lambda p: p.stem)
def test_requests_in_the_tests_round_trip(request_file):
    text = request_file.read_text(encoding="utf-8")
    written = ivrc.decompile(text, region="IL")
    everything = Config(suppress=False)
    back = ivrc.analyze(written, config=everything)
    from ivrc.build import emit as emitter
    from ivrc.language import model

    request = emitter.emit(model.build(back.flow, Config(region="IL"))).request
    assert normalise(request, "IL") == normalise(json.loads(text), "IL")
    # The findings come across too, so lint on the result says what lint on the request said.
    assert sorted(d.rule for d in back.diagnostics) == sorted(
        d.rule for d in ivrc.lint(text, path="r.json", region="IL")
    )


def test_a_request_with_findings_still_decompiles_faithfully():
    request = {
        "return_address": "https://example.com/r",
        "number": "+972546000000",
        "ivr": {
            "count_steps": 2,
            "have_dependency": "true",
            "steps": [
                {
                    "step_id": "menu",
                    "dtmf_ivr": ["1", "10", "11"],
                    "actions": [
                        {"key": "1", "actions": [{"action": "goto", "params": {"step_id": "nowhere"}}]},
                        {"key": {"min": "10", "max": "12"}, "actions": [{"action": "wait", "params": {"sleep": 600}}]},
                        {"key": "11", "actions": [{"action": "hangup"}]},
                    ],
                },
                {"step_id": "orphan", "prompt": "Nobody hears this"},
            ],
        },
    }
    text = json.dumps(request)
    written = ivrc.decompile(text)
    expected = [
        "ambiguous-key-prefix",
        "dangling-goto",
        "key-not-offered",
        "long-wait",
        "overlapping-range",
        "unreachable-step",
    ]
    assert sorted({d.rule for d in ivrc.lint(written)}) == expected
    assert sorted({d.rule for d in ivrc.lint(text, path="r.json")}) == expected


def test_equivalent_spellings_are_accepted():
    """JSON booleans, numeric strings, `+` in numbers, defaults written out, a one-entry list."""
    request = {
        "return_address": "https://example.com/r", "numbers_from_queue": True, "schedule_type": "seconds", "schedule": "300",
        "max_retries": "3", "cli": "", "ivr": {"count_steps": "1", "have_dependency": False, "steps": [
            {"step_id": "a", "prompt": ["Hi"], "prompt_is_file": False, "gender": "female", "dtmf_ivr": ["1"],
             "actions": [{"key": "1", "actions": None}]}]},
    }  # fmt: skip
    written = ivrc.decompile(json.dumps(request))
    assert normalise(ivrc.compile(written)) == normalise(request)
    assert "keys" not in written, "dtmf_ivr is what the handlers give, so no `keys` line"


def test_cli_writes_the_file_and_says_nothing(tmp_path):
    out = tmp_path / "flow.ivr"
    result = run_ivrc("decompile", str(GOLDEN / "delivery_notice.json"), "--region", "IL", "-o", str(out))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert out.read_text(encoding="utf-8").startswith("region IL\n\nsimple_dialer")
    assert run_ivrc("compile", str(out)).stdout == (GOLDEN / "delivery_notice.json").read_text(encoding="utf-8")


def test_cli_reports_what_cannot_be_written_and_writes_nothing(tmp_path):
    source = tmp_path / "r.json"
    source.write_text(
        '{"return_address": "https://example.com/r", "number": "972546000000",\n "priority": "high",\n "ivr": {"count_steps": 1, "steps": [{"step_id": "a"}]}}',
        encoding="utf-8",
    )
    out = tmp_path / "r.ivr"
    result = run_ivrc("decompile", str(source), "-o", str(out))
    assert result.returncode == 1
    assert (
        f'{source}:2:2: error[not-expressible]: `priority` ("high") has no .ivr form and would be dropped'
        in result.stderr
    )
    assert not out.exists()


def test_cli_syntax_error_and_missing_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"return_address": }', encoding="utf-8")
    result = run_ivrc("decompile", str(bad))
    assert result.returncode == 1 and f"{bad}:1:20: error[syntax-error]" in result.stderr
    assert run_ivrc("decompile", str(tmp_path / "none.json")).returncode == 2


# ---- generated requests --------------------------------------------------------------------

PHONES = ["+972546000000", "972523000000", "+14155552671", "442079460958", "+79161234567"]
words = st.text(alphabet=st.sampled_from(list("abc XYZ שלום привет 123,.!?'\"\\")), min_size=1, max_size=25)
seconds = st.integers(0, 120)


@st.composite
def steps(draw, names: list[str], index: int) -> dict:
    step: dict = {"step_id": names[index]}
    if draw(st.booleans()):
        step["gender"] = draw(st.sampled_from(["male", "female"]))
    kind = draw(st.sampled_from(["text", "texts", "placeholders", "file"]))
    if kind == "text":
        step["prompt"] = draw(words)
    elif kind == "texts":
        step["prompt"] = draw(st.lists(words, min_size=2, max_size=3))
    elif kind == "file":
        step["prompt"], step["prompt_is_file"] = draw(st.sampled_from(["a.wav", "welcome.wav"])), "true"
    else:
        values = draw(st.dictionaries(st.sampled_from(["name", "day", "0", "1"]), words, min_size=1, max_size=3))
        step["prompt"] = {"text": " ".join(f"${k}$" for k in values), "fields": len(values), **values}
    singles = draw(st.lists(st.integers(0, 9).map(str), unique=True, max_size=3))
    lows = draw(st.lists(st.integers(2, 9), unique=True, max_size=2))
    ranges = [{"min": str(low * 10), "max": str(low * 10 + draw(st.integers(0, 9)))} for low in lows]
    handlers = []
    for key in singles + ranges:
        actions = draw(st.lists(st.sampled_from(["play", "play_file", "wait", "mark", "remove"]), max_size=2))
        listed = []
        for action in actions:
            if action == "play":
                listed.append(
                    {
                        "action": "play",
                        "params": {"text": draw(words), "gender": draw(st.sampled_from(["male", "female"]))},
                    }
                )
            elif action == "play_file":
                listed.append({"action": "play", "params": {"text": "song.wav", "is_recording": "true"}})
            elif action == "wait":
                listed.append({"action": "wait", "params": {"sleep": draw(st.sampled_from([0.5, 1, 2.5, 10]))}})
            elif action == "mark":
                listed.append({"action": "mark", "params": {"type": "custom", "value": draw(words)}})
            else:
                listed.append({"action": "mark", "params": {"type": "remove"}})
        end = draw(st.sampled_from(["none", "hangup", "goto", "call"]))
        if end == "hangup":
            listed.append({"action": "hangup"})
        elif end == "goto":
            listed.append({"action": "goto", "params": {"step_id": draw(st.sampled_from(names))}})
        elif end == "call":
            listed.append(
                {"action": "call", "params": {"number": draw(st.sampled_from(PHONES)), "cli": "", "dtmf_keys": "w12#"}}
            )
        handlers.append({"key": key, "actions": listed})
    if handlers:
        step["actions"] = handlers
        offered = [h["key"] if isinstance(h["key"], str) else None for h in handlers]
        if None not in offered and draw(st.booleans()):
            step["dtmf_ivr"] = offered if len(offered) > 1 else offered[0]
    if draw(st.booleans()):
        step["dtmf_ivr_timeout"] = draw(st.integers(1, 10))
    if draw(st.booleans()):
        step["dtmf_ivr_invalid_text"] = draw(words)
    return step


@st.composite
def dialer_requests(draw) -> dict:
    names = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), min_size=1, max_size=4, unique=True))
    request: dict = {"unique_id": draw(st.uuids()).hex, "return_address": "https://example.com/report"}
    if draw(st.booleans()):
        request["numbers_from_queue"] = "true"
    else:
        request["number"] = draw(st.sampled_from(PHONES))
    for field in ("max_retries", "ring_timeout", "retry_wait_time"):
        if draw(st.booleans()):
            request[field] = draw(seconds)
    if draw(st.booleans()):
        request["schedule"] = draw(seconds)
    built = [draw(steps(names, i)) for i in range(len(names))]
    has_goto = any(a.get("action") == "goto" for s in built for h in s.get("actions", []) for a in h["actions"])
    request["ivr"] = {"count_steps": len(built), "have_dependency": "true" if has_goto else "false", "steps": built}
    return request


@st.composite
def simple_requests(draw) -> dict:
    request: dict = {"from_campaign": draw(st.sampled_from(["true", "false"]))}
    if request["from_campaign"] == "false":
        request["leg_a"] = draw(st.sampled_from(PHONES))
    if draw(st.booleans()):
        request["tts"], request["sound"] = "true", draw(words)
        request["gender"] = draw(st.sampled_from(["male", "female"]))
    else:
        request["tts"], request["sound"] = "false", "notice.wav"
    if draw(st.booleans()):
        request["leg_b"], request["dtmf_b"] = draw(st.sampled_from(PHONES)), "w1#"
    for field in ("answer_delay", "ring_timeout", "max_retries", "retry_wait_time"):
        if draw(st.booleans()):
            request[field] = draw(seconds)
    if draw(st.booleans()):
        request["dial_at"] = draw(st.integers(2_000_000_000, 3_000_000_000))
    return request


@given(st.one_of(dialer_requests(), simple_requests()))
def test_generated_requests_round_trip(request):
    written = ivrc.decompile(json.dumps(request, ensure_ascii=False))
    result = ivrc.analyze(written, emit_request=True)
    assert result.request is not None, [d.message for d in result.diagnostics]
    assert normalise(result.request) == normalise(request)
    assert ivrc.fmt(written) == written
