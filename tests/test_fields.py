"""Every field of both request tables of the API document, and the .ivr that produces it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import SCHEMAS

import ivrc

DIALER = """\
region IL
dialer "campaign-7" {
    return_address  "https://example.com/report"
    number          "054-600-0000"
    cli             "03-000-0000"
    dtmf            "W12#"
    max_retries     5
    ring_timeout    15s
    retry_wait_time 1m
    schedule        at 2036-12-01T09:00:00+02:00
}
step menu {
    voice male
    say "Hello $name$" with name = "Dana"
    keys 1, 2, 3, 4, 5, 6, 70..72
    timeout 4s
    retries 2
    invalid say "Not a valid key"
    on 1 -> play "Text" voice female
    on 2 -> play file "song.wav"
    on 3 -> wait 2.5s
    on 4 -> goto second
    on 5 -> call "052-000-0000" cli "03-000-0000" dtmf "ww1"
    on 6 { mark custom "lead"; mark remove; hangup }
    on 70..72 -> hangup
}
step second {
    say file "welcome.wav"
    invalid say file "invalid.wav"
    on 1 -> goto menu
}
"""

QUEUE = """\
dialer { return_address "https://example.com/report"; numbers from queue; schedule in 5m }
step only { say "One", "Two" }
"""

SIMPLE = """\
region IL
simple_dialer "4aa2f0be" {
    leg_a           "03-123-4567" cli "050-000-0000" dtmf "12"
    say             "This is a test"
    voice           male
    answer_delay    2s
    leg_b           "054-555-1234" cli "03-123-4567" dtmf "w1#"
    ring_timeout    15s
    max_retries     3
    retry_wait_time 3s
    dial_at         2036-12-02T08:00:00Z
}
"""

SIMPLE_CAMPAIGN = """\
simple_dialer { numbers from campaign; say file "notice.wav" }
"""

# (request kind, field) -> (source, path to the field in the request, the value it gets)
FIELDS: dict[tuple[str, str], tuple[str, tuple[Any, ...], Any]] = {
    ("dialer", "schedule_type"): (DIALER, ("schedule_type",), "timestamp"),
    ("dialer", "schedule"): (QUEUE, ("schedule",), 300),
    ("dialer", "unique_id"): (DIALER, ("unique_id",), "campaign-7"),
    ("dialer", "return_address"): (DIALER, ("return_address",), "https://example.com/report"),
    ("dialer", "max_retries"): (DIALER, ("max_retries",), 5),
    ("dialer", "ivr"): (DIALER, ("ivr", "count_steps"), 2),
    ("dialer", "ring_timeout"): (DIALER, ("ring_timeout",), 15),
    ("dialer", "retry_wait_time"): (DIALER, ("retry_wait_time",), 60),
    ("dialer", "numbers_from_queue"): (QUEUE, ("numbers_from_queue",), "true"),
    ("dialer", "number"): (DIALER, ("number",), "972546000000"),
    ("dialer", "cli"): (DIALER, ("cli",), "97230000000"),
    ("dialer", "dtmf_originator"): (DIALER, ("dtmf_originator",), "W12#"),
    ("dialer", "count_steps"): (DIALER, ("ivr", "count_steps"), 2),
    ("dialer", "have_dependency"): (DIALER, ("ivr", "have_dependency"), "true"),
    ("dialer", "steps"): (QUEUE, ("ivr", "steps", 0, "step_id"), "only"),
    ("dialer", "step_id"): (DIALER, ("ivr", "steps", 0, "step_id"), "menu"),
    ("dialer", "gender"): (DIALER, ("ivr", "steps", 0, "gender"), "male"),
    ("dialer", "prompt_is_file"): (DIALER, ("ivr", "steps", 1, "prompt_is_file"), "true"),
    ("dialer", "prompt"): (QUEUE, ("ivr", "steps", 0, "prompt"), ["One", "Two"]),
    ("dialer", "text"): (DIALER, ("ivr", "steps", 0, "prompt", "text"), "Hello $name$"),
    ("dialer", "fields"): (DIALER, ("ivr", "steps", 0, "prompt", "fields"), 1),
    ("dialer", "dtmf_ivr"): (DIALER, ("ivr", "steps", 0, "dtmf_ivr"), ["1", "2", "3", "4", "5", "6", "70", "71", "72"]),
    ("dialer", "dtmf_ivr_timeout"): (DIALER, ("ivr", "steps", 0, "dtmf_ivr_timeout"), 4),
    ("dialer", "dtmf_invalid_text_is_file"): (DIALER, ("ivr", "steps", 1, "dtmf_invalid_text_is_file"), "true"),
    ("dialer", "dtmf_ivr_invalid_text"): (DIALER, ("ivr", "steps", 0, "dtmf_ivr_invalid_text"), "Not a valid key"),
    ("dialer", "dtmf_ivr_retries"): (DIALER, ("ivr", "steps", 0, "dtmf_ivr_retries"), 2),
    ("dialer", "actions"): (DIALER, ("ivr", "steps", 0, "actions", 2, "actions", 0, "action"), "wait"),
    ("dialer", "key"): (DIALER, ("ivr", "steps", 0, "actions", 0, "key"), "1"),
    ("dialer", "min"): (DIALER, ("ivr", "steps", 0, "actions", 6, "key"), {"min": "70", "max": "72"}),
    ("dialer", "max"): (DIALER, ("ivr", "steps", 0, "actions", 6, "key", "max"), "72"),
    ("dialer", "action"): (DIALER, ("ivr", "steps", 0, "actions", 5, "actions", 2), {"action": "hangup"}),
    ("dialer", "params"): (DIALER, ("ivr", "steps", 0, "actions", 3, "actions", 0, "params"), {"step_id": "second"}),
    # play
    ("dialer", "play.text"): (DIALER, ("ivr", "steps", 0, "actions", 0, "actions", 0, "params", "text"), "Text"),
    ("dialer", "play.gender"): (DIALER, ("ivr", "steps", 0, "actions", 0, "actions", 0, "params", "gender"), "female"),
    ("dialer", "is_recording"): (
        DIALER,
        ("ivr", "steps", 0, "actions", 1, "actions", 0, "params"),
        {"text": "song.wav", "is_recording": "true"},
    ),
    # wait
    ("dialer", "sleep"): (DIALER, ("ivr", "steps", 0, "actions", 2, "actions", 0, "params", "sleep"), 2.5),
    # call
    ("dialer", "call.number"): (
        DIALER,
        ("ivr", "steps", 0, "actions", 4, "actions", 0, "params", "number"),
        "972520000000",
    ),
    ("dialer", "call.cli"): (DIALER, ("ivr", "steps", 0, "actions", 4, "actions", 0, "params", "cli"), "97230000000"),
    ("dialer", "dtmf_keys"): (DIALER, ("ivr", "steps", 0, "actions", 4, "actions", 0, "params", "dtmf_keys"), "ww1"),
    # mark
    ("dialer", "type"): (DIALER, ("ivr", "steps", 0, "actions", 5, "actions", 1, "params"), {"type": "remove"}),
    ("dialer", "value"): (
        DIALER,
        ("ivr", "steps", 0, "actions", 5, "actions", 0, "params"),
        {"type": "custom", "value": "lead"},
    ),
    # goto
    ("dialer", "goto.step_id"): (
        DIALER,
        ("ivr", "steps", 0, "actions", 3, "actions", 0, "params", "step_id"),
        "second",
    ),
    # simple dialer
    ("simple_dialer", "unique_id"): (SIMPLE, ("unique_id",), "4aa2f0be"),
    ("simple_dialer", "dial_at"): (SIMPLE, ("dial_at",), 2111817600),
    ("simple_dialer", "from_campaign"): (SIMPLE_CAMPAIGN, ("from_campaign",), "true"),
    ("simple_dialer", "leg_a"): (SIMPLE, ("leg_a",), "97231234567"),
    ("simple_dialer", "cid_a"): (SIMPLE, ("cid_a",), "972500000000"),
    ("simple_dialer", "dtmf_a"): (SIMPLE, ("dtmf_a",), "12"),
    ("simple_dialer", "tts"): (SIMPLE_CAMPAIGN, ("tts",), "false"),
    ("simple_dialer", "sound"): (SIMPLE, ("sound",), "This is a test"),
    ("simple_dialer", "gender"): (SIMPLE, ("gender",), "male"),
    ("simple_dialer", "answer_delay"): (SIMPLE, ("answer_delay",), 2),
    ("simple_dialer", "ring_timeout"): (SIMPLE, ("ring_timeout",), 15),
    ("simple_dialer", "max_retries"): (SIMPLE, ("max_retries",), 3),
    ("simple_dialer", "retry_wait_time"): (SIMPLE, ("retry_wait_time",), 3),
    ("simple_dialer", "leg_b"): (SIMPLE, ("leg_b",), "972545551234"),
    ("simple_dialer", "cid_b"): (SIMPLE, ("cid_b",), "97231234567"),
    ("simple_dialer", "dtmf_b"): (SIMPLE, ("dtmf_b",), "w1#"),
}


def _schema_fields(kind: str) -> set[str]:
    """Every property name anywhere in a request schema."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name in node.get("properties", {}):
                found.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("kind", ["dialer", "simple_dialer"])
