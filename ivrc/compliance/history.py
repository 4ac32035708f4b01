"""The calls made before, from the call records a team keeps (what `ivrc cdr` writes): how often
each person was called lately, and who chose `mark remove`. Kept as sorted arrays of integers,
so a million records take tens of megabytes and nothing of them is printed."""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from ivrc.compliance.lists import number_key
from ivrc.running.cdr_files import read_records
from ivrc.running.records import CdrError


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
        high = bisect.bisect_right(self.numbers, key, lo=low)
        if low == high:
            return 0
        times = self.times[low:high]
        return bisect.bisect_right(times, until) - bisect.bisect_right(times, since)

    def opted(self, key: int) -> bool:
        index = bisect.bisect_left(self.opted_out, key)
        return index < len(self.opted_out) and self.opted_out[index] == key


def read_history(paths: list[Path], region: str | None, since: int | None) -> History:
    """Every record of `paths`; attempts older than `since` are not kept (they count for no cap).
    HistoryError places a record that cannot be read; Unreadable says why a file cannot be."""
    pairs: list[int] = []  # number << 34 | time: sorted once, split into two arrays
    opted: list[int] = []
    history = History(files=len(paths))
    for path in paths:
        try:
            for record in read_records(path):
                history.records += 1
                key = number_key(record.phone_number, region)
                if key is None:
                    continue
                if "remove" in record.marks:
                    opted.append(key)
                moment = record.start_time
                if moment is None:
                    continue
                when = int(moment.timestamp())
                if since is None or when > since:
                    pairs.append(key << 34 | (when & (2**34 - 1)))
        except CdrError as error:
            where = f"{path}:{error.line}" if error.line else str(path)
            raise HistoryError(f"{where}: {error.reason}") from None
    pairs.sort()
    history.numbers = array("Q", (pair >> 34 for pair in pairs))
    history.times = array("q", (pair & (2**34 - 1) for pair in pairs))
    history.opted_out = array("Q", sorted(set(opted)))
    return history
