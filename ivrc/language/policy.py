"""The compliance policy: `[tool.ivrc.policy]` in pyproject.toml or `[policy]` in ivrc.toml.

Whom a campaign may call, when in their own local time and how often: every key is optional,
and a policy with no keys checks nothing. Each value is checked where it is read, and a bad one
is a PolicyError that places it in its file (`FILE:LINE:COL: policy: key: reason`)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PURPOSES = ("marketing", "service")
KEYS = (
    "calling_hours",
    "quiet_days",
    "holidays",
    "default_timezone",
    "suppress",
    "suppress_max_age",
    "consent_column",
    "consent_max_age",
    "max_attempts",
    "history",
    "purpose",
    "sender",
)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$")
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DAY = 86400


class PolicyError(ValueError):
    """A policy value that cannot be used, with its place in the configuration file."""

    def __init__(self, path: Path, line: int, column: int, key: str, reason: str) -> None:
        super().__init__(f"{path}:{line}:{column}: policy: `{key}`: {reason}")
        self.path = path
        self.line = line
        self.column = column


Window = tuple[int, int]  # minutes from local midnight: start, end (end up to 24:00)


@dataclass(frozen=True)
class Policy:
    """A read policy. `hours` holds each weekday's windows (Monday first); None: any time."""

    hours: tuple[tuple[Window, ...], ...] | None = None
    quiet_days: frozenset[int] = frozenset()
    holidays: bool = False
    default_timezone: str | None = None
    suppress: tuple[Path, ...] = ()
    suppress_max_age: int | None = None  # seconds
    consent_column: str | None = None
    consent_max_age: int | None = None  # seconds
    max_attempts: tuple[int, int] | None = None  # (attempts, seconds)
    history: tuple[str, ...] = ()  # glob patterns, relative to `base`
    purpose: str | None = None
    sender: str | None = None
    base: Path = field(default_factory=Path)
    source: Path | None = None
    written: tuple[str, ...] = ()  # the keys the file sets, in its order

    @property
    def timed(self) -> bool:
        """Whether the policy limits when a call may ring."""
        return self.hours is not None or bool(self.quiet_days) or self.holidays

    @property
    def marketing(self) -> bool:
        return self.purpose == "marketing"

    def history_files(self) -> list[Path]:
        """The call-record files the `history` patterns name, in a stable order. A pattern that
        matches no file is a ValueError: a mistyped one would quietly count no past calls."""
        found: set[Path] = set()
        for pattern in self.history:
            if any(c in pattern for c in "*?["):
                matched = [p for p in self.base.glob(pattern) if p.is_file()]
                if not matched:
                    raise ValueError(
                        f"{self.source}: `history` pattern `{pattern}` matches no file in {self.base}; keep the "
                        "campaigns' records there (`ivrc cdr CAMPAIGN --format csv > records/CAMPAIGN.csv`), or "
                        "leave the pattern out until there are some"
                    )
                found.update(matched)
            else:
                found.add(self.base / pattern)
        return sorted(found)


def read(table: Any, path: Path, text: str, header: str) -> Policy:
    """The policy of one configuration file: `table` as TOML read it, `text` the file itself
    (for the places of errors), `header` the table's name (`tool.ivrc.policy` or `policy`)."""
    if not isinstance(table, dict):
        raise PolicyError(path, *locate(text, header, None), "policy", "expected a table of policy keys")
    settings: dict[str, Any] = {"base": path.parent, "source": path, "written": tuple(table)}
    for key, value in table.items():
        place = locate(text, header, key)
        if key not in KEYS:
            raise PolicyError(path, *place, key, unknown_key(key, KEYS))
        try:
            settings.update(_read_key(key, value, path.parent))
        except ValueError as error:
            raise PolicyError(path, *place, key, str(error)) from None
    return Policy(**settings)


def unknown_key(key: str, keys: tuple[str, ...]) -> str:
    """What is said of a key a table does not have: the closest it has, or all of them."""
    close = difflib.get_close_matches(key, keys, n=1)
    return "unknown key" + (f"; did you mean `{close[0]}`?" if close else f"; the keys are {', '.join(keys)}")


def _read_key(key: str, value: Any, base: Path) -> dict[str, Any]:
    if key == "calling_hours":
        return {"hours": hours(value)}
    if key == "quiet_days":
        if not isinstance(value, list):
            raise ValueError('expected a list of weekdays, such as ["saturday"]')
        return {"quiet_days": frozenset(weekday(day) for day in value)}
    if key == "holidays":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return {"holidays": value}
    if key == "default_timezone":
        return {"default_timezone": zone(value)}
    if key in ("suppress", "history"):
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise ValueError('expected a list of file names, such as ["dnc/registry.csv"]')
        if key == "suppress":
            return {"suppress": tuple(base / name for name in names)}
        return {"history": tuple(names)}
    if key in ("suppress_max_age", "consent_max_age"):
        return {key: age(value)}
    if key == "max_attempts":
        return {"max_attempts": attempts(value)}
    if key == "purpose":
        if value not in PURPOSES:
            raise ValueError(f'expected "marketing" or "service", not {value!r}')
        return {"purpose": value}
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a text")
    return {key: value.strip()}


