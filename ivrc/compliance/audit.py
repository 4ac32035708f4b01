"""Call records checked against the policy, after the calls: calls that started outside the called
person's window in their own local time, calls to numbers on a do-not-call list or that had
opted out before, people called more often than the cap, and marketing calls from a hidden
number. Each breach names its record (`FILE:LINE`); numbers are masked unless asked. A
do-not-call list judges the calls made from its own date on: of a call before it, it cannot say."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ivrc.compliance import calendar
from ivrc.compliance.lists import NumberList, number_key
from ivrc.language.policy import Policy
from ivrc.running.cdr_files import read_located
from ivrc.running.records import CdrError, CdrRecord

KINDS = ("outside-calling-hours", "suppressed-recipient", "opted-out", "attempt-cap", "hidden-caller-id")


class AuditError(ValueError):
    """Call records that cannot be read: `FILE:LINE: reason`."""


@dataclass(frozen=True)
class Breach:
    file: str
    place: str  # the line, or `record N` in JSON
    kind: str
    message: str
    number: str  # masked unless asked
    time: str | None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.place}" if self.place[:1].isdigit() else f"{self.file}: {self.place}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "place": self.place,
            "rule": self.kind,
            "message": self.message,
            "number": self.number,
            "time": self.time,
        }


@dataclass
class Audit:
    records: int = 0
    files: int = 0
    breaches: list[Breach] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(b.kind for b in self.breaches)
        return {kind: found[kind] for kind in KINDS if found[kind]}

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "files": self.files,
            "breaches": len(self.breaches),
            "by_rule": self.counts,
            "findings": [b.as_json() for b in self.breaches],
        }


def mask(digits: str) -> str:
    """`+97254***0001`: the country code and two digits, and the last four."""
    import phonenumbers

    try:
        code = str(phonenumbers.parse("+" + digits).country_code)
    except phonenumbers.NumberParseException:
        code = digits[:3]
    keep = min(len(code) + 2, max(len(digits) - 6, 1))
    return f"+{digits[:keep]}***{digits[-4:]}" if len(digits) > 6 else "***"


def audit(
    paths: list[Path],
    policy: Policy,
    region: str | None,
    lists: list[NumberList],
    marketing: bool,
    zones: dict[int, str] | None = None,
    show_numbers: bool = False,
) -> Audit:
    """Every record of `paths` against the policy; `zones` gives the `timezone` column of the
    recipients file, by number. AuditError places a record that cannot be read."""
    seen: list[tuple[int, int, str, str, CdrRecord]] = []  # (number, time, file, place, record)
    result = Audit(files=len(paths))
    for path in paths:
        try:
            for place, record in read_located(path):
                result.records += 1
                key = number_key(record.phone_number, region)
                when = int(record.start_time.timestamp()) if record.start_time is not None else None
                if key is not None and when is not None:
                    seen.append((key, when, str(path), place, record))
        except CdrError as error:
            raise AuditError(
                f"{path}:{error.line}: {error.reason}" if error.line else f"{path}: {error.reason}"
            ) from None
    seen.sort(key=lambda item: (item[1], item[2], item[3]))
    days = calendar.Calendar(policy)
    opted_at: dict[int, int] = {}
    calls: dict[int, list[int]] = defaultdict(list)
    for key, when, file, place, record in seen:
        shown = f"+{key}" if show_numbers else mask(str(key))

        def breach(kind: str, message: str, when: int = when, file: str = file, place: str = place) -> None:
            result.breaches.append(Breach(file, place, kind, message, shown, _iso(when)))  # noqa: B023

        zone = _zone(key, region, zones, policy.default_timezone)
        if policy.timed and zone is not None:
            where = calendar.Place(zone, _country(key), "number")
            if not days.allowed(where, when, 0):
                breach(
                    "outside-calling-hours",
                    f"a call to {shown} started at {calendar.local(when, zone[0])}, outside the calling hours"
                    + days.why(where, when),
                )
        for listed in lists:  # a list speaks from its date on: a call before it cannot be judged by it
            if when >= listed.dated.timestamp() and key in listed:
                breach("suppressed-recipient", f"a call to {shown}, on the do-not-call list {listed.path.name}")
        if key in opted_at and opted_at[key] <= when:  # records are to the second: a later one may share it
            breach("opted-out", f"a call to {shown}, who chose `mark remove` on {_iso(opted_at[key])}")
        if "remove" in record.marks:
            opted_at.setdefault(key, when)
        if policy.max_attempts is not None:
            count, period = policy.max_attempts
            earlier = calls[key]
            within = len(earlier) - bisect.bisect_right(earlier, when - period)
            if within + 1 > count:
                breach(
                    "attempt-cap",
                    f"call {within + 1} to {shown} within {period // 86400} days; the policy allows {count}",
                )
            earlier.append(when)
        if marketing and not record.cli.strip():
            breach("hidden-caller-id", f"a marketing call to {shown} from a hidden number")
    result.breaches.sort(key=lambda b: (b.file, _line(b.place), b.kind))
    return result


def _zone(key: int, region: str | None, zones: dict[int, str] | None, default: str | None) -> tuple[str, ...] | None:
    if zones and key in zones:
        return (zones[key],)
    try:
        return calendar.place(str(key), region, None, default).zones
    except calendar.NoZone:
        return None


def _country(key: int) -> str | None:
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(f"+{key}"))
    except phonenumbers.NumberParseException:
        return None


def _line(place: str) -> int:
    digits = "".join(c for c in place if c.isdigit())
    return int(digits) if digits else 0


def _iso(moment: int) -> str:
    return datetime.fromtimestamp(moment, ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
