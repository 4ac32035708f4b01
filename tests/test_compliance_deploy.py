"""A personal campaign under a compliance policy, deployed to `ivrc emulator` over real HTTP:
whatever the policy holds back never reaches the service, each request carries its recipient's
own call time, and the plan's figures (text and `--format json`) say it before anything is sent."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from test_service import Emulator, ivrc_cli

FLOW = """\
region IL
dialer "{name}" {{
    return_address "http://127.0.0.1:9/"
    number recipient.phone
    cli "03-123-4567"
}}
step offer {{
    say "Advertisement from Tevel: hello $name$, press 9 to stop our calls" with name = recipient.name
    on 9 {{ mark remove; hangup }}
}}
"""
RECORDS = "cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,unique_campaign_id,steps\n"
OPTED = '"{""steps"": [{""step_name"": ""offer"", ""dtmf"": ""9"", ""mark"": ""remove""}]}"'


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compliance")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _project(tmp_path: Path, name: str, count: int) -> tuple[Path, Path]:
    """`count` recipients; every 10th on the registry, every 7th opted out, every 5th called twice this week."""
    (tmp_path / "dnc").mkdir()
    (tmp_path / "records").mkdir()
    (tmp_path / "ivrc.toml").write_text(
        """region = "IL"
[policy]
calling_hours = { default = "08:00-21:00", friday = "08:00-13:00" }
quiet_days = ["saturday"]
holidays = true
suppress = ["dnc/registry.csv"]
suppress_max_age = "15d"
max_attempts = "2/7d"
history = ["records/*.csv"]
purpose = "marketing"
sender = "Tevel"
""",
        encoding="utf-8",
    )
    numbers = [f"+97252{n:07d}" for n in range(count)]
    (tmp_path / "dnc" / "registry.csv").write_text(
        "# as of 2030-12-05\nphone\n" + "".join(f"0{n[4:]}\n" for i, n in enumerate(numbers) if i % 10 == 3),
        encoding="utf-8",
    )
    records = [RECORDS]
    for i, number in enumerate(numbers):
        if i % 7 == 5:
            records.append(f"031234567,{number[1:]},2030-06-01 10:00:00+03,,,30,20,NORMAL_CLEARING,old,{OPTED}\n")
        if i % 5 == 1:
            records += [f"031234567,{number[1:]},2030-12-0{day} 10:00:00+02,,,30,0,NO_ANSWER,old,\n" for day in (5, 6)]
    (tmp_path / "records" / "week.csv").write_text("".join(records), encoding="utf-8")
    flow = tmp_path / f"{name}.ivr"
    flow.write_text(FLOW.format(name=name), encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("name,phone\n" + "".join(f"Person {i},{n}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    return flow, people


def _held(i: int) -> bool:
    return i % 10 == 3 or i % 7 == 5 or i % 5 == 1


def _campaigns(emulator: Emulator, prefix: str) -> list[dict]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute("SELECT request FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "-%",)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_nothing_held_back_is_ever_sent_and_each_is_called_in_their_window(emulator, tmp_path):
    flow, people = _project(tmp_path, "policy-deploy", 60)
    start = "2030-12-09T06:00+02:00"  # a Monday, before the window opens in Israel
    planned = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--start-at", start, "--dry-run", "--format", "json",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    held = [i for i in range(60) if _held(i)]
    assert plan["recipients"] == 60 and plan["called"] == 60 - len(held) and plan["held_back"] == len(held)
    assert plan["held_back_by_reason"] == {
        "attempt-cap": len([i for i in range(60) if i % 5 == 1 and i % 10 != 3 and i % 7 != 5]),
        "opted-out": len([i for i in range(60) if i % 7 == 5 and i % 10 != 3]),
        "suppressed:registry.csv": len([i for i in range(60) if i % 10 == 3]),
    }
    assert plan["first_call"]["local"] == "2030-12-09T08:00:00+02:00" and plan["new"] == 60 - len(held)
    assert "Dry run: nothing was sent." in planned.stderr and _campaigns(emulator, "policy-deploy") == []
    text = ivrc_cli(
        "deploy",
        str(flow),
        "--recipients",
        str(people),
        "--start-at",
        start,
        "--dry-run",
        url=emulator.url,
        cwd=tmp_path,
    )
    assert f"60 recipients: {60 - len(held)} called, {len(held)} held back by the policy" in text.stdout
    assert "first call 2030-12-09 08:00 Mon (Asia/Jerusalem, UTC+02:00)" in text.stdout

    sent = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--start-at", start, "--yes", "--start",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    campaigns = _campaigns(emulator, "policy-deploy")
    called = sorted(c["number"] for c in campaigns)
    assert called == sorted(f"97252{i:07d}" for i in range(60) if not _held(i))
    morning = int(datetime.fromisoformat("2030-12-09T08:00+02:00").timestamp())
    assert {(c["schedule_type"], c["schedule"]) for c in campaigns} == {("timestamp", morning)}


def test_a_policy_that_cannot_be_read_sends_nothing(emulator, tmp_path):
    flow, people = _project(tmp_path, "policy-broken", 5)
    (tmp_path / "dnc" / "registry.csv").write_text("phone\nnot a number\n", encoding="utf-8")
    done = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url, cwd=tmp_path)
    assert done.returncode == 2
    assert f"ivrc: error: policy: {tmp_path / 'dnc' / 'registry.csv'}:2: a value that is neither" in done.stderr
    assert _campaigns(emulator, "policy-broken") == []


LIST_FLOW = """\
region IL
dialer "{name}" {{
    return_address "http://127.0.0.1:9/"
    numbers from queue
    cli "03-123-4567"
}}
step offer {{
    say "Advertisement from Tevel: press 1 for the offer, or 9 to stop our calls"
    on 1 {{ play "Two tickets for one"; hangup }}
    on 9 {{ mark remove; hangup }}
}}
"""
CALLEES = {"972520000002": {"answer": True, "keys": ["9"]}, "*": {"answer": True, "keys": ["1"]}}


@pytest.fixture(scope="module")
def callees(tmp_path_factory):
    folder = tmp_path_factory.mktemp("opt-outs")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait", callees=CALLEES)
    yield running
    running.stop()


def _records(emulator: Emulator, campaign: str, count: int, out: Path) -> Path:
    deadline = time.monotonic() + 20
    while True:
        done = ivrc_cli("cdr", campaign, "--format", "csv", url=emulator.url)
        assert done.returncode == 0, done.stderr
        if done.stdout.count("\n") > count or time.monotonic() > deadline:
            out.write_text(done.stdout, encoding="utf-8", newline="")
            return out
        time.sleep(0.2)


def _list_campaign(emulator: Emulator, folder: Path, name: str) -> Path:
    flow = folder / f"{name}.ivr"
    flow.write_text(LIST_FLOW.format(name=name), encoding="utf-8")
    phones = folder / "phones.txt"
    phones.write_text("+972520000001\n+972520000002\n", encoding="utf-8")
    done = ivrc_cli("deploy", str(flow), "--phones", str(phones), "--yes", "--start", url=emulator.url, cwd=folder)
    assert done.returncode == 0, done.stderr
    return _records(emulator, name, 2, folder / f"{name}.csv")


def test_opt_outs_collected_from_one_campaign_are_skipped_by_the_next(callees, tmp_path):
    _list_campaign(callees, tmp_path, "opt-first")
    collected = ivrc_cli("cdr", "opt-first", "--opt-outs", url=callees.url)
    assert collected.returncode == 0, collected.stderr
    lines = collected.stdout.splitlines()
    assert lines[0].startswith("# as of ") and lines[0].endswith(": 1 opt-out of campaign opt-first")
    assert lines[1:] == ["+972520000002"]
    (tmp_path / "dnc").mkdir()
    (tmp_path / "dnc" / "opt-outs.csv").write_text(collected.stdout * 2, encoding="utf-8")  # appended twice
    (tmp_path / "ivrc.toml").write_text('region = "IL"\n[policy]\nsuppress = ["dnc/opt-outs.csv"]\n', encoding="utf-8")
    flow = tmp_path / "opt-next.ivr"
    flow.write_text(FLOW.format(name="opt-next"), encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("name,phone\nOne,0520000001\nTwo,0520000002\n", encoding="utf-8")
    sent = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=callees.url, cwd=tmp_path)
    assert sent.returncode == 0, sent.stderr
    assert "1 on the do-not-call list opt-outs.csv" in sent.stdout
    assert [c["number"] for c in _campaigns(callees, "opt-next")] == ["972520000001"]


def test_the_audit_finds_what_records_made_by_the_emulator_hold(callees, tmp_path):
    first = _list_campaign(callees, tmp_path, "audit-first")
    second = _list_campaign(callees, tmp_path, "audit-second")
    (tmp_path / "ivrc.toml").write_text(
        'region = "IL"\n[policy]\nmax_attempts = "1/7d"\npurpose = "marketing"\n', encoding="utf-8"
    )
    done = ivrc_cli("audit", "--cdr", str(first), "--cdr", str(second), url=callees.url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    breaches = [line for line in done.stdout.splitlines() if ": breach[" in line]
    assert sorted(line.split(": breach[")[1].split("]")[0] for line in breaches) == [
        "attempt-cap",
        "attempt-cap",
        "opted-out",
    ]
    assert all(line.startswith(str(second) + ":") for line in breaches)
    assert "+97252***0002" in done.stdout and "972520000002" not in done.stdout
    shown = ivrc_cli(
        "audit", "--cdr", str(first), "--cdr", str(second), "--show-numbers", url=callees.url, cwd=tmp_path
    )
    assert "+972520000002" in shown.stdout
    assert done.stdout.splitlines()[-1] == "4 records checked: 3 breaches (1 opted-out, 2 attempt-cap)"


def _numbers(emulator: Emulator, prefix: str) -> dict[str, list[str]]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute(
            "SELECT unique_id, number FROM numbers WHERE unique_id LIKE ? ORDER BY unique_id, position",
            ("%/" + prefix + "%",),
        ).fetchall()
    found: dict[str, list[str]] = {}
    for key, number in rows:  # the store's key is `user/unique_id`
        found.setdefault(key.rpartition("/")[2], []).append(number)
    return found


def _list_project(tmp_path: Path, name: str, policy: str, phones: str) -> tuple[Path, Path]:
    (tmp_path / "ivrc.toml").write_text('region = "IL"\n[policy]\n' + policy, encoding="utf-8")
    flow = tmp_path / f"{name}.ivr"
    flow.write_text(LIST_FLOW.format(name=name), encoding="utf-8")
    listed = tmp_path / "phones.txt"
    listed.write_text(phones, encoding="utf-8")
    return flow, listed


def test_a_phone_list_leaves_out_the_numbers_the_policy_holds_back(emulator, tmp_path):
    (tmp_path / "dnc.csv").write_text("phone\n0520000002\n", encoding="utf-8")
    flow, listed = _list_project(
        tmp_path, "list-held", 'suppress = ["dnc.csv"]\n', "+972520000001\n+972520000002\n+972520000003\n"
    )
    done = ivrc_cli("deploy", str(flow), "--phones", str(listed), "--yes", url=emulator.url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 numbers: 2 called, 1 held back by the policy" in done.stdout
    assert "upload 2 phone numbers from phones.txt" in done.stdout
    assert _numbers(emulator, "list-held") == {"list-held": ["972520000001", "972520000003"]}


def test_one_schedule_outside_a_numbers_window_sends_nothing(emulator, tmp_path):
    flow, listed = _list_project(
        tmp_path, "list-window", 'calling_hours = "08:00-21:00"\n', "+972520000001\n+12125550100\n"
    )
    flow.write_text(
        flow.read_text(encoding="utf-8").replace(
            "numbers from queue", "numbers from queue\n    schedule at 2030-12-09T10:00+02:00"
        ),
        encoding="utf-8",
    )
    done = ivrc_cli("deploy", str(flow), "--phones", str(listed), "--yes", url=emulator.url, cwd=tmp_path)
    assert done.returncode == 1
    assert (
        "ivrc: error: 1 number in America/New_York would be called at 2030-12-09 03:00 Mon (America/New_York, "
        "UTC-05:00), outside the calling hours; their first allowed moment is 2030-12-09 08:00 Mon" in done.stderr
    )
    assert _numbers(emulator, "list-window") == {} and _campaigns(emulator, "list-window") == []


def test_start_at_finds_the_first_moment_every_number_allows(emulator, tmp_path):
    flow, listed = _list_project(
        tmp_path, "list-common", 'calling_hours = "08:00-21:00"\n', "+972520000001\n+12125550100\n"
    )
    done = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--start-at", "2030-12-09T06:00+02:00", "--yes",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (campaign,) = (c for c in _campaigns_all(emulator) if c["unique_id"] == "list-common")
    # 08:00 in New York is 15:00 in Israel: inside both windows.
    assert campaign["schedule"] == int(datetime.fromisoformat("2030-12-09T08:00-05:00").timestamp())


def test_zones_that_share_no_moment_are_split_by_time_zone_on_request(emulator, tmp_path):
    flow, listed = _list_project(
        tmp_path, "list-split", 'calling_hours = "09:00-12:00"\n', "+972520000001\n+12125550100\n+972520000002\n"
    )
    start = "2030-12-09T06:00+02:00"
    refused = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--start-at", start, "--yes", url=emulator.url, cwd=tmp_path
    )
    assert refused.returncode == 1 and "--split-by-timezone sends one campaign per zone" in refused.stderr
    assert _campaigns_all(emulator, "list-split") == []
    split = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--start-at", start, "--split-by-timezone", "--yes",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert split.returncode == 0, split.stderr
    assert _numbers(emulator, "list-split") == {
        "list-split-america-new-york": ["12125550100"],
        "list-split-asia-jerusalem": ["972520000001", "972520000002"],
    }
    schedules = {c["unique_id"]: c["schedule"] for c in _campaigns_all(emulator, "list-split")}
    assert schedules == {
        "list-split-america-new-york": int(datetime.fromisoformat("2030-12-09T09:00-05:00").timestamp()),
        "list-split-asia-jerusalem": int(datetime.fromisoformat("2030-12-09T09:00+02:00").timestamp()),
    }
    again = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--start-at", start, "--split-by-timezone", "--yes",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert again.stdout.splitlines()[-1] == "Nothing to send: every step is done."


def _campaigns_all(emulator: Emulator, prefix: str = "") -> list[dict]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute("SELECT request FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "%",)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_a_phone_lists_plan_as_json_for_a_pipeline(emulator, tmp_path):
    (tmp_path / "dnc.csv").write_text("phone\n0520000002\n", encoding="utf-8")
    flow, listed = _list_project(tmp_path, "list-json", 'suppress = ["dnc.csv"]\n', "+972520000001\n+972520000002\n")
    done = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--dry-run", "--format", "json", url=emulator.url, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert (plan["campaign"], plan["recipients"], plan["called"], plan["held_back_by_reason"]) == (
        "list-json",
        2,
        1,
        {"suppressed:dnc.csv": 1},
    )
    assert "upload 1 phone number from phones.txt" in done.stderr and "Dry run: nothing was sent." in done.stderr


def test_a_simple_dialers_phone_list_gets_its_dial_at_and_a_past_start_is_refused(emulator, tmp_path):
    (tmp_path / "ivrc.toml").write_text('region = "IL"\n[policy]\ncalling_hours = "08:00-21:00"\n', encoding="utf-8")
    flow = tmp_path / "simple-list.ivr"
    flow.write_text(
        'simple_dialer "simple-list" { numbers from campaign; say "Your parcel arrives tomorrow" }\n', encoding="utf-8"
    )
    listed = tmp_path / "phones.txt"
    listed.write_text("+972520000001\n+12125550100\n", encoding="utf-8")
    done = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--start-at", "2030-12-09T06:00+02:00", "--yes",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (campaign,) = _campaigns_all(emulator, "simple-list")
    assert campaign["dial_at"] == int(datetime.fromisoformat("2030-12-09T08:00-05:00").timestamp())
    past = ivrc_cli(
        "deploy", str(flow), "--phones", str(listed), "--start-at", "2020-01-01T09:00+02:00", "--yes",
        url=emulator.url, cwd=tmp_path,
    )  # fmt: skip
    assert past.returncode == 2
    assert "--start-at 2020-01-01T09:00:00+02:00 is not in the future" in past.stderr


def test_a_phone_list_whose_retries_run_past_the_window_is_warned(emulator, tmp_path):
    flow, listed = _list_project(tmp_path, "list-late", 'calling_hours = "08:00-21:00"\n', "+972520000001\n")
    flow.write_text(
        flow.read_text(encoding="utf-8").replace(
            "numbers from queue",
            "numbers from queue\n    schedule at 2030-12-09T20:55+02:00\n    max_retries 5\n    retry_wait_time 2m",
        ),
        encoding="utf-8",
    )
    done = ivrc_cli("deploy", str(flow), "--phones", str(listed), "--dry-run", url=emulator.url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ivrc: warning: retries-past-window: the last try of a call to the numbers in Asia/Jerusalem" in done.stderr
