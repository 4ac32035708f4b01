"""The calls made before, from the call records a team keeps (what `ivrc cdr` writes): how often
each person was called lately, and who chose `mark remove`. Kept as sorted arrays of integers,
so a million records take tens of megabytes and nothing of them is printed."""

from __future__ import annotations

import bisect
import calendar
import csv
import functools
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ivrc.compliance.lists import number_key
from ivrc.language.files import text_lines
from ivrc.running.cdr_files import read_records
from ivrc.running.records import COLUMNS, CdrError, parse_time


class HistoryError(ValueError):
    """Call records that cannot be read: `FILE:LINE: reason`."""


@dataclass
class History:
    """Attempts (number, time) sorted by number then time, and the numbers that opted out."""

    numbers: array[int] = field(default_factory=lambda: array("Q"))
    times: array[int] = field(default_factory=lambda: array("q"))
    opted_out: array[int] = field(default_factory=lambda: array("Q"))
    records: int = 0
    files: int = 0

    def attempts(self, key: int, since: int, until: int) -> int:
        """The calls to `key` that started after `since` and no later than `until`."""
        low = bisect.bisect_left(self.numbers, key)
        if low == len(self.numbers) or self.numbers[low] != key:
            return 0
        high = bisect.bisect_right(self.numbers, key, lo=low)
        return bisect.bisect_right(self.times, until, low, high) - bisect.bisect_right(self.times, since, low, high)

    def called_at_least(self, times: int) -> array[int]:
        """The numbers with at least `times` attempts kept, sorted: the only ones a cap can stop."""
        found: array[int] = array("Q")
        numbers, run = self.numbers, 0
        for index in range(len(numbers)):
            run = run + 1 if index and numbers[index] == numbers[index - 1] else 1
            if run == times:
                found.append(numbers[index])
        return found

    def opted(self, key: int) -> bool:
        index = bisect.bisect_left(self.opted_out, key)
        return index < len(self.opted_out) and self.opted_out[index] == key


def _calls(path: Path) -> Iterator[tuple[str, int | None, bool]]:
    """(number, start as a Unix time, whether it chose `remove`) of each record. The service's own
    CSV (`ivrc cdr --format csv`), the common case and the large one, is read column by column,
    a record's steps parsed only when they name `remove`; every other form by `read_records`."""
    lines = text_lines(path)
    first = next(lines, "")
    try:
        header = [name.strip().replace(" ", "_") for name in next(csv.reader([first.lstrip("\ufeff")]), [])]
    except csv.Error as error:
        raise CdrError(f"not CSV: {error}", 1) from None
    if not set(COLUMNS) <= set(header) or not first.strip():
        for record in read_records(path):
            began = record.start_time
            yield record.phone_number, int(began.timestamp()) if began else None, "remove" in record.marks
        return
    number, start, steps = (header.index(name) for name in ("phone_number", "start_time", "steps"))
    width = len(header)
    reader = csv.reader(lines)
    while True:
        line = reader.line_num + 2
        try:
            row = next(reader, None)
        except csv.Error as error:
            raise CdrError(f"not CSV: {error}", line) from None
        if row is None:
            return
        if not row:
            continue
        if len(row) != width:
            raise CdrError(f"the record has {len(row)} fields; the header has {width}", line)
        try:
            moment = _epoch(row[start])
            removed = '"remove"' in row[steps] and "remove" in _marks(row[steps])
        except ValueError as error:
            raise CdrError(str(error), line) from None
        yield row[number], moment, removed


def _epoch(text: str) -> int | None:
    """`2016-03-30 14:53:50+03` as a Unix time: the service's form read by its fixed places (a
    million records a few seconds sooner); any other form as `parse_time` reads it."""
    if len(text) == 22 and text[10] == " " and text[19] in "+-" and text[13] == text[16] == ":":
        day = _midnight(text[:10])
        clock = text[11:13] + text[14:16] + text[17:19] + text[20:22]
        if day is not None and clock.isdigit() and clock.isascii():
            hour, minute, second = int(clock[:2]), int(clock[2:4]), int(clock[4:6])
            if hour < 24 and minute < 60 and second < 60 and int(clock[6:]) < 24:
                moment = (
                    day + hour * 3600 + minute * 60 + second - int(clock[6:]) * 3600 * (1 if text[19] == "+" else -1)
                )
                return moment
    parsed = parse_time(text)
    return int(parsed.timestamp()) if parsed else None


@functools.lru_cache(maxsize=4096)
def _midnight(day: str) -> int | None:
    """`2016-03-30` as the Unix time of its UTC midnight; records share their days, so each is read once."""
    if not (day[:4] + day[5:7] + day[8:10]).isdigit() or day[4] != "-" or day[7] != "-" or not day.isascii():
        return None
    try:
        return calendar.timegm(date(int(day[:4]), int(day[5:7]), int(day[8:10])).timetuple())
    except (ValueError, OverflowError):
        return None


def _marks(steps: str) -> list[str]:
    from ivrc.running.records import CdrRecord, parse_steps

    return CdrRecord("", "", None, None, None, 0, 0, "", "", parse_steps(steps)).marks


def read_history(paths: list[Path], region: str | None, since: int | None) -> History:
    """Every record of `paths`; attempts older than `since` are not kept (they count for no cap).
    HistoryError places a record that cannot be read; Unreadable says why a file cannot be."""
    pairs: list[int] = []  # number << 34 | time: sorted once, split into two arrays
    opted: list[int] = []
    history = History(files=len(paths))
    for path in paths:
        try:
            for number, moment, removed in _calls(path):
                history.records += 1
                key = number_key(number, region)
                if key is None:
                    continue
                if removed:
                    opted.append(key)
                if moment is not None and (since is None or moment > since):
                    pairs.append(key << 34 | (moment & (2**34 - 1)))
        except CdrError as error:
            where = f"{path}:{error.line}" if error.line else str(path)
            raise HistoryError(f"{where}: {error.reason}") from None
    pairs.sort()
    history.numbers = array("Q", (pair >> 34 for pair in pairs))
    history.times = array("q", (pair & (2**34 - 1) for pair in pairs))
    history.opted_out = array("Q", sorted(set(opted)))
    return history
