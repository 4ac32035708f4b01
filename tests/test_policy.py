"""The compliance policy: read key by key with errors at their place, calling windows in each
recipient's own local time (across daylight-saving changes, Shabbat and Hebrew-calendar holidays),
do-not-call lists, consent, attempt caps and opt-outs, through `ivrc compile --recipients`."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ivrc.compliance import calendar
from ivrc.language import config as settings
from ivrc.language.policy import Policy, hours

FLOW = """\
region IL
dialer "tevel-offer" {
    return_address "https://hooks.example.com/ivr"
    number recipient.phone
    cli "03-123-4567"
    ring_timeout 25s
}
step offer {
    say "Advertisement from Tevel: hello $name$, press 1 for the offer, or 9 to stop our calls" with name = recipient.name
    on 1 { play "Two tickets for one"; hangup }
    on 9 { mark remove; hangup }
}
"""
POLICY = """\
region = "IL"

[policy]
calling_hours = { default = "08:00-21:00", friday = "08:00-13:00" }
quiet_days = ["saturday"]
holidays = true
default_timezone = "Asia/Jerusalem"
"""


def _project(tmp_path: Path, policy: str = POLICY, people: str | None = None) -> tuple[Path, Path]:
    (tmp_path / "ivrc.toml").write_text(policy, encoding="utf-8")
    flow = tmp_path / "offer.ivr"
    flow.write_text(FLOW, encoding="utf-8")
    recipients = tmp_path / "people.csv"
    recipients.write_text(
        people or "name,phone\nDana,054-600-0001\nSam,+1 212 555 0100\nLee,+1 310 555 0100\nAnn,+44 20 7123 4567\n",
        encoding="utf-8",
    )
    return flow, recipients


def _compile(ivrc_cli, flow: Path, people: Path, *extra: str):
    return ivrc_cli("compile", str(flow), "--recipients", str(people), *extra, cwd=flow.parent)


def _schedules(stdout: str) -> list[int | None]:
    return [json.loads(line).get("schedule") for line in stdout.splitlines()]


def _utc(moment: int) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M")


# ---- reading the policy ------------------------------------------------------


def test_every_key_is_read(tmp_path):
    (tmp_path / "dnc").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        """[tool.ivrc]
region = "IL"

