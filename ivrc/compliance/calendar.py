"""When a person may be called: their time zone, and the first moment their calling window,
their weekly quiet days and their country's public holidays allow.

A zone comes from a `timezone` column, else from the number (phonenumbers' own time zones),
else the policy's `default_timezone`. A number with several zones (a toll-free number, an area
code that crosses a zone line) may be called only when every one of them allows it. Moments are
Unix times; local days and daylight-saving changes are zoneinfo's (with tzdata where the
system has no zone files)."""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers

from ivrc.language.policy import WEEKDAYS, Policy

HORIZON_DAYS = 40  # how far ahead the first allowed moment is looked for
Interval = tuple[int, int]  # Unix times: the first and the last allowed start


class NoZone(ValueError):
    """A number whose zone cannot be told, and no `default_timezone`."""


@dataclass(frozen=True)
class Place:
    """Where a person is called, as far as time goes: their zones and their country."""

    zones: tuple[str, ...]
    country: str | None
    told_by: str  # "column", "number" or "default"


@functools.lru_cache(maxsize=512)
def _country_zones(country_code: int) -> tuple[str, ...]:
    from phonenumbers import timezone

    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=0)
    zones = timezone._country_level_time_zones_for_number(number)
    return tuple(z for z in zones if z != "Etc/Unknown")


@functools.lru_cache(maxsize=4096)
def _country_code(digits: str) -> int | None:
    """The country calling code a number's digits begin with (1 to 3 digits; no two overlap):
    asked with the first three digits, so a few thousand answers serve every number."""
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    for length in (1, 2, 3):
        code = int(digits[:length]) if digits[:length].isdigit() else 0
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


def _number_zones(digits: str) -> tuple[str, ...]:
    code = _country_code(digits[:3])
    if code is None:
        return ()
    country = _country_zones(code)
    if len(country) == 1:  # one zone for the whole country (most): no need to read the number
        return country
    return _zones_by_number(digits) or country


@functools.lru_cache(maxsize=65536)
def _zones_by_number(digits: str) -> tuple[str, ...]:
    from phonenumbers import timezone

    try:
        number = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in timezone.time_zones_for_number(number) if z != "Etc/Unknown")


@functools.lru_cache(maxsize=4096)
def _place(zones: tuple[str, ...], country: str | None, told_by: str) -> Place:
    """One Place object for each place: a million recipients share a few, and their cache keys with them."""
    return Place(zones, country, told_by)


def one_zone(digits: str) -> bool:
    """Whether the number's country has one time zone, so that its first digits tell its place."""
    code = _country_code(digits[:3])
    return code is not None and len(_country_zones(code)) == 1


def place(digits: str, region: str | None, column: str | None, default: str | None) -> Place:
    """A person's zones: the `timezone` column's, else their number's, else the default."""
    if column:
        return Place((column,), region, "column")
    zones = _number_zones(digits)
    if zones:
        return _place(zones, region, "number")
    if default is None:
        raise NoZone(digits)
    return Place((default,), region, "default")


