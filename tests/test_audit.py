"""`ivrc audit` on crafted call records: every kind of breach at its record, masked numbers,
json for pipelines, exit 1 on a breach and 0 without, and bad input as one line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

HEADER = "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,unique_campaign_id,steps\n"
REMOVE = '"{""steps"": [{""step_name"": ""offer"", ""dtmf"": ""9"", ""mark"": ""remove""}]}"'
POLICY = """\
region = "IL"
[policy]
calling_hours = { default = "08:00-21:00", friday = "08:00-13:00" }
quiet_days = ["saturday"]
holidays = true
suppress = ["dnc.csv"]
max_attempts = "2/7d"
purpose = "marketing"
"""


def _setup(tmp_path: Path, records: str) -> Path:
    (tmp_path / "ivrc.toml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "dnc.csv").write_text("# as of 2026-01-01\nphone\n0546000009\n", encoding="utf-8")
    path = tmp_path / "records.csv"
    path.write_text(HEADER + records, encoding="utf-8")
    return path


def test_every_breach_is_named_at_its_record(tmp_path, ivrc_cli):
    records = _setup(
        tmp_path,
        "031234567,972546000001,2026-12-07 09:00:00+02,,,30,0,NO_ANSWER,a,\n"  # fine
        "031234567,12125550100,2026-12-07 09:00:00+02,,,30,0,NO_ANSWER,a,\n"  # 02:00 in New York
        "031234567,972546000002,2026-12-12 10:00:00+02,,,30,0,NO_ANSWER,a,\n"  # Saturday
        "031234567,972546000003,2026-09-21 10:00:00+03,,,30,0,NO_ANSWER,a,\n"  # Yom Kippur
        "031234567,972546000009,2026-12-07 10:00:00+02,,,30,0,NO_ANSWER,a,\n"  # on the registry
        f"031234567,972546000004,2026-12-01 10:00:00+02,,,30,5,NORMAL_CLEARING,a,{REMOVE}\n"
        "031234567,972546000004,2026-12-07 11:00:00+02,,,30,0,NO_ANSWER,b,\n"  # after opting out
        "031234567,972546000001,2026-12-08 09:00:00+02,,,30,0,NO_ANSWER,b,\n"
        "031234567,972546000001,2026-12-09 09:00:00+02,,,30,0,NO_ANSWER,c,\n"  # the third in 7 days
        ",972546000005,2026-12-07 12:00:00+02,,,30,0,NO_ANSWER,a,\n",  # hidden number
    )
    done = ivrc_cli("audit", "--cdr", str(records), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    found = [
        line.split(": ", 1)[0] + " " + line.split("breach[")[1].split("]")[0] for line in done.stdout.splitlines()[:-1]
    ]
    where = str(records)
    assert found == [
        f"{where}:3 outside-calling-hours",
        f"{where}:4 outside-calling-hours",
        f"{where}:5 outside-calling-hours",
        f"{where}:6 suppressed-recipient",
        f"{where}:8 opted-out",
        f"{where}:10 attempt-cap",
        f"{where}:11 hidden-caller-id",
    ]
    assert "(Saturday, a quiet day)" in done.stdout and "(Yom Kippur, a public holiday)" in done.stdout
    assert "+97254***0009" in done.stdout and "972546000009" not in done.stdout
    assert done.stdout.splitlines()[-1] == (
        "10 records checked: 7 breaches (3 outside-calling-hours, 1 suppressed-recipient, 1 opted-out, "
        "1 attempt-cap, 1 hidden-caller-id)"
    )
    as_json = json.loads(ivrc_cli("audit", "--cdr", str(records), "--format", "json", cwd=tmp_path).stdout)
    assert as_json["breaches"] == 7 and as_json["by_rule"]["outside-calling-hours"] == 3
    assert as_json["findings"][0] == {
        "file": where,
        "place": "3",
        "rule": "outside-calling-hours",
        "message": "a call to +121***0100 started at 2026-12-07 02:00 Mon (America/New_York, UTC-05:00), outside the "
        "calling hours",
        "number": "+121***0100",
        "time": "2026-12-07T07:00:00Z",
    }


def test_clean_records_pass_the_gate(tmp_path, ivrc_cli):
    records = _setup(tmp_path, "031234567,972546000001,2026-12-07 09:00:00+02,,,30,0,NO_ANSWER,a,\n")
    done = ivrc_cli("audit", "--cdr", str(records), cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == "1 record checked: no breach\n"


def test_a_recipients_timezone_column_places_the_callee(tmp_path, ivrc_cli):
    records = _setup(tmp_path, "031234567,18005550100,2026-12-07 15:00:00+00,,,30,0,NO_ANSWER,a,\n")
    people = tmp_path / "people.csv"
    people.write_text("name,phone,timezone\nSam,+1 800 555 0100,America/Chicago\n", encoding="utf-8")
    # 09:00 in Chicago is inside the window; across every zone of a toll-free number it is not.
    assert ivrc_cli("audit", "--cdr", str(records), "--recipients", str(people), cwd=tmp_path).returncode == 0
    assert ivrc_cli("audit", "--cdr", str(records), cwd=tmp_path).returncode == 1


def test_bad_input_is_one_line_and_exit_2(tmp_path, ivrc_cli):
    records = _setup(tmp_path, "031234567,972546000001,yesterday,,,30,0,NO_ANSWER,a,\n")
    done = ivrc_cli("audit", "--cdr", str(records), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith(f"ivrc: error: {records}:2: `yesterday` is not a time")
    assert "Traceback" not in done.stderr
    (tmp_path / "ivrc.toml").write_text('region = "IL"\n', encoding="utf-8")
    no_policy = ivrc_cli("audit", "--cdr", str(records), cwd=tmp_path)
    assert no_policy.returncode == 2 and "no policy to audit against" in no_policy.stderr
    (tmp_path / "ivrc.toml").write_text(POLICY, encoding="utf-8")
    missing = ivrc_cli("audit", "--cdr", str(tmp_path / "nowhere.csv"), cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere.csv" in missing.stderr
