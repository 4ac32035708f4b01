"""The gate every personal request passes before it is written or sent: is this person on a
do-not-call list, did they opt out, may they be called now (or when, first), how often were they
called lately, and did they consent. A row held back is counted by reason and never rendered;
a row let through gets the moment of its call. The same inputs give the same decisions, so the
three readings of a deploy (check, plan, send) agree row for row."""

from __future__ import annotations

import bisect
import time
from array import array
from collections import Counter
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ivrc.checks import (
    ambiguous_timezone,
    attempt_cap,
    consent_expired,
    missing_consent,
    opted_out,
    outside_calling_hours,
    retries_past_window,
    stale_suppression_list,
    suppressed_recipient,
)
from ivrc.compliance import calendar
from ivrc.compliance.history import History, read_history
from ivrc.compliance.lists import NumberList, hashed, read_list
from ivrc.compliance.verdict import Decision, Figures, cell_span, consent_time, days, minutes
from ivrc.language.ast import Span
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.policy import DAY, Policy

if TYPE_CHECKING:
    from ivrc.build.recipients import Cell, Row

TIMEZONE_COLUMN = "timezone"
LISTED_PER_RULE = 1000  # rows held back that a rule names one by one; the rest are counted


class GateError(ValueError):
    """A list or a history file that cannot be used: `FILE:LINE: reason`."""


