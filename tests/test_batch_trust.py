"""A personal campaign you can trust, against `ivrc emulator` over real HTTP: an edited flow calls
nobody twice, a refused password stops the batch at once, and a Ctrl-C always stops it."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faultproxy import FaultProxy
from test_service import PASSWORD, USER, Emulator, ivrc_cli

FLOW = """\
region IL
dialer "{name}" {{ return_address "http://127.0.0.1:9/"; number recipient.phone }}
step a {{
    say "Hello $name$, this is your reminder" with name = recipient.name
    on 1 -> mark custom "confirmed"
}}
"""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _campaign(tmp_path: Path, name: str, count: int) -> tuple[Path, Path]:
    flow = tmp_path / f"{name}.ivr"
    flow.write_text(FLOW.format(name=name), encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("name,phone\n" + "".join(f"Patient {n},+97252{n:07d}\n" for n in range(count)), encoding="utf-8")
    return flow, people


def _calls_per_number(emulator: Emulator, prefix: str) -> dict[str, int]:
    """How many campaigns the service holds for each number, of the campaigns named `prefix…`."""
    import json

    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        requests = [
            json.loads(r[0])
            for r in db.execute("SELECT request FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "-%",))
        ]
    counts: dict[str, int] = {}
    for request in requests:
        counts[request["number"]] = counts.get(request["number"], 0) + 1
    return counts


def test_an_edited_flow_calls_nobody_twice_unless_asked_by_name(emulator, tmp_path):
    flow, people = _campaign(tmp_path, "edit-redeploy", 20)
    first = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url)
    assert (
        first.stdout.splitlines()[-1]
        == "Deployed: 20 recipients: 20 created, 20 started, 0 skipped as already done, 0 failed."
    )
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("this is your reminder", "this is a reminder from your clinic"),
        encoding="utf-8",
    )
    again = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url)
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert "  0 new, 20 sent before (the journal: " in "\n".join(lines)
    assert any(
        line.startswith("  the flow changed since: 20 recipients keep the version they were sent; --resend-changed")
        for line in lines
    )
    assert lines[-1] == "Nothing to send: 20 recipients keep the version they were sent."
    calls = _calls_per_number(emulator, "edit-redeploy")
    assert len(calls) == 20 and set(calls.values()) == {1}, "one campaign per person after an edit and a re-deploy"
    # A second call is a choice the plan states, with how many people get one.
    dry = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--start", "--resend-changed", "--dry-run", url=emulator.url
    )
    assert (
        "  --resend-changed: 20 recipients changed since they were sent get it again as a new campaign; 20 of them were called already and get a second call"
        in dry.stdout
    )
    assert set(_calls_per_number(emulator, "edit-redeploy").values()) == {1}, "a dry run sends nothing"
    resent = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--start", "--resend-changed", "--yes", url=emulator.url
    )
    assert (
        resent.stdout.splitlines()[-1]
        == "Deployed: 20 recipients: 20 created, 20 started, 0 skipped as already done, 0 failed, 20 sent again (--resend-changed)."
    )
    assert set(_calls_per_number(emulator, "edit-redeploy").values()) == {2}
    settled = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--start", "--resend-changed", "--yes", url=emulator.url
    )
    assert settled.stdout.splitlines()[-1] == "Nothing to send: 20 recipients have what this deploy would send them."
    # The results count both campaigns of each person.
    deadline = time.monotonic() + 60
    while True:
        import json

        rows = json.loads(
            ivrc_cli(
                "cdr", "--recipients", str(people), "--flow", str(flow), "--format", "json", url=emulator.url
            ).stdout
        )
        if all(r["calls"] == 2 for r in rows) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert [r["calls"] for r in rows] == [2] * 20


def test_a_lost_journal_and_an_edited_flow_still_call_nobody_twice(emulator, tmp_path):
    flow, people = _campaign(tmp_path, "lost-journal", 5)
    assert (
        ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url).returncode == 0
    )
    for part in (tmp_path / ".ivrc" / "deploys").iterdir():
        part.unlink()
    flow.write_text(flow.read_text(encoding="utf-8").replace("your reminder", "your new reminder"), encoding="utf-8")
    again = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url)
    assert again.returncode == 0, again.stderr
    # The service knows each unique_id with other values: each is counted as changed, not called.
    assert (
        again.stdout.splitlines()[-1]
        == "Deployed: 5 recipients: 0 created, 0 started, 0 skipped as already done, 0 failed, 5 changed since they were sent, not sent again."
    )
    assert set(_calls_per_number(emulator, "lost-journal").values()) == {1}


def test_a_new_campaign_name_calls_everyone_again_and_the_plan_says_so(emulator, tmp_path):
    flow, people = _campaign(tmp_path, "named", 3)
    assert ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url).returncode == 0
    dry = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--campaign", "named-again", "--dry-run", url=emulator.url
    )
    assert "campaign named-again (--campaign)" in dry.stdout.splitlines()[0]
    assert (
        "  the journal also knows 3 recipients sent this flow under another campaign name; each campaign calls its own recipients once"
        in dry.stdout
    )
    sent = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--campaign", "named-again", "--yes", url=emulator.url
    )
    assert (
        sent.stdout.splitlines()[-1]
        == "Deployed: 3 recipients: 3 created, 0 started, 0 skipped as already done, 0 failed."
    )
    assert len(_calls_per_number(emulator, "named-again")) == 3


def test_a_refused_password_sends_nothing(emulator, tmp_path):
    flow, people = _campaign(tmp_path, "wrong-password", 3000)
    env = {
        **os.environ,
        "IVRC_BASE_URL": emulator.url,
        "IVRC_USERNAME": USER,
        "IVRC_PASSWORD": "not the password",
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ivrc", "deploy", str(flow), "--recipients", str(people), "--yes", "--start"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert "nothing was sent" in done.stderr and "check the credentials" in done.stderr
    assert "run the same command again" not in done.stderr + done.stdout
    assert _calls_per_number(emulator, "wrong-password") == {}


def test_the_first_refusal_of_the_credentials_stops_the_batch_at_once(emulator, tmp_path):
    """The password is refused part way (changed while the batch runs): what is in flight is
    all that reaches the service after the first 401."""
    flow, people = _campaign(tmp_path, "refused-midway", 3000)
    with FaultProxy(emulator.port) as proxy:
        proxy.plan.extend(["pass"] * 41)  # the check of the credentials, then 20 recipients' create and start
        proxy.then = "401"
        done = ivrc_cli(
            "deploy",
            str(flow),
            "--recipients",
            str(people),
            "--yes",
            "--start",
            "--concurrency",
            "4",
            url=f"http://127.0.0.1:{proxy.port}",
        )
        refused = [line for line in proxy.seen if line.endswith("-> 401")]
    assert done.returncode == 1
    assert 1 <= len(refused) <= 4, "only the requests in flight at the first 401"
    import re

    errors = done.stderr.splitlines()
    said = [
        re.fullmatch(
            r"ivrc: the service refused the credentials, so the deploy stopped at once: nothing more was sent \((\d+) created before\)\.",
            e,
        )
        for e in errors
    ]
    created = [int(m.group(1)) for m in said if m]
    assert len(created) == 1 and 18 <= created[0] <= 24, errors
    assert errors[-1].startswith("ivrc: check the credentials") and "run the same command again" not in done.stderr
    assert len(_calls_per_number(emulator, "refused-midway")) == created[0], "the journal and the service agree"


def _start(flow: Path, people: Path, url: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "IVRC_BASE_URL": url, "IVRC_USERNAME": USER, "IVRC_PASSWORD": PASSWORD, "NO_COLOR": "1"}
    command = [
        sys.executable,
        "-m",
        "ivrc",
        "deploy",
        str(flow),
        "--recipients",
        str(people),
        "--yes",
        "--start",
        *extra,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_fifty_ctrl_cs_each_stop_within_seconds_and_the_resume_calls_each_once(emulator, tmp_path):
    flow, people = _campaign(tmp_path, "ctrl-c", 2000)
    chance = random.Random(2026)
    outcomes = {"before sending": 0, "while sending": 0, "finished first": 0}
    for _ in range(50):
        process = _start(flow, people, emulator.url, "--concurrency", "8", "--rate", "40")
        time.sleep(chance.uniform(0.2, 1.6))
        process.send_signal(signal.SIGINT)
        began = time.monotonic()
        try:
            out, err = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail("a Ctrl-C did not stop the deploy within 5 s")
        stopped_in = time.monotonic() - began
        stderr = err.decode()
        assert "Traceback" not in stderr and stopped_in < 5
        if process.returncode == 0:
            outcomes["finished first"] += 1
            continue
        assert process.returncode == 130, stderr
        if "interrupted before sending: nothing was sent" in stderr:
            outcomes["before sending"] += 1
        else:
            assert "ivrc: stopping: nothing more is sent; " in stderr and "nothing more was sent." in stderr, stderr
            outcomes["while sending"] += 1
    assert outcomes["before sending"] and outcomes["while sending"], outcomes
    resumed = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--yes", "--start", "--concurrency", "16", url=emulator.url
    )
    assert resumed.returncode == 0, resumed.stderr
    calls = _calls_per_number(emulator, "ctrl-c")
    assert len(calls) == 2000 and set(calls.values()) == {1}, "exactly one campaign per recipient"
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        started = db.execute(
            "SELECT COUNT(*) FROM campaigns WHERE unique_id LIKE '%/ctrl-c-%' AND started IS NOT NULL"
        ).fetchone()[0]
    assert started == 2000


def test_a_second_ctrl_c_stops_at_once(emulator, tmp_path):
    """The first Ctrl-C waits for requests in flight (a service that does not answer, here);
    the second ends the process there and then."""
    flow, people = _campaign(tmp_path, "twice", 50)
    with FaultProxy(emulator.port, slow_seconds=60) as proxy:
        proxy.plan.append("pass")  # the check of the credentials
        proxy.then = "slow"
        process = _start(flow, people, f"http://127.0.0.1:{proxy.port}", "--concurrency", "4")
        deadline = time.monotonic() + 30
        while sum(line.startswith("POST") for line in proxy.seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        began = time.monotonic()
        _, err = process.communicate(timeout=10)
        stopped_in = time.monotonic() - began
    assert process.returncode == 130
    assert stopped_in < 2, "at once, not after the 5 s grace"
    said = err.decode()
    assert "waiting for the 4 requests in flight (Ctrl-C again to stop at once)" in said
    assert "ivrc: stopped at once. A request in flight may have reached the service" in said


# ---- results people can use ---------------------------------------------------------------------


@pytest.fixture
def quiet_emulator(tmp_path):
    """An emulator of its own, whose worker is not still calling other tests' campaigns."""
    running = Emulator(tmp_path / "quiet-data", tmp_path / "quiet.log", "--no-wait")
    yield running
    running.stop()


