"""A pipeline of two jobs against `ivrc emulator`: `ivrc plan` on a pull request writes the plan,
`ivrc apply` of that artifact sends exactly it after the merge; for a personal campaign, a phone
list and a single flow, in staging and production; and every stale plan is refused, nothing sent."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_service import PASSWORD, USER, Emulator

TEMPLATE = """\
region IL
dialer "{name}" {{
    return_address "https://hooks.example.com/ivr"
    number recipient.phone
    cli "03-123-4567"
}}
step a {{
    say "Hello $name$, your appointment is tomorrow" with name = recipient.name
    on 1 -> hangup
}}
"""
LIST_FLOW = """\
region IL
dialer "{name}" {{
    return_address "https://hooks.example.com/ivr"
    numbers from queue
    cli "03-123-4567"
}}
step a {{
    say "Your parcel arrives tomorrow"
    on 1 -> hangup
}}
"""
SINGLE = """\
region IL
dialer "{name}" {{
    return_address "https://hooks.example.com/ivr"
    number "054-600-0001"
    cli "03-123-4567"
}}
step a {{
    say "Your parcel arrives tomorrow"
    on 1 -> hangup
}}
"""
CONFIG = """\
region = "IL"

[policy]
suppress = ["dnc.csv"]

[env.staging]
base_url = "{url}"
username_env = "STAGING_USER"
password_env = "STAGING_PASSWORD"

