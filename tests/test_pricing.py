"""The cost in every plan: the tariff read from the configuration, each way through a flow billed
by the increment and priced by the number's longest prefix, worked out by hand here; a plan above
the limit refused without --yes; and the report's estimate against the records' billed time."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_plan_apply import TEMPLATE  # a reminder greeting each recipient by name
from test_service import PASSWORD, USER, Emulator

from ivrc.language import pricing
from ivrc.language.pricing import Pricing
from ivrc.running.records import COLUMNS

FLOW = """\
region IL
dialer "{name}" {{
    return_address "https://hooks.example.com/ivr"
    numbers from queue
    cli "03-123-4567"
}}
step a {{
    say "Your parcel arrives tomorrow. Press 1 to confirm, or 2 to hear the time window"
    on 1 -> hangup
    on 2 {{
        play "Between nine and twelve"
        hangup
    }}
}}
"""
CONFIG = """\
region = "IL"

[pricing]
currency = "ILS"
increment = "{increment}"
per_minute = {{ "972" = 1.20, "9725" = 2.00, "1" = 0.50 }}
per_attempt = 0.01
{extra}
"""
# The records of an earlier campaign of FLOW: two callers pressed 1, one pressed 2, one did not answer.
RECORDS = [
    ("972520000001", True, 7, "1"),
    ("97231234567", True, 5, "1"),
    ("12025550123", True, 10, "2"),
    ("33123456789", False, 0, None),
]


def _write_records(path: Path, campaign: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for number, answered, billsec, key in RECORDS:
            steps = {"steps": [{"dtmf": key, "step_name": "a"}], "invalid": [], "unique_id": campaign} if key else {}
            writer.writerow([
                "031234567", number, "2026-11-01 10:00:00+02", "2026-11-01 10:00:05+02" if answered else "",
                "2026-11-01 10:00:20+02", str(billsec + 5), str(billsec),
                "NORMAL_CLEARING" if answered else "NO_ANSWER", campaign, json.dumps(steps) if key else "",
            ])  # fmt: skip


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pricing")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")}
    return subprocess.run(
        [sys.executable, "-m", "ivrc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**clean, "NO_COLOR": "1", "IVRC_USERNAME": USER, "IVRC_PASSWORD": PASSWORD},
        timeout=120,
    )


def _campaigns(emulator: Emulator, prefix: str) -> list[str]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute("SELECT unique_id FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "%",)).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    "increment,seconds,billed",
    [
        ("60/60", 0, 0), ("60/60", 0.2, 60), ("60/60", 60, 60), ("60/60", 60.01, 120), ("60/60", 61, 120),
        ("30/6", 1, 30), ("30/6", 30, 30), ("30/6", 31, 36), ("30/6", 36, 36), ("30/6", 37, 42),
        ("1/1", 4.48, 5), ("1/1", 3.0, 3), ("6/6", 5.25, 6), ("6/6", 6.99, 12),
    ],
)  # fmt: skip
def test_a_call_is_billed_by_the_increment(increment, seconds, billed):
    first, step = (int(n) for n in increment.split("/"))
    assert Pricing(first=first, step=step).billed(seconds) == billed


def test_a_number_is_priced_by_its_longest_prefix():
    tariff = Pricing(per_minute={"972": Decimal("0.12"), "9725": Decimal("0.20"), "1": Decimal("0.05")})
    assert tariff.rate("972520000001") == Decimal("0.20")
    assert tariff.rate("97231234567") == Decimal("0.12")
    assert tariff.rate("12025550123") == Decimal("0.05")
    assert tariff.rate("33123456789") is None


def test_a_phone_list_campaign_is_priced_by_the_ways_its_earlier_calls_went(emulator, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "ivrc.toml").write_text(CONFIG.format(increment="6/6", extra="max_cost = 0.40"), encoding="utf-8")
    (tmp_path / "parcel.ivr").write_text(FLOW.format(name="priced-list"), encoding="utf-8")
    (tmp_path / "phones.txt").write_text("+972520000001\n+97231234567\n+12025550123\n+33123456789\n", encoding="utf-8")
    _write_records(tmp_path / "earlier.csv", "priced-list")
    plan = tmp_path / "list.plan"
    made = _run("plan", "parcel.ivr", "--phones", "phones.txt", "--history", "earlier.csv", "--base-url",
                emulator.url, "-o", str(plan), "--format", "json", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    cost = json.loads(made.stdout)["cost"]
    # By hand. The prompt is 78 characters of English: 0.38 + 78 / 16.9 = 5.00 s, and the key
    # 0.25 s: pressing 1 takes 5.25 s, billed 6 s at "6/6". Pressing 2 adds "Between nine and
    # twelve", 0.38 + 23 / 16.9 = 1.74 s: 6.99 s, billed 12 s. Of the 4 earlier calls 2 pressed
    # 1, 1 pressed 2 and 1 was not answered: each number is expected to be billed
    # 2/4 × 6 + 1/4 × 12 + 1/4 × 0 = 6 s, once (4 calls for 4 numbers).
    # 6 s at 2.00 (9725), 1.20 (972) and 0.50 (1) a minute, nothing for +33 (no price):
    # 0.1 × 3.70 = 0.37, and 4 calls placed at 0.01: 0.41, 0.01 over the limit of 0.40.
    assert cost["billed_minutes"] == 0.4  # 4 × 6 s
    assert cost["cost"] == 0.41
    assert cost["unpriced"] == 1
    assert cost["over_by"] == 0.01 and cost["max_cost"] == 0.4
    assert [(r["keys"], r["share"], r["seconds"]) for r in cost["routes"]] == [
        ("1", 0.5, 5.25),
        ("2", 0.25, 6.99),
        ("", 0.25, 0.0),
    ]
    assert "expected cost ILS 0.41: 4 calls, 0.4 billed minutes at 6/6, ILS 0.01 a call placed" in made.stderr
    assert "1 number has no price in `per_minute`" in made.stderr
    shown = _run("plan", "parcel.ivr", "--phones", "phones.txt", "--history", "earlier.csv", "--base-url",
                 emulator.url, "-o", str(plan), "--format", "markdown", cwd=tmp_path)  # fmt: skip
    assert "**Expected cost: ILS 0.41** for 4 calls, 0.4 billed minutes at 6/6" in shown.stdout
    assert "ILS 0.01 over the limit of ILS 0.40: apply needs `--yes`" in shown.stdout
    refused = _run("apply", str(plan), "--base-url", emulator.url, cwd=tmp_path)
    assert refused.returncode == 1
    assert (
        "ivrc: nothing was sent: the plan's expected cost ILS 0.41 is ILS 0.01 over the limit of ILS 0.40; add --yes "
        "to send it all the same" in refused.stderr
    )
    assert _campaigns(emulator, "priced-list") == []
    raised = _run("apply", str(plan), "--base-url", emulator.url, "--max-cost", "0.5", cwd=tmp_path)
    assert raised.returncode == 1 and "1 numbers of the plan have no price" in raised.stderr
    # A limit given to `plan` holds for its apply, with no limit in the configuration.
    (tmp_path / "ivrc.toml").write_text(CONFIG.format(increment="6/6", extra=""), encoding="utf-8")
    limited = tmp_path / "limited.plan"
    made = _run("plan", "parcel.ivr", "--phones", "phones.txt", "--history", "earlier.csv", "--base-url",
                emulator.url, "-o", str(limited), "--max-cost", "0.30", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    refused = _run("apply", str(limited), "--base-url", emulator.url, cwd=tmp_path)
    assert refused.returncode == 1 and "ILS 0.11 over the limit of ILS 0.30" in refused.stderr
    assert _campaigns(emulator, "priced-list") == []
    applied = _run("apply", str(limited), "--base-url", emulator.url, "--yes", cwd=tmp_path)
    assert applied.returncode == 0, applied.stderr
    assert _campaigns(emulator, "priced-list") == [f"{USER}/priced-list"]


def test_a_personal_campaign_is_priced_by_what_is_said_to_each_recipient(emulator, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "ivrc.toml").write_text(CONFIG.format(increment="1/1", extra=""), encoding="utf-8")
    (tmp_path / "remind.ivr").write_text(TEMPLATE.format(name="priced-personal"), encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        "name,phone\nDana,+972520000001\nAlexandrina Konstantinopolska,+12025550123\n", encoding="utf-8"
    )
    shown = _run("deploy", "remind.ivr", "--recipients", "people.csv", "--base-url", emulator.url, "--dry-run",
                 "--format", "json", cwd=tmp_path)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    cost = json.loads(shown.stdout)["cost"]
    # By hand. No records: each call is answered and takes the main path, the prompt then key 1.
    # "Hello Dana, your appointment is tomorrow" is 40 characters: 0.38 + 40 / 16.9 = 2.75 s, with
    # the key 3.00 s, billed 3 s at "1/1", at 2.00 a minute (9725): 0.10. With the longer name,
    # 65 characters: 4.23 s and the key, 4.48 s, billed 5 s at 0.50 a minute (1): 0.0417. Two
    # calls placed at 0.01: 0.1617 in all, 8 s = 0.13 minutes.
    assert cost["cost"] == 0.16
    assert cost["billed_minutes"] == 0.13
    assert cost["routes"] == [
        {"keys": "1", "share": 1.0, "answered": True, "seconds": 3.74, "end": "hangup"}  # the mean of 3.00 and 4.48
    ]
    assert "the main path, keys 1: 4 s on average, ending hangup" in shown.stderr
    refused = _run("deploy", "remind.ivr", "--recipients", "people.csv", "--base-url", emulator.url,
                   "--max-cost", "0.10", cwd=tmp_path)  # fmt: skip
    assert refused.returncode == 1
    assert "the expected cost ILS 0.16 is ILS 0.06 over the limit of ILS 0.10; add --yes" in refused.stderr
    assert _campaigns(emulator, "priced-personal") == []


def test_the_report_sets_the_estimate_against_the_billed_time(tmp_path):
    (tmp_path / "ivrc.toml").write_text(CONFIG.format(increment="6/6", extra=""), encoding="utf-8")
    (tmp_path / "parcel.ivr").write_text(FLOW.format(name="priced-report"), encoding="utf-8")
    _write_records(tmp_path / "records.csv", "priced-report")
    made = _run("report", "parcel.ivr", "--cdr", "records.csv", "--format", "json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    # Actual: billsec 7 (9725), 5 (972), 10 (1) billed 12, 6 and 12 s at "6/6": 12 × 2.00 / 60 +
    # 6 × 1.20 / 60 + 12 × 0.50 / 60 = 0.40 + 0.12 + 0.10, and 4 calls placed: 0.66, 0.5 minutes.
    # Estimated: key 1 is 5.25 s (6 s), key 2 is 6.99 s (12 s): 0.20 + 0.12 + 0.10 + 0.04 = 0.46.
    assert json.loads(made.stdout)["cost"] == {
        "currency": "ILS",
        "increment": "6/6",
        "calls": 4,
        "unpriced": 1,
        "estimated": {"billed_minutes": 0.4, "cost": 0.46},
        "actual": {"billed_minutes": 0.5, "cost": 0.66},
    }
    page = _run("report", "parcel.ivr", "--cdr", "records.csv", "-o", "report.html", cwd=tmp_path)
    assert page.returncode == 0, page.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<td dir="auto">estimated</td><td class="n">0.40</td><td class="n">0.46</td>' in html
    assert '<td dir="auto">actual</td><td class="n">0.50</td><td class="n">0.66</td>' in html


@pytest.mark.parametrize(
    "table,said",
    [
        ('currency = "shekel"\nper_minute = { "972" = 0.1 }', "ivrc.toml:5:1: pricing: `currency`: expected a currency code"),
        ('increment = "60"\nper_minute = { "972" = 0.1 }', 'ivrc.toml:5:1: pricing: `increment`: expected "FIRST/NEXT"'),
        ('per_minute = { "0972" = 0.1 }', "ivrc.toml:5:1: pricing: `per_minute`: `0972` is not an E.164 prefix"),
        ('per_minute = { "972" = -1 }', "ivrc.toml:5:1: pricing: `per_minute`: the price of `972` must be zero or more"),
        ('per_minute = { "972" = "cheap" }', "ivrc.toml:5:1: pricing: `per_minute`: the price of `972` must be a number"),
        ('per_minte = { "972" = 0.1 }', "ivrc.toml:5:1: pricing: `per_minte`: unknown key; did you mean `per_minute`?"),
        ('currency = "ILS"', "ivrc.toml:4:1: pricing: `per_minute`: a tariff needs prices a minute by prefix"),
        ('per_minute = { "972" = 0.1 }\nmax_cost = true', "ivrc.toml:6:1: pricing: `max_cost`: the price must be a number"),
    ],
)  # fmt: skip
def test_a_tariff_that_cannot_be_used_is_one_line_with_its_place(tmp_path, table, said):
    (tmp_path / "ivrc.toml").write_text(f'region = "IL"\n\n\n[pricing]\n{table}\n', encoding="utf-8")
    (tmp_path / "parcel.ivr").write_text(FLOW.format(name="priced-bad"), encoding="utf-8")
    checked = _run("lint", "parcel.ivr", cwd=tmp_path)
    assert checked.returncode == 2
    assert said in checked.stderr
    assert len(checked.stderr.strip().splitlines()) == 1 and "Traceback" not in checked.stderr


def test_the_service_limit_on_a_call_is_read_from_the_configuration(tmp_path):
    (tmp_path / "ivrc.toml").write_text('region = "IL"\ncall-too-long-limit = "10s"\n', encoding="utf-8")
    (tmp_path / "parcel.ivr").write_text(FLOW.format(name="priced-long"), encoding="utf-8")
    checked = _run("lint", "parcel.ivr", "--format", "json", cwd=tmp_path)
    found = [d for d in json.loads(checked.stdout) if d["rule"] == "call-too-long"]
    # Silent in all 4 tries of 5.00 s and a 3 s timeout: 32 s.
    assert [d["message"] for d in found] == [
        "the longest way through the flow takes about 32 s (a), longer than the 10 s the service lets a call last"
    ]
    bad = tmp_path / "ivrc.toml"
    bad.write_text('call-too-long-limit = "soon"\n', encoding="utf-8")
    refused = _run("lint", "parcel.ivr", cwd=tmp_path)
    assert refused.returncode == 2 and "`call-too-long-limit`: `soon` is not a duration" in refused.stderr


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.dictionaries(
        st.sampled_from(["currency", "increment", "per_minute", "per_attempt", "max_cost", "other"]), _VALUES
    )
)
def test_any_tariff_is_read_or_refused_with_its_place(table):
    try:
        tariff = pricing.read(table, Path("ivrc.toml"), "[pricing]\n", "pricing")
    except pricing.PricingError as error:
        assert str(error).startswith("ivrc.toml:") and ": pricing: `" in str(error)
        return
    assert tariff.per_minute and all(price >= 0 for price in tariff.per_minute.values())
    assert tariff.first >= 1 and tariff.step >= 1


@given(st.integers(1, 120), st.integers(1, 120), st.floats(0, 10_000), st.floats(0, 10_000))
def test_billing_never_bills_less_than_the_call_nor_a_longer_call_less(first, step, one, other):
    tariff = Pricing(first=first, step=step)
    shorter, longer = sorted((one, other))
    assert tariff.billed(shorter) <= tariff.billed(longer)
    assert tariff.billed(longer) >= longer - 1e-6
    assert tariff.billed(longer) == 0 or (tariff.billed(longer) - first) % step == 0


def test_the_policy_history_counts_this_flows_campaigns_only():
    from ivrc.running.costing import Learned, routes
    from ivrc.running.records import CdrRecord, parse_time

    request = {"ivr": {"steps": [{"step_id": "a", "prompt": "Press 1", "dtmf_ivr": ["1", "2"]}]}}

    def record(campaign: str, number: str, keys: list[tuple[str, str]] | None) -> CdrRecord:
        answered = parse_time("2026-11-01 10:00:05+02") if keys is not None else None
        steps = {"steps": [{"step_name": s, "dtmf": d} for s, d in keys or []]}
        return CdrRecord("", number, None, answered, None, 0, 0, "", campaign, steps)

    learned = Learned(request, "parcels", every=False)
    for each in (
        record("parcels", "972520000001", [("a", "1")]),  # this flow's campaign, by its name
        record("parcels", "972520000002", None),  # … not answered: counted
        record("parcels-7f3a", "972520000003", [("a", "2")]),  # a personal campaign's recipient of it
        record("parcels-7f3a", "972520000003", None),  # … called again
        record("survey", "972520000004", [("q1", "5")]),  # another flow: its steps are not this flow's
        record("survey", "972520000005", None),  # … its unanswered call cannot be told apart: left out
        record("old-parcels", "972520000006", [("a", "1")]),  # another name, this flow's steps: counted
    ):
        learned.add(each)
    assert (learned.records, learned.unanswered) == (5, 2)
    assert learned.attempts == Decimal(5) / 4  # 972520000003 was called twice in its campaign
    made = routes(request, learned)
    assert [(r.keys, r.share, r.answered) for r in made] == [
        (("1",), Decimal("0.4"), True),
        (("2",), Decimal("0.2"), True),
        ((), Decimal("0.4"), False),
    ]