def test_results_carry_chosen_columns_and_marks_and_the_report_reads_every_form_cdr_writes(quiet_emulator, tmp_path):
    import json
    import shutil

    from conftest import EXAMPLES

    emulator = quiet_emulator

    for name in ("personal_reminder.ivr", "personal_reminder.csv"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    flow, people = tmp_path / "personal_reminder.ivr", tmp_path / "personal_reminder.csv"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace('"clinic-personal-2036-12"', '"results-columns"'), encoding="utf-8"
    )
    assert (
        ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", "--start", url=emulator.url).returncode == 0
    )
    common = ("cdr", "--recipients", str(people), "--flow", str(flow))
    deadline = time.monotonic() + 60
    while True:
        rows = json.loads(ivrc_cli(*common, "--format", "json", url=emulator.url).stdout)
        if all(r["calls"] for r in rows) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    as_csv = ivrc_cli(*common, "--format", "csv", "--columns", "name,phone", "--concurrency", "2", url=emulator.url)
    assert as_csv.returncode == 0, as_csv.stderr
    header, first, *_ = as_csv.stdout.splitlines()
    assert (
        header
        == "row,name,phone,unique_id,calls,answered,hangup_cause,billsec,marks,keys,mark:custom:confirmed,mark:custom:cancelled,call_records"
    )
    assert first.startswith("1,Dana Levi,054-600-0001,results-columns-")
    confirmed = [r for r in rows if "custom:confirmed" in r["marks"]]
    assert all(r["mark:custom:confirmed"] == "yes" for r in confirmed) and all(
        r["mark:custom:confirmed"] == "" for r in rows if r not in confirmed
    )
    table = ivrc_cli(*common, url=emulator.url)
    assert "call_records" not in table.stdout and table.stdout.split()[:3] == ["row", "unique_id", "calls"]
    summary = ivrc_cli(*common, "--summary", url=emulator.url)
    assert summary.stdout.startswith("calls: 5, answered: 5 (100%)\n"), summary.stdout
    # Every form `cdr` writes is read by the report, with the same figures.
    forms = {
        "results.csv": as_csv.stdout,
        "results.json": ivrc_cli(*common, "--format", "json", url=emulator.url).stdout,
    }
    one = rows[0]["unique_id"]
    forms["one.csv"] = ivrc_cli("cdr", one, "--format", "csv", url=emulator.url).stdout
    forms["one.json"] = ivrc_cli("cdr", one, "--format", "json", url=emulator.url).stdout
    calls = {}
    for name, text in forms.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        report = ivrc_cli("report", str(flow), "--cdr", str(tmp_path / name), "--format", "json", url=emulator.url)
        assert report.returncode == 0, (name, report.stderr)
        calls[name] = json.loads(report.stdout)["calls"]["placed"]
    assert calls["results.csv"] == calls["results.json"] == 5 and calls["one.csv"] == calls["one.json"] == 1, calls
    (tmp_path / "table.txt").write_text(table.stdout, encoding="utf-8")
    refused = ivrc_cli("report", str(flow), "--cdr", str(tmp_path / "table.txt"), url=emulator.url)
    assert refused.returncode == 2
    assert (
        refused.stderr
        == f"ivrc: error: {tmp_path / 'table.txt'}:1: this is the table `ivrc cdr` shows people; write the records with `--format csv` or `--format json` for a report\n"
    )
    unknown = ivrc_cli(*common, "--columns", "nmae", url=emulator.url)
    assert (unknown.returncode, unknown.stderr) == (2, f"ivrc: error: --columns: {people} has no column `nmae`\n")