def hours(value: Any) -> tuple[tuple[Window, ...], ...]:
    """`"08:00-21:00"` for every day; or a table with `default` and weekdays (`friday =
    "08:00-13:00"`, `saturday = ""` for none); a day may also have a list of windows."""
    if isinstance(value, (str, list)):
        windows = _windows(value)
        return tuple(windows for _ in WEEKDAYS)
    if not isinstance(value, dict):
        raise ValueError('expected a window such as "08:00-21:00", or a table of weekdays')
    default = _windows(value.get("default", "00:00-24:00"))
    days = {weekday(name): _windows(windows) for name, windows in value.items() if name != "default"}
    return tuple(days.get(index, default) for index in range(7))


def _windows(value: Any) -> tuple[Window, ...]:
    listed = value if isinstance(value, list) else [value]
    if not all(isinstance(w, str) for w in listed):
        raise ValueError('expected a window such as "08:00-21:00"')
    windows = sorted(window(w) for w in listed if w.strip())
    for before, after in zip(windows, windows[1:], strict=False):
        if after[0] < before[1]:
            raise ValueError(f"the windows {_clock(before)} and {_clock(after)} overlap")
    return tuple(windows)


def window(text: str) -> Window:
    """`08:00-21:00` as minutes from midnight; the end may be 24:00."""
    parts = [part.strip() for part in text.split("-")]
    if len(parts) != 2:
        raise ValueError(f"`{text}` is not a window such as 08:00-21:00")
    start, end = (_minutes(part, text) for part in parts)
    if start >= end:
        raise ValueError(
            f"`{text}` ends before it starts; a window runs within one day (a night window is two: "
            '["00:00-06:00", "22:00-24:00"])'
        )
    return start, end


def _minutes(part: str, text: str) -> int:
    match = _CLOCK.match(part)
    if match is None:
        raise ValueError(f"`{part}` in `{text}` is not a time of day such as 08:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(f"`{part}` in `{text}` is not a time of day (00:00 to 24:00)")
    return hour * 60 + minute


def _clock(w: Window) -> str:
    return f"{w[0] // 60:02}:{w[0] % 60:02}-{w[1] // 60:02}:{w[1] % 60:02}"


def weekday(name: Any) -> int:
    if isinstance(name, str) and name.lower() in WEEKDAYS:
        return WEEKDAYS.index(name.lower())
    close = difflib.get_close_matches(str(name).lower(), WEEKDAYS, n=1)
    raise ValueError(f"`{name}` is not a weekday" + (f"; did you mean `{close[0]}`?" if close else ""))


def zone(name: Any) -> str:
    """An IANA time zone name that zoneinfo (with tzdata) knows."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    if not isinstance(name, str) or not name:
        raise ValueError('expected a time zone name such as "Asia/Jerusalem"')
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long to be a file
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        raise ValueError(
            f"`{name}` is not a time zone" + (f"; did you mean `{close[0]}`?" if close else " (an IANA name)")
        ) from None
    return name


def age(value: Any) -> int:
    """`15d`, `12h`, `2w` as seconds."""
    match = _AGE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"`{value}` is not an age such as 15d (s, m, h, d or w)")
    seconds = int(float(match.group(1)) * _AGE_UNITS[match.group(2)])
    if seconds <= 0:
        raise ValueError(f"`{value}` is not an age of more than nothing")
    return seconds


def attempts(value: Any) -> tuple[int, int]:
    """`7/7d`: at most 7 calls to one person in any 7 days."""
    if not isinstance(value, str) or value.count("/") != 1:
        raise ValueError(f"`{value}` is not a cap such as 7/7d (calls / period)")
    count, period = value.split("/")
    if not count.strip().isdigit() or int(count) < 1:
        raise ValueError(f"`{value}`: the number of calls is a whole number of 1 or more")
    return int(count), age(period)


def locate(text: str, header: str, key: str | None) -> tuple[int, int]:
    """Where the policy table (or one of its keys) is written: a line and column, or 1:1."""
    lines = text.splitlines()
    inside = False
    parent, own = header.rsplit(".", 1) if "." in header else ("", header)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[] ").replace(" ", "")
            inside = name == header or name.startswith(header + ".")
            if inside and key is None:
                return number, line.index("[") + 1
            continue
        at_parent = not parent or _in_table(lines, number, parent)
        if not inside and at_parent and re.match(rf"^\s*{re.escape(own)}\s*=", line):
            inside = True  # an inline table: `policy = {{ ... }}`
            if key is None:
                return number, line.index(own) + 1
        if inside and key is not None:
            found = re.search(rf"(^|[\s{{,]){re.escape(key)}\s*=", line)
            if found is not None:
                return number, found.start() + len(found.group(1)) + 1
    return 1, 1


def _in_table(lines: list[str], number: int, table: str) -> bool:
    for line in reversed(lines[: number - 1]):
        stripped = line.strip()
        if stripped.startswith("["):
            return stripped.strip("[] ").replace(" ", "") == table
    return False