def test_every_field_of_the_schema_is_in_the_walk(kind):
    walked = {name.split(".")[-1] for k, name in FIELDS if k == kind}
    assert _schema_fields(kind) - walked == set()


@pytest.mark.parametrize("kind,field", list(FIELDS), ids=lambda v: v if isinstance(v, str) else None)
def test_field_is_produced_by_its_construct(kind, field):
    source, path, expected = FIELDS[(kind, field)]
    value: Any = ivrc.compile(source)
    for part in path:
        value = value[part]
    assert value == expected


def test_the_walk_sources_are_clean():
    for source in (DIALER, QUEUE, SIMPLE, SIMPLE_CAMPAIGN):
        # Only information: `wait 2.5s` is there to show a fractional sleep.
        assert [d.rule for d in ivrc.lint(source)] in ([], ["sleep-rounded-up"])


def test_derived_fields_follow_the_flow():
    sequential = ivrc.compile(QUEUE)
    assert sequential["ivr"]["have_dependency"] == "false"
    assert sequential["ivr"]["count_steps"] == len(sequential["ivr"]["steps"]) == 1
    assert "dtmf_ivr" not in sequential["ivr"]["steps"][0]
    assert ivrc.compile(SIMPLE)["from_campaign"] == "false"
    assert ivrc.compile(SIMPLE)["tts"] == "true"