def test_skip_invalid_sends_the_valid_rows_and_writes_the_rest_with_their_findings(emulator, tmp_path):
    import csv
    import stat

    flow, people = _campaign(tmp_path, "skip-invalid", 20)
    text = people.read_text(encoding="utf-8").splitlines(keepends=True)
    text[3] = "Patient 2,054-6\n"  # row 3: not a number
    text[8] = '"Patient 7,+972520000007\n'  # row 8: a quote left open
    text[15] = "Patient 14,+972520000014,extra\n"  # row 15: a value too many
    people.write_text("".join(text), encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    blocked = ivrc_cli("deploy", str(flow), "--recipients", str(people), "--yes", url=emulator.url)
    assert blocked.returncode == 1 and "ivrc: nothing was sent" in blocked.stderr, (
        "without the option, one bad row stops the batch"
    )
    dry = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--dry-run", "--skip-invalid", str(rejects), url=emulator.url
    )
    assert "  3 rows with errors left out, not sent (--skip-invalid: written to " in dry.stdout
    assert "  17 recipients, each called as soon as each is started" in dry.stdout
    sent = ivrc_cli(
        "deploy", str(flow), "--recipients", str(people), "--yes", "--skip-invalid", str(rejects), url=emulator.url
    )
    assert sent.returncode == 0, sent.stderr
    assert (
        sent.stdout.splitlines()[-1]
        == f"Deployed: 17 recipients: 17 created, 0 started, 0 skipped as already done, 0 failed. 3 rows with errors left out ({rejects})."
    )
    called = _calls_per_number(emulator, "skip-invalid")
    assert len(called) == 17 and not {"972520000002", "972520000007", "972520000014"} & set(called), (
        "nothing held back is sent"
    )
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["line"]) for r in rows] == [("3", "4"), ("8", "9"), ("15", "16")]
    assert rows[0]["phone"] == "054-6" and rows[0]["findings"].startswith(
        "invalid-phone-number: `054-6` cannot be a phone number"
    )
    assert rows[1]["findings"].startswith("malformed-row: row 8: this quoted value has no closing")
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600, "personal data: its owner's only"
    compiled = ivrc_cli(
        "compile",
        str(flow),
        "--recipients",
        str(people),
        "--skip-invalid",
        str(tmp_path / "again.csv"),
        url=emulator.url,
    )
    assert compiled.returncode == 0 and len(compiled.stdout.splitlines()) == 17
    assert (
        compiled.stderr.splitlines()[-1]
        == f"17 requests for 20 rows of {people}; 3 rows with errors left out, written to {tmp_path / 'again.csv'}"
    )