[env.production]
base_url = "{url}"
username_env = "PROD_USER"
password_env = "PROD_PASSWORD"
"""
CREDENTIALS = {"STAGING_USER": USER, "STAGING_PASSWORD": PASSWORD, "PROD_USER": USER, "PROD_PASSWORD": PASSWORD}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plans")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")}
    return subprocess.run(
        [sys.executable, "-m", "ivrc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**clean, "NO_COLOR": "1", **CREDENTIALS, **env},
        timeout=120,
    )


def _repository(tmp_path: Path, emulator: Emulator) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "ivrc.toml").write_text(CONFIG.format(url=emulator.url), encoding="utf-8")
    (tmp_path / "dnc.csv").write_text("phone\n0520000003\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        "name,phone\nDana,+972520000001\nAvi,+972520000002\nNoa,+972520000003\n", encoding="utf-8"
    )
    (tmp_path / "phones.txt").write_text("+972520000001\n+972520000002\n+972520000003\n", encoding="utf-8")
    return tmp_path


def _campaigns(emulator: Emulator, prefix: str) -> list[dict]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute("SELECT request FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "%",)).fetchall()
    return [json.loads(r[0]) for r in rows]


def _numbers(emulator: Emulator, unique_id: str) -> list[str]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute(  # the store's key is `user/unique_id`
            "SELECT number FROM numbers WHERE unique_id LIKE ? ORDER BY position", ("%/" + unique_id,)
        ).fetchall()
    return [r[0] for r in rows]


def test_a_personal_campaign_planned_on_a_pull_request_is_applied_after_the_merge(emulator, tmp_path):
    root = _repository(tmp_path, emulator)
    (root / "flows").mkdir()
    (root / "flows" / "remind.ivr").write_text(TEMPLATE.format(name="plan-personal"), encoding="utf-8")
    plan = root / "artifacts" / "production.plan"
    plan.parent.mkdir()
    made = _run("plan", "flows/remind.ivr", "--recipients", "people.csv", "--env", "production", "-o", str(plan),
                "--format", "markdown", "--detailed-exitcode", cwd=root)  # fmt: skip
    assert made.returncode == 2, made.stderr  # something to send
    assert stat.S_IMODE(plan.stat().st_mode) == 0o600
    assert "**2** campaigns to send to `" + emulator.url + "` (environment `production`)" in made.stdout
    assert "- 1 on the do-not-call list dnc.csv" in made.stdout
    assert '"name": "recipient.name"' in made.stdout  # the sample request shows columns, not people
    for private in ("972520000001", "Dana", "+972520000002"):
        assert private not in made.stdout + made.stderr
    assert _campaigns(emulator, "plan-personal") == []  # a plan sends nothing
    # The apply job runs later, from the repository's top, with the plan as its artifact.
    applied = _run("apply", str(plan), cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[-1] == (
        "Applied: 2 recipients: 2 created, 0 started, 0 skipped as already done, 0 failed."
    )
    assert sorted(c["number"] for c in _campaigns(emulator, "plan-personal")) == ["972520000001", "972520000002"]
    again = _run("apply", str(plan), cwd=root)
    assert again.returncode == 0 and "0 created" in again.stdout and "2 skipped as already done" in again.stdout
    nothing = _run("plan", "flows/remind.ivr", "--recipients", "people.csv", "--env", "production", "-o", str(plan),
                   "--detailed-exitcode", cwd=root)  # fmt: skip
    assert nothing.returncode == 0, nothing.stderr  # nothing left to send
    # Staging keeps its own journal: the same campaign there is new.
    staging = root / "artifacts" / "staging.plan"
    made = _run("plan", "flows/remind.ivr", "--recipients", "people.csv", "--env", "staging", "-o", str(staging),
                "--format", "json", cwd=root)  # fmt: skip
    assert json.loads(made.stdout)["to_send"] == 2
    refused = _run("apply", str(staging), "--env", "production", cwd=root)
    assert refused.returncode == 1
    assert "the plan was made for the environment staging, not production" in refused.stderr


@pytest.mark.parametrize(
    "change,said",
    [
        (lambda root: (root / "flows" / "remind.ivr").write_text(
            TEMPLATE.format(name="plan-stale").replace("tomorrow", "on Sunday"), encoding="utf-8"), "the flow changed"),
        (lambda root: (root / "people.csv").write_text("name,phone\nDana,+972520000001\n", encoding="utf-8"),
         "the recipients file changed"),
        (lambda root: (root / "dnc.csv").write_text("phone\n0520000002\n", encoding="utf-8"),
         "the configuration or the policy's lists and records changed"),
    ],
    ids=["flow", "recipients", "policy"],
)  # fmt: skip
def test_a_plan_whose_inputs_changed_is_refused_and_nothing_is_sent(emulator, tmp_path, change, said):
    root = _repository(tmp_path, emulator)
    (root / "flows").mkdir()
    (root / "flows" / "remind.ivr").write_text(TEMPLATE.format(name="plan-stale"), encoding="utf-8")
    plan = root / "stale.plan"
    made = _run("plan", "flows/remind.ivr", "--recipients", "people.csv", "--env", "staging", "-o", str(plan), cwd=root)
    assert made.returncode == 0, made.stderr
    change(root)
    refused = _run("apply", str(plan), cwd=root)
    assert refused.returncode == 1
    assert f"ivrc: error: the plan cannot be applied: {said} since the plan was made" in refused.stderr
    assert "nothing was sent; make the plan again" in refused.stderr
    assert _campaigns(emulator, "plan-stale") == []


def test_a_plan_whose_time_has_passed_is_refused(emulator, tmp_path):
    root = _repository(tmp_path, emulator)
    (root / "remind.ivr").write_text(TEMPLATE.format(name="plan-late"), encoding="utf-8")
    (root / "ivrc.toml").write_text(
        CONFIG.format(url=emulator.url).replace('suppress = ["dnc.csv"]', 'calling_hours = "00:00-24:00"'),
        encoding="utf-8",
    )
    soon = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 3))
    plan = root / "late.plan"
    made = _run("plan", "remind.ivr", "--recipients", "people.csv", "--env", "staging", "--start-at", soon,
                "-o", str(plan), cwd=root)  # fmt: skip
    assert made.returncode == 0, made.stderr
    time.sleep(4)
    refused = _run("apply", str(plan), cwd=root)
    assert refused.returncode == 1 and "which is already past" in refused.stderr
    assert _campaigns(emulator, "plan-late") == []


def test_a_phone_list_and_a_single_flow_are_planned_and_applied_exactly(emulator, tmp_path):
    root = _repository(tmp_path, emulator)
    (root / "parcels.ivr").write_text(LIST_FLOW.format(name="plan-list"), encoding="utf-8")
    (root / "single.ivr").write_text(SINGLE.format(name="plan-single"), encoding="utf-8")
    listed = root / "list.plan"
    made = _run("plan", "parcels.ivr", "--phones", "phones.txt", "--env", "staging", "--start", "-o", str(listed),
                cwd=root)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "3 numbers: 2 called, 1 held back by the policy" in made.stdout
    assert _campaigns(emulator, "plan-list") == []
    applied = _run("apply", str(listed), cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert _numbers(emulator, "plan-list") == ["972520000001", "972520000002"]
    (campaign,) = _campaigns(emulator, "plan-list")
    single = root / "single.plan"
    assert _run("plan", "single.ivr", "--env", "production", "-o", str(single), cwd=root).returncode == 0
    applied = _run("apply", str(single), cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert [c["number"] for c in _campaigns(emulator, "plan-single")] == ["972546000001"]
    # A plan's own input, changed: the phone list.
    again = root / "again.plan"
    assert _run("plan", "parcels.ivr", "--phones", "phones.txt", "--env", "staging", "-o", str(again),
                cwd=root).returncode == 0  # fmt: skip
    (root / "phones.txt").write_text("+972520000009\n", encoding="utf-8")
    refused = _run("apply", str(again), cwd=root)
    assert refused.returncode == 1 and "the phone list changed since the plan was made" in refused.stderr


def test_what_is_not_a_plan_is_one_line(tmp_path, emulator):
    (tmp_path / "not.plan").write_text("hello", encoding="utf-8")
    done = _run("apply", str(tmp_path / "not.plan"), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("ivrc: error: ") and "Traceback" not in done.stderr
    missing = _run("apply", str(tmp_path / "nowhere.plan"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_phone_list_split_by_time_zone_is_planned_and_applied_as_its_campaigns(emulator, tmp_path):
    root = _repository(tmp_path, emulator)
    (root / "ivrc.toml").write_text(
        CONFIG.format(url=emulator.url).replace('suppress = ["dnc.csv"]', 'calling_hours = "09:00-12:00"'),
        encoding="utf-8",
    )
    (root / "phones.txt").write_text("+972520000001\n+12125550100\n", encoding="utf-8")
    (root / "parcels.ivr").write_text(LIST_FLOW.format(name="plan-split"), encoding="utf-8")
    plan = root / "split.plan"
    made = _run("plan", "parcels.ivr", "--phones", "phones.txt", "--env", "staging", "--start-at",
                "2030-12-09T06:00+02:00", "--split-by-timezone", "-o", str(plan), "--format", "json", cwd=root)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["to_send"] == 2
    applied = _run("apply", str(plan), cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert _numbers(emulator, "plan-split-america-new-york") == ["12125550100"]
    assert _numbers(emulator, "plan-split-asia-jerusalem") == ["972520000001"]


def test_a_plan_whose_calls_ring_on_arrival_is_valid_only_until_their_window_closes(emulator, tmp_path):
    """Without --start-at, a call that rings when it is sent was judged at the plan's time: applied
    after its window has closed, it would ring outside the calling hours. The plan says until when."""
    from ivrc.service.plan_file import refusals

    root = _repository(tmp_path, emulator)
    (root / "ivrc.toml").write_text(
        CONFIG.format(url=emulator.url).replace('suppress = ["dnc.csv"]', 'calling_hours = "00:00-24:00"'),
        encoding="utf-8",
    )
    (root / "remind.ivr").write_text(TEMPLATE.format(name="plan-until"), encoding="utf-8")
    (root / "parcels.ivr").write_text(LIST_FLOW.format(name="plan-until-list"), encoding="utf-8")
    for args in (["remind.ivr", "--recipients", "people.csv"], ["parcels.ivr", "--phones", "phones.txt"]):
        made = _run("plan", *args, "--env", "staging", "-o", str(root / "p.plan"), "--format", "json", cwd=root)
        assert made.returncode == 0, made.stderr
        header = json.loads(made.stdout)
        assert header["earliest"] is None and time.time() < header["until"] <= time.time() + 2 * 86400
        refused = refusals(header, header["inputs"], "staging", emulator.url, header["until"] + 1)
        assert refused == [
            "calls in the plan that ring as they are sent were allowed until "
            + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(header["until"]))
            + " by the calling hours; sent now, they would ring outside them"
        ]
        assert refusals(header, header["inputs"], "staging", emulator.url, time.time()) == []