class Gate:
    """One policy applied to one campaign. `start` is `--start-at` (given) or now; `fixed` is
    the flow's own timestamp schedule; `span` the seconds from a call's start to the end of its
    last try."""

    def __init__(
        self,
        policy: Policy,
        region: str | None,
        start: int | None,
        fixed: int | None,
        span: int,
        marketing: bool,
        now: int | None = None,
        delay: int = 0,
    ) -> None:
        self.policy = policy
        self.region = region
        self.now = int(time.time()) if now is None else now
        self.given = start is not None  # --start-at: every request gets its own timestamp
        # Without it, the campaign starts on arrival (after a `schedule in` delay), and only a
        # recipient who may not be called then is given a timestamp.
        self.start = start if start is not None else self.now + delay
        self._delay = delay
        self.live = False
        self.fixed = None if self.given else fixed
        self.span = span
        self.marketing = marketing
        self.calendar = calendar.Calendar(policy)
        self.lists: list[NumberList] = []
        self.history = History()
        self.figures = Figures()
        self._listed: Counter[str] = Counter()
        self.found: list[Diagnostic] = []
        self._hashed = False
        self._firsts: dict[calendar.Place, tuple[int, bool] | None] = {}
        self._ends: dict[calendar.Place, int | None] = {}  # the window each place's first moment is in
        self._decisions: dict[int | None, Decision] = {}
        self._busy: array[int] = array("Q")
        self._places: dict[str, calendar.Place] = {}

    def prepare(self) -> None:
        """Read the lists and the history once. GateError or Unreadable when one cannot be used."""
        from ivrc.compliance.history import HistoryError
        from ivrc.compliance.lists import ListError

        try:
            self.lists = [read_list(path, self.region) for path in self.policy.suppress]
            self._hashed = any(listed.hashes for listed in self.lists)
        except ListError as error:
            raise GateError(str(error)) from None
        cap = self.policy.max_attempts
        try:
            files = self.policy.history_files()
        except ValueError as error:
            raise GateError(str(error)) from None
        if files:
            try:
                self.history = read_history(files, self.region, self.start - cap[1] - DAY if cap else self.start)
            except HistoryError as error:
                raise GateError(str(error)) from None
            if cap is not None:
                self._busy = self.history.called_at_least(cap[0])

    def sending(self) -> None:
        """From now on the rows are sent as they are decided: without --start-at, each is judged
        at the moment it is sent, not at the moment of the plan. A send that runs past a window's
        end gives the rows after it a timestamp in the next window, rather than a call now."""
        self.live = not self.given and self.fixed is None

    def _clock(self) -> int:
        """The campaign's start as a row is decided: the plan's, or, sending live, now (and its delay)."""
        if self.live:
            now = int(time.time()) + self._delay
            if now > self.start:
                self.start = now
                self._firsts.clear()
                self._ends.clear()
        return self.start

    def begin(self, found: list[Diagnostic]) -> None:
        """A new reading of the recipients, whose findings go to `found`: the figures start again."""
        self.found = found
        self.figures = Figures()
        self._listed = Counter()

    def decide(self, row: Row, key: int, digits: str, country: str | None, cell: Cell, where: str) -> Decision:
        """The verdict on one row whose number reads as `key` (its E.164 digits as an integer)."""
        digest = hashed(key) if self._hashed else 0  # once a row, for every list kept hashed
        for listed in self.lists:
            numbers, hashes = listed.numbers, listed.hashes  # NumberList.has, inline: a million rows ask
            at = bisect.bisect_left(numbers, key)
            found = at < len(numbers) and numbers[at] == key
            if not found and hashes:
                at = bisect.bisect_left(hashes, digest)
                found = at < len(hashes) and hashes[at] == digest
            if found:
                return self._hold(
                    suppressed_recipient.NAME,
                    f"suppressed:{listed.path.name}",
                    f"row {row.number} is on the do-not-call list {listed.path.name}: not called",
                    cell,
                    where,
                )
        if self.history.opted_out and self.history.opted(key):
            return self._hold(
                opted_out.NAME,
                "opted-out",
                f"row {row.number} chose `mark remove` in a recorded call: not called",
                cell,
                where,
            )
        moment, zone, said = self._when(row, digits, country, cell, where)
        if said is not None:
            return said
        consent = self._consent(row, moment, cell, where)
        if consent is not None:
            return consent
        cap = self.policy.max_attempts
        if cap is not None:
            count, period = cap
            busy = self._busy  # only those called `count` times lately can be at the cap
            at = bisect.bisect_left(busy, key)
            before = self.history.attempts(key, moment - period, moment) if at < len(busy) and busy[at] == key else 0
            if before + 1 > count:
                return self._hold(
                    attempt_cap.NAME,
                    "attempt-cap",
                    f"row {row.number} was called {before} time{'s' if before != 1 else ''} in the "
                    f"{days(period)} before this call; the policy allows {count}: not called",
                    cell,
                    where,
                )
        self.figures.called_at(moment, zone)
        timed = moment if (self.given or moment != self.start) and self.fixed is None else None
        decision = self._decisions.get(timed)
        if decision is None:
            decision = self._decisions[timed] = Decision(moment=timed)
        return decision

    def _when(
        self, row: Row, digits: str, country: str | None, cell: Cell, where: str
    ) -> tuple[int, str, Decision | None]:
        """The moment of the call, its zone, and a Decision when the row cannot be called."""
        start = self.fixed if self.fixed is not None else self._clock()
        zone_cell = row.cells.get(TIMEZONE_COLUMN)
        column = zone_cell.value.strip() if zone_cell is not None and zone_cell.value.strip() else None
        if column is not None:
            from ivrc.language.policy import zone as read_zone

            try:
                read_zone(column)
            except ValueError as error:
                return (
                    start,
                    "UTC",
                    self._error(ambiguous_timezone, f"row {row.number}: {error}", zone_cell or cell, where),
                )
        try:
            place = self._places.get(digits[:3] + (country or "")) if column is None else None
            if place is None:
                place = calendar.place(digits, country, column, self.policy.default_timezone)
                if column is None and calendar.one_zone(digits):  # the country code tells the zone
                    self._places[digits[:3] + (country or "")] = place
        except calendar.NoZone:
            if not self.policy.timed:  # no calling hours: the zone says nothing of when to call
                return start, "UTC", None
            message = f"the time zone of row {row.number}'s number cannot be told"
            hint = 'set the policy\'s `default_timezone = "…"`, or give the file a `timezone` column'
            return start, "UTC", self._error(ambiguous_timezone, message, cell, where, hint)
        zone = place.zones[0]
        if not self.policy.timed:
            return start, zone, None
        if len(place.zones) > 1:
            self._note(
                ambiguous_timezone,
                f"row {row.number}'s number is in {len(place.zones)} time zones; it is called only when all of "
                "them allow it",
                cell,
                where,
                "add a `timezone` column with the person's own zone",
            )
        elif place.told_by == "default":
            self._note(
                ambiguous_timezone,
                f"the time zone of row {row.number}'s number cannot be told: {zone} (`default_timezone`) is used",
                cell,
                where,
            )
        if self.fixed is not None:
            if not self.calendar.allowed(place, start, 0):
                found = self.calendar.first_moment(place, start, self.span)
                instead = f"; its first allowed moment is {calendar.local(found[0], zone)}" if found else ""
                return (
                    start,
                    zone,
                    self._error(
                        outside_calling_hours,
                        f"row {row.number} would be called at {calendar.local(start, zone)}, outside the calling "
                        f"hours{self.calendar.why(place, start)}{instead}",
                        cell,
                        where,
                        "leave the time out of the flow and give --start-at: each recipient is called at their own "
                        "first allowed moment",
                    ),
                )
            end = self.calendar.window_end(place, start)
            if end is not None and start + self.span > end:
                self._note(
                    retries_past_window,
                    f"row {row.number}'s last try could end {minutes(start + self.span - end)} after the calling "
                    "window closes",
                    cell,
                    where,
                    "call earlier, or lower `max_retries`, `ring_timeout` or `retry_wait_time`",
                )
            return start, zone, None
        if place not in self._firsts:  # a few places serve a million rows: each is worked out once
            self._firsts[place] = self.calendar.first_moment(place, start, self.span)
        found = self._firsts[place]
        if found is None:
            return (
                start,
                zone,
                self._error(
                    outside_calling_hours,
                    f"row {row.number} may not be called on any day of the {calendar.HORIZON_DAYS} after "
                    f"{calendar.local(start, zone)}",
                    cell,
                    where,
                    "check the policy's `calling_hours`, `quiet_days` and `holidays`",
                ),
            )
        moment, fits = found
        if moment == start and not self.given:  # called on arrival: only until its window closes
            if place not in self._ends:
                self._ends[place] = self.calendar.window_end(place, moment)
            end = self._ends[place]
            if end is not None:
                self.figures.allowed_until(end - self.span)
        if not fits:
            self._note(
                retries_past_window,
                f"row {row.number}'s call and its retries take {minutes(self.span)}, longer than any calling "
                "window, so the last try ends after it closes",
                cell,
                where,
                "lower `max_retries`, `ring_timeout` or `retry_wait_time`",
            )
        return moment, zone, None

    def _consent(self, row: Row, moment: int, cell: Cell, where: str) -> Decision | None:
        column = self.policy.consent_column
        if column is None:
            return None
        given = row.cells.get(column)
        value = given.value.strip() if given is not None else ""
        severity = Severity.ERROR if self.marketing else Severity.WARNING
        if not value:
            return self._consent_finding(
                missing_consent,
                f"row {row.number} has no consent (`{column}` is empty)",
                given or cell,
                where,
                severity,
            )
        when = consent_time(value)
        if when is None:
            return self._consent_finding(
                consent_expired,
                f"row {row.number}'s `{column}` is not a date such as 2026-03-01: `{value}`",
                given or cell,
                where,
                severity,
            )
        limit = self.policy.consent_max_age
        if limit is not None and moment - when > limit:
            return self._consent_finding(
                consent_expired,
                f"row {row.number}'s consent is {(moment - when) // DAY} days old at the call; the policy allows "
                f"{days(limit)}",
                given or cell,
                where,
                severity,
            )
        return None

    def _consent_finding(self, rule, message: str, cell: Cell, where: str, severity: Severity) -> Decision:  # type: ignore[no-untyped-def]
        self.found.append(
            rule.diagnose(message, cell_span(cell), where, "ask for consent again, or remove the row", severity)
        )
        if severity is Severity.ERROR:
            return Decision(error=True)
        self.figures.held[rule.NAME] += 1
        return Decision(held=rule.NAME)

    def _hold(self, rule: str, reason: str, message: str, cell: Cell, where: str) -> Decision:
        self.figures.held[reason] += 1
        self._listed[rule] += 1
        if self._listed[rule] <= LISTED_PER_RULE:
            module = {m.NAME: m for m in (suppressed_recipient, opted_out, attempt_cap)}[rule]
            self.found.append(module.diagnose(message, cell_span(cell), where))
        return Decision(held=reason)

    def _note(self, rule, message: str, cell: Cell, where: str, hint: str | None = None) -> None:  # type: ignore[no-untyped-def]
        self._listed[rule.NAME] += 1
        if self._listed[rule.NAME] <= LISTED_PER_RULE:
            self.found.append(rule.diagnose(message, cell_span(cell), where, hint))

    def _error(self, rule, message: str, cell: Cell, where: str, hint: str | None = None) -> Decision:  # type: ignore[no-untyped-def]
        self.found.append(rule.diagnose(message, cell_span(cell), where, hint, Severity.ERROR))
        return Decision(error=True)

    def finish(self, where: str) -> list[Diagnostic]:
        """After the rows: the rows named no more, and each list too old at the last call."""
        out: list[Diagnostic] = []
        for rule, count in sorted(self._listed.items()):
            if count > LISTED_PER_RULE:
                out.append(
                    Diagnostic(
                        rule,
                        Severity.INFO,
                        f"{count - LISTED_PER_RULE} more rows found by {rule} are counted in the plan, not listed",
                        Span(1, 1, 1, 2, 0, 0),
                        path=where,
                    )
                )
        limit = self.policy.suppress_max_age
        last = self.figures.last[0] if self.figures.last else self.start
        for listed in self.lists if limit is not None else []:
            old = last - int(listed.dated.timestamp())
            if limit is not None and old > limit:
                out.append(
                    stale_suppression_list.diagnose(
                        f"{listed.path.name} is {old // DAY} days old at the last call "
                        f"({datetime.fromtimestamp(last, timezone.utc):%Y-%m-%d}); the policy allows "
                        f"{days(limit)} (dated by its {listed.dated_by})",
                        Span(1, 1, 1, 2, 0, 0),
                        listed.path,
                        "download the list again",
                    )
                )
        return out
