"""What the gate says of a row (a Decision) and of a whole reading (the Figures the plan
prints), and the small readings and wordings the gate's findings share."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ivrc.language.ast import Span
from ivrc.language.policy import DAY

if TYPE_CHECKING:
    from ivrc.build.recipients import Cell


@dataclass(frozen=True)
class Decision:
    """A row's verdict: held back (and why), or let through at `moment` (None: as the flow says)."""

    held: str | None = None
    moment: int | None = None
    error: bool = False


@dataclass
class Figures:
    """What a run of the gate decided, for the plan."""

    held: Counter[str] = field(default_factory=Counter)
    first: tuple[int, str] | None = None  # (moment, zone) of the earliest call
    last: tuple[int, str] | None = None
    zones: Counter[str] = field(default_factory=Counter)
    # Calls with no time of their own ring when they are sent: the end of the earliest window
    # they were judged in (less the call's span), after which sending them would ring late.
    until: int | None = None

    def allowed_until(self, moment: int) -> None:
        self.until = moment if self.until is None else min(self.until, moment)

    def called_at(self, moment: int, zone: str) -> None:
        if self.first is None or moment < self.first[0]:
            self.first = (moment, zone)
        if self.last is None or moment > self.last[0]:
            self.last = (moment, zone)
        self.zones[zone] += 1


@functools.lru_cache(maxsize=4096)
def consent_time(value: str) -> int | None:
    """A consent's date as a Unix time (a date alone is its UTC midnight); None when it is not one.
    Dates repeat across a file: each is read once."""
    try:
        day = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((day if day.tzinfo else day.replace(tzinfo=timezone.utc)).timestamp())


def cell_span(cell: Cell) -> Span:
    return Span(cell.line, cell.column, cell.line, cell.column + max(cell.width, 1), 0, 0)


def days(seconds: int) -> str:
    return f"{seconds // DAY} days" if seconds % DAY == 0 else f"{seconds // 3600} hours"


def minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60} s" if seconds % 60 else f"{seconds // 60} min"
