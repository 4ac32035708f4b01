"""`ivrc report`: call records counted on a flow, checked against figures worked out by hand."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import EXAMPLES, run_ivrc

from ivrc.insight.traffic import replay
from ivrc.running.records import COLUMNS, parse_cdr

AGE_GATE = EXAMPLES / "age_gate.ivr"


def _steps(*taken: tuple[str, str, dict | None], invalid: tuple[tuple[str, str], ...] = ()) -> str:
    steps = []
    for step, dtmf, mark in taken:
        entry = {"dtmf": dtmf, "step_name": step, **(mark or {})}
        steps.append(entry)
    return json.dumps({"steps": steps, "invalid": [{"dtmf": d, "step_name": s} for s, d in invalid]})


def _record(number: str, hour: int, billsec: int, cause: str, steps: str, answered: bool = True) -> dict:
    start = f"2036-12-01 {hour:02d}:00:00+02"
    return {
        "cli": "97231234567",
        "phone_number": number,
        "start_time": start,
        "answer_time": f"2036-12-01 {hour:02d}:00:04+02" if answered else "",
        "hangup_time": f"2036-12-01 {hour:02d}:01:00+02",
        "duration": "60",
        "billsec": str(billsec),
        "hangup_cause": cause,
        "unique_campaign_id": "age-gate-2026-11",
        "steps": steps,
    }


# Seven calls on the age gate, each chosen for one thing it shows.
RECORDS = [
    _record("972520000001", 9, 0, "NO_ANSWER", _steps(), answered=False),  # not answered
    _record(
        "972520000002",
        9,
        20,
        "NORMAL_CLEARING",
        _steps(("ask_age", "25", None), ("offer", "1", {"mark": "custom", "value": "offer-heard"})),
    ),
    _record(
        "972520000003",
        10,
        30,
        "NORMAL_CLEARING",
        _steps(("ask_age", "70", None), ("senior_offer", "1", None), invalid=(("ask_age", "9"),)),
    ),
    _record("972520000004", 10, 8, "NORMAL_CLEARING", _steps()),  # answered, pressed nothing
    _record("972520000005", 11, 12, "NORMAL_CLEARING", _steps(("ask_age", "13", None), ("too_young", "0", None))),
    _record("972520000006", 11, 5, "NORMAL_CLEARING", _steps(("menu", "1", None))),  # another flow's step
    _record(
        "972520000007", 12, 10, "NORMAL_CLEARING", _steps(("ask_age", "25", None), ("offer", "9", None))
    ),  # 9 marks remove here; the record has no mark
]


def _csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


@pytest.fixture
def records_file(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(_csv(RECORDS), encoding="utf-8")
    return path


def _figures(records_file, *more: str) -> dict:
    result = run_ivrc("report", str(AGE_GATE), "--cdr", str(records_file), *more, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_figures_match_the_hand_count(records_file):
    figures = _figures(records_file)
    assert figures["calls"] == {"placed": 7, "answered": 6, "answer_rate": 0.8571, "on_flow": 4, "not_on_flow": 2}
    # Answered talk times 5, 8, 10, 12, 20, 30: the middle two average 11; the nearest rank of
    # 90% of six is the sixth.
    assert figures["talk_seconds"] == {"median": 11, "p90": 30}
    assert figures["hangup_causes"] == [
        {"cause": "NORMAL_CLEARING", "in_words": "answered and finished normally", "calls": 6},
        {"cause": "NO_ANSWER", "in_words": "not answered", "calls": 1},
    ]
    steps = {s["step"]: s for s in figures["steps"]}
    assert {name: (s["reached"], s["left"], s["refused"]) for name, s in steps.items()} == {
        "ask_age": (4, 1, 1),
        "too_young": (1, 0, 0),
        "offer": (1, 0, 0),
        "senior_offer": (1, 0, 0),
    }
    assert [(k["key"], k["calls"], k["to"]) for k in steps["ask_age"]["keys"]] == [
        ("10..12", 0, "too_young"),
        ("13", 1, "too_young"),
        ("14..17", 0, "too_young"),
        ("18..67", 1, "offer"),
        ("68..99", 1, "senior_offer"),
    ]
    assert [(k["key"], k["calls"]) for k in steps["offer"]["keys"]] == [("1", 1), ("9", 0)]
    assert {e["end"]: e["calls"] for e in figures["ends"]} == {"hangup": 2, "call": 1, "no-input": 1}
    assert figures["marks"] == [{"mark": "custom:offer-heard", "calls": 1, "steps": {"offer": 1}}]
    # The main path: every on-flow call reached ask_age; of its three targets with one call each,
    # the first drawn (too_young) is taken, then its one call's hang-up.
    assert figures["funnel"] == [
        {"step": "answered", "calls": 4},
        {"step": "ask_age", "calls": 4},
        {"step": "too_young", "calls": 1},
        {"step": "hang up", "calls": 1},
    ]
    hours = {h["hour"]: (h["placed"], h["answered"]) for h in figures["hours"] if h["placed"]}
    assert hours == {9: (2, 1), 10: (2, 2), 11: (2, 2), 12: (1, 1)}


def test_records_not_on_the_flow_are_counted_never_dropped(records_file):
    figures = _figures(records_file)
    assert figures["calls"]["answered"] == figures["calls"]["on_flow"] + figures["calls"]["not_on_flow"]
    # The same two records, alone, are all off the flow.
    alone = records_file.parent / "off.csv"
    alone.write_text(_csv(RECORDS[5:]), encoding="utf-8")
    assert _figures(alone)["calls"] == {"placed": 2, "answered": 2, "answer_rate": 1.0, "on_flow": 0, "not_on_flow": 2}


def test_records_from_several_files_add_up(records_file, tmp_path):
    second = tmp_path / "more.csv"
    second.write_text(_csv(RECORDS[:2]), encoding="utf-8")
    figures = _figures(records_file, "--cdr", str(second))
    assert figures["calls"]["placed"] == 9 and figures["sources"] == [str(records_file), str(second)]
    assert {s["step"]: s["reached"] for s in figures["steps"]}["offer"] == 2


def test_keys_left_over_make_a_record_off_the_flow():
    from ivrc import compile as compile_flow

    request = compile_flow(AGE_GATE.read_text(encoding="utf-8"), path=str(AGE_GATE))
    extra = _record(
        "972520000008",
        9,
        9,
        "NORMAL_CLEARING",
        _steps(
            ("ask_age", "25", None), ("offer", "1", {"mark": "custom", "value": "offer-heard"}), ("offer", "1", None)
        ),
    )
    traffic = replay(request, parse_cdr(_csv([extra])))
    assert (traffic.answered, traffic.off_flow, traffic.tally.calls) == (1, 1, 0)


def test_the_page_is_self_contained_and_byte_identical(records_file, tmp_path):
    first, second = tmp_path / "one.html", tmp_path / "two.html"
    for out in (first, second):
        result = run_ivrc("report", str(AGE_GATE), "--cdr", str(records_file), "-o", str(out))
        assert result.returncode == 0, result.stderr
    page = first.read_text(encoding="utf-8")
    assert page == second.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    # Nothing is fetched: no external script, style, image, font or link.
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    # Each step's figures appear in the page, and the step table has a row per step.
    for node, name in (("s0", "ask_age"), ("s2", "offer")):
        assert f'id="step-{node}"' in page and name in page
    # Marks are drawn as outcomes at the step that set them.
    assert "marked offer&#45;heard 1" in page


def test_report_of_a_flow_with_errors_is_refused(tmp_path):
    flow = tmp_path / "broken.ivr"
    flow.write_text("dialer {\n", encoding="utf-8")
    records = tmp_path / "r.csv"
    records.write_text(_csv(RECORDS[:1]), encoding="utf-8")
    result = run_ivrc("report", str(flow), "--cdr", str(records))
    assert result.returncode == 1
    assert f"{flow}: has errors; see `ivrc lint {flow}`" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("cli,phone_number\r\n1,2\r\n", ":1: the call records have no column start_time"),
        ("\n" + _csv(RECORDS[:1]), ":1: the call records have no column cli"),
        (_csv(RECORDS[:2]).replace('""step_name""', '""step_name', 1), ":3: the steps column is not JSON"),
        (_csv(RECORDS[:1]).replace('"60"', '"sixty"', 1), ":2: invalid literal for int()"),
        (_csv(RECORDS[:1]) + '"unclosed\r\n', ":3: not CSV"),
        (_csv(RECORDS[:1]).replace('"2036-12-01 09:00:00+02"', '"yesterday"', 1), ":2: `yesterday` is not a time"),
        (_csv(RECORDS[:1]) + '"97231234567","972520000009"\r\n', ":3: the record has 2 fields; the header has 10"),
    ],
    ids=["no-column", "blank-first-line", "bad-steps", "bad-number", "unclosed-quote", "bad-time", "short-row"],
)
def test_unreadable_records_name_their_line(tmp_path, content, expected):
    records = tmp_path / "r.csv"
    records.write_text(content, encoding="utf-8")
    result = run_ivrc("report", str(AGE_GATE), "--cdr", str(records))
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith(f"ivrc: error: {records}{expected}"), result.stderr
    assert "Traceback" not in result.stderr


def test_missing_records_file_is_one_clear_error(tmp_path):
    result = run_ivrc("report", str(AGE_GATE), "--cdr", str(tmp_path / "none.csv"))
    assert result.returncode == 2 and "none.csv" in result.stderr and "Traceback" not in result.stderr


def test_the_bundled_records_fit_the_survey():
    result = run_ivrc(
        "report",
        str(EXAMPLES / "satisfaction_survey.ivr"),
        "--cdr",
        str(EXAMPLES / "satisfaction_survey.cdr.csv"),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    records = parse_cdr((EXAMPLES / "satisfaction_survey.cdr.csv").read_text(encoding="utf-8"))
    assert figures["calls"]["placed"] == len(records) == 60
    assert figures["calls"]["answered"] == sum(1 for r in records if r.answered)
    assert figures["calls"]["not_on_flow"] == 0
    marks = {m["mark"]: m["calls"] for m in figures["marks"]}
    for mark in ("custom:promoter", "custom:passive", "custom:detractor", "custom:callback", "remove"):
        assert marks[mark] == sum(r.marks.count(mark) for r in records)


def test_many_call_record_files_are_summarised_in_the_header():
    from ivrc.insight.page import sources_in_words

    assert sources_in_words(["a.csv", "b.csv"]) == "a.csv, b.csv"
    assert (
        sources_in_words([f"records/day{n:02d}.csv" for n in range(1, 21)])
        == "20 files in records/: day01.csv … day20.csv"
    )
    assert sources_in_words(["x/a.csv", "y/b.csv", "c.csv", "d.csv"]) == "4 files: x/a.csv … d.csv"