class Calendar:
    """The allowed moments of a policy, per place, cached: a million recipients share a few places."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._years: dict[str, object] = {}

    def first_moment(self, where: Place, after: int, span: int) -> tuple[int, bool] | None:
        """The first moment at or after `after` at which a call of `span` seconds starts and
        ends inside every zone's window, and whether it fits (False: no window of the horizon is
        long enough, and the moment is a window's start, the call running past its end).
        None when no day of the horizon may be called at all."""
        return self._first(where, after, span)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one calendar a run, kept for its run
    def _first(self, where: Place, after: int, span: int) -> tuple[int, bool] | None:
        fitting = _intersect([self._intervals(zone, where.country, after, span) for zone in where.zones])
        moment = _first_at_or_after(fitting, after)
        if moment is not None:
            return moment, True
        loose = _intersect([self._intervals(zone, where.country, after, 0) for zone in where.zones])
        moment = _first_at_or_after(loose, after)
        return None if moment is None else (moment, False)

    def allowed(self, where: Place, moment: int, span: int) -> bool:
        """Whether a call at `moment` of `span` seconds is inside every zone's window."""
        return self._first(where, moment, span) == (moment, True)

    def window_end(self, where: Place, moment: int) -> int | None:
        """The end of the window `moment` is in (the earliest end across the zones)."""
        ends = []
        for zone in where.zones:
            for start, end in self._intervals(zone, where.country, moment - 86400, 0):
                if start <= moment <= end:
                    ends.append(end)
                    break
            else:
                return None
        return min(ends)

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def _intervals(self, zone: str, country: str | None, after: int, span: int) -> list[Interval]:
        """The allowed starts in one zone, day by day over the horizon from `after`'s local day."""
        tz = ZoneInfo(zone)
        first_day = datetime.fromtimestamp(after, tz).date() - timedelta(days=1)
        hours = self.policy.hours
        found: list[Interval] = []
        for offset in range(HORIZON_DAYS + 2):
            day = first_day + timedelta(days=offset)
            if self.quiet(day, country):
                continue
            windows = hours[day.weekday()] if hours is not None else ((0, 1440),)
            for start, end in windows:
                opens = _at(day, start, tz)
                closes = _at(day, end, tz) - span
                if closes >= opens:
                    found.append((opens, closes))
        return found

    def quiet(self, day: date, country: str | None) -> bool:
        """A weekly quiet day, or a public holiday of the country, when the policy asks."""
        if day.weekday() in self.policy.quiet_days:
            return True
        return bool(self.policy.holidays and country and day in self._holidays(country, day.year))

    def why(self, where: Place, moment: int) -> str:
        """Why a moment is outside the window, in words: ` (Yom Kippur, a public holiday)`, ` (a quiet day)`."""
        for zone in where.zones:
            day = datetime.fromtimestamp(moment, ZoneInfo(zone)).date()
            name = self.holiday(day, where.country)
            if name:
                return f" ({name}, a public holiday)"
            if day.weekday() in self.policy.quiet_days:
                return f" ({WEEKDAYS[day.weekday()].title()}, a quiet day)"
        return ""

    def holiday(self, day: date, country: str | None) -> str | None:
        """The name of the public holiday that `day` is in `country`, if any."""
        if not (self.policy.holidays and country):
            return None
        name = self._holidays(country, day.year).get(day)
        return str(name) if name else None

    def _holidays(self, country: str, year: int):  # type: ignore[no-untyped-def]
        import holidays

        key = f"{country}:{year}"
        if key not in self._years:
            try:
                self._years[key] = holidays.country_holidays(country, years=(year, year + 1))
            except NotImplementedError:  # a country the package has no calendar for
                self._years[key] = {}
        return self._years[key]


def _at(day: date, minutes: int, tz: ZoneInfo) -> int:
    """A local day and time of day (on the wall clock) as a Unix time; 24:00 is the next day's
    midnight. A time that a spring-forward change skips is read by the offset before the change
    (zoneinfo's reading, PEP 495): 02:30 on such a night is 03:30 of the new offset."""
    wall = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(minutes=minutes)
    return int(wall.timestamp())


def _intersect(per_zone: list[list[Interval]]) -> list[Interval]:
    """The moments every zone allows."""
    common = per_zone[0]
    for other in per_zone[1:]:
        merged: list[Interval] = []
        i = j = 0
        while i < len(common) and j < len(other):
            start, end = max(common[i][0], other[j][0]), min(common[i][1], other[j][1])
            if start <= end:
                merged.append((start, end))
            if common[i][1] < other[j][1]:
                i += 1
            else:
                j += 1
        common = merged
    return common


def _first_at_or_after(intervals: list[Interval], moment: int) -> int | None:
    index = bisect.bisect_left(intervals, (moment + 1,)) - 1
    if index >= 0 and intervals[index][0] <= moment <= intervals[index][1]:
        return moment
    later = index + 1
    return intervals[later][0] if later < len(intervals) else None


def local(moment: int, zone: str) -> str:
    """`2026-12-06 09:00 Sun (Asia/Jerusalem, UTC+02:00)`."""
    at = datetime.fromtimestamp(moment, ZoneInfo(zone))
    offset = at.strftime("%z")
    return f"{at:%Y-%m-%d %H:%M} {WEEKDAYS[at.weekday()][:3].title()} ({zone}, UTC{offset[:3]}:{offset[3:]})"