[tool.ivrc.policy]
calling_hours = { default = "08:00-21:00", friday = ["08:00-10:00", "11:00-13:00"], saturday = "" }
quiet_days = ["Saturday"]
holidays = true
default_timezone = "Asia/Jerusalem"
suppress = ["dnc/registry.csv"]
suppress_max_age = "15d"
consent_column = "consent_date"
consent_max_age = "365d"
max_attempts = "7/7d"
history = ["records/*.csv"]
purpose = "marketing"
sender = "Tevel"
""",
        encoding="utf-8",
    )
    policy = settings.load(tmp_path / "pyproject.toml").policy
    assert policy is not None
    assert (
        policy.hours is not None and policy.hours[0] == ((480, 1260),) and policy.hours[4] == ((480, 600), (660, 780))
    )
    assert policy.hours[5] == ()
    assert policy.quiet_days == {5} and policy.holidays and policy.default_timezone == "Asia/Jerusalem"
    assert policy.suppress == (tmp_path / "dnc/registry.csv",) and policy.suppress_max_age == 15 * 86400
    assert policy.consent_column == "consent_date" and policy.consent_max_age == 365 * 86400
    assert policy.max_attempts == (7, 7 * 86400) and policy.history == ("records/*.csv",)
    assert policy.marketing and policy.sender == "Tevel"


@pytest.mark.parametrize(
    "line,message",
    [
        ('calling_hour = "08:00-21:00"', "3:1: policy: `calling_hour`: unknown key; did you mean `calling_hours`?"),
        (
            'calling_hours = "25:00-08:00"',
            "3:1: policy: `calling_hours`: `25:00` in `25:00-08:00` is not a time of day",
        ),
        ('calling_hours = "21:00-08:00"', "3:1: policy: `calling_hours`: `21:00-08:00` ends before it starts"),
        (
            'calling_hours = { fridy = "08:00-13:00" }',
            "policy: `calling_hours`: `fridy` is not a weekday; did you mean `friday`?",
        ),
        ('quiet_days = ["shabat"]', "3:1: policy: `quiet_days`: `shabat` is not a weekday"),
        (
            'default_timezone = "Asia/Jerusalm"',
            "3:1: policy: `default_timezone`: `Asia/Jerusalm` is not a time zone; did you mean `Asia/Jerusalem`?",
        ),
        ('suppress_max_age = "15 days"', "3:1: policy: `suppress_max_age`: `15 days` is not an age such as 15d"),
        ('max_attempts = "7"', "3:1: policy: `max_attempts`: `7` is not a cap such as 7/7d"),
        ('purpose = "sales"', '3:1: policy: `purpose`: expected "marketing" or "service", not \'sales\''),
        ("holidays = 1", "3:1: policy: `holidays`: expected true or false"),
    ],
)
def test_bad_policy_input_is_one_line_at_its_place(tmp_path, ivrc_cli, line, message):
    flow, people = _project(tmp_path, f'region = "IL"\n[policy]\n{line}\n')
    done = _compile(ivrc_cli, flow, people)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr, done.stderr
    assert str(tmp_path / "ivrc.toml") in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


# ---- windows in local time ---------------------------------------------------


def _first(policy: Policy, zone: str, start: str, country: str | None = None, span: int = 0) -> str:
    moment = int(datetime.fromisoformat(start).timestamp())
    found = calendar.Calendar(policy).first_moment(calendar.Place((zone,), country, "column"), moment, span)
    assert found is not None
    return datetime.fromtimestamp(found[0], ZoneInfo(zone)).isoformat()


def test_windows_across_daylight_saving_changes_in_both_directions():
    policy = Policy(hours=hours("08:00-21:00"))
    # New York springs forward on 2026-03-08 and falls back on 2026-11-01: 08:00 is 08:00 on the wall both days.
    assert _first(policy, "America/New_York", "2026-03-08T05:00+00:00") == "2026-03-08T08:00:00-04:00"
    assert _first(policy, "America/New_York", "2026-11-01T05:00+00:00") == "2026-11-01T08:00:00-05:00"
    # Israel springs forward on 2026-03-27 and falls back on 2026-10-25.
    assert _first(policy, "Asia/Jerusalem", "2026-03-27T03:00+02:00") == "2026-03-27T08:00:00+03:00"
    assert _first(policy, "Asia/Jerusalem", "2026-10-25T03:00+03:00") == "2026-10-25T08:00:00+02:00"
    # The evening's end moves with the clock: 20:59 local is allowed, 21:00 is the next day's 08:00.
    assert _first(policy, "America/New_York", "2026-11-01T20:59-05:00") == "2026-11-01T20:59:00-05:00"
    assert _first(policy, "America/New_York", "2026-11-01T21:01-05:00") == "2026-11-02T08:00:00-05:00"


def test_shabbat_and_a_shorter_friday():
    policy = Policy(hours=hours({"default": "08:00-21:00", "friday": "08:00-13:00"}), quiet_days=frozenset({5}))
    # Friday 14:00 in Jerusalem: past Friday's window, Saturday is quiet, so Sunday 08:00.
    assert _first(policy, "Asia/Jerusalem", "2026-12-11T14:00+02:00", "IL") == "2026-12-13T08:00:00+02:00"
    assert _first(policy, "Asia/Jerusalem", "2026-12-11T12:00+02:00", "IL") == "2026-12-11T12:00:00+02:00"


def test_hebrew_calendar_holidays_are_quiet_days():
    policy = Policy(hours=hours("08:00-21:00"), holidays=True)
    # Yom Kippur 2026 is Monday 21 September (10 Tishrei 5787); Rosh Hashanah is 12-13 September.
    assert _first(policy, "Asia/Jerusalem", "2026-09-21T07:00+03:00", "IL") == "2026-09-22T08:00:00+03:00"
    assert _first(policy, "Asia/Jerusalem", "2026-09-12T07:00+03:00", "IL") == "2026-09-14T08:00:00+03:00"
    # Not a holiday in the United States: a New York number is called that Monday.
    assert _first(policy, "America/New_York", "2026-09-21T07:00-04:00", "US") == "2026-09-21T08:00:00-04:00"


def test_a_call_that_cannot_end_in_the_window_moves_to_the_next_day():
    policy = Policy(hours=hours("08:00-21:00"))
    # 20:30 with a call that can take 45 minutes: the next morning.
    assert _first(policy, "Europe/London", "2026-12-07T20:30+00:00", "GB", 45 * 60) == "2026-12-08T08:00:00+00:00"


def test_a_number_in_several_zones_gets_the_window_inside_all_of_them():
    policy = Policy(hours=hours("08:00-21:00"))
    toll_free = calendar.place("18005550100", "US", None, None)
    assert len(toll_free.zones) > 10
    start = int(datetime.fromisoformat("2026-12-07T08:00-05:00").timestamp())
    found = calendar.Calendar(policy).first_moment(toll_free, start, 0)
    assert found is not None
    for zone in toll_free.zones:  # at that moment every zone is inside 08:00-21:00
        local = datetime.fromtimestamp(found[0], ZoneInfo(zone))
        assert 8 * 60 <= local.hour * 60 + local.minute <= 21 * 60, zone