def test_dtmf_ivr_with_one_entry_is_a_string():
    request = ivrc.compile(QUEUE.replace('say "One", "Two"', 'say "Press 0"; on 0 -> hangup'))
    assert request["ivr"]["steps"][0]["dtmf_ivr"] == "0"


def test_dtmf_ivr_is_derived_from_handlers_in_order_and_expands_ranges():
    source = QUEUE.replace(
        'say "One", "Two"', 'say "Age"; on 18..20 -> hangup; on 5 -> hangup; on "#" -> hangup; on 05..07 -> hangup'
    )
    steps = ivrc.compile(source)["ivr"]["steps"]
    assert steps[0]["dtmf_ivr"] == ["18", "19", "20", "5", "#", "05", "06", "07"]
    assert steps[0]["actions"][3]["key"] == {"min": "05", "max": "07"}


def test_fractional_waits_stay_fractions_and_whole_ones_integers():
    source = QUEUE.replace('say "One", "Two"', 'say "x"; on 1 { wait 500ms; wait 2s; wait 1.25s; wait 1m } ')
    actions = ivrc.compile(source)["ivr"]["steps"][0]["actions"][0]["actions"]
    assert [a["params"]["sleep"] for a in actions] == [0.5, 2, 1.25, 60]
    assert [type(a["params"]["sleep"]) for a in actions] == [float, int, float, int]
