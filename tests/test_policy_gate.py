"""The compliance policy through `ivrc compile --recipients` and `ivrc lint`: each recipient's
schedule in their own morning, do-not-call lists, consent, attempt caps and opt-outs, and each
list or record file that cannot be read said at its line."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from conftest import EXAMPLES
from test_policy import FLOW, POLICY, _compile, _project, _schedules, _utc

from ivrc.compliance.lists import ListError, number_key, read_list

# ---- the gate through the command line ---------------------------------------


def test_start_at_schedules_each_recipient_in_their_own_morning_byte_for_byte(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path)
    done = _compile(ivrc_cli, flow, people, "--start-at", "2026-12-07T06:00+02:00")
    assert done.returncode == 0, done.stderr
    assert [_utc(m) for m in _schedules(done.stdout)] == [
        "2026-12-07 06:00",  # Tel Aviv 08:00
        "2026-12-07 13:00",  # New York 08:00
        "2026-12-07 04:00",  # Los Angeles: still Sunday 20:00, inside the window
        "2026-12-07 08:00",  # London 08:00
    ]
    assert all(json.loads(line)["schedule_type"] == "timestamp" for line in done.stdout.splitlines())
    assert "first call 2026-12-06 20:00 Sun (America/Los_Angeles, UTC-08:00)" in done.stderr
    assert "last call  2026-12-07 08:00 Mon (America/New_York, UTC-05:00)" in done.stderr
    again = _compile(ivrc_cli, flow, people, "--start-at", "2026-12-07T06:00+02:00")
    assert again.stdout == done.stdout


def test_start_at_needs_an_offset(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path)
    done = _compile(ivrc_cli, flow, people, "--start-at", "2026-12-07T06:00")
    assert done.returncode == 2
    assert "has no UTC offset" in done.stderr and done.stdout == ""


def test_a_fixed_schedule_outside_a_recipients_window_is_an_error_at_their_row(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path)
    flow.write_text(FLOW.replace("cli ", "schedule at 2030-12-09T10:00+02:00\n    cli "), encoding="utf-8")
    done = _compile(ivrc_cli, flow, people)
    assert done.returncode == 1
    assert "people.csv:3:5: error[outside-calling-hours]: row 2 would be called at 2030-12-09 03:00 Mon" in done.stderr
    assert "people.csv:4:5: error[outside-calling-hours]: row 3 would be called at 2030-12-09 00:00 Mon" in done.stderr
    assert "row 1 would" not in done.stderr and "row 4 would" not in done.stderr
    assert done.stdout == ""


def _registry(tmp_path: Path, *lines: str) -> Path:
    (tmp_path / "dnc").mkdir(exist_ok=True)
    path = tmp_path / "dnc" / "registry.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_suppressed_rows_are_held_back_in_any_form_and_hashed(tmp_path, ivrc_cli):
    hashed = hashlib.sha256(b"+442071234567").hexdigest()
    _registry(tmp_path, "# as of 2026-12-01", "phone", "+972-54-600-0002", f"sha256:{hashed}")
    people = "name,phone\nDana,054-600-0001\nAvi,0546000002\nAnn,+44 20 7123 4567\n"
    flow, recipients = _project(tmp_path, POLICY + 'suppress = ["dnc/registry.csv"]\n', people)
    done = _compile(ivrc_cli, flow, recipients, "--start-at", "2026-12-07T09:00+02:00")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert "people.csv:3:5: info[suppressed-recipient]: row 2 is on the do-not-call list registry.csv" in done.stderr
    assert "people.csv:4:5: info[suppressed-recipient]: row 3 is on the do-not-call list registry.csv" in done.stderr
    assert "3 recipients: 1 called, 2 held back by the policy" in done.stderr
    assert "2 on the do-not-call list registry.csv" in done.stderr
    assert "0546000002" not in done.stderr.replace("Avi,0546000002", "")  # the list's numbers are never printed


def test_a_stale_registry_is_an_error_and_a_malformed_one_says_where(tmp_path, ivrc_cli):
    _registry(tmp_path, "# as of 2026-11-01", "phone", "054-600-0002")
    flow, people = _project(tmp_path, POLICY + 'suppress = ["dnc/registry.csv"]\nsuppress_max_age = "15d"\n')
    done = _compile(ivrc_cli, flow, people, "--start-at", "2026-12-07T09:00+02:00")
    assert done.returncode == 1 and done.stdout == ""
    assert "error[stale-suppression-list]: registry.csv is 36 days old at the last call (2026-12-07)" in done.stderr
    _registry(tmp_path, "phone", "054-600-0002", "call me maybe")
    broken = _compile(ivrc_cli, flow, people)
    assert broken.returncode == 2
    assert f"policy: {tmp_path / 'dnc' / 'registry.csv'}:3: a value that is neither a phone number" in broken.stderr
    _registry(tmp_path, "# nobody yet", "phone")
    empty = _compile(ivrc_cli, flow, people)
    assert empty.returncode == 2 and "the list has no numbers" in empty.stderr


def test_consent_missing_or_expired_stops_a_marketing_batch(tmp_path, ivrc_cli):
    people = "name,phone,consent_date\nDana,054-600-0001,2026-03-01\nAvi,054-600-0002,\nOld,054-600-0003,2024-01-01\n"
    policy = POLICY + 'purpose = "marketing"\nconsent_column = "consent_date"\nconsent_max_age = "365d"\n'
    flow, recipients = _project(tmp_path, policy, people)
    done = _compile(ivrc_cli, flow, recipients, "--start-at", "2026-12-07T09:00+02:00")
    assert done.returncode == 1 and done.stdout == ""
    assert "people.csv:3:18: error[missing-consent]: row 2 has no consent (`consent_date` is empty)" in done.stderr
    assert "people.csv:4:18: error[consent-expired]: row 3's consent is 1071 days old at the call" in done.stderr
    assert "unused-column" not in done.stderr  # the policy reads the column
    rejects = tmp_path / "rejects.csv"
    skipped = _compile(
        ivrc_cli, flow, recipients, "--start-at", "2026-12-07T09:00+02:00", "--skip-invalid", str(rejects)
    )
    assert skipped.returncode == 0 and len(skipped.stdout.splitlines()) == 1
    assert rejects.read_text(encoding="utf-8").count("consent") >= 2


def _records(tmp_path: Path, rows: list[tuple[str, str, str]]) -> None:
    """Call records as `ivrc cdr --format csv` writes them: (number, start, marks)."""
    (tmp_path / "records").mkdir(exist_ok=True)
    lines = [
        "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,unique_campaign_id,steps"
    ]
    for number, start, mark in rows:
        steps = json.dumps({"steps": [{"step_name": "offer", "dtmf": "9", "mark": mark}]} if mark else {"steps": []})
        lines.append(f'031234567,{number},{start},,{start},10,0,NO_ANSWER,old,"{steps.replace(chr(34), chr(34) * 2)}"')
    (tmp_path / "records" / "week.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_attempt_cap_and_opt_outs_come_from_the_history(tmp_path, ivrc_cli):
    _records(
        tmp_path,
        [
            ("972546000001", "2026-12-03 10:00:00+02", ""),
            ("972546000001", "2026-12-04 10:00:00+02", ""),
            ("972546000002", "2026-11-01 10:00:00+02", ""),
            ("972546000003", "2026-06-01 10:00:00+03", "remove"),
        ],
    )
    people = "name,phone\nDana,054-600-0001\nAvi,054-600-0002\nRon,054-600-0003\n"
    policy = POLICY + 'max_attempts = "2/7d"\nhistory = ["records/*.csv"]\n'
    flow, recipients = _project(tmp_path, policy, people)
    done = _compile(ivrc_cli, flow, recipients, "--start-at", "2026-12-07T09:00+02:00")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["number"] for line in done.stdout.splitlines()] == ["972546000002"]
    assert "people.csv:2:6: info[attempt-cap]: row 1 was called 2 times in the 7 days before this call" in done.stderr
    assert "people.csv:4:5: info[opted-out]: row 3 chose `mark remove` in a recorded call: not called" in done.stderr
    # A week later, the cap has room again.
    later = _compile(ivrc_cli, flow, recipients, "--start-at", "2026-12-14T09:00+02:00")
    assert [json.loads(line)["number"] for line in later.stdout.splitlines()] == ["972546000001", "972546000002"]


def test_number_keys_match_every_written_form():
    assert number_key("054-600-0001", "IL") == number_key("+972 54 600 0001", None) == 972546000001
    assert number_key("00972546000001", None) == 972546000001
    assert number_key("(212) 555-0100", "US") == number_key("+1 212 555 0100", None) == 12125550100
    assert number_key("hello", "IL") is None and number_key("", "IL") is None


def test_a_list_is_dated_by_its_header_its_column_or_its_file(tmp_path):
    listed = tmp_path / "list.csv"
    listed.write_text("phone,checked\n0546000001,2026-11-20\n0546000002,2026-11-30\n", encoding="utf-8")
    read = read_list(listed, "IL")
    assert read.dated_by == "column" and read.dated.date().isoformat() == "2026-11-30" and len(read) == 2
    listed.write_text("0546000001\n", encoding="utf-8")
    os.utime(listed, (1_700_000_000, 1_700_000_000))
    assert read_list(listed, "IL").dated_by == "file time"
    listed.write_text("phone,checked\n0546000001,last week\n", encoding="utf-8")
    with pytest.raises(ListError, match=r"list.csv:2: `last week` is not a date"):
        read_list(listed, "IL")


def test_the_marketing_example_holds_back_three_and_calls_four_in_their_own_mornings(ivrc_cli):
    example = EXAMPLES / "marketing"
    done = ivrc_cli(
        "compile", str(example / "offer.ivr"), "--recipients", str(example / "people.csv"),
        "--start-at", "2026-12-07T07:00+02:00",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [(json.loads(line)["number"], _utc(json.loads(line)["schedule"])) for line in done.stdout.splitlines()] == [
        ("972546000001", "2026-12-07 06:00"),
        ("12125550100", "2026-12-07 13:00"),
        ("13105550100", "2026-12-07 16:00"),
        ("18005550100", "2026-12-07 14:00"),
    ]
    assert "7 recipients: 4 called, 3 held back by the policy" in done.stderr
    lint = ivrc_cli("lint", str(example / "offer.ivr"))
    assert lint.returncode == 0 and lint.stderr == "All checks passed (1 file).\n"
    audit = ivrc_cli("audit", "--cdr", str(example / "records" / "autumn.csv"), "--flow", str(example / "offer.ivr"))
    assert audit.returncode == 0 and audit.stdout == "4 records checked: no breach\n"


def test_lint_runs_the_policy_on_the_recipients_and_names_rows_not_numbers(tmp_path, ivrc_cli):
    _registry(tmp_path, "# as of 2020-01-01", "phone", "054-600-0002")
    people = "name,phone\nDana,054-600-0001\nAvi,054-600-0002\n"
    policy = POLICY + 'suppress = ["dnc/registry.csv"]\nsuppress_max_age = "15d"\n'
    flow, recipients = _project(tmp_path, policy, people)
    done = ivrc_cli("lint", str(flow), "--recipients", str(recipients), "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    assert [(f["rule"], f["line"]) for f in found] == [("stale-suppression-list", 1), ("suppressed-recipient", 3)]
    assert found[0]["path"].endswith("registry.csv")
    assert "0546000002" not in done.stdout and "054-600-0002" not in done.stdout


def test_a_history_pattern_that_matches_nothing_is_an_error_not_a_quiet_zero(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path, POLICY + 'max_attempts = "2/7d"\nhistory = ["recrods/*.csv"]\n')
    done = _compile(ivrc_cli, flow, people, "--start-at", "2026-12-07T09:00+02:00")
    assert done.returncode == 2 and done.stdout == ""
    assert "`history` pattern `recrods/*.csv` matches no file" in done.stderr


def test_compile_check_reproduces_a_batch_with_its_start(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path)
    out = tmp_path / "offer.jsonl"
    assert _compile(ivrc_cli, flow, people, "--start-at", "2026-12-07T06:00+02:00", "-o", str(out)).returncode == 0
    check = ["compile", "--check", str(flow), "--recipients", str(people), "-o", str(out)]
    assert ivrc_cli(*check, "--start-at", "2026-12-07T06:00+02:00", cwd=tmp_path).returncode == 0
    stale = ivrc_cli(*check, "--start-at", "2026-12-08T06:00+02:00", cwd=tmp_path)
    assert stale.returncode == 1 and "--start-at 2026-12-08T06:00:00+02:00 -o" in stale.stderr
    unknown = ivrc_cli(*check, cwd=tmp_path)
    assert unknown.returncode == 2 and "give compile --check the --start-at" in unknown.stderr


def test_a_relative_schedule_stays_relative_where_the_window_allows_it(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path, 'region = "IL"\n[policy]\ncalling_hours = "00:00-24:00"\n')
    flow.write_text(FLOW.replace("cli ", "schedule in 5m\n    cli "), encoding="utf-8")
    done = _compile(ivrc_cli, flow, people)
    assert done.returncode == 0, done.stderr
    requests = [json.loads(line) for line in done.stdout.splitlines()]
    # Sent over hours, a timestamp made now would be past for the last rows: the delay is kept.
    assert {(r.get("schedule_type"), r["schedule"]) for r in requests} == {(None, 300)}


def test_a_long_send_never_calls_after_the_window_closes(tmp_path, monkeypatch):
    """Planned at 20:00 (a call now), sent at 21:30: the row gets the next morning instead."""
    from ivrc.build.recipients import Recipients
    from ivrc.compliance import gate as gates
    from ivrc.language.config import load

    flow, people = _project(tmp_path, 'region = "IL"\n[policy]\ncalling_hours = "08:00-21:00"\n')
    policy = load(tmp_path / "ivrc.toml").policy
    assert policy is not None
    planned = int(datetime.fromisoformat("2030-12-09T20:00+02:00").timestamp())
    gate = gates.Gate(policy, "IL", None, None, 120, False, now=planned)
    gate.begin([])
    with Recipients(people) as read:
        dana = next(iter(read.rows()))
    cell = dana.cells["phone"]
    assert gate.decide(dana, 972546000001, "972546000001", "IL", cell, "people.csv").moment is None  # call now
    gate.sending()
    monkeypatch.setattr(gates.time, "time", lambda: planned + 90 * 60)
    later = gate.decide(dana, 972546000001, "972546000001", "IL", cell, "people.csv")
    assert later.moment == int(datetime.fromisoformat("2030-12-10T08:00+02:00").timestamp())


def test_a_zone_name_too_long_to_be_a_file_is_one_line(tmp_path, ivrc_cli):
    """Found by the fuzzer: zoneinfo reads a name as a file, and a long one is an OSError."""
    flow, people = _project(tmp_path, POLICY.replace('"Asia/Jerusalem"', '"' + "x" * 300 + 'Jerusalem"'))
    done = _compile(ivrc_cli, flow, people)
    assert done.returncode == 2 and "is not a time zone" in done.stderr and "Traceback" not in done.stderr


def test_a_list_line_that_is_not_csv_says_which_line(tmp_path):
    """Found by the fuzzer: a carriage return inside a value is csv's error, said at its line."""
    listed = tmp_path / "dnc.csv"
    listed.write_text("phone,checked\n054-600-0001,2026-12-01\rb\n", encoding="utf-8", newline="")
    with pytest.raises(ListError, match=r"dnc.csv:2: the line cannot be read as CSV"):
        read_list(listed, "IL")