def test_the_plan_gives_dates_in_local_time_with_the_zone_and_the_whole_request_only_when_asked(emulator, tmp_path):
    import json

    flow, people = _campaign(tmp_path, "plan-dates", 2)
    flow.write_text(
        flow.read_text(encoding="utf-8").replace(
            "number recipient.phone }", "number recipient.phone; schedule at 2036-12-01T09:00:00+02:00 }"
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "IVRC_BASE_URL": emulator.url,
        "IVRC_USERNAME": USER,
        "IVRC_PASSWORD": PASSWORD,
        "NO_COLOR": "1",
        "TZ": "Asia/Jerusalem",
    }

    def plan(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ivrc", "deploy", str(flow), "--recipients", str(people), "--dry-run", *extra],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    short = plan()
    assert "  2 recipients, each called at 2036-12-01 09:00 IST (UTC+02:00); none is started (add --start)" in short
    assert "Unix time" not in short and '"ivr"' not in short, "no JSON in the plan unless asked"
    assert (
        "The first recipient (row 1): unique_id plan-dates-" in short
        and 'phone = "+972520000000", name = "Patient 0"' in short
    )
    assert "What differs per recipient: the unique_id and `recipient.phone`, `recipient.name`" in short
    summer = flow.read_text(encoding="utf-8").replace("2036-12-01T09:00:00+02:00", "2036-07-01T09:00:00+03:00")
    flow.write_text(summer, encoding="utf-8")
    assert "each called at 2036-07-01 09:00 IDT (UTC+03:00)" in plan(), "daylight saving time"
    whole = plan("--show-request")
    start = whole.index("The request of the first recipient (row 1):\n") + len(
        "The request of the first recipient (row 1):\n"
    )
    request = json.loads(whole[start : whole.index("\n}\n", start) + 2])
    assert request["schedule_type"] == "timestamp" and request["number"] == "972520000000"


def test_a_single_flow_without_a_unique_id_calls_its_number_again_only_when_asked(emulator, tmp_path):
    import json

    flow = tmp_path / "one.ivr"
    flow.write_text(
        'region IL\ndialer { return_address "http://127.0.0.1:9/"; number "+972529990001" }\nstep a { say "Hello" }\n',
        encoding="utf-8",
    )

    def campaigns() -> int:
        with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
            return sum(
                json.loads(r[0]).get("number") == "972529990001" for r in db.execute("SELECT request FROM campaigns")
            )

    assert ivrc_cli("deploy", str(flow), "--yes", "--start", url=emulator.url).returncode == 0
    flow.write_text(flow.read_text(encoding="utf-8").replace('"Hello"', '"Hello again"'), encoding="utf-8")
    dry = ivrc_cli("deploy", str(flow), "--start", "--dry-run", url=emulator.url)
    assert "The flow changed since campaign " in dry.stdout and "which calls its number again." in dry.stdout
    assert dry.stdout.splitlines()[-1] == "Dry run: nothing was sent. Add --resend-changed to call them again."
    refused = ivrc_cli("deploy", str(flow), "--start", "--yes", url=emulator.url)
    assert refused.returncode == 1 and "ivrc: nothing was sent: add --resend-changed" in refused.stderr
    assert campaigns() == 1
    again = ivrc_cli("deploy", str(flow), "--start", "--yes", "--resend-changed", url=emulator.url)
    assert again.returncode == 0, again.stderr
    assert campaigns() == 2


def test_a_ctrl_c_does_not_wait_long_for_a_service_that_does_not_answer(emulator, tmp_path):
    flow, people = _campaign(tmp_path, "stalled", 50)
    with FaultProxy(emulator.port, slow_seconds=60) as proxy:
        proxy.plan.append("pass")  # the check of the credentials
        proxy.then = "slow"  # then every request hangs for a minute
        process = _start(flow, people, f"http://127.0.0.1:{proxy.port}", "--concurrency", "4")
        deadline = time.monotonic() + 30
        while sum(line.startswith("POST") for line in proxy.seen) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        began = time.monotonic()
        _, err = process.communicate(timeout=15)
        stopped_in = time.monotonic() - began
    assert process.returncode == 130
    assert stopped_in < 9, "the grace for the requests in flight is 5 s"
    said = err.decode()
    assert "waiting for the 4 requests in flight" in said
    assert "ivrc: 4 requests in flight had no answer after 5 s and were left; the next run asks again" in said