def test_records_whose_header_csv_cannot_read_say_so_at_line_one(tmp_path):
    """Found by the fuzzer: a carriage return in the header line of call records."""
    from ivrc.compliance.history import HistoryError, read_history

    records = tmp_path / "records.csv"
    records.write_text("cli,phone_number\rx,start_time\n", encoding="utf-8", newline="")
    with pytest.raises(HistoryError, match=r"records.csv:1: not CSV"):
        read_history([records], "IL", 0)


def test_list_values_that_only_look_like_numbers_or_hashes_are_errors_at_their_line(tmp_path):
    """Found by the fuzzer: `int()` reads a sign and digits of other scripts that no number has."""
    listed = tmp_path / "dnc.csv"
    for value in ("sha256:-" + "0" * 63, "sha256:+" + "0" * 63, "²" * 12, "+٣٣٣٣٣٣٣٣"):
        listed.write_text(f"phone\n{value}\n", encoding="utf-8")
        with pytest.raises(ListError, match=r"dnc.csv:2: a value that is neither"):
            read_list(listed, "IL")


def test_start_at_without_a_policy_schedules_everyone_at_the_start(tmp_path, ivrc_cli):
    flow, people = _project(tmp_path, 'region = "IL"\n', "name,phone\nSam,+1 555 123 4567\nDana,054-600-0001\n")
    done = _compile(ivrc_cli, flow, people, "--start-at", "2030-12-09T09:00+02:00")
    assert done.returncode == 0, done.stderr
    moment = int(datetime.fromisoformat("2030-12-09T09:00+02:00").timestamp())
    assert _schedules(done.stdout) == [moment, moment]
    assert "held back by the policy" not in done.stderr  # there is none
